"""The DVAAN losses (Eq. 6-9 of the paper), one batch at a time.

Every loss is a mean over the batch. Reconstruction and KL are divided by the
number of input features and ``L_fea`` by the width of the discriminator's
hidden layer: dividing the two terms of the ELBO by the same constant keeps
its optimum, and it makes ``lambda_fea``, ``lambda_adv`` and ``gamma``
mean the same thing on 20 tabular features as on 784 pixels.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._prior import kl_to_prior


@dataclass
class BatchLosses:
    cls: torch.Tensor  # classifier's loss on real samples (and D+, when given)
    real: torch.Tensor  # the same on the real samples alone
    adv: torch.Tensor  # L_adv: class loss on reconstructions and prior samples
    ele: torch.Tensor  # L_ele: element-wise reconstruction
    kl: torch.Tensor  # L_KL: KL to the class-conditional prior
    fea: torch.Tensor  # L_fea: feature-wise reconstruction in D's hidden layer


def element_loss(x_rec, x, kind, log_var=None):
    """``L_ele`` per sample, shape (B,): the decoder's NLL, mean over features.

    ``"bce"``: Bernoulli (pixels in [0, 1]). ``"mse"``: Gaussian with unit
    variance, ``(x~ - x)^2 / 2``, or with the learned per-feature variance
    ``log_var`` (d,): ``((x~ - x)^2 / s2 + log s2) / 2``.
    """
    if kind == "bce":
        per = F.binary_cross_entropy(x_rec.clamp(1e-6, 1 - 1e-6), x, reduction="none")
    elif log_var is None:
        per = 0.5 * (x_rec - x).pow(2)
    else:
        per = 0.5 * ((x_rec - x).pow(2) * torch.exp(-log_var) + log_var)
    return per.mean(1)


def feature_loss(h_rec, h_real):
    """``L_fea = ||h(x) - h(x~)||^2 / 2`` per hidden unit (Larsen et al.)."""
    return 0.5 * (h_rec - h_real.detach()).pow(2).mean()


def _weighted_mean(per_row, y, class_weight):
    if class_weight is None:
        return per_row.mean()
    w = class_weight[y]
    # A batch of rows of weight 0 only (a class_weight of 0) adds 0, not
    # 0 / 0; the clamp leaves every positive total as it is.
    return (w * per_row).sum() / w.sum().clamp(min=torch.finfo(w.dtype).tiny)


def _class_loss(logits, y, class_weight, zero_safe):
    """Class-weighted cross-entropy, the mean over the batch's weight.

    ``zero_safe`` (some class has weight 0) takes the mean by hand, so that a
    batch of such rows only adds 0; otherwise torch's own weighted mean.
    """
    if not zero_safe:
        return F.cross_entropy(logits, y, weight=class_weight)
    ce = F.cross_entropy(logits, y, reduction="none")
    return _weighted_mean(ce, y, class_weight)


def dvaan_losses(
    *,
    x,
    y,
    m,
    logvar,
    prior_mean,
    x_rec,
    logits,
    h_real,
    h_rec,
    class_weight,
    recon,
    log_var=None,
    logits_aug=None,
    y_aug=None,
    augmentation_weight=1.0,
    output=None,
    x_raw=None,
    zero_safe=False,
):
    """All losses of one step.

    ``logits`` are the discriminator's outputs on ``cat([x, x_rec, x_prior])``,
    each block ``len(x)`` rows; ``h_real`` and ``h_rec`` its hidden layer on
    ``x`` and on the reconstructions. ``logits_aug`` are its outputs on this
    step's share of ``D+`` (labels ``y_aug``): they enter the classifier's
    loss only, weighted ``augmentation_weight`` against the real batch.
    With ``output`` (an :class:`~skdvaan._engine.OutputLayer`, mixed-type
    tables) ``x_rec`` is activated, ``L_ele`` is ``output.recon_loss`` on the
    decoder's raw outputs ``x_raw``, and the per-feature scale of the
    reconstruction and KL terms is the number of input columns.
    ``zero_safe``: some class has weight 0 (see :func:`_class_loss`).
    """
    lg_real, lg_rec, lg_prior = logits.split(x.shape[0])
    # The class weights say how much each class matters, to the classifier on
    # real and generated samples and to the ELBO: a minority row weighs as
    # much in the reconstruction as in the classification, so the autoencoder
    # does not learn the majority at the minority's expense.
    adv = _class_loss(lg_rec, y, class_weight, zero_safe) + _class_loss(
        lg_prior, y, class_weight, zero_safe
    )
    cls = real = _class_loss(lg_real, y, class_weight, zero_safe)
    if logits_aug is not None and logits_aug.shape[0] > 0:
        ce = F.cross_entropy(logits_aug, y_aug, reduction="none")
        w = torch.ones_like(ce) if class_weight is None else class_weight[y_aug]
        # A class of weight 0 gets no D+ loss (and no 0/0).
        cls = cls + augmentation_weight * (w * ce).sum() / w.sum().clamp(min=1e-12)
    ele, kl = elbo_terms(
        x=x,
        y=y,
        m=m,
        logvar=logvar,
        prior_mean=prior_mean,
        x_rec=x_rec,
        class_weight=class_weight,
        recon=recon,
        log_var=log_var,
        output=output,
        x_raw=x_raw,
    )
    return BatchLosses(
        cls=cls, real=real, adv=adv, ele=ele, kl=kl, fea=feature_loss(h_rec, h_real)
    )


def elbo_terms(
    *, x, y, m, logvar, prior_mean, x_rec, class_weight, recon, log_var, output, x_raw
):
    """``(L_ele, L_KL)``, class-weighted means over the batch.

    Per feature (or, for mixed-type tables, per input column): ``L_ele`` is
    the decoder's NLL, ``output.recon_loss`` on the raw outputs ``x_raw``
    when an :class:`~skdvaan._engine.OutputLayer` is given.
    """
    if output is None:
        kl = kl_to_prior(m, logvar, prior_mean) / x.shape[1]
        ele = element_loss(x_rec, x, recon, log_var)
    else:
        kl = kl_to_prior(m, logvar, prior_mean) / output.n_columns
        ele = output.recon_loss(x_raw, x, log_var=log_var)
    return _weighted_mean(ele, y, class_weight), _weighted_mean(kl, y, class_weight)
