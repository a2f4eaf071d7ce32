"""Probabilities under the user's class prior, from a class-weighted classifier.

The discriminator is trained on class-weighted real samples plus ``D+``, so
its softmax estimates ``P(y | x)`` in a world whose class prior ``pi'`` is
those weights' (balanced, by default), not the data's ``pi``. Bayes' rule
moves it back as a shift of the logits, ``log pi - log pi'`` (Saerens et al.,
2002): ``softmax(logits / T + log pi - log pi')``. On a validation split,
Platt's method (:func:`fit_platt`) fits the temperature ``T`` (over- or
under-confidence) and a per-class bias that corrects ``pi'`` to the prior
the network acts as if trained under. Without a validation split the bias
alone is fitted, on the training rows: calibration in the large, which the
shift gets wrong where ``D+``'s rows are not distributed as the class's real
rows are.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax

# Temperatures outside this range mean the validation split is too small or
# too easy to say anything; the bound keeps one bad split from flattening or
# hardening every probability.
TEMPERATURE_BOUNDS = (0.05, 20.0)
# The smallest prior a class is given, so that logarithms stay finite.
PRIOR_FLOOR = 1e-12


def class_weights(counts, class_weight):
    """Per-class weights of the classifier's loss as an array (K,)."""
    counts = np.asarray(counts, dtype=np.float64)
    if class_weight is None:
        return np.ones_like(counts)
    if isinstance(class_weight, str):  # "balanced", from the real counts
        return counts.sum() / (len(counts) * np.maximum(counts, 1.0))
    return np.asarray(class_weight, dtype=np.float64)


def training_prior(counts, weights, aug_counts, augmentation_weight, aug_weights=None):
    """Class prior ``pi'`` that the weighted training loss implies, shape (K,).

    Each batch's real rows carry total weight 1 (a weighted mean) split as
    ``w_k n_k``; ``D+`` rows carry ``augmentation_weight`` split as
    ``v_k a_k`` over their counts ``a_k``, where ``v`` is ``aug_weights``
    (default: ``weights``). The two differ for a ``class_weight`` dict: its
    costs stay in the real part (unit ``weights``, nothing undone), while
    ``D+``'s share is undone as the loss weighted it.
    """
    counts = np.asarray(counts, dtype=np.float64)
    mass = weights * counts
    mass = mass / mass.sum()
    v = weights if aug_weights is None else np.asarray(aug_weights, dtype=np.float64)
    aug = v * np.asarray(aug_counts, dtype=np.float64)
    if aug.sum() > 0:
        mass = mass + augmentation_weight * aug / aug.sum()
    # A class of weight 0 was not learned: there is no prior to correct it
    # from, so it keeps its data frequency (no shift).
    zero = mass <= 0
    mass = np.where(zero, counts / counts.sum(), mass)
    # A class without rows (declared to partial_fit, none seen yet) keeps 0:
    # prior_shift reads that as "never trained" and leaves its logit alone.
    mass = np.where(counts > 0, np.maximum(mass, PRIOR_FLOOR), 0.0)
    return mass / mass.sum()


def prior_shift(prior, train_prior):
    """Logit shift ``log pi - log pi'`` that moves ``pi'`` to ``prior``.

    A class that training never saw (``pi' = 0``: declared to
    ``partial_fit``, no rows yet) has no trained prior to move from, and its
    logit carries no evidence that a prior could reweigh. It is taken as
    trained under ``prior`` itself, so its shift is 0, and the seen classes
    keep their trained proportions of the rest: under the balanced prior, a
    binary model with one class unseen keeps the network's logits as they
    are (a floor of ``1e-12`` for ``pi'`` gave it a shift of about +27, and
    every row). Where ``prior`` gives it 0 as well (``class_prior="fit"``:
    its frequency), Bayes' rule gives it probability 0, kept at the floor of
    ``1e-12`` so that log-probabilities stay finite.
    """
    prior = np.asarray(prior, dtype=np.float64)
    train_prior = np.asarray(train_prior, dtype=np.float64)
    unseen = train_prior <= 0
    if not unseen.any():
        return np.log(np.maximum(prior, PRIOR_FLOOR)) - np.log(train_prior)
    ref = np.where(unseen, prior, train_prior * (1.0 - prior[unseen].sum()))
    shift = np.log(np.maximum(prior, PRIOR_FLOOR)) - np.log(
        np.maximum(ref, PRIOR_FLOOR)
    )
    return np.where(unseen & (prior <= 0), np.log(PRIOR_FLOOR), shift)


def balanced_shift(train_prior):
    """Logit shift that reads probabilities under the balanced prior ``1/K``.

    ``sample()`` reads its boundary window on this scale, the one
    ``predict_proba(class_prior="balanced")`` reports, rather than on the
    training prior that class weights and ``D+`` tilted the discriminator to.
    """
    train_prior = np.asarray(train_prior, dtype=np.float64)
    return prior_shift(np.full(train_prior.shape, 1.0 / len(train_prior)), train_prior)


def calibrated_log_proba(logits, temperature, shift):
    """``log softmax(logits / T + shift)``, shape (n, K)."""
    return log_softmax(np.asarray(logits) / temperature + shift, axis=1)


def fit_platt(logits, y, shift, sample_weight=None, fit_temperature=True):
    """Temperature and per-class logit bias of ``softmax(logits / T + shift + b)``.

    Platt's (1999) method generalised to ``K`` classes: the log loss against
    smoothed targets, ``1 - 1 / (n_k + 2)`` on a row's own class ``k`` and
    the rest shared by the others, so that a few rows of a class cannot push
    its probabilities to 0 or 1. The bias corrects calibration in the large
    (the mean probability of each class), which a temperature alone cannot.
    ``sample_weight`` weights each row's loss (class costs that the
    probabilities should keep). With ``fit_temperature=False``, ``T`` stays
    1 and the bias alone is fitted: the (weighted) mean probability of each
    class then matches its (smoothed) share of the rows, what the training
    rows can tell without overstating the model's confidence. Returns
    ``(T, b)`` with ``b[0] = 0`` or, where some class has no weight, ``b = 0``
    for those classes and ``b`` summing to 0 over the others.
    """
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    counts = np.bincount(y, minlength=k).astype(np.float64)
    eps = 1.0 / (counts + 2.0)
    target = np.repeat((eps[y] / max(k - 1, 1))[:, None], k, axis=1)
    target[np.arange(n), y] = 1.0 - eps[y]

    # A class whose rows all weigh 0 (a class_weight of 0) says nothing of
    # its bias: it stays 0, as training_prior leaves such a class unshifted
    # (fitted, its smoothed target mass alone would drive it towards 0).
    # "0" is then relative to the classes with weight, whose biases sum to
    # 0, so that the result does not depend on which class sorts first.
    weighed = np.bincount(y, weights=w, minlength=k) > 0
    centred = not weighed.all()

    def biases(theta):
        if not centred:
            return np.r_[0.0, theta[1:]]
        b = np.zeros(k)
        b[weighed] = theta[1:][weighed] - theta[1:][weighed].mean()
        return b

    def nll(theta):
        """The loss and its gradient (a numerical one cost K + 1 evaluations
        per step: 18 s for 2,000 rows of 100 classes)."""
        t = np.exp(theta[0])
        logp = calibrated_log_proba(logits, t, shift + biases(theta))
        # d loss / d logit of the softmax: w (p - target), target rows sum to 1.
        g_z = w[:, None] * (np.exp(logp) - target)  # (n, K)
        g_b = g_z.sum(0)
        grad = np.empty_like(theta)
        grad[0] = -(g_z * logits).sum() / t  # d z / d log T = -logits / T
        if centred:
            g = np.zeros(k)
            g[weighed] = g_b[weighed] - g_b[weighed].mean()
            grad[1:] = g
        else:
            grad[1:] = g_b[1:]
        return -(w * (target * logp).sum(1)).sum(), grad

    lo, hi = np.log(TEMPERATURE_BOUNDS) if fit_temperature else (0.0, 0.0)
    if centred:
        free = [(None, None) if weighed[j] else (0.0, 0.0) for j in range(k)]
        start = np.zeros(k + 1)
    else:
        free = [(None, None)] * (k - 1)
        start = np.zeros(k)
    res = minimize(nll, start, jac=True, method="L-BFGS-B", bounds=[(lo, hi)] + free)
    return float(np.exp(res.x[0])), biases(res.x)
