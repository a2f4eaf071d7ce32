"""Column encoding of mixed-type tables: numbers, categories, booleans, missing cells.

:class:`ColumnEncoder` is the step between a user's table and the networks'
float32 matrix, both ways, and the one place where the encoded layout is set.

Interface
---------
* ``fit(X, y=None, *, categorical_features="from_dtype")``: ``X`` a DataFrame
  (float, int, bool, ``category``, object or string columns; NaN, None or
  ``pd.NA`` anywhere) or a 2-D NumPy array, object arrays too. ``y`` lets
  ``inverse_transform`` keep each class to what it had in fit.
  ``categorical_features`` as in HistGradientBoosting: ``"from_dtype"``, None,
  int indices, column names or a boolean mask.
* ``transform(X) -> ndarray (n, n_encoded) float32``.
* ``blocks``: ``Block(kind, start, stop, column)`` in input-column order. A
  numeric column gives ``("numeric", s, s+1, j)``, then ``("indicator", s+1,
  s+2, j)`` if it had missing cells in fit; a categorical column gives
  ``("categorical", s, s+k, j)``: one slot per category seen in fit, then a
  "missing" slot if it had missing cells.
* ``activate(x_raw)``, ``recon_loss(x_raw, x, weight=None, log_var=None) -> (B,)``:
  torch, differentiable: the decoder's output layer and its NLL.
* ``inverse_transform(Z, y=None, class_categories=True, *, mode="argmax",
  random_state=None)``: rows in the encoded space back to the fit input's
  container, columns, order and dtypes.
* ``to_dict()`` / ``ColumnEncoder.from_dict(d)``: the fitted state as JSON types.
* ``is_plain_numeric``: all columns float, none missing, none categorical. Then
  ``transform`` and ``inverse_transform`` are exactly ``StandardScaler``'s on
  what ``check_array`` makes of ``X`` (ndarray out, no clipping), as before.

Decisions
---------
* Numeric columns: ``StandardScaler`` (missing cells ignored), a missing cell
  encoded as 0 plus a missing-indicator that the decoder generates, so
  generated rows miss cells at a learned rate rather than being imputed.
  Columns whose observed values are all whole (integer and bool dtypes, and
  floats such as an int column that a missing cell made float) are rounded
  back, by the rule of the numeric path's ``integer_features_``; whole floats
  in an object column come back as floats. No CTGAN mode normalisation.
* Categorical columns: one-hot, one softmax head each, cross-entropy (as CTGAN
  and TVAE). No embeddings: more than ``max_categories`` (default 256, HGB's
  native limit) distinct values is refused, since it is nearly always an
  identifier or free text. Unknown categories at ``transform``, and missing
  cells in a column that had none in fit, give an all-zero block (0 if numeric).
* ``inverse_transform`` takes the argmax per block (and "missing" where the
  indicator is above 0.5): deterministic, exact on ``transform`` output, like
  the numeric heads whose mean is used. ``mode="sample"`` draws from the
  activated probabilities instead: closer category frequencies, more noise.
  With ``y`` a row of class k gets only categories and missing cells class k
  had; numbers are clipped to the range of all of fit.
* Refused: a column entirely missing in fit, complex columns (as
  ``check_array`` refuses them), and numeric columns whose mean or variance
  overflows float64 (values beyond about 1e154), which the numeric path
  refuses as too large for float32 after scaling. Bool columns are categorical
  under ``"from_dtype"``; left out of an explicit spec they are 0/1 numbers,
  still returned as bool. An object column of numbers (in a NumPy object
  array or a DataFrame) is numeric; any other object column is categorical.
* Missing cells come back as the dtype's own NA; object columns get the first
  marker seen in fit (None, NaN or ``pd.NA``).

Wiring
------
DataFrames and object arrays: ``validate_data(self, X, skip_check_array=True)``
for the names, then this encoder; sparse and numeric arrays keep today's
``validate_data`` + densify (then ``is_plain_numeric``). Train on
``transform(X)``; the decoder's raw output has width ``n_encoded``; the
discriminator sees ``activate(x_raw)``; ``L_ele`` is ``recon_loss(x_raw, x)``.
``sample()`` returns ``inverse_transform(activate(x_raw), y)``. The model file
stores ``to_dict()``. The per-column dtype rules live in ``_columns.py``.
"""

import numbers
import warnings
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from pandas.api.types import is_object_dtype
from sklearn import config_context
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array

from . import _base
from ._columns import (
    JSON_SCALARS,
    Column,
    check_column,
    expect,
    fit_column,
    from_dtype,
    label,
    numeric_values,
    objects,
    resolve_categorical,
    scalar,
    series,
    slots,
    split_columns,
)

FORMAT, VERSION = "skdvaan.ColumnEncoder", 1
# What a cell of an object column may hold: numbers, strings, booleans, missing.
_CELL_TYPES = (str, numbers.Real, np.bool_, type(None), type(pd.NA))


def needs_encoder(X, categorical_features="from_dtype"):
    """Whether the estimators pass ``X`` through :class:`ColumnEncoder`.

    True for a DataFrame or a NumPy object (or string) array that is not
    plain numbers: a column of strings, booleans, categories, extension
    dtypes or missing cells, or one that ``categorical_features`` names.
    False for sparse matrices, numeric arrays (NaN in them stays refused by
    the numeric path) and frames of plain numbers, which keep the numeric
    path exactly. Raises ``TypeError`` for cells that are none of numbers,
    strings, booleans or missing values (a dict, a list).
    """
    if hasattr(X, "tocsr"):
        return False
    if isinstance(X, pd.DataFrame):
        names = [scalar(c) for c in X.columns]
        plain = True
        for j, dt in enumerate(X.dtypes):
            if is_object_dtype(dt):
                _check_cells(X.iloc[:, j].to_numpy(), names[j])
            if isinstance(dt, pd.SparseDtype):
                dt = dt.subtype  # pandas' sparse columns: the numeric path densifies
            if not (isinstance(dt, np.dtype) and dt.kind in "iuf"):
                plain = False
        if plain and X.isna().to_numpy().any():
            plain = False
    else:
        try:
            A = X if isinstance(X, np.ndarray) else np.asarray(X)
        except (TypeError, ValueError):
            return False  # ragged lists and the like: the numeric path says why
        if A.ndim != 2:
            return False
        names = list(range(A.shape[1]))
        if A.dtype.kind in "US":
            plain = False
        elif A.dtype.kind == "O":
            types = set()
            for j in range(A.shape[1]):
                types |= _check_cells(A[:, j], j)
            plain = all(
                issubclass(t, numbers.Real) and not issubclass(t, (bool, np.bool_))
                for t in types
            )
            if plain and A.size:
                plain = not np.isnan(A.astype(np.float64)).any()
        elif A.dtype.kind in "biuf":
            plain = True
        else:
            return False  # complex and the like: the numeric path refuses them
    if not plain:
        return True
    spec = categorical_features
    if spec is None or (isinstance(spec, str) and spec == "from_dtype"):
        return False
    return bool(resolve_categorical(spec, names, np.zeros(len(names), bool)).any())


def _check_cells(values, name):
    """The types of a column's cells; TypeError for one that is no value."""
    types = set(map(type, values))
    for t in types:
        if not issubclass(t, _CELL_TYPES):
            # A Decimal (read_sql's NUMERIC, Parquet's decimal128) is a number
            # but not a float: saying "must be numbers" would contradict it.
            hint = (
                " (a decimal number is not one: convert the column to float "
                "first, e.g. with .astype(float))"
                if issubclass(t, numbers.Number)
                else ""
            )
            raise TypeError(
                f"float() argument must be a string or a real number, not "
                f"'{t.__name__}': column {label(name)} holds a {t.__name__}; "
                "cells must be real numbers, strings, booleans or missing "
                f"values{hint}."
            )
    return types


@dataclass(frozen=True)
class Block:
    """One run of encoded columns that belongs to input column ``column``."""

    kind: str  # "numeric" | "indicator" | "categorical"
    start: int
    stop: int
    column: int


class ColumnEncoder:
    """Encode a mixed-type table for the networks and decode generated rows.

    See the module docstring for the layout, the decisions and the wiring.

    Parameters
    ----------
    max_categories : int or None, default=256
        Most distinct values a categorical column may have; None: no limit.
    """

    def __init__(self, max_categories=256):
        self.max_categories = max_categories

    def fit(self, X, y=None, *, categorical_features="from_dtype"):
        """Learn columns, dtypes, categories, scales and ranges from ``X``."""
        container, self.array_dtype_, names, cols = split_columns(X)
        if not cols or len(cols[0]) == 0:
            raise ValueError("X must have at least one row and one column.")
        is_cat = resolve_categorical(
            categorical_features, names, [from_dtype(s) for s in cols]
        )
        y_idx, self.classes_ = None, None
        if y is not None:
            if np.shape(y) != (len(cols[0]),):
                raise ValueError(
                    f"y has shape {np.shape(y)}; X has {len(cols[0])} rows."
                )
            classes, y_idx = np.unique(np.asarray(y), return_inverse=True)
            self.classes_ = [scalar(c) for c in classes]
        self.container_, self.columns_, numeric = container, [], []
        for s, name, cat in zip(cols, names, is_cat, strict=True):
            col, values = fit_column(s, name, bool(cat), y_idx, self.max_categories)
            self.columns_.append(col)
            if not cat:
                numeric.append(values)
        self._build()
        # The plain path validates X as the estimators did (dtype and memory
        # order decide the float rounding), so that it scales exactly as before.
        self.scaler_ = StandardScaler()
        # Overflow warnings are noise: a column whose statistics overflow is
        # refused just below.
        with np.errstate(over="ignore", invalid="ignore"):
            values = _plain(X) if self.is_plain_numeric else None
            if values is None and numeric:
                values = np.column_stack(numeric)
            if values is not None:
                self.scaler_.fit(values)
        self._check_scale()
        if values is not None:
            with warnings.catch_warnings():  # an all-missing column: NaN bounds
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
            _base.settle_scaler(self.scaler_, lo, hi, self._numeric_label)
        return self

    def _check_scale(self):
        """Refuse numeric columns whose mean or variance is not finite.

        Values above about 1e154 overflow the variance in float64; scaled by
        a NaN or infinite scale they would reach the networks as zeros, come
        back as NaN and leave a state no model file can hold.
        """
        if not hasattr(self.scaler_, "scale_"):
            return  # no numeric column
        stats = (self.scaler_.mean_, self.scaler_.var_, self.scaler_.scale_)
        bad = ~np.logical_and.reduce([np.isfinite(a) for a in stats])
        if bad.any():
            name = self._numeric_label(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name} holds values too large to represent in "
                "float32 after scaling (its mean or variance overflows float64); "
                "rescale the column (the network computes in float32)."
            )

    def _numeric_label(self, j):
        """``"Column <name>"`` of the ``j``-th numeric column."""
        num = [b.column for b in self.blocks_ if b.kind == "numeric"]
        return f"Column {label(self.columns_[num[j]].name)}"

    def _build(self):
        """Derive the layout and the index tensors from ``columns_``."""
        self.blocks_, start = [], 0
        for j, c in enumerate(self.columns_):
            width = len(c.categories) + c.has_missing if c.categorical else 1
            kind = "categorical" if c.categorical else "numeric"
            self.blocks_.append(Block(kind, start, start + width, j))
            start += width
            if c.has_missing and not c.categorical:
                self.blocks_.append(Block("indicator", start, start + 1, j))
                start += 1
        self.n_encoded_ = start
        num, ind, cat = (
            [b for b in self.blocks_ if b.kind == k]
            for k in ("numeric", "indicator", "categorical")
        )
        # Categorical blocks of one width are gathered into one (B, n, W)
        # tensor for their softmax; a single padded tensor of the widest
        # block made 200 three-category columns beside one of 256 cost as
        # 201 columns of 256 (13 times the fit, 21 times sample()).
        groups = {}
        for b in cat:
            groups.setdefault(b.stop - b.start, []).append(b)
        head = {b.column: i for i, b in enumerate(num)}
        self._index = {
            "num": [b.start for b in num],
            "num_col": [b.column for b in num],
            "masked": [head[b.column] for b in ind],  # numeric heads with an NA flag
            "ind": [b.start for b in ind],
            "ind_col": [b.column for b in ind],
            "cat_col": [b.column for b in cat],
        }
        for g, (_, blocks) in enumerate(sorted(groups.items())):
            gather = np.array([np.arange(b.start, b.stop) for b in blocks])  # (n, W)
            self._index[f"cat{g}_gather"] = gather
            self._index[f"cat{g}_flat"] = gather.ravel()
            self._index[f"cat{g}_col"] = [b.column for b in blocks]
        self._n_cat_groups = len(groups)
        self._on_device = {}

    def _check_fitted(self):
        if not hasattr(self, "columns_"):
            raise NotFittedError("This ColumnEncoder is not fitted yet; call fit.")

    @property
    def blocks(self):
        """The encoded layout: a list of :class:`Block` in column order."""
        self._check_fitted()
        return list(self.blocks_)

    @property
    def n_encoded(self):
        """Width of the encoded matrix."""
        self._check_fitted()
        return self.n_encoded_

    @property
    def n_columns(self):
        """Number of input columns."""
        self._check_fitted()
        return len(self.columns_)

    @property
    def is_plain_numeric(self):
        """True when every column is float, none categorical, none missing."""
        self._check_fitted()
        # Whole-valued float columns too: the estimators' numeric path rounds
        # them itself (integer_features_).
        return all(
            not (c.categorical or c.has_missing)
            and c.dtype in ("float16", "float32", "float64")
            for c in self.columns_
        )

    # ------------------------------------------------------------ transform

    def transform(self, X):
        """Encode ``X``: float32 array of shape ``(n_samples, n_encoded)``."""
        self._check_fitted()
        names = [c.name for c in self.columns_]
        if self.container_ == "DataFrame" and isinstance(X, pd.DataFrame):
            columns = [scalar(c) for c in X.columns]
            # As scikit-learn's estimators: names are checked where fit and X
            # both have string names; otherwise columns are read by position.
            named = all(isinstance(c, str) for c in [*names, *columns])
            if named and columns != names:
                missing = [c for c in names if c not in X.columns]
                extra = [c for c in X.columns if c not in names]
                raise ValueError(
                    "The feature names should match those that were passed during "
                    f"fit, in the same order. Missing: {missing}; unexpected: {extra}."
                )
        if self.is_plain_numeric:
            X = _plain(X)
            n_features = X.shape[1]
        else:
            cols = split_columns(X)[3]
            n_features = len(cols)
        if n_features != len(names):
            raise ValueError(
                f"X has {n_features} features, but ColumnEncoder is expecting "
                f"{len(names)} features as input."
            )
        if self.is_plain_numeric:
            return _float32(transform_array(self.scaler_, X))
        out = np.zeros((len(cols[0]), self.n_encoded_))
        heads = [b for b in self.blocks_ if b.kind != "indicator"]  # one per column
        num = [b for b in heads if b.kind == "numeric"]
        if num:
            values = [numeric_values(cols[b.column], names[b.column]) for b in num]
            with np.errstate(over="ignore"):  # _float32 refuses what overflows
                scaled = transform_array(self.scaler_, np.column_stack(values))
            for b, v, z in zip(num, values, scaled.T, strict=True):
                # Only missing cells become 0: a value that overflowed in
                # scaling stays non-finite, and _float32 refuses it.
                miss = np.isnan(v)
                out[:, b.start] = np.where(miss, 0.0, z)
                if self.columns_[b.column].has_missing:
                    out[:, b.start + 1] = miss
        for b in heads:
            if b.kind == "categorical":
                s = cols[b.column]
                if is_object_dtype(s.dtype):  # as fit refuses them: no raw error
                    _check_cells(s.to_numpy(), names[b.column])
                slot = slots(s, self.columns_[b.column], s.isna().to_numpy())
                rows = np.flatnonzero(slot >= 0)
                out[rows, b.start + slot[rows]] = 1.0
        return _float32(out)

    def fit_transform(self, X, y=None, *, categorical_features="from_dtype"):
        """``fit`` then ``transform``."""
        return self.fit(X, y, categorical_features=categorical_features).transform(X)

    # ---------------------------------------------------------------- torch

    def _layout(self, device):
        key = str(device)
        if key not in self._on_device:
            self._on_device[key] = {
                k: torch.as_tensor(v, device=device) for k, v in self._index.items()
            }
        return self._on_device[key]

    def activate(self, x_raw):
        """Decoder raw outputs to the encoded space, differentiably.

        Identity on numeric heads, sigmoid on indicators, softmax per
        categorical block, so that the discriminator sees encoded-like rows.
        """
        self._check_fitted()
        L = self._layout(x_raw.device)
        if not len(L["ind"]) and not len(L["cat_col"]):
            return x_raw
        out = x_raw.clone()
        if len(L["ind"]):
            out[:, L["ind"]] = torch.sigmoid(x_raw[:, L["ind"]])
        for g in range(self._n_cat_groups):
            probs = x_raw[:, L[f"cat{g}_gather"]].softmax(-1)  # (B, n, W)
            out[:, L[f"cat{g}_flat"]] = probs.flatten(1)
        return out

    def recon_loss(self, x_raw, x_target, weight=None, log_var=None):
        """Per-row reconstruction NLL, averaged over the input columns.

        Numeric heads: ``0.5 * (x_raw - x)^2`` (Gaussian NLL without its
        constant), or ``0.5 * ((x_raw - x)^2 / s2 + log s2)`` with a learned
        ``log_var`` of shape ``(n_encoded,)`` (its numeric entries are read),
        left out where the target cell is missing. Indicators: BCE with
        logits. Categorical blocks: cross-entropy of one softmax each. Each
        column's NLL is summed over its blocks and the columns are averaged
        (weighted by ``weight``, shape ``(n_columns,)``): on all-numeric data
        this is ``element_loss(x_raw, x, "mse", log_var)``.

        Returns
        -------
        loss : torch.Tensor of shape (B,)
        """
        self._check_fitted()
        L = self._layout(x_raw.device)
        per_col = x_raw.new_zeros(x_raw.shape[0], len(self.columns_))  # (B, C)
        if len(L["num"]):
            sq = (x_raw[:, L["num"]] - x_target[:, L["num"]]).pow(2)
            if log_var is not None:
                sq = sq * torch.exp(-log_var[L["num"]]) + log_var[L["num"]]
            if len(L["masked"]):
                observed = torch.ones_like(sq)
                observed[:, L["masked"]] = 1.0 - x_target[:, L["ind"]]
                sq = sq * observed
            per_col = per_col.index_add(1, L["num_col"], 0.5 * sq)
        if len(L["ind"]):
            bce = F.binary_cross_entropy_with_logits(
                x_raw[:, L["ind"]], x_target[:, L["ind"]], reduction="none"
            )
            per_col = per_col.index_add(1, L["ind_col"], bce)
        for g in range(self._n_cat_groups):
            gather = L[f"cat{g}_gather"]
            logp = x_raw[:, gather].log_softmax(-1)  # (B, n, W)
            nll = -(x_target[:, gather] * logp).sum(-1)
            per_col = per_col.index_add(1, L[f"cat{g}_col"], nll)
        if weight is None:
            return per_col.mean(1)
        w = torch.as_tensor(weight, dtype=per_col.dtype, device=per_col.device)
        if w.shape != (len(self.columns_),):
            raise ValueError(f"weight must have shape ({len(self.columns_)},).")
        return (per_col * w).sum(1) / w.sum()

    # ------------------------------------------------------ inverse transform

    def inverse_transform(
        self, Z, y=None, class_categories=True, *, mode="argmax", random_state=None
    ):
        """Decode encoded rows into a table like the one given to ``fit``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded)
            ``transform`` output, or ``activate(x_raw)`` of generated rows.
        y : array-like of shape (n_samples,) or None
            Class of each row: with ``class_categories`` a row gets only the
            categories (and missing cells) its class had in fit.
        class_categories : bool, default=True
            Whether ``y`` restricts the categories.
        mode : {"argmax", "sample"}, default="argmax"
            Most likely category and "missing" where the indicator is above
            0.5, or draws from the activated probabilities.
        random_state : int, numpy Generator or None
            Seed of the draws of ``mode="sample"``.

        Returns
        -------
        X : DataFrame or ndarray
            The fit input's container, columns, order and dtypes; numbers
            clipped to the fit range, integers rounded. If
            ``is_plain_numeric``: ``StandardScaler.inverse_transform(Z)``.
        """
        self._check_fitted()
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.n_encoded_:
            raise ValueError(
                f"Z must have shape (n, {self.n_encoded_}), not {Z.shape}."
            )
        if mode not in ("argmax", "sample"):
            raise ValueError(f"mode must be 'argmax' or 'sample', got {mode!r}.")
        if self.is_plain_numeric:
            return self.scaler_.inverse_transform(Z)
        if not np.isfinite(Z).all():
            raise ValueError("Z holds NaN or infinite values.")
        rows = self._class_rows(y, len(Z)) if class_categories else None
        rng = np.random.default_rng(random_state)
        num = self._index["num"]
        values = iter(self.scaler_.inverse_transform(Z[:, num]).T if num else [])
        out = []
        for b in self.blocks_:
            col = self.columns_[b.column]
            allowed = None
            if rows is not None and col.class_allowed:
                allowed = np.asarray(col.class_allowed)[rows]  # (n, width)
            if b.kind == "categorical":
                p = Z[:, b.start : b.stop]
                p = p if allowed is None else np.where(allowed, p, -np.inf)
                slot = _pick(p, mode, rng)
                out.append((col, slot, slot == len(col.categories)))
            elif b.kind == "numeric":
                v = _base.clip_to_bounds(next(values), col.lo, col.hi)
                out.append(
                    (col, np.rint(v) if col.integer else v, np.zeros(len(Z), bool))
                )
            else:  # the indicator of the numeric column just added
                p = Z[:, b.start]
                miss = rng.random(len(p)) < p if mode == "sample" else p > 0.5
                out[-1][2][:] = miss if allowed is None else miss & allowed[:, 0]
        if self.container_ == "DataFrame":
            data = {col.name: series(col, v, miss) for col, v, miss in out}
            # pd.Index makes tuple names a MultiIndex again, as in the input.
            names = pd.Index([c.name for c in self.columns_])
            return pd.DataFrame(data, columns=names)
        X = np.empty((len(Z), len(out)), dtype=np.dtype(self.array_dtype_))
        for j, (col, v, miss) in enumerate(out):
            X[:, j] = objects(col, v, miss)
        return X

    def _class_rows(self, y, n):
        if y is None:
            return None
        if self.classes_ is None:
            raise ValueError(
                "y was given but the encoder was fitted without y; refit with y "
                "or pass class_categories=False."
            )
        y = np.asarray(y, dtype=object).reshape(-1)
        if y.shape != (n,):
            raise ValueError(f"y has {y.shape[0]} labels for {n} rows.")
        rows = pd.Index(self.classes_, dtype=object).get_indexer(y)
        if (rows < 0).any():
            raise ValueError(f"y holds labels not seen in fit: {set(y[rows < 0])}.")
        return rows

    # ---------------------------------------------------------- persistence

    def __getstate__(self):
        # The per-device index tensors are a cache: a pickle made after a GPU
        # fit must load where there is no GPU.
        state = self.__dict__.copy()
        state.pop("_on_device", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._on_device = {}
        if "columns_" in state:
            # The layout is derived from the columns: pickles of earlier
            # versions held another layout.
            self._build()

    def to_dict(self):
        """The fitted state as JSON types (lists, strings, numbers, bools)."""
        self._check_fitted()
        sc = self.scaler_ if hasattr(self.scaler_, "mean_") else None
        columns = [asdict(c) for c in self.columns_]
        for c in [*columns, {"name": "classes", "categories": self.classes_ or []}]:
            values = [c["name"], *c["categories"], *(c.get("dtype_categories") or [])]
            bad = [
                v
                for v in values
                if not isinstance(v, JSON_SCALARS)
                or (isinstance(v, float) and not np.isfinite(v))  # JSON has no NaN
            ]
            if bad:
                raise TypeError(
                    f"Column {label(c['name'])} holds {bad[0]!r}, which a model file "
                    "cannot store; use str, int, float or bool names and categories."
                )
        stats = ("mean_", "var_", "scale_", "n_samples_seen_")
        return {
            "format": FORMAT,
            "version": VERSION,
            "max_categories": self.max_categories,
            "container": self.container_,
            "array_dtype": self.array_dtype_,
            "classes": self.classes_,
            "columns": columns,
            "scaler": sc and {k: np.asarray(getattr(sc, k)).tolist() for k in stats},
        }

    @classmethod
    def from_dict(cls, state):
        """Rebuild a fitted encoder from :meth:`to_dict`; validates everything."""
        try:
            return cls._from_dict(state)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"Invalid ColumnEncoder state: {exc}") from None

    @classmethod
    def _from_dict(cls, state):
        expect(state.get("format") == FORMAT, "not a ColumnEncoder state")
        expect(state["version"] == VERSION, f"unknown version {state['version']!r}")
        m = state["max_categories"]
        expect(m is None or (type(m) is int and m > 0), "bad max_categories")
        enc = cls(max_categories=m)
        enc.container_, enc.array_dtype_ = state["container"], state["array_dtype"]
        expect(enc.container_ in ("DataFrame", "ndarray"), "bad container")
        if enc.container_ == "ndarray":
            np.dtype(enc.array_dtype_)
        enc.classes_ = classes = state["classes"]
        expect(
            classes is None
            or (
                isinstance(classes, list)
                and all(isinstance(c, JSON_SCALARS) for c in classes)
            ),
            "bad classes",
        )
        names = {f.name for f in fields(Column)}
        enc.columns_ = []
        for c in state["columns"]:
            # States written before these fields existed lack them (their
            # defaults then: whole floats and booleans as ints, categories'
            # dtype inferred).
            keys = set(c) if isinstance(c, dict) else set()
            optional = {"float_cells", "bool_cells", "categories_dtype"}
            expect(names - optional <= keys <= names, f"bad column {c!r}")
            enc.columns_.append(check_column(Column(**c), classes))
        expect(enc.columns_, "no columns")
        expect(len({c.name for c in enc.columns_}) == len(enc.columns_), "repeats")
        enc._build()
        n_num = len(enc._index["num"])
        enc.scaler_, sc = StandardScaler(), state["scaler"]
        expect((sc is None) == (n_num == 0), "scaler does not match the columns")
        if sc is not None:
            expect(set(sc) == {"mean_", "var_", "scale_", "n_samples_seen_"}, "scaler")
            for k in ("mean_", "var_", "scale_"):
                a = np.asarray(sc[k], dtype=np.float64)
                expect(a.shape == (n_num,) and np.isfinite(a).all(), f"bad {k}")
                setattr(enc.scaler_, k, a)
            expect((enc.scaler_.scale_ > 0).all(), "scale_ must be positive")
            enc.scaler_.n_samples_seen_ = np.asarray(sc["n_samples_seen_"])
            enc.scaler_.n_features_in_ = n_num
        return enc


# ----------------------------------------------------------------- helpers


def _pick(p, mode, rng):
    if mode == "argmax":
        return p.argmax(1)
    w = np.where(np.isfinite(p), np.clip(p, 0.0, None), 0.0)
    empty = w.sum(1) == 0  # no mass on an allowed slot: draw uniformly among them
    w[empty] = np.isfinite(p[empty])
    u = rng.random(len(w))[:, None] * w.sum(1, keepdims=True)
    # The first slot whose cumulative weight exceeds u has weight > 0.
    return np.minimum((w.cumsum(1) <= u).sum(1), w.shape[1] - 1)


def transform_array(scaler, X):
    """``scaler.transform(X)`` as an ndarray, whatever ``transform_output`` says."""
    # set_config(transform_output="pandas") applies to the scaler too.
    with config_context(transform_output="default"):
        return scaler.transform(X)


def _plain(X):
    return check_array(X, dtype=[np.float64, np.float32], ensure_all_finite=False)


def _float32(X):
    with np.errstate(over="ignore"):
        X32 = np.asarray(X).astype(np.float32)
    if not np.isfinite(X32).all():
        raise ValueError(
            "X holds values too large to represent in float32 after scaling; "
            "rescale the features (the network computes in float32)."
        )
    return X32
