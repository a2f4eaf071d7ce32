"""Sample-quality checks for DVAAN's generated samples.

Three questions about the samples of :meth:`DVAANClassifier.sample
<skdvaan.DVAANClassifier.sample>`:

* Do boundary samples sit at the boundary? The discriminator's probability
  of the target class (its own view, ``class_prior="balanced"``, the one
  ``sample()``'s ``boundary_window`` reads) should be nearer 0.5 for
  ``kind="boundary"`` than for ``kind="core"`` or for the real samples of
  that class.
* Are they new, or copies of training rows? The distance from each generated
  sample to its nearest real training sample of the class, compared with the
  distances between real samples, and the number of exact copies.
* Does each column look like the real one? Category frequencies (total
  variation distance) and numeric distributions (Kolmogorov-Smirnov), with
  the share of missing cells, per column (:func:`column_report`).
"""

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import ks_2samp
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._classifier import check_seed
from ._columns import from_dtype, label, resolve_categorical, scalar, split_columns

__all__ = ["boundary_report", "column_report", "plot_boundary_report"]

# Distances at most this large (in the model's scaled space) count as copies.
COPY_TOL = 1e-6
# Real rows of the class whose nearest real neighbour the report measures:
# an exact search over all of them is quadratic (7 s at 50,000 rows), so a
# larger class is measured on a fixed random subset of this many, against
# all of its rows.
MAX_REAL_QUERIES = 10_000


def _nearest_distances(X_query, X_ref, *, exclude_self=False, query_index=None):
    """Euclidean distance from each row of ``X_query`` to its nearest row of ``X_ref``.

    With ``exclude_self=True``, ``X_query`` is ``X_ref`` (or its rows
    ``query_index``) and each row's own index is skipped (a duplicate row
    elsewhere still counts, at distance 0).
    The neighbour search may round (scikit-learn's brute force uses the dot
    product expansion), so the returned distances are recomputed exactly in
    float64 for the neighbours it found: an exact copy gives 0.

    Returns ``(dist, idx)``, both of shape (n_query,).
    """
    X_query = np.asarray(X_query, dtype=np.float64)
    X_ref = np.asarray(X_ref, dtype=np.float64)
    k = 2 if exclude_self else 1
    nn = NearestNeighbors(n_neighbors=k).fit(X_ref)
    _, ind = nn.kneighbors(X_query)
    if exclude_self:
        rows = np.arange(len(X_query)) if query_index is None else query_index
        own = ind[:, 0] == rows
        idx = np.where(own, ind[:, 1], ind[:, 0])
    else:
        idx = ind[:, 0]
    dist = np.linalg.norm(X_query - X_ref[idx], axis=1)
    return dist, idx


def _summary(proba, dist, threshold):
    q10, q50, q90 = np.quantile(proba, [0.1, 0.5, 0.9])
    return {
        "n_samples": len(proba),
        "proba_mean": proba.mean(),
        "proba_q10": q10,
        "proba_median": q50,
        "proba_q90": q90,
        "mean_abs_proba_minus_half": np.abs(proba - 0.5).mean(),
        "nn_dist_min": dist.min(),
        "nn_dist_median": np.median(dist),
        "frac_closer_than_real_median": np.mean(dist < threshold),
        "n_exact_copies": int(np.sum(dist <= COPY_TOL)),
    }


def boundary_report(
    clf,
    X,
    y,
    *,
    n_samples=500,
    target_class=None,
    generated=None,
    random_state=None,
):
    """Compare generated samples of one class with its real samples.

    For the real training samples of ``target_class`` and for generated
    samples of it (by default ``n_samples`` of ``kind="boundary"`` and as
    many of ``kind="core"``), the report gives the discriminator's
    probability of ``target_class`` and the distance to the nearest real
    sample of that class. The probability is the discriminator's own view,
    as ``predict_proba`` gives it with ``class_prior="balanced"``: the scale
    on which ``sample()`` reads ``boundary_window``, whatever the model's
    ``class_prior`` (under the default ``"fit"``, a minority's boundary
    samples have probabilities near its base rate). Distances are Euclidean
    in the model's scaled space: standardised features (``clf.scaler_``),
    pixels in [0, 1], or the encoded columns of a mixed-type table
    (``clf.encoder_``).

    Parameters
    ----------
    clf : DVAANClassifier or DVAANSampler
        A fitted model; for a sampler, its ``estimator_`` is used.
    X : array-like of shape (n_samples, n_features)
        Real samples, normally the training data of ``clf``.
    y : array-like of shape (n_samples,)
        Their labels.
    n_samples : int, default=500
        Samples generated per kind when ``generated`` is None.
    target_class : label or None, default=None
        The class to examine; ``None`` takes the smallest class seen in fit.
    generated : dict of str to array-like, or None, default=None
        Samples to examine instead of drawing them, as ``{name: X_gen}`` in
        the input scale of ``X`` (for instance those of a
        :class:`~skdvaan.DVAANSampler` run, or another sampler's, for
        comparison). Each name becomes a row of the report.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws of :meth:`~skdvaan.DVAANClassifier.sample`.

    Returns
    -------
    report : pandas.DataFrame
        One row per source: ``"real"`` first, then ``"boundary"`` and
        ``"core"`` (or the keys of ``generated``). Columns:

        - ``n_samples``;
        - ``proba_mean``, ``proba_q10``, ``proba_median``, ``proba_q90``:
          the discriminator's probability of ``target_class``, under
          ``class_prior="balanced"``;
        - ``mean_abs_proba_minus_half``: mean of ``|p - 0.5|``, smaller is
          nearer the decision boundary;
        - ``nn_dist_min``, ``nn_dist_median``: distance to the nearest real
          sample of ``target_class`` (for ``"real"``, the nearest *other*
          one);
        - ``frac_closer_than_real_median``: share of samples closer to a
          real sample than the median real-to-real nearest-neighbour
          distance (about 0.5 for ``"real"``; near 1 suggests memorisation);
        - ``n_exact_copies``: samples within 1e-6 of a real one (for
          ``"real"``, duplicated rows).

        For a class of more than 10,000 real samples, the ``"real"`` row's
        distance columns (and ``real_nn_dist_median``) are measured on a
        fixed random 10,000 of them, against all of them: the exact search
        over all is quadratic.

        ``report.attrs`` holds ``target_class`` and
        ``real_nn_dist_median``.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D or not as long as ``X``, ``n_samples`` is not a
        positive integer (when ``generated`` is None), ``generated`` is not a
        dict, ``target_class`` was not seen in fit, ``X`` holds fewer than 2
        samples of it, or an entry of ``generated`` holds no samples.

    See Also
    --------
    plot_boundary_report : Plot the probabilities of a report.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skdvaan import DVAANClassifier
    >>> from skdvaan.diagnostics import boundary_report
    >>> X, y = make_classification(n_samples=200, weights=[0.8], random_state=0)
    >>> clf = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> report = boundary_report(clf, X, y, n_samples=50, random_state=0)
    >>> report.index.tolist()
    ['real', 'boundary', 'core']
    >>> int(report.loc["real", "n_samples"])
    40
    """
    clf = getattr(clf, "estimator_", clf)
    check_is_fitted(clf)
    # A y of another length would fail as a boolean index, far from the cause.
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    if generated is None:
        if (
            isinstance(n_samples, bool)
            or not isinstance(n_samples, numbers.Integral)
            or n_samples < 1
        ):
            raise ValueError(
                f"n_samples must be a positive integer, got {scalar(n_samples)!r}."
            )
    elif not isinstance(generated, Mapping):
        raise ValueError(
            "generated must be a dict of name to samples, got "
            f"{type(generated).__name__}."
        )
    if target_class is None:
        # The smallest class with rows, as sample() takes it.
        target_class = clf.classes_[clf._target_index(None, "core")]
    elif target_class not in clf.classes_:
        raise ValueError(
            f"target_class={scalar(target_class)!r} is not one of the classes seen "
            f"in fit: {clf.classes_.tolist()}."
        )
    k = int(np.flatnonzero(clf.classes_ == target_class)[0])
    # DataFrames stay DataFrames: a mixed-type model reads their columns.
    X_real = _rows(X, y == target_class)
    if X_real.shape[0] < 2:
        raise ValueError(
            f"X holds {X_real.shape[0]} sample(s) of class "
            f"{scalar(target_class)!r}; the report needs at least 2 to measure "
            "distances between real samples."
        )
    if generated is None:
        rng = check_seed(random_state, "boundary_report")
        generated = {
            kind: clf.sample(
                n_samples,
                target_class=target_class,
                kind=kind,
                random_state=rng.randint(np.iinfo(np.int32).max),
            )[0]
            for kind in ("boundary", "core")
        }
    # _transform validates and scales exactly as predict_proba does.
    Z_real = clf._transform(X_real)
    query = None
    if Z_real.shape[0] > MAX_REAL_QUERIES:  # fixed, so reports compare
        pick = np.random.default_rng(0).choice(
            Z_real.shape[0], MAX_REAL_QUERIES, replace=False
        )
        query = np.sort(pick)
    real_dist, _ = _nearest_distances(
        Z_real if query is None else Z_real[query],
        Z_real,
        exclude_self=True,
        query_index=query,
    )
    threshold = float(np.median(real_dist))
    rows = {"real": _summary(clf._balanced_proba(X_real)[:, k], real_dist, threshold)}
    for name, X_gen in generated.items():
        X_gen = _rows(X_gen)
        if X_gen.shape[0] == 0:
            raise ValueError(f"generated[{name!r}] holds no samples.")
        dist, _ = _nearest_distances(clf._transform(X_gen), Z_real)
        rows[name] = _summary(clf._balanced_proba(X_gen)[:, k], dist, threshold)
    report = pd.DataFrame.from_dict(rows, orient="index")
    # A plain Python scalar: attrs are shown to people and written to JSON.
    report.attrs["target_class"] = getattr(target_class, "item", lambda: target_class)()
    report.attrs["real_nn_dist_median"] = threshold
    return report


def column_report(X_real, X_generated, *, categorical_features="from_dtype"):
    """Compare each column of generated rows with the same column of real rows.

    A per-column view of sample quality, for mixed-type tables in particular:
    are the generated minority rows' categories as frequent as the real
    minority's, are their numbers distributed alike, and are cells missing
    as often?

    Parameters
    ----------
    X_real : DataFrame or array-like of shape (n_real, n_features)
        Real rows, usually the training rows of one class.
    X_generated : DataFrame or array-like of shape (n_generated, n_features)
        Generated rows with the same columns (for a DataFrame, the same
        names in the same order), e.g. the rows that
        :meth:`DVAANSampler.fit_resample <skdvaan.DVAANSampler.fit_resample>`
        appended, or :meth:`DVAANClassifier.sample
        <skdvaan.DVAANClassifier.sample>`'s.
    categorical_features : "from_dtype", None or array-like, default="from_dtype"
        Which columns are categorical, as the estimators' parameter of the
        same name: ``"from_dtype"`` takes ``category``, object, string and
        bool columns of ``X_real``; or indices, names or a boolean mask.

    Returns
    -------
    report : pandas.DataFrame
        One row per column, indexed by column name (or position), with:

        - ``kind``: ``"categorical"`` or ``"numeric"``;
        - ``statistic``: ``"tvd"`` (total variation distance between the two
          category distributions, missing cells counted as a category of
          their own: 0 is identical, 1 is disjoint) or ``"ks"`` (the
          two-sample Kolmogorov-Smirnov statistic of the present values: 0
          is identical, 1 is disjoint; NaN if one side has none);
        - ``value``: that statistic;
        - ``missing_real``, ``missing_generated``: share of missing cells;
        - ``unseen_generated``: share of generated cells holding a category
          that no real row has (categorical columns; NaN for numeric ones).

    Raises
    ------
    ValueError
        If either input has no rows, if their numbers of columns differ, if
        DataFrame column names differ, or if a column compared as numeric
        holds a value that is not a number.

    See Also
    --------
    boundary_report : Where generated samples lie, by the discriminator.

    Examples
    --------
    >>> import pandas as pd
    >>> from skdvaan.diagnostics import column_report
    >>> real = pd.DataFrame({"colour": pd.Categorical(["red", "red", "blue", None]),
    ...                      "size": [1.0, 2.0, 3.0, 4.0]})
    >>> generated = pd.DataFrame({"colour": pd.Categorical(["red", "blue"]),
    ...                           "size": [1.5, 3.5]})
    >>> report = column_report(real, generated)
    >>> report[["kind", "statistic", "value"]]
                   kind statistic  value
    colour  categorical       tvd   0.25
    size        numeric        ks   0.25
    """
    real_kind, _, names, real_cols = split_columns(X_real)
    gen_kind, _, gen_names, gen_cols = split_columns(X_generated)
    if len(real_cols) != len(gen_cols):
        raise ValueError(
            f"X_real has {len(real_cols)} columns and X_generated {len(gen_cols)}; "
            "they must have the same columns."
        )
    if real_kind == gen_kind == "DataFrame" and names != gen_names:
        raise ValueError(
            "X_real and X_generated have different column names: "
            f"{names} and {gen_names}."
        )
    for what, cols in (("X_real", real_cols), ("X_generated", gen_cols)):
        if not cols or len(cols[0]) == 0:
            raise ValueError(f"{what} has no rows (or no columns) to compare.")
    mask = resolve_categorical(
        categorical_features, names, [from_dtype(c) for c in real_cols]
    )
    rows = {}
    for name, categorical, a, b in zip(names, mask, real_cols, gen_cols):
        row = {
            "missing_real": float(a.isna().mean()),
            "missing_generated": float(b.isna().mean()),
        }
        if categorical:
            p = _frequencies(a)
            q = _frequencies(b)
            p, q = p.align(q, fill_value=0.0)
            unseen = ~q.index.isin(_frequencies(a).index)
            row.update(
                kind="categorical",
                statistic="tvd",
                value=float(0.5 * np.abs(p - q).sum()),
                unseen_generated=float(q[unseen].sum()),
            )
        else:
            va = _numbers(a, name, "X_real")
            vb = _numbers(b, name, "X_generated")
            ks = ks_2samp(va, vb).statistic if len(va) and len(vb) else np.nan
            row.update(
                kind="numeric", statistic="ks", value=float(ks), unseen_generated=np.nan
            )
        rows[name] = row
    columns = [
        "kind",
        "statistic",
        "value",
        "missing_real",
        "missing_generated",
        "unseen_generated",
    ]
    return pd.DataFrame.from_dict(rows, orient="index")[columns]


class _MissingCell:
    """The category of missing cells: equal to itself only, never to data."""

    def __repr__(self):
        return "<missing>"


# A string such as "<missing>" could be a real category and be counted with
# the missing cells.
_MISSING = _MissingCell()


def _numbers(s, name, what):
    """The present values of a column compared as numeric, as floats."""
    try:
        return pd.to_numeric(s, errors="raise").dropna().to_numpy(float)
    except (ValueError, TypeError) as exc:
        # pandas' own message ("Unable to parse string") names no column.
        raise ValueError(
            f"Column {label(name)} is compared as numeric, but {what} holds a "
            f"value that is not a number ({exc}); pass categorical_features to "
            "compare it as categories."
        ) from None


def _frequencies(s):
    """Share of each category of a column, missing cells as one category."""
    counts = s.astype(object).where(s.notna(), _MISSING).value_counts()
    return counts / counts.sum()


def _rows(X, mask=None):
    if isinstance(X, pd.DataFrame):
        return X if mask is None else X.iloc[np.flatnonzero(mask)]
    if sparse.issparse(X):  # as the estimators take it: np.asarray gives 0-d
        X = sparse.csr_matrix(X)
        return X if mask is None else X[np.flatnonzero(mask)]
    X = np.asarray(X)
    return X if mask is None else X[mask]


def plot_boundary_report(report, ax=None):
    """Plot the discriminator's probabilities per source of a report.

    One line per row of the report, from the 10% to the 90% quantile of the
    probability of the target class, with a dot at the median; the labels
    give the median nearest-neighbour distance and the exact copies.

    Parameters
    ----------
    report : pandas.DataFrame
        The output of :func:`boundary_report`.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; ``None`` creates a figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from skdvaan.diagnostics import plot_boundary_report
    >>> report = pd.DataFrame(
    ...     {"proba_q10": [0.9, 0.4], "proba_median": [0.97, 0.55],
    ...      "proba_q90": [1.0, 0.7], "nn_dist_median": [1.2, 1.5],
    ...      "n_exact_copies": [0, 0]},
    ...     index=["real", "boundary"])
    >>> ax = plot_boundary_report(report)
    >>> len(ax.get_yticklabels())
    2
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 1.2 + 0.6 * len(report)))
    pos = np.arange(len(report))[::-1]
    ax.hlines(pos, report["proba_q10"], report["proba_q90"], color="C0", lw=3)
    ax.plot(report["proba_median"], pos, "o", color="C1", label="median")
    ax.axvline(0.5, color="grey", ls="--", lw=1)
    labels = [
        f"{name}\nNN dist {row.nn_dist_median:.2g}, copies {int(row.n_exact_copies)}"
        for name, row in report.iterrows()
    ]
    ax.set_yticks(pos, labels)
    ax.set_xlim(0, 1)
    target = report.attrs.get("target_class")
    what = "target class" if target is None else f"class {target}"
    ax.set_xlabel(f"Discriminator probability of {what} (10%-90% range, median)")
    ax.legend(loc="best")
    return ax
