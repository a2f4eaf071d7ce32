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
    cls: torch.Tensor  # classifier's loss on real (and D+) samples
    adv: torch.Tensor  # L_adv: class loss on reconstructions and prior samples
    ele: torch.Tensor  # L_ele: element-wise reconstruction
    kl: torch.Tensor  # L_KL: KL to the class-conditional prior
    fea: torch.Tensor  # L_fea: feature-wise reconstruction in D's hidden layer


def element_loss(x_rec, x, kind):
    """``L_ele``: Gaussian (``"mse"``) or Bernoulli (``"bce"``) NLL per feature."""
    if kind == "bce":
        per = F.binary_cross_entropy(x_rec.clamp(1e-6, 1 - 1e-6), x, reduction="none")
    else:
        per = 0.5 * (x_rec - x).pow(2)
    return per.mean()


def feature_loss(h_rec, h_real):
    """``L_fea = ||h(x) - h(x~)||^2 / 2`` per hidden unit (Larsen et al.)."""
    return 0.5 * (h_rec - h_real.detach()).pow(2).mean()


def dvaan_losses(
    *, x, y, m, logvar, prior_mean, x_rec, logits, h_real, h_rec, class_weight, recon
):
    """All losses of one step.

    ``logits`` are the discriminator's outputs on ``cat([x, x_rec, x_prior])``,
    each block ``len(x)`` rows; ``h_real`` and ``h_rec`` its hidden layer on
    ``x`` and on the reconstructions.
    """
    lg_real, lg_rec, lg_prior = logits.split(x.shape[0])
    # The class weights say how much each class matters to the classifier, on
    # generated samples as on real ones.
    adv = F.cross_entropy(lg_rec, y, weight=class_weight) + F.cross_entropy(
        lg_prior, y, weight=class_weight
    )
    return BatchLosses(
        cls=F.cross_entropy(lg_real, y, weight=class_weight),
        adv=adv,
        ele=element_loss(x_rec, x, recon),
        kl=kl_to_prior(m, logvar, prior_mean).mean() / x.shape[1],
        fea=feature_loss(h_rec, h_real),
    )
