"""Latent geometry of DVAAN: class means, the KL to the prior, boundary samples.

The prior of class ``k`` is ``N(mu * v_k, I)`` with unit vectors ``v_k``
(Eq. 4 of the paper, made concrete in ``docs/user_guide``):

* two classes: ``v = +u`` for the positive (minority) class and ``-u`` for the
  other, ``u = ones(d) / sqrt(d)``;
* ``K > 2`` classes: the vertices of a regular simplex centred at the origin.

The origin is equidistant from every class mean, so ``N(0, I)`` is the region
between the classes where boundary samples are drawn.
"""

import math
import warnings

import torch

from .exceptions import BoundarySamplingWarning

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
    returned. The module must be in eval mode.

    Returns ``(x, n_fallback)``: the samples (n, n_features) on the module's
    device, and how many came from a draw with ``t > 0`` or from the fill.
    """
    device = directions.device
    means = module.mu * directions  # (K, d)
    d = directions.shape[1]
    if max_candidates is None:
        max_candidates = max(8 * n_samples, 2 * batch_size)
    if kind == "core":
        return _decode_core(module, means[k], n_samples, generator, batch_size), 0

    kept, n_kept, n_fallback = [], 0, 0
    for t in schedule:
        drawn = 0
        while n_kept < n_samples and drawn < max_candidates:
            b = min(batch_size, max_candidates - drawn)
            z = torch.randn(b, d, generator=generator, device=device) + t * means[k]
            drawn += b
            x = module.decoder(z)
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
        kept.append(_decode_core(module, means[k], short, generator, batch_size))
        n_fallback += short
    if fill and n_fallback:
        warnings.warn(
            f"Only {n_samples - n_fallback} of {n_samples} boundary samples of class "
            f"index {k} passed the agreement test at the boundary; the other "
            f"{n_fallback} were drawn closer to the class mean. The model may be "
            "under-trained (raise max_iter) or the classes may not overlap.",
            BoundarySamplingWarning,
            stacklevel=4,  # past torch.no_grad's wrapper to the caller of sample()
        )
    if not kept:
        return torch.empty(0, module.cfg.n_features, device=device), n_fallback
    return torch.cat(kept), n_fallback


def _decode_core(module, mean, n, generator, batch_size):
    out = []
    for start in range(0, n, batch_size):
        b = min(batch_size, n - start)
        z = torch.randn(b, mean.shape[0], generator=generator, device=mean.device)
        out.append(module.decoder(z + mean))
    if not out:
        return torch.empty(0, module.cfg.n_features, device=mean.device)
    return torch.cat(out)
