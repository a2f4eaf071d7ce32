"""DVAANSampler: the paper's boundary samples as an imbalanced-learn over-sampler."""

import warnings
from numbers import Real

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length, validate_data

from . import _base, _payload
from ._classifier import DVAANClassifier, check_max_move
from ._persistence import read_estimator, register, save_estimator
from ._tabular import needs_encoder

# _fit_resample <- SamplerMixin.fit_resample <- _fit_context wrapper
# <- BaseSampler.fit_resample <- the user.
_USER_STACKLEVEL = 5


@register
class DVAANSampler(BaseOverSampler):
    """Over-sample with DVAAN's generated samples, anchored on real rows.

    Fits a :class:`DVAANClassifier` on ``(X, y)``, then appends to every class
    that ``sampling_strategy`` names as many generated samples as it asks.
    The samples are the estimator's ``sample(kind="boundary")``, drawn by the
    rule it trains its ``D+`` with: with the default
    ``boundary_sampling="anchored"``, real rows of the class moved in latent
    space towards the nearest rows of another class, kept where the
    probability of the class (as ``predict_proba(class_prior="balanced")``
    gives it) lies in ``boundary_window`` and a real row of the class is
    among the nearest neighbours; with ``"paper"``, the paper's draws from
    ``N(0, I)``. When too few pass, the candidates nearest to the rule make
    up the rest and a :class:`~skdvaan.exceptions.BoundarySamplingWarning`
    says how many. Original rows come first and unchanged.

    A pandas DataFrame (or NumPy object array) may mix float, int, bool,
    ``category``, object and string columns with missing cells (see the
    estimator's ``categorical_features``); the resampled table is a
    DataFrame with the input's columns, order, dtypes and categories, and
    generated rows hold only categories their class had in fit.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {sampling_strategy}

    estimator : DVAANClassifier or None, default=None
        The model to fit and draw from; its parameters are searchable as
        ``estimator__<name>``. ``None`` uses ``DVAANClassifier()`` (setting
        ``estimator__<name>`` on it makes it that ``DVAANClassifier``). When
        the estimator's own ``random_state`` is ``None``, the sampler's is used.
    random_state : int, RandomState instance or None, default=None
        Seeds the model (see ``estimator``) and the latent draws.
    boundary_window : tuple of (float, float) or None, default=(0.5, 1.0)
        The estimator's ``boundary_window`` while it trains and samples
        (``None`` keeps the estimator's own). The default keeps every sample
        on its class's side of the discriminator's boundary, from the class's
        core up to the boundary, rather than only near it as the classifier's
        ``D+`` does (0.5 to 0.9): in front of other classifiers this measured
        better (``benchmarks/bench_sampler.py``: higher ROC AUC on 8 of 10
        table and classifier pairs, and level with SMOTE on every pair, where
        the narrow window lost to SMOTE on one). With a window set here the
        estimator also takes ``boundary_selection="window"``: the samples in
        the window as they come, not the least sure of them. See the user
        guide.
    max_move : float, default=0.5
        How far the anchored samples move towards the other class: each
        code a share ``t ~ U(0, max_move)`` of the way to the code of a
        nearby row of another class, with ``boundary_move="pull"`` (the
        estimator's ``sample(max_move=...)``; ``D+`` in training keeps moves
        of up to 1). Half way measured better in front of other classifiers than the
        whole way (``benchmarks/bench_sampler_move.py``: ROC AUC +0.0008 and
        PR AUC +0.005 in front of LogisticRegression, one win and no loss
        over five tables; level in front of HistGradientBoosting). ``0``
        keeps only the posterior's noise around each real row.
    boundary_move : {{"pull", "translate"}} or None, default="pull"
        The estimator's ``boundary_move`` while it trains and samples
        (``None`` keeps the estimator's own). ``"pull"`` moves each code
        towards its own nearest code of another class; ``"translate"``, the
        classifier's default, moves every code of a class along one vector,
        which keeps the real rows' spread in ``D+``. For the sampler's wide
        window and half moves the spread is there either way (0.81-1.01),
        and in front of other classifiers the translation measured no better
        (``bench_sampler.py``, five tables, 5-fold x 2: ROC AUC level on all
        ten table and classifier pairs, 7 of them lower; PR AUC -0.044 on
        make_classification with gradient boosting, p = 0.005).
    verbose : bool, default=False
        Show the estimator's training progress bar (on stderr), as
        ``estimator=DVAANClassifier(verbose=True)`` would.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of samples generated per class.
    estimator_ : DVAANClassifier
        The fitted model the samples were drawn from.
    n_features_in_ : int
        Number of features seen during ``fit_resample``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit_resample``, when ``X`` has string
        column names.

    See Also
    --------
    DVAANClassifier : The DVAAN model as a classifier.
    imblearn.over_sampling.SMOTE : Interpolation between minority neighbours.
    imblearn.over_sampling.BorderlineSMOTE : SMOTE focused on the boundary.

    References
    ----------
    .. [1] T. Guo, X. Zhu, Y. Wang and F. Chen, "Discriminative Sample
       Generation for Deep Imbalanced Learning", IJCAI 2019, pp. 2406-2412.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from skdvaan import DVAANClassifier, DVAANSampler
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> sampler = DVAANSampler(estimator=DVAANClassifier(max_iter=20), random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 269), (1, 269)]
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "estimator": [DVAANClassifier, None],
        "boundary_window": ["array-like", None],
        "max_move": [Interval(Real, 0, None, closed="left")],
        "boundary_move": [StrOptions({"translate", "pull"}), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        estimator=None,
        random_state=None,
        boundary_window=(0.5, 1.0),
        max_move=0.5,
        boundary_move="pull",
        verbose=False,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.estimator = estimator
        self.random_state = random_state
        self.boundary_window = boundary_window
        self.max_move = max_move
        self.boundary_move = boundary_move
        self.verbose = verbose

    def set_params(self, **params):
        """Set the parameters of this sampler and of its ``estimator``.

        ``estimator=None`` stands for ``DVAANClassifier()``: setting
        ``estimator__<name>`` on it sets the parameter on a
        ``DVAANClassifier()`` that becomes ``estimator``, so that a search
        over ``estimator__<name>`` needs no explicit estimator.

        Parameters
        ----------
        **params : dict
            Parameters of the sampler, and ``estimator__<name>`` ones of its
            estimator.

        Returns
        -------
        self : DVAANSampler
            The sampler.
        """
        nested = any(key.startswith("estimator__") for key in params)
        if nested and params.get("estimator", self.estimator) is None:
            params = {**params, "estimator": DVAANClassifier()}
        return super().set_params(**params)

    def _check_X_y(self, X, y, accept_sparse=None):
        ndim = getattr(_base.nested_images(X), "ndim", None)
        if ndim in (3, 4):
            # The classifier takes image arrays; a sampler returns rows, 2-D
            # as imbalanced-learn's samplers do, so it says how to pass them.
            _, shape = _base.flatten_images(X, None)  # (C, H, W), as fit reads it
            raise ValueError(
                f"DVAANSampler takes 2-D X, as imbalanced-learn's samplers do; got "
                f"a {ndim}-D array of images {tuple(shape)}. Pass them flat, "
                "X.reshape(len(X), -1), with "
                f"estimator=DVAANClassifier(input_shape={tuple(shape)})."
            )
        spec = "from_dtype" if self.estimator is None else None
        if self.estimator is not None:
            spec = self.estimator.get_params()["categorical_features"]
        if not needs_encoder(X, spec):
            return super()._check_X_y(X, y, accept_sparse=accept_sparse)
        # A mixed-type table: names and width here, cells in the estimator.
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if not isinstance(X, (np.ndarray, pd.DataFrame)):
            X = np.asarray(X, dtype=object)
        X, y = validate_data(self, X, y, reset=True, skip_check_array=True)
        y = np.asarray(y)
        check_consistent_length(X, y)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        est = DVAANClassifier() if self.estimator is None else clone(self.estimator)
        if self.boundary_window is not None:
            # The window's samples as they come, not the least sure of them.
            est.set_params(
                boundary_window=tuple(self.boundary_window),
                boundary_selection="window",
            )
        if self.boundary_move is not None:
            est.set_params(boundary_move=self.boundary_move)
        # fit_resample skips nested validation; the estimator's constraints
        # must still hold before it trains.
        est._validate_params()
        check_max_move(self.max_move)  # the Interval lets inf through
        self._check_counts(X.shape[1])  # before training, not after it
        if est.random_state is None:
            est.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
        if self.verbose:
            est.set_params(verbose=True)
        mixed = isinstance(X, pd.DataFrame) or X.dtype.kind in "OUS"
        X_dense = X if mixed else _base.densify(X)
        # The estimator's warnings (ConvergenceWarning from fit,
        # BoundarySamplingWarning from sample, ...) are re-raised so that they
        # point at the user's fit_resample call, not at this file.
        X_new, y_new = [X], [y]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.estimator_ = est.fit(X_dense, y)
            for label, n in self.sampling_strategy_.items():
                if n == 0:
                    continue
                Xk, yk = est.sample(
                    int(n),  # a whole float from a callable strategy
                    target_class=label,
                    max_move=self.max_move,
                    random_state=rng.randint(np.iinfo(np.int32).max),
                )
                X_new.append(Xk if mixed else Xk.astype(X.dtype))
                y_new.append(yk.astype(y.dtype))
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=_USER_STACKLEVEL)
        if isinstance(X, pd.DataFrame):
            # pd.concat keeps each column's dtype and categories.
            X_new[0] = X.reset_index(drop=True)
            return pd.concat(X_new, ignore_index=True), np.hstack(y_new)
        if sparse.issparse(X):
            return sparse.vstack(X_new, format=X.format), np.hstack(y_new)
        return np.vstack(X_new), np.hstack(y_new)

    def _check_counts(self, n_features):
        """Refuse counts that ``sample`` would refuse, before any training.

        A dict or callable ``sampling_strategy`` gives the count each class
        should reach; imbalanced-learn passes on what it gives, so a float
        (``{1: 20.5}``) or a count too large for one array would otherwise
        fail only once the networks were trained.
        """
        for label, n in self.sampling_strategy_.items():
            if not float(n).is_integer():
                raise ValueError(
                    f"sampling_strategy asks for {float(n):g} new samples of class "
                    f"{label!r}: the count each class should reach must be a "
                    "whole number."
                )
            n_values = _base.dense_values(n, n_features)
            if n_values is not None:
                raise ValueError(
                    f"sampling_strategy asks for {int(n):,} new samples of class "
                    f"{label!r}, {n_values:,} values, more than the "
                    f"{_base.MAX_DENSE_ENTRIES:,} one array may hold; ask for "
                    "fewer."
                )

    def save(self, path):
        """Save the fitted sampler, with its fitted ``estimator_``, to a file.

        The file is a zip archive of JSON metadata (the sampler's parameters,
        ``sampling_strategy_``, the estimator's parameters and fitted
        attributes, library versions) and the weights in the safetensors
        format, with their SHA-256. It holds no pickle and no code.

        Parameters
        ----------
        path : str, path-like or binary file object
            Where to write. An existing file at ``path`` is replaced only once
            the new one is complete.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the sampler is not fitted.
        TypeError
            If ``sampling_strategy`` is a callable, or another parameter holds
            a value that cannot be stored without code.
        ValueError
            If a parameter of the sampler, of ``estimator`` or of
            ``estimator_`` is invalid: :meth:`load` would refuse the file, so
            none is written.
        OSError
            If ``path`` is a directory or its directory does not exist
            (``IsADirectoryError``, ``FileNotFoundError``), naming ``path``;
            checked before anything is written.

        See Also
        --------
        load : Load a saved sampler.

        Examples
        --------
        >>> import os, tempfile
        >>> from sklearn.datasets import make_classification
        >>> from skdvaan import DVAANClassifier, DVAANSampler
        >>> X, y = make_classification(n_samples=100, weights=[0.9], random_state=0)
        >>> est = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=5)
        >>> sampler = DVAANSampler(estimator=est, random_state=0)
        >>> X_res, y_res = sampler.fit_resample(X, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "sampler.skdvaan")
        >>> sampler.save(path)
        >>> loaded = DVAANSampler.load(path)
        >>> X_a, _ = loaded.estimator_.sample(3, random_state=0)
        >>> X_b, _ = sampler.estimator_.sample(3, random_state=0)
        >>> bool((X_a == X_b).all())
        True
        """
        save_estimator(self, path)

    @classmethod
    def load(cls, path, *, device="cpu"):
        """Load a sampler saved by :meth:`save`.

        Nothing in the file is unpickled or evaluated; a damaged, modified or
        foreign file is refused.

        Parameters
        ----------
        path : str, path-like or binary file object
            The model file.
        device : str, default="cpu"
            Where to put the estimator's networks: ``"cpu"``, ``"auto"``,
            ``"cuda"`` or ``"cuda:N"``.

        Returns
        -------
        sampler : DVAANSampler
            The fitted sampler. ``estimator_.sample`` draws what the saved
            sampler's estimator drew; ``fit_resample`` refits as usual.

        Raises
        ------
        ValueError
            If the file is not a valid skdvaan model file, or holds another
            estimator; the message starts with ``"Cannot load skdvaan model
            from {path}:"``.

        See Also
        --------
        save : Save a fitted sampler.

        Examples
        --------
        >>> from skdvaan import DVAANSampler
        >>> sampler = DVAANSampler.load("sampler.skdvaan")  # doctest: +SKIP
        """
        return read_estimator(path, device=device, expected=cls)

    def _to_payload(self):
        """What a model file holds: ``(JSON-ready record, module of weights)``."""
        return _payload.sampler_payload(self)

    @classmethod
    def _from_payload(cls, meta, tensors, device):
        """The fitted sampler from a model file's checked record."""
        return _payload.restore_sampler(cls, DVAANClassifier, meta, tensors, device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


DVAANSampler.__doc__ = DVAANSampler.__doc__.format(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring
)
