"""Latent geometry of DVAAN: class means, the KL to the prior, boundary samples.

The prior of class ``k`` is ``N(mu * v_k, I)`` with unit vectors ``v_k``
(Eq. 4 of the paper, made concrete in ``docs/user_guide``):

* two classes: ``v = +u`` for the positive (minority) class and ``-u`` for the
  other, ``u = ones(d) / sqrt(d)``;
* ``K > 2`` classes: the vertices of a regular simplex centred at the origin.

The origin is equidistant from every class mean, so ``N(0, I)`` is the region
between the classes where boundary samples are drawn.

Two boundary rules live here. :func:`sample_boundary` is the paper's, read
literally: decode ``z ~ N(0, I)`` and keep what the discriminator agrees on.
:func:`sample_anchored`, the default, starts from real samples of the class
and moves their codes towards the origin until the discriminator is unsure
(see ``docs/user_guide`` for why and for what each rule measured).
"""

import math
import warnings

import torch

from .exceptions import BoundarySamplingWarning

# The anchored rule moves a real sample's code a share t ~ U(0, T_MAX) of the
# way to a nearby code of another class: at most onto that code. (1.5, past
# it, was measured and not kept: see the benchmarks page.)
T_MAX = 1.0
N_TARGETS = 5  # nearest codes of other classes to move towards
N_NEIGHBOURS = 5  # a candidate needs one real row of its class among these
# A candidate this close to its anchor (in scaled units) would be a copy.
COPY_TOL = 1e-6
# Relative slack on the triangle-inequality pass of the neighbour test, far
# above the float32 error of distances, so that it never passes a row that
# the exact comparison would reject.
BOUND_MARGIN = 1e-3

# How far the draw moves from the origin towards the class mean when too few
# boundary candidates are accepted: t = 0 is the paper's rule, t = 1 the core.
FALLBACK_SCHEDULE = (0.0, 0.25, 0.5, 0.75, 1.0)


def class_directions(n_classes, latent_dim, positive=1):
    """Unit vectors ``v_k`` of shape (K, d); ``positive`` gets ``+u`` if K == 2."""
    if n_classes < 2:
        raise ValueError("the prior needs at least two classes")
    if latent_dim < n_classes - 1:
        raise ValueError(
            f"latent_dim={latent_dim} is too small for {n_classes} classes: the "
            f"class means need latent_dim >= n_classes - 1 = {n_classes - 1}."
        )
    if n_classes == 2:
        u = torch.full((latent_dim,), 1.0 / math.sqrt(latent_dim))
        v = torch.stack([-u, -u])
        v[positive] = u
        return v
    # Simplex: centre the K standard basis vectors, then express them in an
    # orthonormal basis of the (K-1)-dimensional subspace they span.
    centred = torch.eye(n_classes, dtype=torch.float64) - 1.0 / n_classes
    _, _, vh = torch.linalg.svd(centred)
    coords = centred @ vh[: n_classes - 1].T  # (K, K-1)
    coords = coords / coords.norm(dim=1, keepdim=True)
    v = torch.zeros(n_classes, latent_dim, dtype=torch.float64)
    v[:, : n_classes - 1] = coords
    return v.float()


def kl_to_prior(m, logvar, prior_mean):
    """``KL(N(m, s2) || N(prior_mean, I))`` per sample, shape (B,)."""
    return 0.5 * (logvar.exp() + (m - prior_mean).pow(2) - 1.0 - logvar).sum(1)


def latent_label(z, means):
    """Index of the class mean nearest to each row of ``z``: (B, d) -> (B,)."""
    return torch.cdist(z, means).argmin(1)


@torch.no_grad()
def sample_boundary(
    module,
    directions,
    k,
    n_samples,
    *,
    generator,
    batch_size=1024,
    max_candidates=None,
    fill=False,
    kind="boundary",
    schedule=FALLBACK_SCHEDULE,
    activate=None,
    label=None,
):
    """Generate up to ``n_samples`` samples of class index ``k``.

    ``kind="boundary"`` applies the paper's rule: draw ``z ~ N(0, I)``, keep
    ``G(z)`` where the nearest class mean and ``argmax D(G(z))`` both say
    ``k``. When too few candidates pass after ``max_candidates`` draws, the
    draw moves towards the class mean, ``z ~ N(t mu v_k, I)``, ``t`` along
    ``schedule`` (by default :data:`FALLBACK_SCHEDULE`). The work is bounded:
    at most ``len(schedule) * max_candidates`` candidates are decoded.
    ``kind="core"`` draws from ``N(mu v_k, I)`` and keeps every sample.

    With ``fill=True`` a shortfall is made up from the class core and a
    :class:`BoundarySamplingWarning` says so; otherwise fewer samples may be
    returned. The module must be in eval mode. ``activate`` (mixed-type
    tables) maps the decoder's raw outputs to the encoded rows that the
    discriminator sees and that are returned; None keeps them as they are.
    ``label`` names the class in the warning (``sample()`` passes the user's
    label); None names it by its index.

    Returns ``(x, n_fallback)``: the samples (n, n_features) on the module's
    device, and how many came from a draw with ``t > 0`` or from the fill.
    """
    device = directions.device
    means = module.mu * directions  # (K, d)
    d = directions.shape[1]
    if max_candidates is None:
        max_candidates = max(8 * n_samples, 2 * batch_size)
    if kind == "core":
        core = _decode_core(module, means[k], n_samples, generator, batch_size)
        return _activated(core, activate), 0

    kept, n_kept, n_fallback = [], 0, 0
    for t in schedule:
        drawn = 0
        while n_kept < n_samples and drawn < max_candidates:
            b = min(batch_size, max_candidates - drawn)
            z = torch.randn(b, d, generator=generator, device=device) + t * means[k]
            drawn += b
            x = _activated(module.decoder(z), activate)
            pred = module.discriminator(x)[0].argmax(1)
            ok = (latent_label(z, means) == k) & (pred == k)
            x = x[ok][: n_samples - n_kept]
            kept.append(x)
            n_kept += x.shape[0]
            if t > 0:
                n_fallback += x.shape[0]
        if n_kept >= n_samples:
            break
    if n_kept < n_samples and fill:
        short = n_samples - n_kept
        core = _decode_core(module, means[k], short, generator, batch_size)
        kept.append(_activated(core, activate))
        n_fallback += short
    if fill and n_fallback:
        warnings.warn(
            f"Only {n_samples - n_fallback} of {n_samples} boundary samples of "
            f"{_class_name(k, label)} passed the agreement test at the boundary; "
            f"the other {n_fallback} were drawn closer to the class mean. The model "
            "may be under-trained (raise max_iter) or the classes may not overlap.",
            BoundarySamplingWarning,
            stacklevel=4,  # past torch.no_grad's wrapper to the caller of sample()
        )
    if not kept:
        return torch.empty(0, module.cfg.n_features, device=device), n_fallback
    return torch.cat(kept), n_fallback


def _class_name(k, label):
    """The class as a warning names it: its label when known, else its index."""
    return f"class index {k}" if label is None else f"class {label!r}"


def _activated(x, activate):
    return x if activate is None else activate(x)


class _Spares:
    """Rejected candidates ranked by a gap, memory bounded by what may be needed.

    Sorting on every batch would cost a sort of ``n_samples`` rows per batch;
    compacting only when twice the needed rows have piled up keeps the cost
    linear in the candidates.
    """

    def __init__(self):
        self.x, self.gap, self.n = [], [], 0
        # The keep-th smallest gap at the last compaction (inf before one that
        # held keep rows): later rows only lower it, so a row with a larger
        # gap can never be among the best (what `bound` tells a caller).
        self.bound = math.inf

    def add(self, x, gap, *, keep):
        if self.bound < math.inf:  # rows past the bound can never be needed
            near = gap <= self.bound
            x, gap = x[near], gap[near]
        self.x.append(x)
        self.gap.append(gap)
        self.n += x.shape[0]
        if self.n > 2 * max(keep, 1):
            self._compact(keep)

    def _compact(self, keep):
        x, gap = torch.cat(self.x), torch.cat(self.gap)
        # Stable: tied rows stay in draw order, so the ranking is the same
        # whenever the compactions happen (and whatever the bound dropped).
        order = gap.argsort(stable=True)[:keep]
        self.x, self.gap, self.n = [x[order]], [gap[order]], int(order.shape[0])
        if keep > 0 and self.n >= keep:
            self.bound = float(self.gap[0][keep - 1])

    def best(self, n):
        """The ``n`` rows with the smallest gaps, or None when there are none."""
        if not self.x:
            return None
        self._compact(n)
        return self.x[0]


def clip_to_range(module, x):
    """Rows of ``x`` clipped to the training range ``module.x_min, x_max``."""
    return torch.maximum(torch.minimum(x, module.x_max), module.x_min)


def _has_own_neighbour(x, reference_x, reference_y, k, anchor=None, anchor_kth=None):
    """Whether one of each row's :data:`N_NEIGHBOURS` nearest references is of ``k``.

    A row passes when its nearest reference row of class ``k`` is no farther
    than its ``N_NEIGHBOURS``-th nearest row of the other classes: then fewer
    than ``N_NEIGHBOURS`` of them are nearer. (A top-k over the other rows;
    counting them all with a comparison costs three times as much.) With
    ``anchor`` (a reference row of class ``k`` per row of ``x``), rows that
    pass against their anchor pass, and only the others are compared with
    every row of class ``k``. With ``anchor_kth`` as well (each anchor's own
    ``N_NEIGHBOURS``-th nearest distance to the other classes,
    :func:`_anchor_kth`), a row within ``delta`` of its anchor whose
    ``2 delta`` is below it passes without a search: each other row is at
    least its distance to the anchor minus ``delta`` away (the triangle
    inequality), so the row's own ``N_NEIGHBOURS``-th is at least
    ``anchor_kth - delta >= delta``, and the anchor is at ``delta``.
    """
    if x.shape[0] == 0:
        return torch.zeros(0, dtype=torch.bool, device=x.device)
    own = reference_y == k
    other = reference_x[~own]
    if other.shape[0] < N_NEIGHBOURS:
        return torch.ones(x.shape[0], dtype=torch.bool, device=x.device)
    if anchor is None:
        kth = _kth_distance(x, other)
        return kth >= torch.cdist(x, reference_x[own]).min(1).values
    delta = (x - anchor).norm(dim=1)
    if anchor_kth is None:
        ok = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
    else:  # a margin for the rounding of distances computed two ways
        ok = 2.0 * delta <= anchor_kth * (1.0 - BOUND_MARGIN)
    rest = torch.nonzero(~ok).squeeze(1)
    if rest.numel() == 0:
        return ok
    kth = _kth_distance(x[rest], other)
    # The anchor bounds the nearest own row: passing against it is passing.
    ok_rest = kth >= delta[rest]
    far = ~ok_rest
    if bool(far.any()):
        d_own = torch.cdist(x[rest[far]], reference_x[own]).min(1).values
        ok_rest[far] = kth[far] >= d_own
    ok[rest] = ok_rest
    return ok


def _kth_distance(x, rows):
    """Each row of ``x``'s :data:`N_NEIGHBOURS`-th smallest distance to ``rows``."""
    d = torch.cdist(x, rows)
    return d.topk(N_NEIGHBOURS, dim=1, largest=False).values[:, -1]


def _anchor_kth(anchors, reference_x, reference_y, k):
    """:func:`_kth_distance` of each anchor to the reference rows not of ``k``.

    None when there are fewer than :data:`N_NEIGHBOURS` such rows (then
    :func:`_has_own_neighbour` passes every row anyway).
    """
    other = reference_x[reference_y != k]
    if other.shape[0] < N_NEIGHBOURS or anchors.shape[0] == 0:
        return None
    return torch.cat([_kth_distance(a, other) for a in anchors.split(4096)])


def _isolated(reference_x, reference_y, own, k):
    """Rows of class ``k`` whose nearest reference rows are all of other classes.

    Borderline-SMOTE's "noise": a sample surrounded by another class (often a
    mislabelled one) anchors samples deep in that class, which teach a
    classifier the wrong region. They are left out as anchors, unless every
    row of the class is isolated.
    """
    idx = torch.nonzero(own).squeeze(1)
    n_nb = min(N_NEIGHBOURS + 1, reference_x.shape[0])
    nb = torch.cdist(reference_x[idx], reference_x).topk(n_nb, largest=False).indices
    nb_y = reference_y[nb[:, 1:]]  # the first is the row itself
    alone = ~(nb_y == k).any(1)
    if bool(alone.all()):
        alone[:] = False
    out = torch.zeros_like(own)
    out[idx[alone]] = True
    return out


def _anchor_geometry(module, reference_x, reference_y, k):
    """Class ``k``'s anchors (a mask on the references) and their `_anchor_kth`.

    Both depend on the reference rows alone, not on the networks, so they are
    kept on ``module`` for the next call (every epoch's ``D+`` and every
    ``sample``) while the reference tensors are the same objects, unmodified.
    """
    cache = module.__dict__.setdefault("_anchor_geometry", {})
    key = (reference_x._version, reference_y._version)
    hit = cache.get(k)
    if hit is not None and hit[0] is reference_x and hit[1] is reference_y:
        if hit[2] == key:
            return hit[3], hit[4]
    own = reference_y == k
    own &= ~_isolated(reference_x, reference_y, own, k)
    kth = _anchor_kth(reference_x[own], reference_x, reference_y, k)
    cache[k] = (reference_x, reference_y, key, own, kth)
    return own, kth


def _decode_core(module, mean, n, generator, batch_size):
    out = []
    for start in range(0, n, batch_size):
        b = min(batch_size, n - start)
        z = torch.randn(b, mean.shape[0], generator=generator, device=mean.device)
        out.append(module.decoder(z + mean))
    if not out:
        return torch.empty(0, module.cfg.n_features, device=mean.device)
    return torch.cat(out)


@torch.no_grad()
def sample_anchored(
    module,
    k,
    n_samples,
    *,
    generator,
    reference_x,
    reference_y,
    window=(0.5, 0.9),
    batch_size=4096,
    max_candidates=None,
    fill=False,
    activate=None,
    selection="window",
    logit_shift=None,
    t_max=T_MAX,
    label=None,
    move="translate",
):
    """Boundary samples of class index ``k`` anchored on its real samples.

    ``reference_x`` (scaled) and ``reference_y`` are real rows of every class.
    For each candidate: pick a real row ``x_i`` of class ``k`` that is not
    isolated among other classes (:func:`_isolated`), draw ``z_i``
    from its posterior ``N(m_i, s_i^2)``, move it by a share ``t ~ U(0,
    t_max)`` (by default :data:`T_MAX`) of ``d_c = mean(m | class c) -
    mean(m | anchors of k)``, the difference between the mean codes of class
    ``c`` and of ``k``'s anchors, where ``c`` is the class of one of the
    anchor's :data:`N_TARGETS` nearest real codes of another class (the class
    whose boundary is nearest; in a binary task, the other class), and
    decode it with the anchor's residual kept:
    ``x = x_i + G(z_i + t d_c) - G(m_i)``. The move is one translation for
    every anchor of a pair of classes, so the samples keep the spread of the
    anchors; moving each code towards its own nearest code of another class
    (``z + t (m_j - z)``, the earlier rule) pulled them onto the few codes
    nearest the boundary, at about 0.6 of the real spread on breast cancer.
    That rule is ``move="pull"``: ``x = x_i + G(z_i + t (m_j - z_i)) -
    G(m_i)`` with ``m_j`` one of those nearest codes (what
    :class:`~skdvaan.DVAANSampler` uses: measured better in front of other
    classifiers). The result is clipped to the training range
    (``module.x_min``, ``module.x_max``). The residual ``x_i - G(m_i)``
    keeps the detail the decoder does not reproduce, so samples are as spread
    out and as realistic as the real rows they start from. A candidate is
    kept when

    * the discriminator's probability of ``k``, ``softmax(logits +
      logit_shift)``, lies in ``window``: still class ``k``,
      near the boundary. ``D+`` reads the discriminator as it trains (no
      shift); ``sample()`` passes the shift that reads it under the
      balanced prior
      (:func:`~skdvaan._calibration.balanced_shift`), as
      ``predict_proba(class_prior="balanced")`` does;
    * not all of its :data:`N_NEIGHBOURS` nearest reference rows are of other
      classes: it is not lost among them (Borderline-SMOTE's "noise" test).

    At most ``max_candidates`` candidates are decoded. With ``fill=True`` a
    shortfall is made up from the rejected candidates nearest to the window
    (those in other classes' neighbourhoods last, copies of their anchor, as
    on constant data, after everything), and a
    :class:`BoundarySamplingWarning` says how many; otherwise fewer samples
    may be returned. The module must be in eval mode. With ``activate``
    (mixed-type tables) the residual is taken in the encoded space, where
    the anchors live: ``x = x_i + a(G(z)) - a(G(m_i))`` with ``a =
    activate``, so a one-hot block keeps the anchor's category unless the
    move in latent space shifts enough probability to another.

    ``selection="uncertain"`` replaces the window's upper end by a ranking:
    every candidate of the budget is decoded, and of those with a probability
    of at least ``window[0]`` that pass the neighbour test, the
    ``n_samples`` with the lowest probability (the most uncertain) are kept.
    ``label`` names the class in the warning, as in :func:`sample_boundary`.

    Returns ``(x, n_fallback)``, as :func:`sample_boundary`.
    """
    device = reference_x.device
    if selection not in ("window", "uncertain"):
        raise ValueError(f"unknown selection {selection!r}")
    if move not in ("translate", "pull"):
        raise ValueError(f"unknown move {move!r}")
    uncertain = selection == "uncertain"
    if max_candidates is None:
        max_candidates = max(8 * n_samples, 2 * batch_size)
    lo_w, hi_w = window
    own, kth_anchors = _anchor_geometry(module, reference_x, reference_y, k)
    anchors = reference_x[own]
    m_ref, logvar_ref = module.encoder(reference_x)  # (n_ref, d) each
    m_all, sd_all = m_ref[own], (0.5 * logvar_ref[own]).exp()
    rec_all = _activated(module.decoder(m_all), activate)  # (n_k, n_features)
    # "translate": each candidate moves along the difference of two class
    # means of the codes, from class k's anchors to the class of one of its
    # anchor's nearest codes of another class. The same step for every anchor
    # of a pair of classes is a translation, so the samples keep their
    # anchors' spread. "pull": towards that nearest code itself, which
    # gathers the samples onto the few codes nearest the boundary.
    translate = move == "translate"
    other = reference_y != k if translate else ~own
    m_other, y_other = m_ref[other], reference_y[other]
    if translate:  # each class's mean code, minus that of k's anchors
        shift = torch.zeros(module.cfg.n_classes, m_ref.shape[1], device=device)
        shift.index_add_(0, y_other, m_other)
        n_c = torch.bincount(y_other, minlength=shift.shape[0])
        shift /= n_c.clamp(min=1).unsqueeze(1).to(shift.dtype)
        shift -= m_all.mean(0)
    if m_other.shape[0] == 0:  # one class only: towards the origin
        targets = torch.zeros(anchors.shape[0], 1, dtype=torch.long, device=device)
        m_other = torch.zeros(1, m_ref.shape[1], device=device)
        y_other = torch.full((1,), k, dtype=torch.long, device=device)
    else:
        n_t = min(N_TARGETS, m_other.shape[0])
        targets = torch.cdist(m_all, m_other).topk(n_t, largest=False).indices
    # One gather per batch instead of one per tensor: each anchor's code, its
    # posterior's scale, the row, its reconstruction (and the neighbour
    # test's radius) side by side, the same values as indexing each. A
    # candidate's move is gathered by one flat index into its anchor's
    # targets: a row of `shift` (the target's class) or the target's code.
    d_z, n_f = m_all.shape[1], anchors.shape[1]
    parts = [m_all, sd_all, anchors, rec_all]
    if kth_anchors is not None:
        parts.append(kth_anchors.unsqueeze(1).to(m_all.dtype))
    table = torch.cat(parts, 1)
    a_cols = slice(2 * d_z, 2 * d_z + n_f)
    rec_cols = slice(2 * d_z + n_f, 2 * d_z + 2 * n_f)
    n_t = targets.shape[1]
    step_of = (y_other[targets] if translate else targets).reshape(-1)
    steps = shift if translate else m_other
    kept, n_kept, drawn = [], 0, 0
    spares = _Spares()  # the best rejected candidates, for fill=True
    accepted = _Spares()  # selection="uncertain": ranked by probability
    while (n_kept < n_samples or uncertain) and drawn < max_candidates:
        b = min(batch_size, max_candidates - drawn)
        drawn += b
        i = torch.randint(anchors.shape[0], (b,), generator=generator, device=device)
        j = torch.randint(n_t, (b,), generator=generator, device=device)
        eps = torch.randn(b, d_z, generator=generator, device=device)
        t = t_max * torch.rand(b, 1, generator=generator, device=device)
        row = table.index_select(0, i)
        z = row[:, :d_z] + row[:, d_z : 2 * d_z] * eps
        step = steps.index_select(0, step_of.index_select(0, i * n_t + j))
        if translate:
            z = z + t * step
        else:
            z = z + t * (step - z)
        a = row[:, a_cols]
        x = a + _activated(module.decoder(z), activate) - row[:, rec_cols]
        x = clip_to_range(module, x)
        logits = module.discriminator(x)[0]
        if logit_shift is not None:
            logits = logits + logit_shift
        p = torch.softmax(logits, dim=1)[:, k]
        # selection="uncertain": once n_samples were ranked, a candidate less
        # sure than the n_samples-th of them can never be kept.
        in_window = (p >= lo_w) & (p <= (accepted.bound if uncertain else hi_w))
        a_kth = None if kth_anchors is None else row[:, -1]
        # Once n_samples are kept, no fill can be needed (n_kept never falls):
        # selection="uncertain" decodes the rest of its budget for the
        # ranking alone, and the rejected candidates need no test or rank.
        spare = fill and n_kept < n_samples
        if spare:  # the fill ranks every rejected candidate by both tests
            new = (x - a).abs().amax(1) > COPY_TOL
            safe = _has_own_neighbour(x, reference_x, reference_y, k, a, a_kth)
            ok = in_window & new & safe
            x_ok, p_ok = x[ok], p[ok]
        else:  # only candidates that can be kept need the copy and neighbour tests
            idx = torch.nonzero(in_window).squeeze(1)
            x_in, a_in = x.index_select(0, idx), a.index_select(0, idx)
            fresh = (x_in - a_in).abs().amax(1) > COPY_TOL
            idx, x_in, a_in = idx[fresh], x_in[fresh], a_in[fresh]
            kth_in = None if a_kth is None else a_kth.index_select(0, idx)
            passed = _has_own_neighbour(x_in, reference_x, reference_y, k, a_in, kth_in)
            x_ok, p_ok = x_in[passed], p.index_select(0, idx)[passed]
        if uncertain:
            accepted.add(x_ok, p_ok, keep=n_samples)
            n_kept = min(n_kept + x_ok.shape[0], n_samples)
        else:
            take = x_ok[: n_samples - n_kept]
            kept.append(take)
            n_kept += take.shape[0]
        if spare and n_kept < n_samples:
            # Distance to the window, plus 2 for a candidate among other classes.
            gap = torch.where(p < lo_w, lo_w - p, (p - hi_w).clamp(min=0))
            # Copies of a real row rank after everything (degenerate data only).
            gap = gap + 2.0 * (~safe) + 4.0 * (~new)
            spares.add(x[~ok], gap[~ok], keep=n_samples - n_kept)
    if uncertain and n_kept:
        kept.append(accepted.best(n_samples))
    n_fallback = 0
    extra = spares.best(n_samples - n_kept) if fill and n_kept < n_samples else None
    if extra is not None:
        kept.append(extra)
        n_fallback = int(extra.shape[0])
    if fill and n_fallback:
        rule = f"of at least {lo_w}" if uncertain else f"in {tuple(window)}"
        warnings.warn(
            f"Only {n_samples - n_fallback} of {n_samples} boundary samples of "
            f"{_class_name(k, label)} had a discriminator probability {rule} and a "
            f"real neighbour of their class; the other {n_fallback} are the "
            "candidates nearest to that. The model may be under-trained (raise "
            "max_iter) or the classes may not overlap.",
            BoundarySamplingWarning,
            stacklevel=4,
        )
    if not kept:
        return torch.empty(0, module.cfg.n_features, device=device), n_fallback
    return torch.cat(kept), n_fallback
