"""DVAANClassifier: the DVAAN discriminator as a scikit-learn classifier."""

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _base, _calibration, _distributed, _incremental, _payload
from ._engine import (
    OutputLayer,
    TrainConfig,
    _balanced_weight,
    encode_latent,
    predict_logits,
    train,
)
from ._networks import PAPER_CHANNELS, PAPER_KERNELS, DVAANModule, NetworkConfig
from ._persistence import read_estimator, register, save_estimator
from ._prior import (
    T_MAX,
    class_directions,
    clip_to_range,
    sample_anchored,
    sample_boundary,
)
from ._tabular import ColumnEncoder, needs_encoder, transform_array

# Data sets at least this large hold out a validation split for early stopping
# when early_stopping="auto" (as HistGradientBoosting does for 10,000 rows).
AUTO_EARLY_STOPPING_MIN_SAMPLES = 1000
# Real rows per class kept in a fitted model to anchor sample()'s boundary
# samples on (all of a smaller class; a random subset of a large one).
MAX_ANCHORS_PER_CLASS = 2000
# ... and in all: every class's draw compares its anchors with the others',
# so keeping 2,000 of each of K classes made a round of D+ grow as K**2
# (20 classes of 2,400 rows: 17 s an epoch, against 0.8 s without D+). With
# more than 10 large classes each keeps MAX_ANCHORS // K (at least 100).
MAX_ANCHORS = 20_000
MIN_ANCHORS_PER_CLASS = 100


def _anchor_cap(n_classes):
    """Real rows kept per class, for ``n_classes`` classes."""
    share = MAX_ANCHORS // max(n_classes, 1)
    return min(MAX_ANCHORS_PER_CLASS, max(MIN_ANCHORS_PER_CLASS, share))


# Largest augmentation_ratio: D+ asks for ratio * (n_max - n_k) rows of each
# smaller class every epoch, held in memory together; 1 already tops every
# class up to the largest, and 1e9 asked for more rows than any memory holds.
MAX_AUGMENTATION_RATIO = 10.0
# Largest mu and loss weight (lambda_fea, lambda_adv, augmentation_weight),
# far above any useful value (the defaults are 0.5 to 3): float32 losses
# overflow mid-training from about 1e19 (mu, squared in the KL) and 1e37
# (weights), which a parameter check refuses before training instead.
MAX_LOSS_SCALE = 1e6


# What partial_fit carries from one call to the next besides the fitted
# attributes: its Adam, and the real rows its boundary samples anchor on.
_STREAM_STATE = ("_optimizer", "_anchor_pool")


def _check_classes(classes):
    """``partial_fit``'s ``classes=`` as an array, refused as fit refuses ``y``."""
    arr = np.asarray(classes)
    if arr.ndim != 1:
        raise ValueError(f"classes must be a 1-D list of labels, got {classes!r}.")
    try:
        check_classification_targets(arr)  # NaN, floats that are not labels, ...
    except ValueError as exc:
        raise ValueError(f"classes={arr.tolist()!r}: {exc}") from None
    try:
        np.unique(arr)
    except TypeError:  # None among numbers, mixed str and int
        raise ValueError(
            f"classes={arr.tolist()!r} mixes labels that cannot be sorted "
            "together (a None, or strings with numbers); give labels of one type."
        ) from None
    return arr


def check_max_move(max_move):
    """Refuse a ``max_move`` that is not a finite non-negative number."""
    if (
        not isinstance(max_move, Real)
        or isinstance(max_move, bool)
        or not 0.0 <= max_move < np.inf
    ):
        raise ValueError(
            f"max_move must be a finite non-negative number, got {max_move!r}."
        )


def check_seed(random_state, caller):
    """``check_random_state``, refusing what it cannot take with fit's message.

    NumPy's own error for an int beyond ``2**32 - 1`` comes from deep in its
    generator; this names the argument and the function it was passed to.
    """
    validate_parameter_constraints(
        {"random_state": ["random_state"]},
        {"random_state": random_state},
        caller_name=caller,
    )
    return check_random_state(random_state)


def _channels_last_warning(shape):
    """What to tell a user whose images of ``shape`` look channels-last, or None.

    Images are read (C, H, W). Square images stored (H, W, C), the layout of
    Keras and of most image files, read as ``C == H`` channels of ``H x C``
    pixels, with the channels (1, 3 or 4) as the width.
    """
    if shape is None:
        return None
    c, h, w = shape
    if not (c == h > 4 and w in (1, 3, 4)):
        return None
    return (
        f"Images of shape (C, H, W) = {shape} are read as {c} channels of {h}x{w} "
        f"pixels; they look like channels-last images (H, W, C) of {c}x{h} pixels "
        f"with {w} channel(s). DVAANClassifier reads images channels-first: pass "
        "np.moveaxis(X, -1, 1) for a 4-D X (flat X: its pixels in (C, H, W) "
        f"order, with input_shape=({w}, {c}, {h}))."
    )


def _warn_interrupted(result, stacklevel):
    """Say that Ctrl-C ended training; ``stacklevel`` as the caller's own."""
    if result.interrupted:
        warnings.warn(
            f"Training interrupted after {len(result.history)} epochs; the model "
            "keeps its best state so far.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )


def _softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _count(y_idx, n_classes, sync):
    """Rows per class, over every shard of a data-parallel fit."""
    counts = np.bincount(y_idx, minlength=n_classes)
    return counts if sync is None else sync.sum(counts).astype(np.int64)


def _training_row_bounds(counts, n_train):
    """Fewest and most rows of each class a stratified split puts in training.

    As scikit-learn allots ``n_train`` rows (``StratifiedShuffleSplit``): each
    class its share rounded down, then one more row to the classes with the
    largest remainders, ties broken at random. A class is sure of that row when
    no more classes than there are such rows have a remainder at or above its
    own, and may get it unless more classes have a larger one. The validation
    part holds the rest.
    """
    continuous = counts / counts.sum() * n_train  # as scikit-learn computes it
    floored = np.floor(continuous)
    need = int(n_train - floored.sum())
    remainder = continuous - floored
    sure = (remainder[None, :] >= remainder[:, None]).sum(axis=1) <= need
    may = (remainder[None, :] > remainder[:, None]).sum(axis=1) < need
    floored = floored.astype(np.int64)
    return floored + sure, floored + may


def _plain(label):
    """A class label as messages name it: 1, not np.int64(1)."""
    return getattr(label, "item", lambda: label)()


def _shared_scaler(X, sync):
    """A StandardScaler of the rows of every shard, without gathering them.

    Each shard's count, mean and sum of squared deviations are combined
    (Chan et al.'s pairwise update), in float64.
    """
    X = np.asarray(X, dtype=np.float64)
    parts = sync.gather((X.shape[0], X.mean(0), ((X - X.mean(0)) ** 2).sum(0)))
    n, mean, m2 = parts[0]
    for n_b, mean_b, m2_b in parts[1:]:
        delta = mean_b - mean
        total = n + n_b
        mean = mean + delta * n_b / total
        m2 = m2 + m2_b + delta**2 * n * n_b / total
        n = total
    scaler = StandardScaler()
    scaler.mean_, scaler.var_ = mean, m2 / n
    # As StandardScaler does: a feature whose variance is within float64's
    # rounding of its mean (sklearn's _is_constant_feature) keeps a scale of 1.
    eps = np.finfo(np.float64).eps
    constant = scaler.var_ <= n * eps * scaler.var_ + (n * mean * eps) ** 2
    scaler.scale_ = np.where(constant, 1.0, np.sqrt(scaler.var_))
    scaler.n_samples_seen_ = np.int64(n)
    scaler.n_features_in_ = X.shape[1]
    lo, hi = sync.min(X.min(0)), sync.max(X.max(0))
    return _base.settle_scaler(scaler, lo, hi)


@register
class DVAANClassifier(ClassifierMixin, BaseEstimator):
    """Deep imbalanced classifier trained with the DVAAN objective.

    DVAAN (Guo et al., 2019) trains three networks together: an encoder that
    maps each sample to a latent code whose prior depends on its class,
    ``N(mu * v_y, I)``; a decoder that reconstructs samples and generates new
    ones; and a discriminator that classifies real, reconstructed and
    generated samples. During training, samples generated near the class
    boundary in latent space are added to the smaller classes. The
    discriminator is the classifier that :meth:`predict_proba` uses.

    Tabular features are standardised internally. For images, pass
    ``input_shape=(C, H, W)`` with flattened pixels in [0, 1] or 0..255 (or a
    4-D array, or a 3-D one of single-channel images) to select the
    convolutional backbone. Images are read channels-first; the images passed
    after fit must be on the pixel scale of those seen in fit.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the hidden layers of the encoder and the discriminator (the
        decoder mirrors them). With a conv backbone, the dense layers after
        the convolutions. The last one is the layer ``h`` of ``L_fea``.
    latent_dim : int or "auto", default="auto"
        Size ``d`` of the latent code. ``"auto"`` uses 8 for tabular data and
        32 for images, or ``n_classes - 1`` if larger (the class means are the
        vertices of a simplex and need ``d >= n_classes - 1``).
    input_shape : tuple of (C, H, W) or None, default=None
        Shape of one image. When given, ``X`` holds flattened images and the
        conv backbone is used; ``None`` treats ``X`` as tabular.
    backbone : {"auto", "mlp", "conv", "paper"}, default="auto"
        ``"mlp"``: dense layers. ``"conv"``: two stride-2 convolutions (32, 64
        kernels of 3x3, batch norm), light enough for a CPU. ``"paper"``: the
        stack of Sec. 4.2 (64/92/128/256 kernels of 5x5, 5x5, 3x3, 3x3).
        ``"auto"``: ``"conv"`` when ``input_shape`` is given, else ``"mlp"``.
    categorical_features : "from_dtype", array-like of int, str or bool, or \
            None, default="from_dtype"
        Which columns of a mixed-type table are categorical, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`: column
        indices, column names, a boolean mask, ``"from_dtype"`` (pandas
        ``category``, ``bool`` and string columns, and object columns, of a
        DataFrame or a NumPy object array, that hold non-numbers) or
        ``None`` (none). DataFrames and object arrays that are not plain
        numbers are encoded column by column (one-hot blocks with a softmax
        head each, standardised numbers, a generated missing-indicator per
        column with missing cells); see the :ref:`User Guide <user_guide>`.
        Numeric arrays, sparse matrices and frames of plain numbers without
        missing cells are standardised as a whole, unless this names a
        column.
    mu : float, default=3.0
        Initial distance scale ``mu`` of the class means (Eq. 4); the value
        the paper fixes for its ablation DVAAN_mu. At most 1e6, as the loss
        weights below.
    learn_mu : bool, default=True
        Move ``mu`` by Eq. 10 during training. ``False`` keeps it fixed
        (DVAAN_mu).
    mu_step : float, default=0.01
        Step ``eta`` of the ``mu`` update, applied every mini-batch:
        ``mu <- clip(mu + eta * tanh(gamma * L_adv - L_fea), *mu_bounds)``.
    mu_bounds : tuple of (float, float), default=(0.5, 10.0)
        Floor and ceiling of ``mu``.
    gamma : float, default=1.0
        Weight ``gamma`` of ``L_adv`` in the ``mu`` update (Eq. 10).
    lambda_fea : float, default=1.0
        Weight ``lambda_1`` of the feature-wise reconstruction loss ``L_fea``
        in the encoder's and decoder's objectives; at most 1e6 (float32
        losses overflow far beyond it).
    lambda_adv : float, default=1.0
        Weight ``lambda_2`` of the adversarial class loss ``L_adv`` in the
        decoder's objective; at most 1e6.
    augmentation_ratio : float, default=0.5
        Every class ``k`` smaller than the largest receives up to
        ``augmentation_ratio * (n_max - n_k)`` generated boundary samples
        (the set ``D+`` of Alg. 1), drawn anew from the current networks in
        each round of at least 8 training steps (every epoch of 8 steps or
        more; every few epochs of a small table), in every epoch of the
        warm-up's ramp and in every :meth:`partial_fit` call, replacing the
        previous round's. ``0``
        turns augmentation off (the paper's ablation DVAAN_a); ``1`` tops
        every class up to the largest. At most 10: ``D+`` is held in memory
        every epoch, up to ``augmentation_ratio`` times the rows of the gap.
    augmentation_weight : float or "auto", default="auto"
        Weight of ``D+``'s class loss against the real batch's, at most 1e6.
        ``D+`` trains the discriminator only, never the encoder or decoder.
        ``"auto"``: 0.25 for tables, 0.5 for images. On tables whose classes
        overlap, boundary samples labelled as the smaller class fight the
        real labels at 0.5 (GSS: -0.019 ROC AUC against no ``D+``); 0.25 won
        on 4 of 21 benchmark tables and tied the rest, and tied on images,
        where 0.5 is ahead of no ``D+`` (see the benchmarks page).
    augmentation_warmup : int, default=5
        Epochs without ``D+`` before it starts; its ratio then grows linearly
        to ``augmentation_ratio`` over as many epochs. Early stopping's
        patience restarts once the ramp is complete; the epoch it restores
        is the best by validation score, which may precede ``D+``.
    boundary_sampling : {"anchored", "paper"}, default="anchored"
        How boundary samples (``D+`` and ``sample(kind="boundary")``) are
        drawn. ``"anchored"``: from a real sample of the class, its latent
        code is moved by part of the difference between the mean codes of
        the nearest other class and of the class, and decoded with the
        sample's own residual kept, and the result is kept when the
        discriminator's probability of the class lies in ``boundary_window``.
        ``"paper"``: the paper's rule read literally, ``z ~ N(0, I)`` kept where
        the nearest class mean and the discriminator agree.
    boundary_window : tuple of (float, float), default=(0.5, 0.9)
        Range of the discriminator's probability of the class that an
        anchored boundary sample must fall in. For ``D+`` during training it
        is the discriminator's own output as it trains (its prior tilted by
        the class weights and ``D+``); in :meth:`sample` it is read as
        ``predict_proba`` with ``class_prior="balanced"`` reads it (that tilt
        undone), the scale a user sees.
    boundary_selection : {"auto", "window", "uncertain"}, default="auto"
        Which anchored candidates become boundary samples. ``"window"``:
        the first that fall in ``boundary_window``. ``"uncertain"``: every
        candidate of the budget is decoded, and of those with a probability of
        at least ``boundary_window[0]``, the ones with the lowest probability
        (the most uncertain) are kept, so that ``D+`` keeps its size once the
        discriminator is sure of nearly every candidate. ``"auto"``:
        ``"uncertain"`` for tabular data, ``"window"`` for images, as measured
        (see the user guide).
    boundary_move : {"translate", "pull"}, default="translate"
        How an anchored candidate's latent code moves towards the boundary.
        ``"translate"``: by a share ``t`` of the difference between the mean
        code of the nearest other class and the mean code of the class's
        anchors, the same vector for every anchor, so the samples keep the
        real rows' spread. ``"pull"``: a share ``t`` of the way to the code
        of one of the anchor's nearest rows of another class; those are the
        few codes nearest the boundary, and the samples gather on them (0.53
        to 0.70 of the real spread on breast cancer, against 0.69 to 0.99
        with the translation). :class:`DVAANSampler` uses ``"pull"``: in
        front of other classifiers it measured as well or better (see the
        user guide).
    pretrain_steps : int or "auto", default="auto"
        Mini-batch steps of the encoder and decoder alone (their
        class-weighted ELBO) before Algorithm 1 starts, so that the generator
        has learned the data before the discriminator, which converges much
        faster, can end training by early stopping. ``"auto"``: 300 for
        tabular data, 100 for images. ``0`` skips it.
    decoder_variance : {"learned", "unit"}, default="learned"
        Variance of the decoder's Gaussian likelihood on tabular features.
        ``"learned"``: one variance per feature, learned with the networks,
        so the reconstruction term weighs what the data support; ``"unit"``:
        plain mean squared error. Images always use a Bernoulli likelihood.
    class_weight : "balanced", dict or None, default="balanced"
        Weights of the classifier's loss and of the reconstruction loss per
        class. ``"balanced"`` weights classes inversely to their frequency
        among the real samples. A dict maps labels to weights (labels left
        out weigh 1); as every loss is a weighted mean, only their ratios
        matter, and they are used divided by the largest.
    class_prior : "fit", "balanced" or array-like of shape (n_classes,), \
            default="fit"
        The class prior that :meth:`predict_proba`, :meth:`predict` and
        :meth:`decision_function` assume. ``"fit"``: the class frequencies
        seen in fit, so probabilities are estimates for data like the
        training data. ``"balanced"``: equal priors, the world the
        discriminator is trained in, read from the discriminator itself
        (without ``temperature_`` and ``logit_bias_``, the calibration of
        the other two; the view :meth:`sample`'s window reads).
        An array gives the prior directly. The
        shift from the training weights is exact (Bayes' rule); read at
        prediction time, so it can be changed after fit.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Adam step size for the three networks.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the data (stratified), stop when
        its ROC AUC has not improved by ``tol`` for more than
        ``n_iter_no_change`` epochs and restore the best epoch's weights.
        ``"auto"`` enables it for 1,000 samples or more, unless the split may
        leave the validation part or the training part without a row of some
        class (then a warning says so and none is held out). In a
        data-parallel fit, where each process splits its own shard, a
        validation part without some class is scored by log loss instead.
        Without it, training stops when the classifier's training loss on
        the real rows (``loss_curve_``) stalls; ``D+``'s term is left out, as
        it is redrawn near the boundary and stays high by design.
    validation_fraction : float, default=0.2
        Share of the data held out for early stopping. Larger than
        :class:`~sklearn.neural_network.MLPClassifier`'s 0.1 because the
        validation ROC AUC of a rare class is noisy: on our benchmarks 0.2
        stopped at better epochs. With ``early_stopping=True``, a fraction
        whose split may leave the validation part or the training part
        without a row of some class is refused before training.
    n_iter_no_change : int, default=10
        Training stops after more than this many epochs without improvement
        (``n_iter_no_change + 1``; the patience restarts once ``D+`` has
        reached its full ratio).
    tol : float, default=1e-4
        Minimum improvement of the monitored quantity.
    n_threads : int or None, default=None
        Torch intra-op threads during fit, prediction and sampling; the
        caller's setting is restored afterwards. ``None`` picks 1 for tabular
        networks (too small to gain from more, and slowed by busy cores) and
        up to 4 for the conv backbone, never more than the caller's setting.
        An int above the CPUs the process may use is capped at their number
        (a model fitted on a large machine runs on a small one as it is).
    device : str, default="auto"
        ``"auto"`` (a CUDA GPU when there is one), ``"cpu"``, ``"cuda"`` or
        ``"cuda:N"``.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, sampling and the validation
        split. With an int, fits on the CPU are bit-for-bit reproducible
        on one machine; another CPU's float arithmetic can send training
        elsewhere (measured on images: up to 0.03 ROC AUC in a run).
    verbose : bool, default=False
        Show a progress bar with the losses, ``mu`` and the validation score.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_counts_ : ndarray of shape (n_classes,)
        Number of training samples per class.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    encoder_ : ColumnEncoder or None
        The column encoding of a mixed-type table (columns, dtypes,
        categories, scales, ranges); ``None`` for numeric, sparse and image
        input.
    input_shape_ : tuple of int or None
        The shape of one image, ``(channels, height, width)``, as the
        networks see it; ``None`` for tables.
    scaler_ : sklearn.preprocessing.StandardScaler
        Standardisation of numeric tables (and sparse input), fitted on the
        training part. Present only for such tables; a mixed-type table's
        scaling is in ``encoder_``.
    pixel_scale_ : float
        The divisor that maps pixels to [0, 1]. Present only for images.
    module_ : torch.nn.Module
        The fitted encoder, decoder and discriminator (with ``mu`` as a buffer).
    device_ : torch.device
        Device the model was trained on.
    latent_means_ : ndarray of shape (n_classes, latent_dim)
        The class means ``mu * v_k`` of the fitted prior.
    class_prior_ : ndarray of shape (n_classes,)
        Class frequencies seen in fit (the prior of ``class_prior="fit"``).
    training_prior_ : ndarray of shape (n_classes,)
        The class prior implied by the training loss's class weights and
        ``D+``; :meth:`predict_proba` shifts the logits from it.
    temperature_ : float
        Temperature of the logits, fitted on the validation split together
        with ``logit_bias_`` by Platt's method (1.0 without early stopping).
    logit_bias_ : ndarray of shape (n_classes,)
        Per-class bias of the logits (the first class's is 0; with a
        ``class_weight`` of 0 for some class, that class's is 0 and the
        others' sum to 0, whatever the order of the labels): it corrects
        the mean probability of each class where ``training_prior_`` is not
        the prior the network learned. Fitted with the temperature on the
        validation split (Platt's method); without early stopping, alone on
        the training rows, so that their mean probability of each class is
        that class's share of them (smoothed as Platt's targets are). 0 for
        every class after :meth:`partial_fit`.
    feature_range_ : ndarray of shape (2, `n_features_in_`) or None
        Minimum and maximum of each feature seen in fit; generated samples
        stay inside. ``None`` with ``encoder_``, which keeps the ranges.
    integer_features_ : ndarray of shape (`n_features_in_`,), dtype=bool, or None
        Features whose values in fit were all integers; generated samples
        are rounded on them. ``None`` with ``encoder_``.
    history_ : list of dict
        One record per epoch: ``epoch`` (1-based, counted over
        ``partial_fit`` calls), losses (``loss_cls``, the classifier's, with
        ``D+``'s term; ``loss_real``, the same on the real rows alone;
        ``loss_adv``, ``loss_ele``, ``loss_kl``, ``loss_fea``), ``mu``,
        ``n_boundary`` (size of ``D+``), ``time`` and, with early stopping,
        ``validation_score``.
    loss_curve_ : list of float
        The classifier's training loss on the real rows per epoch
        (``loss_real``): without early stopping, training stops when it has
        not improved by ``tol`` for ``n_iter_no_change`` epochs.
    mu_curve_ : list of float
        ``mu`` at the end of each epoch (the paper's Fig. 4).
    validation_scores_ : list of float or None
        Validation ROC AUC per epoch, with early stopping.
    best_validation_score_ : float or None
        Best validation score, whose weights were restored.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    DVAANSampler : Over-sample with DVAAN's boundary samples for any classifier.
    sklearn.neural_network.MLPClassifier : A plain neural network classifier.

    References
    ----------
    .. [1] T. Guo, X. Zhu, Y. Wang and F. Chen, "Discriminative Sample
       Generation for Deep Imbalanced Learning", IJCAI 2019, pp. 2406-2412.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skdvaan import DVAANClassifier
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = DVAANClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> X_new, y_new = clf.sample(5, target_class=1)
    >>> X_new.shape, y_new.tolist()
    ((5, 20), [1, 1, 1, 1, 1])
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "latent_dim": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "input_shape": ["array-like", None],
        "backbone": [StrOptions({"auto", "mlp", "conv", "paper"})],
        "categorical_features": [StrOptions({"from_dtype"}), "array-like", None],
        "mu": [Interval(Real, 0, MAX_LOSS_SCALE, closed="right")],
        "learn_mu": ["boolean"],
        "mu_step": [Interval(Real, 0, None, closed="left")],
        "mu_bounds": ["array-like"],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "lambda_fea": [Interval(Real, 0, MAX_LOSS_SCALE, closed="both")],
        "lambda_adv": [Interval(Real, 0, MAX_LOSS_SCALE, closed="both")],
        "augmentation_ratio": [
            Interval(Real, 0, MAX_AUGMENTATION_RATIO, closed="both")
        ],
        "augmentation_weight": [
            Interval(Real, 0, MAX_LOSS_SCALE, closed="both"),
            StrOptions({"auto"}),
        ],
        "augmentation_warmup": [Interval(Integral, 0, None, closed="left")],
        "boundary_sampling": [StrOptions({"anchored", "paper"})],
        "boundary_window": ["array-like"],
        "boundary_selection": [StrOptions({"auto", "window", "uncertain"})],
        "boundary_move": [StrOptions({"translate", "pull"})],
        "pretrain_steps": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "decoder_variance": [StrOptions({"learned", "unit"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "class_prior": [StrOptions({"fit", "balanced"}), "array-like"],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=(128, 64),
        latent_dim="auto",
        input_shape=None,
        backbone="auto",
        categorical_features="from_dtype",
        mu=3.0,
        learn_mu=True,
        mu_step=0.01,
        mu_bounds=(0.5, 10.0),
        gamma=1.0,
        lambda_fea=1.0,
        lambda_adv=1.0,
        augmentation_ratio=0.5,
        augmentation_weight="auto",
        augmentation_warmup=5,
        boundary_sampling="anchored",
        boundary_window=(0.5, 0.9),
        boundary_selection="auto",
        boundary_move="translate",
        pretrain_steps="auto",
        decoder_variance="learned",
        class_weight="balanced",
        class_prior="fit",
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        early_stopping="auto",
        validation_fraction=0.2,
        n_iter_no_change=10,
        tol=1e-4,
        n_threads=None,
        device="auto",
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.latent_dim = latent_dim
        self.input_shape = input_shape
        self.backbone = backbone
        self.categorical_features = categorical_features
        self.mu = mu
        self.learn_mu = learn_mu
        self.mu_step = mu_step
        self.mu_bounds = mu_bounds
        self.gamma = gamma
        self.lambda_fea = lambda_fea
        self.lambda_adv = lambda_adv
        self.augmentation_ratio = augmentation_ratio
        self.augmentation_weight = augmentation_weight
        self.augmentation_warmup = augmentation_warmup
        self.boundary_sampling = boundary_sampling
        self.boundary_window = boundary_window
        self.boundary_selection = boundary_selection
        self.boundary_move = boundary_move
        self.pretrain_steps = pretrain_steps
        self.decoder_variance = decoder_variance
        self.class_weight = class_weight
        self.class_prior = class_prior
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.n_threads = n_threads
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the encoder, decoder and discriminator on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape \
                (n_samples, n_features), (n_samples, C, H, W) or \
                (n_samples, H, W)
            Training data: tabular features, or images (flattened with
            ``input_shape``, 4-D, or 3-D for single-channel images, as
            :func:`~skdvaan.datasets.load_mnist` returns them). Sparse input
            is densified up to 100 million entries. A DataFrame or NumPy
            object array may mix float, int, bool, ``category``, object and
            string columns with missing cells (NaN, None, ``pd.NA``); see
            ``categorical_features``. NaN in a numeric NumPy array is
            refused: pass a DataFrame to have missing cells modelled.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : DVAANClassifier
            The fitted classifier.

        Notes
        -----
        When ``torch.distributed`` is initialised with two or more processes
        (as under ``torchrun``), each process passes its own shard of the data
        (with at least two classes) and they train one model: the classes,
        counts, scaler and feature ranges are computed over every shard, the
        gradients are averaged at every step, and early stopping and the
        calibration read every shard's logits. Every process ends
        with the same weights. See the user guide's Scaling page.
        """
        # fit starts afresh: a partial_fit stream's Adam (bound to the old
        # network's weights) and its pool of anchor rows would otherwise be
        # what the next partial_fit continues.
        for name in _STREAM_STATE:
            self.__dict__.pop(name, None)
        try:
            return self._fit(X, y)
        except BaseException:
            # A failed fit leaves no half-fitted model: check_is_fitted fails
            # rather than predicting from a mix of the old and new state.
            self._forget_fit()
            raise

    def _forget_fit(self):
        """Drop every fitted attribute, and the state a stream continues."""
        names = [a for a in vars(self) if a.endswith("_")]
        for name in [*names, "_label_encoder", "_directions", *_STREAM_STATE]:
            self.__dict__.pop(name, None)

    def _fit(self, X, y):
        X, y, shape, mixed = self._validate_fit_input(X, y)
        if (message := _channels_last_warning(shape)) is not None:
            # _fit <- fit <- sklearn's _fit_context wrapper <- the user.
            warnings.warn(message, UserWarning, stacklevel=4)
        hidden = self._check_hidden()
        # Parameters checked before any work (the engine's settings read them).
        self._check_mu_bounds()
        self._check_window()
        n_samples = X.shape[0]
        rng = check_random_state(self.random_state)
        device = _base.resolve_device(self.device)
        # Under torch.distributed, each process holds a shard: what fit learns
        # from the data is computed over all of them (see _distributed).
        sync = _distributed.Sync() if _distributed.active() else None
        if sync is not None and mixed:
            raise ValueError(
                "A data-parallel fit (torch.distributed) takes numeric tables and "
                "images; a mixed-type table's encoding needs every row in one "
                "process. Encode the columns first, or fit in one process."
            )
        if sync is not None:
            n_samples = int(sync.sum([n_samples])[0])
            labels = np.unique(np.concatenate(sync.gather(np.unique(y))))
            y_known = labels
        else:
            y_known = y

        self._label_encoder = LabelEncoder().fit(y_known)
        self.classes_ = self._label_encoder.classes_
        y_idx = self._label_encoder.transform(y).astype(np.int64)
        # Mixed-type tables are encoded once, on every row (categories and
        # missing cells of each class, numeric ranges): the networks see
        # encoded float32 rows from here on.
        self.encoder_ = None
        if mixed:
            self.encoder_ = ColumnEncoder().fit(
                X, y_idx, categorical_features=self.categorical_features
            )
            X = self.encoder_.transform(X)
        n_classes = len(self.classes_)
        counts = _count(y_idx, n_classes, sync)
        self.class_counts_ = counts
        self.class_prior_ = counts / counts.sum()
        latent_dim = self._resolve_latent_dim(n_classes, shape)
        class_weight = self._resolve_class_weight(n_classes, counts)
        self._check_class_prior(n_classes)

        early = self.early_stopping
        if early == "auto":
            early = n_samples >= AUTO_EARLY_STOPPING_MIN_SAMPLES
            if early and self._validation_split_problem(counts):
                # "auto" is our choice, not the user's: where a stratified
                # split cannot hold every class, train without one.
                warnings.warn(
                    f"early_stopping='auto' trains without a validation split: "
                    f"{self._validation_split_problem(counts)}",
                    UserWarning,
                    # _fit <- fit <- sklearn's _fit_context wrapper <- the user.
                    stacklevel=4,
                )
                early = False
        if early:
            self._check_validation_split(counts)

        seed = rng.randint(np.iinfo(np.int32).max)
        # Generated rows stay inside the range seen in fit, in input units
        # (the encoder keeps them per column for mixed-type tables).
        self.feature_range_ = self.integer_features_ = None
        if not mixed:
            lo, hi = X.min(0), X.max(0)
            ints = np.all(X == np.round(X), axis=0)
            if sync is not None:
                lo, hi = sync.min(lo), sync.max(hi)
                ints = sync.min(ints.astype(np.float64)) > 0.5
            self.feature_range_ = np.stack([lo, hi]).astype(np.float64)
            self.integer_features_ = ints
        if early:
            idx_tr, idx_val = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                stratify=y_idx,
                random_state=rng,
            )
            X, X_val = X[idx_tr], X[idx_val]
            y_val, y_idx = y_idx[idx_val], y_idx[idx_tr]
            counts = _count(y_idx, n_classes, sync)

        # Scaling, fitted on the training part only: standardise tabular
        # features; map pixels to [0, 1]. A refit drops the other kind's.
        self.input_shape_ = shape
        for stale in ("scaler_", "pixel_scale_"):
            self.__dict__.pop(stale, None)
        if shape is None and not mixed:
            if sync is None:
                self.scaler_ = _base.settle_scaler(
                    StandardScaler().fit(X), X.min(0), X.max(0)
                )
            else:
                self.scaler_ = _shared_scaler(X, sync)
        elif shape is not None:
            pixels = X  # every shard's darkest and brightest pixel decide
            if sync is not None:
                pixels = np.r_[sync.min([X.min()]), sync.max([X.max()])]
            self.pixel_scale_ = _base.pixel_scale(pixels)
        Xs = self._scale(X)
        val = None
        if early:
            Xs_val = self._scale(X_val)
            # The scorer reads every shard's validation labels, in rank order.
            y_score = y_val if sync is None else sync.rows(y_val)
            val = (Xs_val, self._make_scorer(y_score, n_classes))

        # The binary prior puts the smaller class on +u (the paper's positive).
        positive = int(np.argmin(counts[::-1]) == 0) if n_classes == 2 else 1
        directions = class_directions(n_classes, latent_dim, positive=positive)
        anchor_idx = self._anchor_rows(y_idx, rng)
        anchors = Xs[anchor_idx], y_idx[anchor_idx]
        x_lo, x_hi = Xs.min(0), Xs.max(0)
        train_weight = class_weight
        if sync is not None:
            anchors = sync.broadcast(anchors)  # rank 0's rows, on every process
            x_lo, x_hi = sync.min(x_lo), sync.max(x_hi)
            if isinstance(class_weight, str):  # "balanced", from every shard
                train_weight = _balanced_weight(counts, "cpu")
        net_cfg = self._network_config(
            X.shape[1], n_classes, latent_dim, hidden, shape, len(anchors[1])
        )
        self.device_ = device
        self._directions = directions
        cfg = self._train_config(
            shape,
            Xs.shape[0],
            output=None
            if not mixed
            else OutputLayer(
                activate=self.encoder_.activate,
                recon_loss=self.encoder_.recon_loss,
                n_columns=self.encoder_.n_columns,
            ),
            class_weight=train_weight,
            early_stopping=bool(early),
            sync=sync,
        )
        with _base.torch_threads(self._threads(net_cfg)):
            self.module_ = _base.build_seeded(
                lambda: DVAANModule(net_cfg, self.mu), seed
            )
            with torch.no_grad():
                self.module_.x_min.copy_(torch.as_tensor(x_lo))
                self.module_.x_max.copy_(torch.as_tensor(x_hi))
                self.module_.anchor_x.copy_(torch.as_tensor(anchors[0]))
                self.module_.anchor_y.copy_(torch.as_tensor(anchors[1]))
            if sync is not None:  # one starting point for every process
                sync.same_state(self.module_)
            result = train(
                self.module_,
                directions,
                Xs,
                y_idx,
                cfg,
                generator=_base.torch_generator(seed, device),
                device=device,
                val=val,
            )
            self._store_history(result, bool(early))
            self._calibrate(
                counts,
                class_weight,
                result,
                val,
                y_val if early else None,
                sync,
                train_rows=None if early else (Xs, y_idx),
            )
        return self

    def partial_fit(self, X, y, classes=None):
        """Train for one epoch on a block of data: the incremental fit.

        For data that do not fit in memory, or arrive in blocks: each call
        runs one epoch of Algorithm 1 over ``(X, y)`` and keeps everything
        the next call needs. The first call builds the networks (and runs
        the ``pretrain_steps`` of the autoencoder on its block); later calls
        continue with the same weights, ``mu`` and Adam state. Calling it on
        a model fitted by :meth:`fit` continues that model (with a fresh
        Adam). Scaling is updated with :meth:`StandardScaler.partial_fit
        <sklearn.preprocessing.StandardScaler.partial_fit>`; "balanced"
        class weights and the class prior come from the counts of all blocks
        so far; the real rows that boundary samples are anchored on are a
        uniform reservoir sample of every block seen, up to 2,000 per class
        (20,000 / K, at least 100, with more than 10 classes).
        ``D+`` follows its warm-up and ramp over the calls, one epoch each.

        There is no validation split: no early stopping, the temperature of
        ``predict_proba`` is 1 (``temperature_``) and it has no bias
        (``logit_bias_`` is 0; a block is not the data, so none is fitted on
        it), also when the call continues a model fitted by :meth:`fit`,
        whose temperature and bias it resets. ``fit`` always starts
        afresh. Mixed-type tables are not supported here, since their
        encoding (categories, missing cells) is fixed by ``fit`` on all
        rows; images take the pixel scale of the first block. A model loaded
        from a file continues with a fresh Adam state. A call that fails
        (bad input, a NaN loss, Ctrl-C before training) leaves the model as
        it was before it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) \
                or (n_samples, C, H, W)
            A block of training data, numeric (tabular features or images).
        y : array-like of shape (n_samples,)
            Its labels; a block may hold only some of the classes.
        classes : array-like of shape (n_classes,) or None, default=None
            Every class the stream will hold. Needed on the first call unless
            its block holds all of them (then ``None`` takes those); later
            calls may omit it, or must pass the same classes.

        Returns
        -------
        self : DVAANClassifier
            The classifier, trained for one more epoch.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from skdvaan import DVAANClassifier
        >>> X, y = make_classification(n_samples=600, weights=[0.9], random_state=0)
        >>> clf = DVAANClassifier(hidden_layer_sizes=(16,), random_state=0)
        >>> for X_block, y_block in zip(np.array_split(X, 3), np.array_split(y, 3)):
        ...     clf = clf.partial_fit(X_block, y_block, classes=[0, 1])
        >>> clf.n_iter_, clf.class_counts_.tolist()
        (3, [539, 61])
        """
        first = not hasattr(self, "module_")
        # Every call: set_params between calls must not slip past the checks.
        self._validate_params()
        saved = None if first else _incremental.snapshot(self)
        try:
            return self._partial_fit(X, y, classes, first)
        except BaseException:
            if first:  # no half-built model, as in fit
                self._forget_fit()
            else:  # the model as it was before the call, not half updated
                _incremental.restore(self, saved)
            raise

    def _partial_fit(self, X, y, classes, first):
        if _distributed.active():
            raise ValueError(
                "partial_fit does not train data-parallel: under torch.distributed "
                "each process would train a model of its own. Call fit on each "
                "process's shard instead, or partial_fit in one process."
            )
        shape = None
        # Images may come 3-D or 4-D; later blocks of a table model stay 2-D.
        if first or self.input_shape_ is not None:
            X, shape = _base.flatten_images(
                X, self.input_shape if first else self.input_shape_
            )
        if (not first and getattr(self, "encoder_", None) is not None) or (
            shape is None and needs_encoder(X, self.categorical_features)
        ):
            raise ValueError(
                "partial_fit takes numeric tables and images. A mixed-type "
                "table's encoding (categories, missing cells, numeric ranges) is "
                "fixed by fit on all rows: use fit, or encode the columns first "
                "(e.g. with a OneHotEncoder in a pipeline)."
            )
        X, y = validate_data(
            self,
            X,
            y,
            reset=first,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        )
        X = _base.densify(X)
        if not first and self.input_shape_ is not None:
            self._check_pixels(X)  # on the scale of the first block
        check_classification_targets(y)
        if classes is not None:
            classes = _check_classes(classes)
        if first:
            labels = np.unique(y if classes is None else classes)
            if labels.shape[0] < 2:
                raise ValueError(
                    "partial_fit needs at least two classes: pass classes= with "
                    "every class of the stream on the first call (its block holds "
                    f"{np.unique(y).shape[0]} class only)."
                )
            shape = _base.check_input_shape(shape, X.shape[1])
            if (message := _channels_last_warning(shape)) is not None:
                # _partial_fit <- partial_fit <- the user.
                warnings.warn(message, UserWarning, stacklevel=3)
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={np.asarray(classes).tolist()} differs from the classes "
                f"of the first call, {self.classes_.tolist()}."
            )
        known = self.classes_ if not first else labels
        unseen = np.setdiff1d(np.unique(y), known)
        if unseen.size:
            raise ValueError(
                f"y holds labels {unseen.tolist()} that are not among the classes "
                f"{known.tolist()}; pass every class with classes= on the first "
                "call to partial_fit."
            )
        seed = _incremental.call_seed(self.random_state, 0 if first else self.n_iter_)
        rng = np.random.RandomState(seed)
        if first:
            self._start_incremental(X, y, labels, shape, seed)
        n_classes = len(self.classes_)
        y_idx = self._label_encoder.transform(y).astype(np.int64)
        block_counts = np.bincount(y_idx, minlength=n_classes)
        # Checked before anything changes: the batches hold this block's rows.
        class_weight = self._resolve_class_weight(
            n_classes, block_counts, where="in this block"
        )
        seen = self.class_counts_.copy()
        counts = seen + block_counts
        # Anchors in input units, before the scaler moves.
        pool = getattr(self, "_anchor_pool", None)
        if pool is None:
            pool = (
                self._unscale(self.module_.anchor_x.cpu().numpy()),
                self.module_.anchor_y.cpu().numpy(),
            )
        pool = _incremental.reservoir_update(
            *pool, X, y_idx, seen, _anchor_cap(len(self.classes_)), rng
        )
        self._anchor_pool = pool
        lo = np.minimum(self.feature_range_[0], X.min(0))
        hi = np.maximum(self.feature_range_[1], X.max(0))
        if self.input_shape_ is None:  # over every block so far, as the range
            _base.settle_scaler(self.scaler_.partial_fit(X), lo, hi)
        self.feature_range_ = np.stack([lo, hi])
        self.integer_features_ = self.integer_features_ & np.all(
            X == np.round(X), axis=0
        )
        self.class_counts_ = counts
        self.class_prior_ = counts / counts.sum()
        weight = class_weight
        if isinstance(class_weight, str):  # "balanced", from every block so far
            weight = _balanced_weight(counts, "cpu")
        Xs = self._scale(X)
        module = self.module_
        with torch.no_grad():
            bounds = self._scale(self.feature_range_)
            module.x_min.copy_(torch.as_tensor(bounds[0]))
            module.x_max.copy_(torch.as_tensor(bounds[1]))
            module.anchor_x = torch.as_tensor(self._scale(pool[0]), device=self.device_)
            module.anchor_y = torch.as_tensor(pool[1], device=self.device_)
            module.cfg.n_anchors = int(pool[1].shape[0])
        cfg = self._train_config(
            self.input_shape_,
            Xs.shape[0],
            max_iter=1,
            pretrain_steps=self._pretrain_steps(shape) if first else 0,
            class_weight=weight,
            early_stopping=False,
            verbose=False,
        )
        with _base.torch_threads(self._threads()):
            result = train(
                module,
                self._directions.to(self.device_),
                Xs,
                y_idx,
                cfg,
                generator=_base.torch_generator(seed, self.device_),
                device=self.device_,
                optimizer=getattr(self, "_optimizer", None),
                epoch_offset=self.n_iter_,
            )
        _warn_interrupted(result, stacklevel=3)
        self._optimizer = result.optimizer
        self.history_ = [*self.history_, *result.history]
        self.n_iter_ = len(self.history_)
        self.loss_curve_ = [h["loss_real"] for h in self.history_]
        self.mu_curve_ = [h["mu"] for h in self.history_]
        self.validation_scores_ = self.best_validation_score_ = None
        self.latent_means_ = (module.mu.detach().cpu() * self._directions).numpy()
        self._calibrate(counts, class_weight, result, None, None)
        return self

    def _start_incremental(self, X, y, labels, shape, seed):
        """The first partial_fit call: everything fit sets up before training."""
        hidden = self._check_hidden()
        self._check_mu_bounds()
        self._check_window()
        self._label_encoder = LabelEncoder().fit(labels)
        self.classes_ = self._label_encoder.classes_
        n_classes = len(self.classes_)
        self._check_class_prior(n_classes)
        self._resolve_class_weight(n_classes)
        latent_dim = self._resolve_latent_dim(n_classes, shape)
        self.encoder_ = None
        self.input_shape_ = shape
        if shape is None:
            self.scaler_ = StandardScaler()
        else:
            self.pixel_scale_ = _base.pixel_scale(X)
        self.class_counts_ = np.zeros(n_classes, dtype=np.int64)
        self.feature_range_ = np.stack([X.min(0), X.max(0)]).astype(np.float64)
        self.integer_features_ = np.ones(X.shape[1], dtype=bool)
        self.history_ = []
        self.n_iter_ = 0
        self.device_ = _base.resolve_device(self.device)
        # The first block's counts put the smaller class on +u, as fit does.
        counts = np.bincount(np.searchsorted(self.classes_, y), minlength=n_classes)
        positive = int(np.argmin(counts[::-1]) == 0) if n_classes == 2 else 1
        self._directions = class_directions(n_classes, latent_dim, positive=positive)
        net_cfg = self._network_config(
            X.shape[1], n_classes, latent_dim, hidden, shape, 0
        )
        with _base.torch_threads(self._threads(net_cfg)):
            self.module_ = _base.build_seeded(
                lambda: DVAANModule(net_cfg, self.mu), seed
            ).to(self.device_)
        self._anchor_pool = (
            np.empty((0, X.shape[1])),
            np.empty(0, dtype=np.int64),
        )

    def _unscale(self, Xs):
        """Scaled rows back in input units (the inverse of ``_scale``)."""
        if self.input_shape_ is None:
            return self.scaler_.inverse_transform(np.asarray(Xs, dtype=np.float64))
        return np.asarray(Xs, dtype=np.float64) * self.pixel_scale_

    def _train_config(self, shape, n_rows, **kw):
        """The engine's settings from the parameters; ``kw`` overrides them."""
        lo, hi = self._check_mu_bounds()
        batch = min(200, n_rows) if self.batch_size == "auto" else self.batch_size
        settings = dict(
            max_iter=self.max_iter,
            batch_size=min(batch, n_rows),
            learning_rate=self.learning_rate_init,
            lambda_fea=self.lambda_fea,
            lambda_adv=self.lambda_adv,
            gamma=self.gamma,
            learn_mu=self.learn_mu,
            mu_step=self.mu_step,
            mu_bounds=(lo, hi),
            augmentation_ratio=self.augmentation_ratio,
            augmentation_weight=self._augmentation_weight(shape),
            augmentation_warmup=self.augmentation_warmup,
            pretrain_steps=self._pretrain_steps(shape),
            boundary_rule=self.boundary_sampling,
            boundary_window=self._check_window(),
            boundary_selection=self._selection(shape),
            boundary_move=self.boundary_move,
            recon="mse" if shape is None else "bce",
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            verbose=bool(self.verbose),
        )
        return TrainConfig(**{**settings, **kw})

    def _calibrate(
        self, counts, class_weight, result, val, y_val, sync=None, train_rows=None
    ):
        """Prior shift, temperature and bias of the logits (see ``_calibration``).

        ``val`` (held-out rows) gets Platt's temperature and bias; without
        it, ``train_rows`` (the scaled training rows and their class indices)
        get the bias alone, which matches their mean probabilities to their
        (smoothed) class shares: ``D+`` rows sit at the boundary, not where the class's
        rows are, so the prior shift alone leaves the probabilities tilted
        towards the class they were added to. ``partial_fit`` passes
        neither (a block is not the data): no bias.
        """
        # "balanced" is a training device: its shift is undone, so that
        # probabilities are the data's. A dict states costs, which decisions
        # should keep: only D+'s share is undone then, as the loss weighted
        # D+'s rows (by the dict: a class of weight 0 had none).
        weights = _calibration.class_weights(
            counts, "balanced" if isinstance(class_weight, str) else None
        )
        aug_weights = None
        if class_weight is not None and not isinstance(class_weight, str):
            aug_weights = np.asarray(class_weight, dtype=np.float64)
        self.training_prior_ = _calibration.training_prior(
            counts,
            weights,
            result.best_aug_counts,
            self._augmentation_weight(self.input_shape_),
            aug_weights=aug_weights,
        )
        self.temperature_ = 1.0
        self.logit_bias_ = np.zeros(len(counts))
        if val is not None:
            X_cal, y_cal = val[0], y_val
        elif train_rows is not None:
            X_cal, y_cal = train_rows
        else:
            return
        logits = predict_logits(self.module_, X_cal, device=self.device_)
        if sync is not None:  # every shard's rows
            logits, y_cal = sync.rows(logits), sync.rows(y_cal)
        shift = _calibration.prior_shift(self.class_prior_, self.training_prior_)
        # Costs (a class_weight dict) weight the rows, so that the bias
        # keeps the tilt they give the probabilities instead of undoing it.
        costs = None
        if class_weight is not None and not isinstance(class_weight, str):
            costs = np.asarray(class_weight, dtype=np.float64)[y_cal]
        # Training rows were fitted: their confidence says nothing of the
        # temperature, only the bias is read from them.
        self.temperature_, self.logit_bias_ = _calibration.fit_platt(
            logits, y_cal, shift, costs, fit_temperature=val is not None
        )

    def _anchor_rows(self, y_idx, rng):
        """Rows kept in the model to anchor ``sample()``'s boundary samples on.

        Every row of a class up to :func:`_anchor_cap` (2,000, fewer with
        more than 10 classes), else a random subset of that many.
        """
        out = []
        cap = _anchor_cap(len(self.classes_))
        for k in range(int(y_idx.max()) + 1):
            rows = np.flatnonzero(y_idx == k)
            if rows.size > cap:
                rows = np.sort(rng.choice(rows, cap, replace=False))
            out.append(rows)
        return np.concatenate(out)

    def _threads(self, net_cfg=None):
        if self.n_threads is not None:
            # More threads than CPUs never help; torch fails to start 10**6.
            return min(int(self.n_threads), _base.usable_cpus())
        cfg = net_cfg if net_cfg is not None else self.module_.cfg
        # Only ever fewer than the caller's: a joblib or Dask worker limited
        # to one thread stays so.
        return min(
            torch.get_num_threads(),
            _base.default_threads(conv=cfg.input_shape is not None),
        )

    def _check_after_fit(self, *names):
        """Check that the model is fitted and the parameters ``names`` valid.

        For the methods used after fit: ``set_params`` may have changed what
        they read since fit validated it. The parameters are checked against
        fit's constraints, with its messages; only those the method reads,
        as all of them would cost a tenth of a one-row prediction. Skipped
        where scikit-learn's config skips parameter validation, as in fit.
        """
        check_is_fitted(self)
        if get_config()["skip_parameter_validation"]:
            return
        validate_parameter_constraints(
            {name: self._parameter_constraints[name] for name in names},
            {name: getattr(self, name) for name in names},
            caller_name=type(self).__name__,
        )

    def _selection(self, shape):
        if self.boundary_selection == "auto":
            return "uncertain" if shape is None else "window"
        return self.boundary_selection

    def _augmentation_weight(self, shape):
        if isinstance(self.augmentation_weight, str):  # "auto"
            return 0.25 if shape is None else 0.5
        return float(self.augmentation_weight)

    def _pretrain_steps(self, shape):
        if self.pretrain_steps == "auto":
            return 300 if shape is None else 100
        return int(self.pretrain_steps)

    def _check_window(self):
        window = tuple(self.boundary_window)
        if (
            len(window) != 2
            or not all(isinstance(w, Real) for w in window)
            or not 0 <= window[0] < window[1] <= 1
        ):
            raise ValueError(
                "boundary_window must be (low, high) with 0 <= low < high <= 1, "
                f"got {self.boundary_window!r}."
            )
        return float(window[0]), float(window[1])

    def _check_class_prior(self, n_classes):
        prior = self.class_prior
        if isinstance(prior, str):
            return
        try:
            arr = np.asarray(prior, dtype=np.float64)
        except (TypeError, ValueError):  # strings, ragged lists: the message below
            arr = np.full(0, np.nan)
        if (
            arr.shape != (n_classes,)
            or not np.all(np.isfinite(arr))
            or np.any(arr <= 0)
            or not np.isclose(arr.sum(), 1.0)
        ):
            raise ValueError(
                f"class_prior must be 'fit', 'balanced' or {n_classes} positive "
                f"probabilities summing to 1 (one per class), got {prior!r}."
            )

    def _validate_fit_input(self, X, y):
        X, shape = _base.flatten_images(X, self.input_shape)
        if shape is None and needs_encoder(X, self.categorical_features):
            return (*self._validate_mixed_input(X, y), None, True)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        )
        X = _base.densify(X)
        check_classification_targets(y)
        if np.unique(y).shape[0] < 2:
            raise ValueError(
                "DVAANClassifier needs samples of at least two classes; y holds "
                "1 class only."
            )
        shape = _base.check_input_shape(shape, X.shape[1])
        spec = self.categorical_features
        arr = np.asarray([] if spec is None or isinstance(spec, str) else spec)
        if arr.size and (arr.dtype.kind != "b" or arr.any()):
            raise ValueError(
                "categorical_features names columns, but X is "
                + ("images" if shape is not None else "a sparse matrix")
                + "; categorical columns need a dense table (a DataFrame or array)."
            )
        return X, y, shape, False

    def _validate_mixed_input(self, X, y):
        """Checks of a mixed-type table and its labels; the encoder checks cells."""
        if not isinstance(X, (np.ndarray, pd.DataFrame)):
            X = np.asarray(X, dtype=object)
        X, y = validate_data(self, X, y, skip_check_array=True)
        y = check_array(
            column_or_1d(y, warn=True), ensure_2d=False, dtype=None, input_name="y"
        )
        check_consistent_length(X, y)
        if X.shape[0] < 2:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while "
                "a minimum of 2 is required by DVAANClassifier."
            )
        if X.shape[1] < 1:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a minimum "
                "of 1 is required by DVAANClassifier."
            )
        check_classification_targets(y)
        if np.unique(y).shape[0] < 2:
            raise ValueError(
                "DVAANClassifier needs samples of at least two classes; y holds "
                "1 class only."
            )
        return X, y

    def _check_hidden(self):
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, Integral) else tuple(hidden)
        if not hidden or not all(isinstance(h, Integral) and h > 0 for h in hidden):
            raise ValueError(
                "hidden_layer_sizes must be a positive int or a non-empty tuple of "
                f"positive ints, got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(h) for h in hidden)

    def _check_mu_bounds(self):
        bounds = tuple(self.mu_bounds)
        if (
            len(bounds) != 2
            or not all(isinstance(b, Real) for b in bounds)
            or not 0 < bounds[0] <= bounds[1]
        ):
            raise ValueError(
                "mu_bounds must be (floor, ceiling) with 0 < floor <= ceiling, got "
                f"{self.mu_bounds!r}."
            )
        return float(bounds[0]), float(bounds[1])

    def _resolve_latent_dim(self, n_classes, shape):
        if self.latent_dim == "auto":
            return max(8 if shape is None else 32, n_classes - 1)
        if self.latent_dim < n_classes - 1:
            raise ValueError(
                f"latent_dim={self.latent_dim} is too small for {n_classes} classes: "
                f"the class means need latent_dim >= {n_classes - 1}. Use "
                "latent_dim='auto'."
            )
        return int(self.latent_dim)

    def _resolve_class_weight(self, n_classes, counts=None, where="in y"):
        """The ``class_weight`` dict as a (K,) tensor; strings and None as they are.

        With ``counts`` (rows per class), refuses weights that are 0 for every
        class with rows: every loss is a weighted mean, and would be 0 / 0.
        """
        if not isinstance(self.class_weight, dict):
            return self.class_weight
        unknown = set(self.class_weight) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(
                f"class_weight names labels not in y: {sorted(map(str, unknown))}."
            )
        w = np.ones(n_classes, dtype=np.float64)
        for label, weight in self.class_weight.items():
            if not isinstance(weight, Real) or not 0 <= weight < np.inf:
                raise ValueError(
                    "class_weight values must be finite numbers >= 0, got "
                    f"{weight!r} for label {label!r}."
                )
            w[np.searchsorted(self.classes_, label)] = weight
        # Every use is a weighted mean, so only the ratios matter: scaled to a
        # largest weight of 1, weights of 1e37 cannot overflow float32 sums
        # (nor weights of 1e-45 vanish in it).
        if w.max() > 0:
            w = w / w.max()
        w = w.astype(np.float32)
        if counts is not None and not np.any(w[np.asarray(counts) > 0] > 0):
            present = self.classes_[np.asarray(counts) > 0].tolist()
            raise ValueError(
                f"class_weight={self.class_weight!r} gives every class {where} "
                f"({present}) weight 0: the training loss, a weighted mean, would "
                "be 0 / 0. Give at least one of them a positive weight."
            )
        return torch.as_tensor(w)

    def _validation_split_problem(self, counts):
        """Why a stratified validation split cannot hold every class, or None.

        The split is ``train_test_split``'s: ``ceil(validation_fraction * n)``
        rows held out, the rest for training. Every class needs a row on each
        side, and the validation part a row per class.
        """
        n = int(counts.sum())
        n_val = math.ceil(n * self.validation_fraction)  # as train_test_split
        if counts.min() < 2 or n_val < len(counts):
            return (
                f"the smallest class has {counts.min()} samples and the split "
                f"would hold {n_val} samples for {len(counts)} classes."
            )
        # The training side: scikit-learn refuses fewer rows than classes, and
        # its allotment by class can leave a small class none.
        n_train = n - n_val
        vf = self.validation_fraction
        if n_train < len(counts):
            return (
                f"validation_fraction={vf} would leave {n_train} of {n} samples "
                f"for training, fewer than the {len(counts)} classes."
            )
        fewest, most = _training_row_bounds(counts, n_train)
        if fewest.min() == 0:
            k = int(np.argmin(fewest))
            label = _plain(self.classes_[k])
            return (
                f"validation_fraction={vf} would leave {n_train} of {n} samples "
                f"for training, which may hold none of class {label!r} "
                f"({counts[k]} samples)."
            )
        # The validation side gets what training leaves: a small class whose
        # share's remainder wins the last training row may have none left.
        if (most >= counts).any():
            k = int(np.argmax(most >= counts))
            label = _plain(self.classes_[k])
            return (
                f"validation_fraction={vf} would hold {n_val} of {n} samples "
                f"for validation, which may hold none of class {label!r} "
                f"({counts[k]} samples)."
            )
        return None

    def _check_validation_split(self, counts):
        problem = self._validation_split_problem(counts)
        if problem is not None:
            raise ValueError(
                "early_stopping needs a stratified validation split with every "
                f"class in it and in the training part, but {problem} Pass "
                "early_stopping=False, another validation_fraction or more data."
            )

    @staticmethod
    def _make_scorer(y_val, n_classes):
        if np.unique(y_val).shape[0] < n_classes:
            labels = np.arange(n_classes)
            return lambda logits: -log_loss(y_val, _softmax(logits), labels=labels)
        if n_classes == 2:
            return lambda logits: roc_auc_score(y_val, logits[:, 1] - logits[:, 0])
        return lambda logits: roc_auc_score(y_val, _softmax(logits), multi_class="ovr")

    def _network_config(
        self, n_features, n_classes, latent_dim, hidden, shape, n_anchors=0
    ):
        backbone = self.backbone
        if backbone == "auto":
            backbone = "mlp" if shape is None else "conv"
        if backbone in ("conv", "paper") and shape is None:
            raise ValueError(
                f"backbone={backbone!r} needs input_shape=(C, H, W) to know the "
                "image size."
            )
        if backbone != "mlp" and self.batch_size == 1:
            # Batch norm normalises over the batch: one image has no batch
            # statistics (torch fails once the feature maps are 1x1).
            raise ValueError(
                f"DVAANClassifier(batch_size=1) cannot train backbone={backbone!r}: "
                "its batch norm layers need at least 2 samples per batch. Use "
                "batch_size >= 2, or backbone='mlp'."
            )
        cfg = NetworkConfig(
            n_features=n_features,
            n_classes=n_classes,
            latent_dim=latent_dim,
            hidden=hidden,
            input_shape=None if backbone == "mlp" else shape,
            output="linear" if shape is None else "sigmoid",
            decoder_variance=self.decoder_variance if shape is None else "unit",
            n_anchors=n_anchors,
        )
        if backbone == "paper":
            cfg.channels, cfg.kernels = PAPER_CHANNELS, PAPER_KERNELS
        return cfg

    def _store_history(self, result, early):
        hist = result.history
        self.history_ = hist
        self.n_iter_ = len(hist)
        self.loss_curve_ = [h["loss_real"] for h in hist]
        self.mu_curve_ = [h["mu"] for h in hist]
        self.validation_scores_ = (
            [h["validation_score"] for h in hist] if early else None
        )
        self.best_validation_score_ = result.best_score if early else None
        self.latent_means_ = (self.module_.mu.cpu() * self._directions).numpy()
        _warn_interrupted(result, stacklevel=5)
        if not result.converged and not result.interrupted:
            warnings.warn(
                f"DVAANClassifier stopped at max_iter={self.max_iter} epochs before "
                "the monitored quantity stopped improving; raise max_iter for a "
                "fully trained model.",
                ConvergenceWarning,
                stacklevel=5,
            )

    # -------------------------------------------------------------- predict

    def _validate_X(self, X, keep_sparse=False):
        """Validated input; sparse densified unless ``keep_sparse`` (tables:
        then as CSR, for the caller to densify batch by batch)."""
        check_is_fitted(self)
        encoder = getattr(self, "encoder_", None)
        if encoder is not None:
            # Names and width as scikit-learn checks them; cells by the encoder
            # (an unseen category encodes as an all-zero block).
            if not isinstance(X, (np.ndarray, pd.DataFrame)) and not hasattr(
                X, "tocsr"
            ):
                X = np.asarray(X, dtype=object)
            if X.ndim != 2:  # a row as a Series, a flat list: check_array says so
                check_array(X, dtype=None, ensure_all_finite=False, estimator=self)
            validate_data(self, X, reset=False, skip_check_array=True)
            if X.shape[0] < 1:  # as check_array says it on the numeric path
                raise ValueError(
                    f"Found array with 0 sample(s) (shape={X.shape}) while a "
                    "minimum of 1 is required by DVAANClassifier."
                )
            return encoder.transform(X)
        if self.input_shape_ is not None:
            # Images may come 3-D or 4-D; a table model takes 2-D X only, as
            # scikit-learn's estimators do.
            X, _ = _base.flatten_images(X, self.input_shape_)
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
        )
        if keep_sparse and sparse.issparse(X) and self.input_shape_ is None:
            return X.tocsr()
        X = _base.densify(X)
        if self.input_shape_ is not None:
            self._check_pixels(X)
        return X

    def _check_pixels(self, X):
        """Refuse pixels beyond the scale of the images seen in fit.

        ``pixel_scale_`` (1 or 255) maps the pixels seen in fit to [0, 1].
        Pixels beyond it, such as 0..255 images passed to a model fitted on
        [0, 1] ones, would reach the networks on a scale they never saw and
        give wrong predictions without an error. Overshoot by rounding or
        interpolation (up to ``1e-5`` of the scale) passes.
        """
        lo, hi = float(X.min()), float(X.max())
        scale = self.pixel_scale_
        slack = 1e-5 * scale
        if lo < -slack or hi > scale + slack:
            to_01 = scale == 1.0 and lo >= 0 and hi <= 255  # 0..255 given
            fix = "divide them by 255" if to_01 else "rescale them"
            raise ValueError(
                f"Image pixels must lie in [0, {scale:g}], the scale of the images "
                f"seen in fit; X ranges over [{lo:g}, {hi:g}]. Pass images on that "
                f"scale ({fix})."
            )

    def _scale(self, X):
        if getattr(self, "encoder_", None) is not None:
            return X  # encoded by _validate_X
        if self.input_shape_ is None:
            # StandardScaler computes in the input's dtype: float32 features
            # near float32's maximum overflow when the mean is subtracted,
            # although their standardised values are small. Those rows are
            # scaled again in float64, row by row, so that a row's values do
            # not depend on the rows passed with it; what still overflows is
            # refused below.
            with np.errstate(over="ignore", invalid="ignore"):
                Xs = transform_array(self.scaler_, X)
            if Xs.dtype != np.float64:
                bad = ~np.isfinite(Xs).all(axis=1)
                if bad.any():
                    with np.errstate(over="ignore", invalid="ignore"):
                        redo = transform_array(
                            self.scaler_, np.asarray(X[bad], np.float64)
                        )
                    Xs = Xs.astype(np.float64)
                    Xs[bad] = redo
            X = Xs
        else:
            X = X / self.pixel_scale_
        return _base.to_float32(X)

    def _transform(self, X):
        """Validated and scaled input, as the networks see it."""
        return self._scale(self._validate_X(X))

    def _raw_logits(self, X):
        X = self._validate_X(X, keep_sparse=True)
        # Scaling (and a sparse table's densifying) runs per batch, so a
        # million rows need no scaled or dense copy.
        prepare = self._scale
        if sparse.issparse(X):
            prepare = lambda xb: self._scale(_base.densify(xb))  # noqa: E731
        with _base.torch_threads(self._threads()):
            return predict_logits(self.module_, X, device=self.device_, prepare=prepare)

    def _prior_shift(self):
        prior = self.class_prior
        if isinstance(prior, str):
            if prior == "balanced":
                return _calibration.balanced_shift(self.training_prior_)
            prior = self.class_prior_
        else:
            self._check_class_prior(len(self.classes_))
            prior = np.asarray(prior, dtype=np.float64)
        return _calibration.prior_shift(prior, self.training_prior_)

    def _balanced_proba(self, X):
        """``predict_proba`` under ``class_prior="balanced"``, whatever it is.

        The discriminator's own view, on which ``sample()`` reads
        ``boundary_window``; the diagnostics report it.
        """
        self._check_after_fit("n_threads")
        return np.exp(self._balanced_log_proba(self._raw_logits(X)))

    def _balanced_log_proba(self, logits):
        # The weights' prior undone, without the calibration.
        shift = _calibration.balanced_shift(self.training_prior_)
        return _calibration.calibrated_log_proba(logits, 1.0, shift)

    def _log_proba(self, X):
        """Log-probabilities under ``class_prior``, shape (n, K)."""
        self._check_after_fit("class_prior", "n_threads")
        logits = self._raw_logits(X)
        if isinstance(self.class_prior, str) and self.class_prior == "balanced":
            # The discriminator's own view, the one sample()'s window reads.
            return self._balanced_log_proba(logits)
        return _calibration.calibrated_log_proba(
            logits, self.temperature_, self._prior_shift() + self.logit_bias_
        )

    def decision_function(self, X):
        """Discriminator logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the log-odds of ``classes_[1]`` under
            ``class_prior`` (positive where :meth:`predict` says
            ``classes_[1]``); otherwise one calibrated log-probability per
            class.
        """
        logp = self._log_proba(X)
        if logp.shape[1] == 2:
            return logp[:, 1] - logp[:, 0]
        return logp

    def predict_proba(self, X):
        """Class probabilities from the discriminator, under ``class_prior``.

        The discriminator's logits divided by ``temperature_``, shifted from
        the class prior its weighted training implies (``training_prior_``)
        to ``class_prior``, plus ``logit_bias_`` (the temperature and bias
        come from Platt's method on the validation split; without one, the
        bias alone, from the training rows). With the default
        ``class_prior="fit"`` the mean probability of a class is close to its
        frequency in the training data. ``class_prior="balanced"`` reports the
        discriminator's own view: the shift alone, no temperature or bias.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return np.exp(self._log_proba(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without its rounding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``; finite
            where a probability underflows to 0.
        """
        return self._log_proba(X)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The most probable label under ``class_prior`` (the argmax of
            :meth:`predict_proba`). With the default prior seen in fit, a rare
            class is predicted only where it is the more likely; for a
            balanced decision use ``class_prior="balanced"``, or tune the
            threshold with :class:`~sklearn.model_selection.FixedThresholdClassifier`
            or :class:`~sklearn.model_selection.TunedThresholdClassifierCV`.
        """
        log_proba = self._log_proba(X)  # checks that the model is fitted first
        return self.classes_[log_proba.argmax(axis=1)]

    def encode(self, X):
        """Latent means ``m`` of the encoder's posterior ``Q(z | x)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
            Posterior means; each class's codes gather around its prior mean
            in ``latent_means_``.
        """
        self._check_after_fit("n_threads")
        X = self._validate_X(X)
        with _base.torch_threads(self._threads()):
            return encode_latent(
                self.module_, X, device=self.device_, prepare=self._scale
            )

    # ------------------------------------------------------------- generate

    def sample(
        self,
        n_samples=1,
        *,
        target_class=None,
        kind="boundary",
        max_move=T_MAX,
        random_state=None,
    ):
        """Generate synthetic samples of one class in the input space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        target_class : label or None, default=None
            Class of the samples; ``None`` takes the smallest class seen in fit
            (among those with rows: after :meth:`partial_fit`, a class passed
            in ``classes`` only cannot be generated).
        kind : {"boundary", "core"}, default="boundary"
            ``"boundary"``: samples near the decision boundary, drawn by
            ``boundary_sampling``. Anchored (the default): real samples of
            ``target_class`` moved in latent space towards the boundary, kept
            where the discriminator's probability of the class (as
            ``predict_proba`` gives it with ``class_prior="balanced"``) lies in
            ``boundary_window`` (with ``boundary_selection="uncertain"``, the
            least sure of those at or above its lower end); when too few do,
            the nearest candidates make up the rest. Paper: latent draws from
            ``N(0, I)`` kept where the nearest class mean and the
            discriminator agree; when too few pass,
            draws move towards the class mean. Either way a
            :class:`~skdvaan.exceptions.BoundarySamplingWarning` says how many
            samples missed the rule. ``"core"``: draws from the class's prior
            ``N(mu v_k, I)``. Boundary and core samples stay within each
            feature's range in the training data.
        max_move : float, default=1.0
            Anchored boundary samples only: each code moves a share
            ``t ~ U(0, max_move)`` of the difference between the mean code
            of the nearest other class and that of the sample's class (with
            ``boundary_move="pull"``: of the way to the code of a nearby row
            of another class). The default, as for ``D+`` in training, lets
            moves go the whole way; smaller values
            keep samples nearer the real ones (:class:`DVAANSampler` uses
            0.5, measured better in front of other classifiers); 0 only
            adds the posterior's noise around each real sample.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent draws.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, `n_features_in_`)
            Generated samples, in the scale of the training data. For a
            mixed-type table (``encoder_``), in the container of the fit
            input, with its columns, order, dtypes and categories: only
            categories (and missing cells) that ``target_class`` had in fit,
            integers rounded and numbers inside the range seen in fit.
        y : ndarray of shape (n_samples,)
            ``target_class`` repeated.
        """
        k = self._check_sample_request(n_samples, target_class, kind, max_move)
        rng = check_seed(random_state, "DVAANClassifier.sample")
        n_values = _base.dense_values(n_samples, self.n_features_in_)
        if n_values is not None:
            raise ValueError(
                f"n_samples={int(n_samples)} would return {n_values:,} values, more "
                f"than the {_base.MAX_DENSE_ENTRIES:,} one call may; draw them in "
                "several smaller calls."
            )
        encoder = getattr(self, "encoder_", None)
        if n_samples == 0:
            if encoder is not None:
                # One decoded row, cut: the container, columns and dtypes.
                one = encoder.inverse_transform(np.zeros((1, encoder.n_encoded)))
                empty = one.iloc[:0] if isinstance(one, pd.DataFrame) else one[:0]
                return empty, self.classes_[:0].copy()
            return np.empty((0, self.n_features_in_)), self.classes_[:0].copy()
        seed = rng.randint(np.iinfo(np.int32).max)
        activate = None if encoder is None else encoder.activate
        label = _plain(self.classes_[k])  # as warnings name it
        module = self.module_.eval()
        generator = _base.torch_generator(seed, self.device_)
        with _base.torch_threads(self._threads()):
            if kind == "boundary" and self.boundary_sampling == "anchored":
                x, _ = sample_anchored(
                    module,
                    k,
                    int(n_samples),
                    generator=generator,
                    reference_x=module.anchor_x,
                    reference_y=module.anchor_y,
                    window=self._check_window(),
                    fill=True,
                    activate=activate,
                    selection=self._selection(self.input_shape_),
                    move=self.boundary_move,
                    # The window is read as predict_proba(class_prior=
                    # "balanced") reads the class: the discriminator itself,
                    # the training prior undone.
                    logit_shift=torch.as_tensor(
                        _calibration.balanced_shift(self.training_prior_),
                        dtype=torch.float32,
                        device=self.device_,
                    ),
                    t_max=float(max_move),
                    label=label,
                )
                if not bool(torch.isfinite(x).all()):
                    # Only a move far past the other class's codes gets here.
                    raise ValueError(
                        f"max_move={max_move!r} moved latent codes so far that "
                        "float32 overflowed (in the codes or the decoder): the "
                        "samples would be NaN. Use a smaller max_move (the default, "
                        f"{T_MAX}, moves a code at most onto that of a row of "
                        "another class)."
                    )
            else:
                x, _ = sample_boundary(
                    module,
                    self._directions.to(self.device_),
                    k,
                    int(n_samples),
                    generator=generator,
                    fill=True,
                    kind=kind,
                    activate=activate,
                    label=label,
                )
                x = clip_to_range(module, x)
        X = x.float().cpu().numpy()
        if kind == "boundary":
            # Boundary rules return rows ranked (the least sure first, the
            # fill last); in random order any slice of them is a fair sample.
            # (Permuted in float32, then cast: one float64 copy, not two.)
            X = X[np.random.default_rng(seed).permutation(X.shape[0])]
        X = X.astype(np.float64)
        y_new = np.repeat(self.classes_[k : k + 1], X.shape[0])
        if encoder is not None:
            # Anchored rows are real rows moved: the most likely category (and
            # missing cell) is the anchor's unless the move shifted it. Rows
            # decoded from the prior draw their categories from the softmax.
            anchored = kind == "boundary" and self.boundary_sampling == "anchored"
            X = encoder.inverse_transform(
                X,
                [k] * X.shape[0],
                mode="argmax" if anchored else "sample",
                random_state=seed,
            )
            return X, y_new
        if self.input_shape_ is None:
            X = self.scaler_.inverse_transform(X, copy=False)  # X is ours
        else:
            X *= self.pixel_scale_
        # float32 rounding may put a value an ulp beyond or off a bound.
        X = _base.clip_to_bounds(
            X, self.feature_range_[0], self.feature_range_[1], inplace=True
        )
        # Features that held only integers (counts, levels, pixels) stay so.
        ints = self.integer_features_
        X[:, ints] = np.round(X[:, ints])
        return X, y_new

    def _check_sample_request(self, n_samples, target_class, kind, max_move):
        """The checks of :meth:`sample` and :meth:`iter_samples`; the class index."""
        self._check_after_fit(
            "n_threads",
            "boundary_sampling",
            "boundary_window",
            "boundary_selection",
            "boundary_move",
        )
        if (
            not isinstance(n_samples, Integral)
            or isinstance(n_samples, bool)
            or n_samples < 0
        ):
            raise ValueError(
                f"n_samples must be a non-negative int, got {n_samples!r}."
            )
        if kind not in ("boundary", "core"):
            raise ValueError(f"kind must be 'boundary' or 'core', got {kind!r}.")
        check_max_move(max_move)
        return self._target_index(target_class, kind)

    def _target_index(self, target_class, kind):
        """Index of ``sample()``'s ``target_class``, checked; None: the smallest."""
        counts = self.class_counts_
        if target_class is None:
            # The smallest class with rows: a class declared to partial_fit
            # but not seen yet has nothing to generate from.
            k = int(np.argmin(np.where(counts > 0, counts, np.iinfo(np.int64).max)))
        else:
            if np.ndim(target_class) != 0:
                raise ValueError(
                    f"target_class must be a single label, got {target_class!r}."
                )
            matches = np.flatnonzero(self.classes_ == target_class)
            if matches.size == 0:
                raise ValueError(
                    f"target_class={target_class!r} is not one of the classes seen "
                    f"in fit: {self.classes_.tolist()}."
                )
            k = int(matches[0])
        label = _plain(self.classes_[k])
        if counts[k] == 0:
            raise ValueError(
                f"No rows of class {label!r} have been seen yet (it was declared "
                "in partial_fit's classes= only): the model has learned nothing to "
                "generate it from. Pass rows of it to partial_fit first, or choose "
                "another target_class."
            )
        anchored = kind == "boundary" and self.boundary_sampling == "anchored"
        if anchored and not bool((self.module_.anchor_y == k).any()):
            raise ValueError(
                f"The model keeps no real rows of class {label!r} to anchor boundary "
                "samples on (a data-parallel fit keeps those of the first process, "
                "whose shard held none): use kind='core', or refit."
            )
        return k

    def iter_samples(
        self,
        n_samples,
        *,
        chunk_size=100_000,
        target_class=None,
        kind="boundary",
        max_move=T_MAX,
        random_state=None,
    ):
        """Generate samples in chunks, for outputs larger than memory.

        Yields what :meth:`sample` returns, ``chunk_size`` rows at a time
        (the last chunk may be shorter), so that millions of generated rows
        can be written to a Parquet file or a memmap without ever being in
        memory together. The chunks are drawn with seeds from
        ``random_state``: the same ``random_state`` gives the same chunks.
        The arguments are checked when this is called, before the first
        chunk is drawn.

        Parameters
        ----------
        n_samples : int
            Number of samples in all.
        chunk_size : int, default=100_000
            Rows per chunk.
        target_class, kind, max_move, random_state
            As in :meth:`sample`.

        Yields
        ------
        X : ndarray or DataFrame of shape (n_chunk, `n_features_in_`)
            A chunk of generated samples, as :meth:`sample` returns them.
        y : ndarray of shape (n_chunk,)
            ``target_class`` repeated.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from skdvaan import DVAANClassifier
        >>> X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
        >>> clf = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> [len(X_chunk) for X_chunk, _ in clf.iter_samples(250, chunk_size=100)]
        [100, 100, 50]
        """
        # What sample() checks, now rather than at the first chunk.
        self._check_sample_request(n_samples, target_class, kind, max_move)
        if (
            not isinstance(chunk_size, Integral)
            or isinstance(chunk_size, bool)
            or chunk_size < 1
        ):
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
        return self._chunks(
            int(n_samples),
            int(chunk_size),
            dict(target_class=target_class, kind=kind, max_move=max_move),
            check_seed(random_state, "DVAANClassifier.iter_samples"),
        )

    def _chunks(self, n_samples, chunk_size, params, rng):
        for start in range(0, n_samples, chunk_size):
            n = min(chunk_size, n_samples - start)
            # sample()'s warnings would point at this line: re-raised, they
            # point at the user's loop (a generator's caller is one frame up).
            # The filters are the user's again before the chunk is yielded.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                chunk = self.sample(
                    n, random_state=rng.randint(np.iinfo(np.int32).max), **params
                )
            for w in caught:
                warnings.warn(w.message, w.category, stacklevel=2)
            yield chunk

    # ---------------------------------------------------------- persistence

    def save(self, path):
        """Save the fitted classifier to a safe model file.

        The file is a zip archive of JSON metadata (parameters, fitted
        attributes, library versions) and the weights in the safetensors
        format, with their SHA-256. It holds no pickle and no code, so it can
        be shared and loaded safely with :meth:`load`.

        Parameters
        ----------
        path : str, path-like or binary file object
            Where to write. An existing file at ``path`` is replaced only once
            the new one is complete.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier is not fitted.
        TypeError
            If a parameter holds a value that cannot be stored without code.
        ValueError
            If a parameter is invalid (set with ``set_params`` after fit):
            :meth:`load` would refuse the file, so none is written.
        OSError
            If ``path`` is a directory or its directory does not exist
            (``IsADirectoryError``, ``FileNotFoundError``), naming ``path``;
            checked before anything is written.

        See Also
        --------
        load : Load a saved classifier.

        Examples
        --------
        >>> import os, tempfile
        >>> from sklearn.datasets import make_classification
        >>> from skdvaan import DVAANClassifier
        >>> X, y = make_classification(n_samples=100, random_state=0)
        >>> clf = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.skdvaan")
        >>> clf.save(path)
        >>> loaded = DVAANClassifier.load(path)
        >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
        True
        """
        save_estimator(self, path)

    @classmethod
    def load(cls, path, *, device="cpu"):
        """Load a classifier saved by :meth:`save`.

        Nothing in the file is unpickled or evaluated; a damaged, modified or
        foreign file is refused.

        Parameters
        ----------
        path : str, path-like or binary file object
            The model file.
        device : str, default="cpu"
            Where to put the networks: ``"cpu"``, ``"auto"``, ``"cuda"`` or
            ``"cuda:N"``. Files saved from a GPU load on any machine.

        Returns
        -------
        clf : DVAANClassifier
            The fitted classifier; on the same device its predictions and
            samples equal those of the classifier that was saved.

        Raises
        ------
        ValueError
            If the file is not a valid skdvaan model file, or holds another
            estimator; the message starts with ``"Cannot load skdvaan model
            from {path}:"``.

        See Also
        --------
        save : Save a fitted classifier.

        Examples
        --------
        >>> from skdvaan import DVAANClassifier
        >>> clf = DVAANClassifier.load("model.skdvaan")  # doctest: +SKIP
        """
        return read_estimator(path, device=device, expected=cls)

    # ----------------------------------------------------------- plumbing

    def _to_payload(self):
        """What a model file holds: ``(JSON-ready record, module of weights)``."""
        return _payload.classifier_payload(self)

    @classmethod
    def _from_payload(cls, meta, tensors, device):
        """The fitted classifier from a model file's checked record."""
        return _payload.restore_classifier(cls, meta, tensors, device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        return tags

    def __getstate__(self):
        # object.__getstate__ returns the live __dict__: copy it before
        # swapping in CPU weights, or pickling would move the model itself.
        state = dict(super().__getstate__())
        module = state.get("module_")
        if module is not None and next(module.parameters()).device.type != "cpu":
            # Pickles always hold CPU tensors, so they load without a GPU.
            state["module_"] = copy.deepcopy(module).cpu()
            # The Adam state of partial_fit points at the GPU weights: a
            # continued partial_fit starts a fresh one.
            state.pop("_optimizer", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "module_" in state:
            want = state.get("device_", torch.device("cpu"))
            if want.type == "cuda" and not torch.cuda.is_available():
                want = torch.device("cpu")
            self.device_ = want
            self.module_.to(want)
