"""The DVAAN training loop (Algorithm 1 of the paper).

Knows nothing of scikit-learn: it takes tensors, a module and a config, and
returns the per-epoch history. The estimators in ``_classifier.py`` build the
module, scale the data and turn the history into fitted attributes.
"""

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import functional_call
from tqdm.auto import tqdm

from ._calibration import class_weights
from ._losses import dvaan_losses, elbo_terms
from ._prior import sample_anchored, sample_boundary

TABLE_DRAW_BATCH = 4096  # candidates per batch when a table's D+ is drawn
# A round of D+ lasts at least this many training steps: one epoch when the
# epoch has as many batches, several epochs of a small table. Redrawing after
# every 2-batch epoch of a 300-row table spent a fifth of its fit on draws.
REFRESH_STEPS = 8


@dataclass
class TrainConfig:
    max_iter: int = 200  # epochs
    batch_size: int = 128
    learning_rate: float = 1e-3
    lambda_fea: float = 1.0  # lambda_1: weight of L_fea for E and G
    lambda_adv: float = 1.0  # lambda_2: weight of L_adv for G
    gamma: float = 1.0  # weight of L_adv in the mu update (Eq. 10)
    learn_mu: bool = True  # False gives the DVAAN_mu ablation
    mu_step: float = 0.01  # eta: step of the mu update, per mini-batch
    mu_bounds: tuple = (0.5, 10.0)  # floor and ceiling of mu
    augmentation_ratio: float = 0.5  # 0 gives the DVAAN_a ablation
    augmentation_weight: float = 0.5  # D+'s class loss, relative to the real batch's
    augmentation_warmup: int = 5  # epochs without D+, then as many to ramp it up
    boundary_rule: str = "anchored"  # "anchored" (default) or "paper"
    boundary_window: tuple = (0.5, 0.9)  # D's probability of the class, anchored
    boundary_selection: str = "window"  # or "uncertain": lowest p above window[0]
    boundary_move: str = "translate"  # or "pull", towards each nearest other code
    pretrain_steps: int = 0  # steps of E and G alone (the ELBO) before Alg. 1
    recon: str = "mse"  # "mse" for standardised features, "bce" for pixels
    # Mixed-type tables: the decoder's output layer and likelihood, from the
    # estimator's column encoding (see OutputLayer); None for numbers and pixels.
    output: object = None
    class_weight: object = "balanced"  # None, "balanced" or a (K,) tensor
    early_stopping: bool = False
    n_iter_no_change: int = 10
    tol: float = 1e-4
    verbose: bool = False
    # Data-parallel fits (``_distributed.Sync``): gradients, mu's losses and
    # validation logits are shared over the processes; None in one process.
    sync: object = None


@dataclass
class TrainResult:
    history: list = field(default_factory=list)  # one dict per epoch
    best_epoch: int = 0
    best_score: float = -math.inf
    converged: bool = False
    interrupted: bool = False
    best_aug_counts: object = None  # (K,) size of D+ per class at the best epoch
    optimizer: object = None  # the Adam used, for partial_fit to continue


@dataclass
class OutputLayer:
    """The decoder's output layer and likelihood on encoded mixed-type rows.

    Plain callables on tensors, so that the engine needs no knowledge of how
    columns are encoded: ``activate(x_raw)`` maps the decoder's raw outputs
    to the encoded space (softmax per categorical block, sigmoid on missing
    indicators), which the discriminator, ``L_fea`` and the ``D+`` rules see;
    ``recon_loss(x_raw, x, log_var=...)`` is the per-row NLL ``L_ele``
    (shape (B,)), averaged over the ``n_columns`` input columns, which also
    divide the KL term.
    """

    activate: object
    recon_loss: object
    n_columns: int


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or inf during training."""


def _balanced_weight(counts, device):
    w = class_weights(counts, "balanced")  # the one definition, also calibration's
    return torch.as_tensor(w, dtype=torch.float32, device=device)


def scale_grad(t, factor):
    """Identity in the forward pass; multiplies the gradient by ``factor``."""
    return t.detach() + factor * (t - t.detach())


def train_step(
    module,
    opt,
    x,
    y,
    directions,
    cfg,
    generator,
    class_weight,
    x_aug=None,
    y_aug=None,
    split_bn=False,
    zero_safe=False,
):
    """One mini-batch of Algorithm 1: losses, per-network updates, mu update.

    Alg. 1 gives each network its own objective: E lowers
    ``L_ele + L_KL + lambda_fea L_fea``, G lowers
    ``L_ele + lambda_fea L_fea + lambda_adv L_adv`` and D its class losses.
    One backward pass serves all three, by routing what each loss may reach:

    * D classifies ``G(z.detach())`` and the prior samples: its class loss
      trains D and, scaled by ``lambda_adv``, G (both lower ``L_adv``), but
      cannot reach E;
    * ``L_fea`` reads D's hidden layer on ``x`` and ``x~`` through a copy of
      D's weights that is cut from the graph, so it trains E and G, never D;
    * this step's share of ``D+`` (``x_aug``, ``y_aug``) is detached input to
      D's class loss only: generated rows never train the encoder or the
      decoder, so the generator does not retrain on its own output.

    With ``split_bn`` (a discriminator with batch norm), real rows pass D on
    their own and generated rows through cloned buffers, so the running
    statistics that predictions use come from real batches only.

    Returns the detached losses as a (6,) tensor: cls, adv, ele, kl, fea and
    the class loss on the real batch alone (``cls`` less ``D+``'s term).
    """
    enc, dec, dis = module.encoder, module.decoder, module.discriminator
    b = x.shape[0]
    m, logvar = enc(x)  # (B, d) each
    eps = torch.randn(m.shape, generator=generator, device=m.device)
    z = m + (0.5 * logvar).exp() * eps
    prior_mean = module.mu * directions[y]  # (B, d)
    eps_p = torch.randn(m.shape, generator=generator, device=m.device)
    x_gen = dec(torch.cat([z, z.detach(), prior_mean + eps_p]))  # (3B, n_features)
    out = cfg.output
    x_raw = x_gen[:b]
    if out is not None:
        # D, L_fea and D+ see activated rows; L_ele reads the raw outputs.
        x_gen = out.activate(x_gen)
    x_rec, x_gen_d = x_gen[:b], scale_grad(x_gen[b:], cfg.lambda_adv)
    generated = x_gen_d if x_aug is None else torch.cat([x_gen_d, x_aug])
    if split_bn:
        lg_real, _ = dis(x)  # (B, K)
        live = dict(dis.named_parameters())
        live |= {n: buf.clone() for n, buf in dis.named_buffers()}
        lg_gen, _ = functional_call(dis, live, (generated,))
        logits_all = torch.cat([lg_real, lg_gen])
    else:
        logits_all, h_all = dis(torch.cat([x, generated]))  # (3B + B+, K)
    logits, logits_aug = logits_all[: 3 * b], logits_all[3 * b :]
    if not split_bn and dis.features.conv is None:
        # The MLP: h(x) is the live pass's, detached (x is data and L_fea
        # must not train D, so nothing needs its graph), and h(x~) goes
        # through the weights cut from the graph.
        h_real = h_all[:b].detach()
        h_rec = dis.features.forward_detached(x_rec)
    else:
        # Batch norm must see real and reconstructed samples in one batch, or
        # h(x) and h(x~) are normalised differently and L_fea never reaches
        # 0; cloned buffers keep this pass out of the running statistics.
        frozen = {n: p.detach() for n, p in dis.named_parameters()}
        frozen |= {n: b.clone() for n, b in dis.named_buffers()}
        _, h_pair = functional_call(dis, frozen, (torch.cat([x, x_rec]),))
        h_real, h_rec = h_pair[:b], h_pair[b:]  # (B, H) each
    L = dvaan_losses(
        x=x,
        y=y,
        m=m,
        logvar=logvar,
        prior_mean=prior_mean,
        x_rec=x_rec,
        logits=logits,
        h_real=h_real,
        h_rec=h_rec,
        class_weight=class_weight,
        recon=cfg.recon,
        log_var=dec.log_var,
        logits_aug=None if x_aug is None else logits_aug,
        y_aug=y_aug,
        augmentation_weight=cfg.augmentation_weight,
        output=out,
        x_raw=x_raw,
        zero_safe=zero_safe,
    )
    loss = L.cls + L.adv + L.ele + L.kl + cfg.lambda_fea * L.fea
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if cfg.sync is not None:
        cfg.sync.gradients(module)
    opt.step()
    if cfg.learn_mu:
        adv, fea = L.adv.detach(), L.fea.detach()
        if cfg.sync is not None:  # every process moves mu the same way
            adv, fea = cfg.sync.mean(torch.stack([adv, fea]))
        update_mu(module, adv, fea, cfg)
    return torch.stack([L.cls, L.adv, L.ele, L.kl, L.fea, L.real]).detach()


def pretrain_step(module, opt, x, y, directions, cfg, generator, class_weight):
    """One step of the encoder and decoder alone: the class-weighted ELBO.

    Run before Algorithm 1 so that the generator has learned the data before
    the discriminator (which converges much faster) can end training through
    early stopping; boundary samples decoded from an untrained decoder barely
    move with their latent code. Returns the detached ELBO.
    """
    m, logvar = module.encoder(x)
    eps = torch.randn(m.shape, generator=generator, device=m.device)
    x_raw = module.decoder(m + (0.5 * logvar).exp() * eps)
    out = cfg.output
    ele, kl = elbo_terms(
        x=x,
        y=y,
        m=m,
        logvar=logvar,
        prior_mean=module.mu * directions[y],
        x_rec=x_raw if out is None else out.activate(x_raw),
        class_weight=class_weight,
        recon=cfg.recon,
        log_var=module.decoder.log_var,
        output=out,
        x_raw=x_raw,
    )
    loss = ele + kl
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if cfg.sync is not None:
        cfg.sync.gradients(module)
    opt.step()  # parameters without a gradient (D's) are left alone
    return loss.detach()


def pretrain(module, opt, X_t, y_t, directions, cfg, generator, class_weight):
    """``cfg.pretrain_steps`` ELBO steps over shuffled mini-batches."""
    n, done = X_t.shape[0], 0
    stop = _batch_stop(n, cfg)
    while done < cfg.pretrain_steps:
        perm = torch.randperm(n, generator=generator, device=X_t.device)
        steps_before = done
        for start in range(0, stop, cfg.batch_size):
            idx = perm[start : start + cfg.batch_size]
            if idx.shape[0] < min(2, cfg.batch_size) and done > steps_before:
                continue  # batch norm needs two rows; as in the epochs below
            pretrain_step(
                module,
                opt,
                X_t[idx],
                y_t[idx],
                directions,
                cfg,
                generator,
                class_weight,
            )
            done += 1
            if done >= cfg.pretrain_steps:
                break


def _adam_kernel(device):
    """Adam's fused kernel where torch has one for ``device``, else foreach.

    The fused step updates every parameter in one kernel: on the CPU it
    takes about half the time of the foreach step for the tabular networks
    (0.56 against 1.0 ms a step on one thread), which is a tenth of a small
    table's fit. Both are deterministic; they round differently, so a model
    fitted before this choice is not bit-identical to one fitted after it.
    """
    if torch.device(device).type in ("cpu", "cuda"):
        return {"fused": True}
    return {"foreach": True}


def _batch_stop(n, cfg):
    """Where the mini-batches of ``n`` rows stop.

    In one process, at ``n``: every row, the last batch possibly short. In a
    data-parallel fit, full batches only, so that no process skips a step
    that the others take (their collectives must match).
    """
    if cfg.sync is None:
        return n
    return max(n // cfg.batch_size, 1) * cfg.batch_size


def augmentation_schedule(epoch, ratio, warmup):
    """``D+``'s ratio in ``epoch`` (0-based): none during the warm-up, then a ramp.

    No ``D+`` in the first ``max(warmup, 1)`` epochs (the first epoch has no
    trained generator to draw from); then the ratio grows linearly to
    ``ratio`` over ``warmup`` epochs, so the discriminator first learns the
    real data and the boundary it is asked to move is a learned one.
    """
    start = max(warmup, 1)
    if ratio <= 0 or epoch < start:
        return 0.0
    if warmup == 0:
        return float(ratio)
    return float(ratio) * min(1.0, (epoch - start + 1) / warmup)


@torch.no_grad()
def update_mu(module, adv, fea, cfg):
    """Eq. 10 by its intent: classes hard to tell apart push the means apart.

    ``mu <- clip(mu + eta * tanh(gamma * L_adv - L_fea), mu_min, mu_max)``.
    """
    step = cfg.mu_step * torch.tanh(cfg.gamma * adv - fea)
    # A bound beyond what mu's dtype holds (a ceiling of 1e100 for "none")
    # bounds nothing more than that dtype's largest value; torch would refuse it.
    top = torch.finfo(module.mu.dtype).max
    module.mu.add_(step).clamp_(*(min(b, top) for b in cfg.mu_bounds))


def _activate(cfg):
    return None if cfg.output is None else cfg.output.activate


@torch.no_grad()
def refresh_boundary(module, directions, counts, ratio, generator, cfg):
    """Draw this round's ``D+``: boundary samples for every smaller class.

    Class ``k`` gets up to ``ratio * (max(counts) - counts[k])`` samples, drawn
    by ``cfg.boundary_rule``: anchored on the real rows kept in the module
    (``module.anchor_x``: every row of a smaller class, a subset of a large
    one; :func:`~skdvaan._prior.sample_anchored`), or the paper's agreement test
    at the boundary itself (:func:`~skdvaan._prior.sample_boundary`). Only
    candidates that pass are used; there is no fallback during training.

    A class with no real row among the anchors or in ``counts`` (declared to
    ``partial_fit`` but not seen yet) gets no ``D+``: there is nothing to
    anchor on, and a decoder that never saw the class cannot draw it.
    """
    was_training = module.training
    module.eval()
    n_classes = len(counts)
    anchored = np.bincount(module.anchor_y.cpu().numpy(), minlength=n_classes) > 0
    has_rows = anchored if cfg.boundary_rule == "anchored" else anchored | (counts > 0)
    xs, ys = [], []
    # Candidates are decoded without gradients, so a table's draw runs in
    # batches large enough that per-batch overhead does not dominate (a
    # 256-row draw spent a quarter of a 20,000-row epoch); images keep the
    # training batch, whose conv activations set the memory.
    if module.cfg.input_shape is None:
        batch_size = max(cfg.batch_size, TABLE_DRAW_BATCH)
    else:
        batch_size = max(cfg.batch_size, 256)
    for k, c in enumerate(counts):
        n = int(ratio * (counts.max() - c))
        if n <= 0 or not has_rows[k]:
            continue
        if cfg.boundary_rule == "anchored":
            x, _ = sample_anchored(
                module,
                k,
                n,
                generator=generator,
                reference_x=module.anchor_x,
                reference_y=module.anchor_y,
                window=cfg.boundary_window,
                batch_size=batch_size,
                max_candidates=4 * n,
                activate=_activate(cfg),
                selection=cfg.boundary_selection,
                move=cfg.boundary_move,
            )
        else:
            x, _ = sample_boundary(
                module,
                directions,
                k,
                n,
                generator=generator,
                batch_size=batch_size,
                max_candidates=4 * n,
                schedule=(0.0,),
                activate=_activate(cfg),
            )
        xs.append(x)
        ys.append(torch.full((x.shape[0],), k, dtype=torch.long, device=x.device))
    module.train(was_training)
    if not xs:
        return None, None
    return torch.cat(xs), torch.cat(ys)


@torch.no_grad()
def _run_batched(net, X, *, n_out, device, dtype, prepare, batch_size, pad=False):
    """``net`` over ``X`` in batches, written into one preallocated array.

    ``prepare`` (e.g. scaling) runs per batch too, so memory beyond the input
    and the output stays at one batch's worth. With ``pad``, a short last
    batch is filled up to ``batch_size`` rows by repeating its last row, so
    that every row passes the network in a batch of the same size.
    """
    out = np.empty((X.shape[0], n_out), dtype=np.float64)
    for start in range(0, X.shape[0], batch_size):
        xb = X[start : start + batch_size]
        if prepare is not None:
            xb = prepare(xb)
        xb = torch.as_tensor(xb, device=device, dtype=dtype)
        n = xb.shape[0]
        if pad and n < batch_size:
            xb = torch.cat([xb, xb[-1:].expand(batch_size - n, *xb.shape[1:])])
        out[start : start + n] = net(xb)[:n].double().cpu().numpy()
    return out


# Rows per batch of an exact prediction. CPU matrix products round a row
# differently with the number of rows in the batch (float64 too: batches of
# fewer than 4 rows, and any size with wide layers), never with the row's
# place in a batch of a given size; so exact predictions run in batches of
# one size, the last padded: 1024 rows of a table (a single row then costs
# about 1.6 ms, and 100,000 rows as much as in batches of 4096), 64 images.
EXACT_BATCH = 1024
EXACT_BATCH_IMAGES = 64


def predict_logits(module, X, *, device, prepare=None, batch_size=4096, exact=True):
    """Discriminator logits on a numpy array, in eval mode and in batches.

    With ``exact`` on the CPU the discriminator runs in float64, in batches
    of ``EXACT_BATCH`` rows (``EXACT_BATCH_IMAGES`` images), the last padded:
    matrix products depend on the batch's size in the last bits, and a
    sample's prediction should not depend on which other samples were passed
    with it. Validation during training needs no such guarantee (the same
    split is always passed whole) and skips the float64 copy.
    """
    dis = module.discriminator
    dtype = torch.float32
    pad = exact and device.type == "cpu"
    if pad:
        dis, dtype = copy.deepcopy(dis).double(), torch.float64
        table = module.cfg.input_shape is None
        batch_size = EXACT_BATCH if table else EXACT_BATCH_IMAGES
    was_training = dis.training
    dis.eval()
    try:
        return _run_batched(
            lambda xb: dis(xb)[0],
            X,
            n_out=module.cfg.n_classes,
            device=device,
            dtype=dtype,
            prepare=prepare,
            batch_size=batch_size,
            pad=pad,
        )
    finally:
        dis.train(was_training)


def encode_latent(module, X, *, device, prepare=None, batch_size=4096):
    """Posterior means of the encoder on a numpy array, in batches."""
    was_training = module.training
    module.eval()
    try:
        return _run_batched(
            lambda xb: module.encoder(xb)[0],
            X,
            n_out=module.cfg.latent_dim,
            device=device,
            dtype=torch.float32,
            prepare=prepare,
            batch_size=batch_size,
        ).astype(np.float32)
    finally:
        module.train(was_training)


def train(
    module,
    directions,
    X,
    y,
    cfg,
    *,
    generator,
    device,
    val=None,
    optimizer=None,
    epoch_offset=0,
):
    """Run Algorithm 1 on ``(X, y)`` (float32 / int64 numpy arrays).

    ``optimizer`` continues an earlier run's Adam (``partial_fit``), and
    ``epoch_offset`` counts that run's epochs, for the ``D+`` schedule; the
    optimizer used is returned in ``result.optimizer``.

    ``val`` is ``(X_val, score_fn)``: ``score_fn(logits) -> float``, higher is
    better. With ``cfg.early_stopping`` the weights of the best-scoring epoch
    are restored at the end; without it, training stops when the classifier's
    training loss on the real rows (``loss_real``: without ``D+``'s term) has
    not improved by ``tol`` for ``n_iter_no_change`` epochs.
    Patience restarts once ``D+`` has reached its full ratio, so that training
    never stops before the boundary samples had their chance.
    Ctrl-C stops training after restoring the best state so far.
    """
    module.to(device).train()
    directions = directions.to(device)
    X_t = torch.as_tensor(X, device=device)
    y_t = torch.as_tensor(y, device=device)
    n_classes = module.cfg.n_classes
    counts = np.bincount(y, minlength=n_classes)
    # One Adam over the three networks: Adam's state is per parameter, so this
    # is the same as one optimiser per network, with fewer kernel launches.
    opt = optimizer
    if opt is None:
        opt = torch.optim.Adam(
            module.parameters(), lr=cfg.learning_rate, **_adam_kernel(device)
        )
    weight = None
    if isinstance(cfg.class_weight, torch.Tensor):
        weight = cfg.class_weight.to(device)
    elif cfg.class_weight == "balanced":
        # From the real counts only: D+ adds boundary samples, it does not
        # dilute the weight of the real minority.
        weight = _balanced_weight(counts, device)
    # A class of weight 0 can fill a batch alone; its losses then add 0
    # (checked once here, not in every step).
    zero_safe = weight is not None and bool((weight == 0).any())
    split_bn = module.has_batchnorm
    ramp_end = (
        max(cfg.augmentation_warmup, 1) + cfg.augmentation_warmup
        if cfg.augmentation_ratio > 0
        else 0
    )

    if cfg.pretrain_steps > 0:
        pretrain(module, opt, X_t, y_t, directions, cfg, generator, weight)

    result = TrainResult(optimizer=opt)
    best_state = None
    best_loss = math.inf
    no_improve = 0
    # D+ is redrawn from the current G and D when its ratio changes (the ramp)
    # and once a round of REFRESH_STEPS steps has passed on it.
    drawn_ratio, steps_since_draw = None, 0
    bar = tqdm(total=cfg.max_iter, disable=not cfg.verbose, desc="DVAAN", unit="epoch")
    reason = f"max_iter={cfg.max_iter} reached"
    try:
        for epoch in range(cfg.max_iter):
            t0 = time.perf_counter()
            ratio = augmentation_schedule(
                epoch + epoch_offset, cfg.augmentation_ratio, cfg.augmentation_warmup
            )
            if ratio <= 0:
                X_aug = y_aug = None
            elif ratio != drawn_ratio or steps_since_draw >= REFRESH_STEPS:
                X_aug, y_aug = refresh_boundary(
                    module, directions, counts, ratio, generator, cfg
                )
                drawn_ratio, steps_since_draw = ratio, 0
            n_aug = 0 if X_aug is None else int(X_aug.shape[0])
            aug_counts = (
                np.bincount(y_aug.cpu().numpy(), minlength=n_classes)
                if n_aug
                else np.zeros(n_classes, dtype=np.int64)
            )

            n = X_t.shape[0]
            perm = torch.randperm(n, generator=generator, device=device)
            n_batches = max(1, math.ceil(n / cfg.batch_size))
            end = _batch_stop(n, cfg)
            if cfg.sync is not None:  # the smallest shard's count of full batches
                n_batches = cfg.sync.common_steps(end // cfg.batch_size)
                end = n_batches * cfg.batch_size
            if n_aug:
                # Each D+ row is seen once per epoch, spread over the batches.
                aug_perm = torch.randperm(n_aug, generator=generator, device=device)
                aug_bs = math.ceil(n_aug / n_batches)
            sums = torch.zeros(len(_LOSS_NAMES), device=device)
            n_steps = 0
            for i, start in enumerate(range(0, end, cfg.batch_size)):
                idx = perm[start : start + cfg.batch_size]
                # Batch norm needs two rows: a one-row remainder is left for
                # the next epoch. batch_size=1 (refused for batch-norm networks
                # by the estimator) trains on every row.
                if idx.shape[0] < min(2, cfg.batch_size) and n_steps > 0:
                    continue
                xa = ya = None
                if n_aug:
                    aidx = aug_perm[i * aug_bs : (i + 1) * aug_bs]
                    if aidx.shape[0] > 0:
                        xa, ya = X_aug[aidx], y_aug[aidx]
                sums += train_step(
                    module,
                    opt,
                    X_t[idx],
                    y_t[idx],
                    directions,
                    cfg,
                    generator,
                    weight,
                    x_aug=xa,
                    y_aug=ya,
                    split_bn=split_bn,
                    zero_safe=zero_safe,
                )
                n_steps += 1
            steps_since_draw += n_steps
            if cfg.sync is not None:
                sums = cfg.sync.mean(sums)
                n_aug = int(cfg.sync.sum([n_aug])[0])
                aug_counts = cfg.sync.sum(aug_counts).astype(np.int64)
            losses = (sums / max(n_steps, 1)).tolist()
            if not all(math.isfinite(v) for v in losses):
                raise NonFiniteLossError(
                    f"A training loss became NaN or inf in epoch {epoch + 1} "
                    f"(losses: {dict(zip(_LOSS_NAMES, losses))}). Likely causes: a "
                    "learning_rate_init too high for this data, or features on "
                    "extreme scales that standardisation could not tame."
                )
            record = dict(zip(_LOSS_NAMES, losses))
            record.update(
                epoch=epoch_offset + epoch + 1,
                mu=float(module.mu),
                n_boundary=n_aug,
                time=time.perf_counter() - t0,
            )
            if val is not None:
                logits = predict_logits(module, val[0], device=device, exact=False)
                if cfg.sync is not None:  # the scorer holds every shard's labels
                    logits = cfg.sync.rows(logits)
                record["validation_score"] = float(val[1](logits))
            result.history.append(record)
            bar.update(1)
            bar.set_postfix(
                {k: f"{record[k]:.3g}" for k in ("loss_cls", "mu", "n_boundary")}
                | ({"val": f"{record['validation_score']:.4f}"} if val else {}),
                refresh=False,
            )

            if cfg.early_stopping:
                score = record["validation_score"]
                no_improve = (
                    0 if score > result.best_score + cfg.tol else no_improve + 1
                )
                if score > result.best_score:
                    result.best_score, result.best_epoch = score, epoch + 1
                    result.best_aug_counts = aug_counts
                    best_state = copy.deepcopy(module.state_dict())
            else:
                # The real rows' class loss: D+ is redrawn near the boundary
                # every round, so its share of loss_cls stays high by design
                # and stalled long before the classifier had learned.
                loss = record["loss_real"]
                no_improve = 0 if loss < best_loss - cfg.tol else no_improve + 1
                best_loss = min(best_loss, loss)
                result.best_epoch = epoch + 1
                result.best_aug_counts = aug_counts
            if epoch + 1 == ramp_end:
                no_improve = 0  # D+ at full strength: patience starts now
            if no_improve > cfg.n_iter_no_change and epoch + 1 > ramp_end:
                result.converged = True
                reason = _stop_reason(cfg, epoch + 1, result.best_epoch)
                break
    except KeyboardInterrupt:
        # The estimator warns (it knows how deep the user's call is).
        result.interrupted = True
        reason = "interrupted"
    finally:
        # The bar ends on the epochs that ran and says why it stopped.
        bar.total = len(result.history)
        bar.set_postfix_str(reason, refresh=False)
        bar.close()
    if best_state is not None:
        module.load_state_dict(best_state)
    if cfg.sync is not None:  # batch-norm statistics, and any float drift
        cfg.sync.same_state(module)
    if result.best_aug_counts is None:
        result.best_aug_counts = np.zeros(n_classes, dtype=np.int64)
    module.eval()
    return result


def _stop_reason(cfg, n_epochs, best_epoch):
    """What the progress bar says when training stops before ``max_iter``."""
    if cfg.early_stopping:
        return (
            f"early stopping at epoch {n_epochs}: no validation gain in "
            f"{cfg.n_iter_no_change + 1} epochs; best epoch {best_epoch} restored"
        )
    return (
        f"stopped at epoch {n_epochs}: training loss on the real rows stalled "
        f"for {cfg.n_iter_no_change + 1} epochs"
    )


_LOSS_NAMES = ("loss_cls", "loss_adv", "loss_ele", "loss_kl", "loss_fea", "loss_real")
