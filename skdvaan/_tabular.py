"""Column encoding of mixed-type tables: numbers, categories, booleans, missing cells.

The networks see a float32 matrix; users hold tables. :class:`ColumnEncoder`
is the one step between the two, in both directions, and the one place where
the encoded layout is written down.

Interface
---------
``enc = ColumnEncoder(max_categories=256).fit(X, y=None, *, categorical_features)``
    ``X``: a DataFrame (float, int, bool, ``category``, object or string
    columns; NaN, None or ``pd.NA`` anywhere) or a 2-D NumPy array (object
    arrays too). ``y`` (optional) lets :meth:`inverse_transform` keep each
    class to the categories that class had. ``categorical_features`` follows
    ``HistGradientBoostingClassifier``: ``"from_dtype"``, None, indices,
    column names or a boolean mask.
``enc.transform(X) -> (n, enc.n_encoded) float32``
``enc.blocks``
    list of ``Block(kind, start, stop, column)`` covering the encoded columns in
    input-column order: a numeric column gives ``Block("numeric", s, s+1, j)``,
    followed by ``Block("indicator", s+1, s+2, j)`` when it had missing cells in
    fit; a categorical column gives ``Block("categorical", s, s+k, j)``, one slot
    per category seen in fit plus a last "missing" slot when it had missing cells.
``enc.activate(x_raw)``, ``enc.recon_loss(x_raw, x_target, weight=None) -> (B,)``
    torch, differentiable: the decoder's output layer and its reconstruction NLL.
``enc.inverse_transform(Z, y=None, class_categories=True, *, mode, random_state)``
    encoded rows (``transform`` output or ``activate(x_raw)``) back to a table of
    the input's container, columns, order and dtypes.
``enc.to_dict()`` / ``ColumnEncoder.from_dict(d)``
    the fitted state as JSON types, validated on load.
``enc.is_plain_numeric``
    all columns float, none missing, none categorical: ``transform`` and
    ``inverse_transform`` are then exactly ``StandardScaler``'s (ndarray out, no
    clipping), so all-numeric input behaves as it did before this module.

Decisions
---------
* Numeric columns are standardised as before (``StandardScaler``, ignoring
  missing cells); a missing cell is encoded as 0 (the mean) plus a 0/1
  missing-indicator column that the decoder generates too, so generated rows
  are missing at a learned rate instead of being imputed away. Integer and
  bool dtypes are remembered, rounded and clipped on the way back. No
  mode-specific normalisation (CTGAN's): one Gaussian head per column.
* Categorical columns are one-hot, one softmax head each, trained by
  cross-entropy (CTGAN/TVAE's choice). No embeddings: a column with more than
  ``max_categories`` distinct values is refused, because that is nearly always
  an identifier or free text (the default 256 is about HGB's native limit).
* Unknown categories at ``transform`` give an all-zero block ("none of the
  known ones"); so does a missing cell in a column that had none in fit.
  Numeric columns with no missing cells in fit encode one as 0.
* ``inverse_transform`` takes the argmax per block by default: it is
  deterministic, round-trips the input exactly and matches the numeric heads,
  whose mean is used, not a draw. ``mode="sample"`` draws categories and
  missing cells from the activated probabilities instead (closer category
  frequencies, more noise). With ``y``, a row of class k gets only categories
  (and missing cells) that class k had in fit. Ranges are global, not per class.
* A column entirely missing in fit is refused (nothing to learn a scale or a
  category from). Bool columns are categorical under ``"from_dtype"``; left out
  of an explicit spec they are a 0/1 numeric column, still returned as bool.
  NumPy object arrays under ``"from_dtype"``: a column of numbers is numeric
  (integer if all integral), anything else categorical. A DataFrame object
  column is categorical, as the issue asks.
* Missing cells come back in the input's representation: the dtype's own NA
  for typed columns, and for object columns the first missing marker seen in
  fit (None, NaN or ``pd.NA``).

Wiring into the estimators (what the caller does)
--------------------------------------------------
Check names with ``validate_data(self, X, skip_check_array=True)`` for
DataFrames and object arrays; keep today's ``validate_data`` + densify path for
sparse and numeric arrays (then ``is_plain_numeric`` holds). Train on
``transform(X)``; the decoder outputs raw values of width ``n_encoded``; feed
``activate(x_raw)`` to the discriminator and use ``recon_loss(x_raw, x)`` for
``L_ele`` (its mean equals today's ``element_loss(..., "mse")`` on plain data).
``sample()`` returns ``inverse_transform(activate(x_raw), y)``; store
``to_dict()`` in the model file and rebuild with ``from_dict``.
"""

import numbers
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from pandas.api.types import is_object_dtype, pandas_dtype
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array

FORMAT = "skdvaan.ColumnEncoder"
VERSION = 1
_NA = {"nan": np.nan, "none": None, "pd.NA": pd.NA}
_JSON_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Block:
    """One run of encoded columns that belongs to input column ``column``."""

    kind: str  # "numeric" | "indicator" | "categorical"
    start: int
    stop: int
    column: int


@dataclass
class _Column:
    name: object  # str or int (the position, for arrays)
    dtype: str  # str(dtype) of the input column
    categorical: bool
    integer: bool = False  # numeric: round on the way back
    has_missing: bool = False
    na: str = "nan"  # object columns: which marker a missing cell gets back
    lo: float = 0.0  # numeric: observed range, for clipping
    hi: float = 0.0
    categories: list = field(default_factory=list)  # encoded slots, in order
    dtype_categories: list | None = None  # category dtype: all its categories
    ordered: bool = False
    # Per class of y: which slots (categories, then "missing") that class had;
    # for a numeric column with missing cells, [had a missing cell].
    class_allowed: list = field(default_factory=list)


def _scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def _sorted(values):
    try:
        return sorted(values)
    except TypeError:  # mixed types in an object column
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _name(name):
    return repr(name) if isinstance(name, str) else f"at position {name}"


class ColumnEncoder:
    """Encode a mixed-type table for the networks and decode generated rows.

    See the module docstring for the layout, the decisions and the wiring.

    Parameters
    ----------
    max_categories : int or None, default=256
        Most distinct values a categorical column may have; None for no limit.
    """

    def __init__(self, max_categories=256):
        self.max_categories = max_categories

    # ------------------------------------------------------------------ fit

    def fit(self, X, y=None, *, categorical_features="from_dtype"):
        """Learn columns, dtypes, categories, scales and ranges from ``X``."""
        container, array_dtype, names, cols = _split(X)
        if not cols or len(cols[0]) == 0:
            raise ValueError("X must have at least one row and one column.")
        is_cat = _resolve_spec(
            categorical_features, names, [_from_dtype(s, container) for s in cols]
        )
        y_idx, classes = None, None
        if y is not None:
            y = np.asarray(y)
            if y.shape != (len(cols[0]),):
                raise ValueError(f"y has shape {y.shape}; expected ({len(cols[0])},).")
            classes, y_idx = np.unique(y, return_inverse=True)
        self.classes_ = None if classes is None else [_scalar(c) for c in classes]
        self.container_, self.array_dtype_ = container, array_dtype
        self.columns_, numeric = [], []
        for s, name, cat in zip(cols, names, is_cat, strict=True):
            col, values = self._fit_column(s, name, bool(cat), y_idx, classes)
            self.columns_.append(col)
            if not cat:
                numeric.append(values)
        self._build()
        self.scaler_ = StandardScaler()
        if self.is_plain_numeric:
            # Validated as the estimators did before (dtype and memory
            # order decide the float rounding), so that scaling is exact.
            self.scaler_.fit(_plain_array(X))
        elif numeric:
            self.scaler_.fit(np.column_stack(numeric))
        return self

    def _fit_column(self, s, name, categorical, y_idx, classes):
        miss = s.isna().to_numpy()
        if miss.all():
            raise ValueError(
                f"Column {_name(name)} is entirely missing; there is nothing to "
                "learn from it. Drop it before fitting."
            )
        col = _Column(name, str(s.dtype), categorical, has_missing=bool(miss.any()))
        if col.has_missing and is_object_dtype(s.dtype):
            first = s[miss].iloc[0]
            col.na = "none" if first is None else "pd.NA" if first is pd.NA else "nan"
        if categorical:
            if isinstance(s.dtype, pd.CategoricalDtype):
                col.dtype_categories = [_scalar(c) for c in s.cat.categories]
                col.ordered = bool(s.cat.ordered)
                seen = np.unique(s.cat.codes[~miss])
                col.categories = [col.dtype_categories[i] for i in seen]
            else:
                values = s.to_numpy(dtype=object)[~miss]
                col.categories = _sorted(_scalar(v) for v in pd.unique(values))
            if self.max_categories is not None and (
                len(col.categories) > self.max_categories
            ):
                raise ValueError(
                    f"Column {_name(name)} has {len(col.categories)} distinct values,"
                    f" more than max_categories={self.max_categories} for one-hot "
                    "encoding. Drop identifier or free-text columns, group rare "
                    "categories, or leave the column out of categorical_features."
                )
            values = _slots(s, col, miss)
            width = len(col.categories) + col.has_missing
        else:
            values = _numeric(s, name, miss)
            kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else None
            col.integer = pd.api.types.is_integer_dtype(s.dtype) or (
                pd.api.types.is_bool_dtype(s.dtype)
            )
            if kind == "O":
                col.integer = all(isinstance(v, numbers.Integral) for v in s[~miss])
            col.lo, col.hi = float(np.nanmin(values)), float(np.nanmax(values))
            width = int(col.has_missing)
        if y_idx is not None and width:
            allowed = np.zeros((len(classes), width), dtype=bool)
            if categorical:
                allowed[y_idx, values] = True
            else:
                allowed[y_idx[miss], 0] = True
            col.class_allowed = allowed.tolist()
        return col, values

    def _build(self):
        """Derive the layout (and drop torch caches) from ``columns_``."""
        self.blocks_, start = [], 0
        for j, col in enumerate(self.columns_):
            if col.categorical:
                width = len(col.categories) + col.has_missing
                self.blocks_.append(Block("categorical", start, start + width, j))
                start += width
                continue
            self.blocks_.append(Block("numeric", start, start + 1, j))
            start += 1
            if col.has_missing:
                self.blocks_.append(Block("indicator", start, start + 1, j))
                start += 1
        self.n_encoded_ = start
        self._torch = {}

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
        return all(
            not (c.categorical or c.integer or c.has_missing)
            and c.dtype in ("float16", "float32", "float64")
            for c in self.columns_
        )

    # ------------------------------------------------------------ transform

    def transform(self, X):
        """Encode ``X``: float32 array of shape ``(n_samples, n_encoded)``."""
        self._check_fitted()
        self._check_names(X)
        if self.is_plain_numeric:
            Xa = _plain_array(X)
            self._check_width(Xa.shape[1])
            return _float32(self.scaler_.transform(Xa))
        cols = self._columns_for_transform(X)
        n = len(cols[0])
        out = np.zeros((n, self.n_encoded_), dtype=np.float64)
        numeric = [
            (b, s)
            for b, s in zip(self._heads(), cols, strict=True)
            if b.kind == "numeric"
        ]
        if numeric:
            values = np.column_stack(
                [_numeric(s, self.columns_[b.column].name) for b, s in numeric]
            )
            scaled = self.scaler_.transform(values)
            miss = np.isnan(scaled)
            for i, (b, _) in enumerate(numeric):
                out[:, b.start] = np.where(miss[:, i], 0.0, scaled[:, i])
                if self.columns_[b.column].has_missing:
                    out[:, b.start + 1] = miss[:, i]
        for b, s in zip(self._heads(), cols, strict=True):
            if b.kind == "categorical":
                col = self.columns_[b.column]
                slot = _slots(s, col, s.isna().to_numpy())
                rows = np.flatnonzero(slot >= 0)
                out[rows, b.start + slot[rows]] = 1.0
        return _float32(out)

    def fit_transform(self, X, y=None, *, categorical_features="from_dtype"):
        """``fit`` then ``transform``."""
        return self.fit(X, y, categorical_features=categorical_features).transform(X)

    def _heads(self):
        """One ``Block`` per input column: its numeric or categorical head."""
        return [b for b in self.blocks_ if b.kind != "indicator"]

    def _check_width(self, n_features):
        if n_features != len(self.columns_):
            raise ValueError(
                f"X has {n_features} features, but ColumnEncoder is expecting "
                f"{len(self.columns_)} features as input."
            )

    def _check_names(self, X):
        if self.container_ == "DataFrame" and isinstance(X, pd.DataFrame):
            names = [c.name for c in self.columns_]
            if list(X.columns) != names:
                missing = [c for c in names if c not in X.columns]
                extra = [c for c in X.columns if c not in names]
                raise ValueError(
                    "The feature names should match those that were passed during "
                    f"fit, in the same order. Missing: {missing}; unexpected: {extra}."
                )

    def _columns_for_transform(self, X):
        _, _, _, cols = _split(X)
        self._check_width(len(cols))
        return cols

    # ---------------------------------------------------------------- torch

    def _layout(self, device):
        key = str(device)
        if key not in self._torch:
            blocks = self.blocks_
            num = [b for b in blocks if b.kind == "numeric"]
            ind = [b for b in blocks if b.kind == "indicator"]
            cat = [b for b in blocks if b.kind == "categorical"]
            width = max([b.stop - b.start for b in cat], default=1)
            gather = np.zeros((len(cat), width), dtype=np.int64)
            valid = np.zeros((len(cat), width), dtype=bool)
            for i, b in enumerate(cat):
                gather[i, : b.stop - b.start] = np.arange(b.start, b.stop)
                valid[i, : b.stop - b.start] = True
            starts = {b.column: i for i, b in enumerate(num)}
            L = {
                "num": [b.start for b in num],
                "num_col": [b.column for b in num],
                "masked": [starts[b.column] for b in ind],  # numeric heads with NA
                "ind": [b.start for b in ind],
                "ind_col": [b.column for b in ind],
                "cat_col": [b.column for b in cat],
                "gather": gather,
                "pad": ~valid,
                "valid": valid,
                "cat_flat": gather[valid],
            }
            self._torch[key] = {
                k: torch.as_tensor(v, device=device) for k, v in L.items()
            }
        return self._torch[key]

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
        if len(L["cat_col"]):
            logits = x_raw[:, L["gather"]].masked_fill(L["pad"], float("-inf"))
            out[:, L["cat_flat"]] = logits.softmax(-1)[:, L["valid"]]  # (B, n_cat)
        return out

    def recon_loss(self, x_raw, x_target, weight=None, log_var=None):
        """Per-row reconstruction NLL, averaged over the input columns.

        Numeric heads: ``0.5 * (x_raw - x)^2`` (Gaussian NLL without its
        constant), or ``0.5 * ((x_raw - x)^2 / s2 + log s2)`` with a learned
        ``log_var`` of shape ``(n_encoded,)`` (only its numeric entries are
        read), left out where the target cell is missing; indicators:
        BCE with logits; categorical blocks: cross-entropy of one softmax each.
        Each input column's NLL is summed over its blocks, then the columns
        are averaged (weighted by ``weight``, shape ``(n_columns,)``), so that
        on all-numeric data it is ``element_loss(x_raw, x, "mse", log_var)``.

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
                lv = log_var[L["num"]]
                sq = sq * torch.exp(-lv) + lv
            sq = 0.5 * sq
            if len(L["masked"]):
                observed = torch.ones_like(sq)
                observed[:, L["masked"]] = 1.0 - x_target[:, L["ind"]]
                sq = sq * observed
            per_col = per_col.index_add(1, L["num_col"], sq)
        if len(L["ind"]):
            bce = F.binary_cross_entropy_with_logits(
                x_raw[:, L["ind"]], x_target[:, L["ind"]], reduction="none"
            )
            per_col = per_col.index_add(1, L["ind_col"], bce)
        if len(L["cat_col"]):
            logits = x_raw[:, L["gather"]].masked_fill(L["pad"], float("-inf"))
            logp = logits.log_softmax(-1).masked_fill(L["pad"], 0.0)  # (B, n_cat, W)
            target = x_target[:, L["gather"]].masked_fill(L["pad"], 0.0)
            per_col = per_col.index_add(1, L["cat_col"], -(target * logp).sum(-1))
        if weight is None:
            return per_col.mean(1)
        w = torch.as_tensor(weight, dtype=per_col.dtype, device=per_col.device)
        if w.shape != (len(self.columns_),):
            raise ValueError(
                f"weight must have shape ({len(self.columns_)},), got {tuple(w.shape)}."
            )
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
            Class of each row; with ``class_categories`` a row gets only
            categories (and missing cells) its class had in fit.
        class_categories : bool, default=True
            Whether ``y`` restricts the categories.
        mode : {"argmax", "sample"}, default="argmax"
            Most likely category and "missing" when the indicator is above
            0.5, or a draw from the activated probabilities.
        random_state : int, Generator or None
            Seed of the draws when ``mode="sample"``.

        Returns
        -------
        X : DataFrame or ndarray
            The fit input's container, columns, order and dtypes; numbers
            clipped to the fit range, integers rounded. When
            ``is_plain_numeric``: ``StandardScaler.inverse_transform(Z)``.
        """
        self._check_fitted()
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.n_encoded_:
            raise ValueError(
                f"Z must have shape (n_samples, {self.n_encoded_}), got {Z.shape}."
            )
        if mode not in ("argmax", "sample"):
            raise ValueError(f"mode must be 'argmax' or 'sample', got {mode!r}.")
        if self.is_plain_numeric:
            return self.scaler_.inverse_transform(Z)
        if not np.isfinite(Z).all():
            raise ValueError("Z holds NaN or infinite values.")
        rows = self._class_rows(y, Z.shape[0]) if class_categories else None
        rng = np.random.default_rng(random_state)
        heads = self._heads()
        num = [b for b in heads if b.kind == "numeric"]
        scaled = Z[:, [b.start for b in num]]
        values = self.scaler_.inverse_transform(scaled) if num else scaled
        out, i_num = [], 0
        for b in heads:
            col = self.columns_[b.column]
            if b.kind == "categorical":
                p = Z[:, b.start : b.stop]
                if rows is not None:
                    p = np.where(np.asarray(col.class_allowed)[rows], p, -np.inf)
                slot = _pick(p, mode, rng)
                out.append((col, slot, slot == len(col.categories)))
                continue
            v = np.clip(values[:, i_num], col.lo, col.hi)
            i_num += 1
            v = np.rint(v) if col.integer else v
            miss = np.zeros(len(v), dtype=bool)
            if col.has_missing:
                prob = Z[:, b.start + 1]
                miss = rng.random(len(v)) < prob if mode == "sample" else prob > 0.5
                if rows is not None:
                    miss &= np.asarray(col.class_allowed)[rows, 0]
            out.append((col, v, miss))
        return self._assemble(out, Z.shape[0])

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
            raise ValueError(
                f"y holds labels not seen in fit: {sorted(set(y[rows < 0].tolist()))}."
            )
        return rows

    def _assemble(self, out, n):
        if self.container_ == "DataFrame":
            data = {col.name: _series(col, v, miss) for col, v, miss in out}
            return pd.DataFrame(data, columns=[c.name for c in self.columns_])
        X = np.empty((n, len(out)), dtype=np.dtype(self.array_dtype_))
        for j, (col, v, miss) in enumerate(out):
            X[:, j] = _objects(col, v, miss)
        return X

    # ---------------------------------------------------------- persistence

    def to_dict(self):
        """The fitted state as JSON types (lists, strings, numbers, bools)."""
        self._check_fitted()
        sc = self.scaler_ if hasattr(self.scaler_, "mean_") else None
        state = {
            "format": FORMAT,
            "version": VERSION,
            "max_categories": self.max_categories,
            "container": self.container_,
            "array_dtype": self.array_dtype_,
            "classes": self.classes_,
            "columns": [asdict(c) for c in self.columns_],
            "scaler": None
            if sc is None
            else {
                "mean": sc.mean_.tolist(),
                "var": sc.var_.tolist(),
                "scale": sc.scale_.tolist(),
                "n_samples_seen": np.asarray(sc.n_samples_seen_).tolist(),
            },
        }
        for c in [
            *state["columns"],
            {"name": "classes", "categories": self.classes_ or []},
        ]:
            values = [c["name"], *c["categories"], *(c.get("dtype_categories") or [])]
            bad = [v for v in values if not isinstance(v, _JSON_SCALARS)]
            if bad:
                raise TypeError(
                    f"Column {_name(c['name'])} holds {bad[0]!r} (a "
                    f"{type(bad[0]).__name__}), which a model file cannot store; "
                    "use str, int, float or bool column names and categories."
                )
        return state

    @classmethod
    def from_dict(cls, state):
        """Rebuild a fitted encoder from :meth:`to_dict`; validates everything."""
        try:
            return cls._from_dict(state)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"Invalid ColumnEncoder state: {exc}") from None

    @classmethod
    def _from_dict(cls, state):
        _expect(state.get("format") == FORMAT, "not a ColumnEncoder state")
        _expect(state["version"] == VERSION, f"unknown version {state['version']!r}")
        enc = cls(max_categories=state["max_categories"])
        _expect(state["container"] in ("DataFrame", "ndarray"), "bad container")
        enc.container_, enc.array_dtype_ = state["container"], state["array_dtype"]
        if enc.container_ == "ndarray":
            np.dtype(enc.array_dtype_)
        _expect(
            state["max_categories"] is None
            or (type(state["max_categories"]) is int and state["max_categories"] > 0),
            "bad max_categories",
        )
        classes = state["classes"]
        _expect(
            classes is None
            or (
                isinstance(classes, list)
                and classes
                and all(isinstance(c, _JSON_SCALARS) for c in classes)
            ),
            "bad classes",
        )
        enc.classes_ = classes
        names = {f.name for f in fields(_Column)}
        enc.columns_ = []
        for c in state["columns"]:
            _expect(isinstance(c, dict) and set(c) == names, f"bad column {c!r}")
            col = _Column(**c)
            _check_column(col, classes)
            enc.columns_.append(col)
        _expect(len(enc.columns_) > 0, "no columns")
        _expect(
            len({c.name for c in enc.columns_}) == len(enc.columns_), "repeated names"
        )
        enc._build()
        n_num = sum(not c.categorical for c in enc.columns_)
        enc.scaler_ = StandardScaler()
        sc = state["scaler"]
        _expect((sc is None) == (n_num == 0), "scaler does not match the columns")
        if sc is not None:
            mean, var, scale = (
                np.asarray(sc[k], dtype=np.float64) for k in ("mean", "var", "scale")
            )
            for a in (mean, var, scale):
                _expect(a.shape == (n_num,), "scaler has the wrong length")
                _expect(np.isfinite(a).all(), "scaler holds non-finite values")
            _expect((scale > 0).all() and (var >= 0).all(), "scaler scale <= 0")
            enc.scaler_.mean_, enc.scaler_.var_, enc.scaler_.scale_ = mean, var, scale
            enc.scaler_.n_samples_seen_ = np.asarray(sc["n_samples_seen"])
            enc.scaler_.n_features_in_ = n_num
        return enc


# ----------------------------------------------------------------- helpers


def _expect(condition, message):
    if not condition:
        raise ValueError(message)


def _check_column(col, classes):
    _expect(isinstance(col.name, (str, int)), f"bad name {col.name!r}")
    pandas_dtype(col.dtype)  # raises TypeError on a dtype pandas does not know
    for flag in (col.categorical, col.integer, col.has_missing, col.ordered):
        _expect(isinstance(flag, bool), f"column {col.name!r}: flags must be bools")
    _expect(col.na in _NA, f"column {col.name!r}: bad missing marker {col.na!r}")
    if col.categorical:
        cats = col.categories
        _expect(isinstance(cats, list) and cats, f"column {col.name!r}: no categories")
        _expect(all(isinstance(v, _JSON_SCALARS) for v in cats), "bad category")
        _expect(len(pd.unique(np.asarray(cats, dtype=object))) == len(cats), "repeats")
        if col.dtype == "category":
            dc = col.dtype_categories
            _expect(isinstance(dc, list) and all(v in dc for v in cats), "bad dtype")
        width = len(cats) + col.has_missing
    else:
        for v in (col.lo, col.hi):
            _expect(isinstance(v, (int, float)) and np.isfinite(v), "bad range")
        _expect(col.lo <= col.hi, f"column {col.name!r}: lo > hi")
        width = int(col.has_missing)
    if classes is not None and width:
        allowed = np.asarray(col.class_allowed)
        _expect(allowed.shape == (len(classes), width), "class_allowed shape")
        _expect(allowed.dtype == bool, "class_allowed must hold bools")
        # Every class had some value in a categorical column.
        _expect(not col.categorical or allowed.any(1).all(), "class_allowed empty")
    else:
        _expect(col.class_allowed == [], "class_allowed without classes")


def _split(X):
    """``(container, array dtype, names, one Series per column)``."""
    if isinstance(X, pd.DataFrame):
        names = [_scalar(c) for c in X.columns]
        if len(set(names)) != len(names):
            raise ValueError("X has repeated column names; make them unique.")
        return "DataFrame", None, names, [X.iloc[:, j] for j in range(X.shape[1])]
    if hasattr(X, "tocsr"):
        raise TypeError("Sparse X is not supported here; densify it first.")
    A = np.asarray(X)
    if A.dtype.kind in "US":
        A = A.astype(object)
    if A.ndim != 2:
        raise ValueError(f"X must be 2-D, got an array of shape {A.shape}.")
    if A.dtype.kind not in "biufO":
        raise ValueError(f"X has dtype {A.dtype}, which is not supported.")
    cols = [pd.Series(A[:, j], dtype=A.dtype) for j in range(A.shape[1])]
    return "ndarray", str(A.dtype), list(range(A.shape[1])), cols


def _from_dtype(s, container):
    """Whether ``"from_dtype"`` makes the column categorical."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dt):
        return True
    if is_object_dtype(dt):
        if container == "DataFrame":
            return True
        values = s.dropna()
        return not all(
            isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
            for v in values
        )
    if pd.api.types.is_string_dtype(dt):
        return True
    if pd.api.types.is_numeric_dtype(dt):
        return False
    raise ValueError(
        f"Column {_name(_scalar(s.name))} has dtype {dt}, which is not supported; "
        "convert it to numbers, strings or a category."
    )


def _resolve_spec(spec, names, from_dtype):
    """Boolean mask of categorical columns from ``categorical_features``."""
    d = len(names)
    if isinstance(spec, str):
        if spec == "from_dtype":
            return np.asarray(from_dtype, dtype=bool)
        raise ValueError(
            f"categorical_features={spec!r} is not understood; pass 'from_dtype', "
            "None, column indices, column names or a boolean mask."
        )
    mask = np.zeros(d, dtype=bool)
    if spec is None:
        return mask
    arr = np.asarray(spec)
    if arr.ndim != 1:
        raise ValueError("categorical_features must be 1-D.")
    if arr.size == 0:
        return mask
    if arr.dtype.kind == "b":
        if arr.size != d:
            raise ValueError(
                f"categorical_features is a boolean mask of length {arr.size}, but "
                f"X has {d} features."
            )
        return arr.copy()
    if arr.dtype.kind in "iu":
        bad = arr[(arr < 0) | (arr >= d)]
        if bad.size:
            raise ValueError(
                f"categorical_features holds indices {bad.tolist()} outside "
                f"[0, {d - 1}]; X has {d} features."
            )
        mask[arr] = True
        return mask
    if arr.dtype.kind in "UO" and all(isinstance(v, str) for v in arr):
        if not all(isinstance(n, str) for n in names):
            raise ValueError(
                "categorical_features holds names, but X has no string column "
                "names; pass a DataFrame or use indices."
            )
        unknown = [v for v in arr.tolist() if v not in names]
        if unknown:
            raise ValueError(
                f"categorical_features names {unknown} that are not columns of X."
            )
        mask[[names.index(v) for v in arr.tolist()]] = True
        return mask
    raise ValueError(
        "categorical_features must be 'from_dtype', None, or an array of int "
        f"indices, str names or bools; got {spec!r}."
    )


def _numeric(s, name, miss=None):
    """Float64 values of a numeric column, NaN where missing."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype) or (
        pd.api.types.is_string_dtype(dt) and not is_object_dtype(dt)
    ):
        raise ValueError(
            f"Column {_name(name)} has dtype {dt} but is treated as numeric; list "
            "it in categorical_features (or use 'from_dtype')."
        )
    if is_object_dtype(dt):
        miss = s.isna().to_numpy() if miss is None else miss
        bad = [v for v in s[~miss] if not isinstance(v, numbers.Real)]
        if bad:
            raise ValueError(
                f"Column {_name(name)} is treated as numeric but holds {bad[0]!r}; "
                "list it in categorical_features (or use 'from_dtype')."
            )
        values = np.full(len(s), np.nan)
        values[~miss] = np.asarray(s[~miss].tolist(), dtype=np.float64)
    else:
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(f"Column {_name(name)} holds infinite values.")
    return values


def _slots(s, col, miss):
    """Slot of each row in the column's block; -1 for unknown categories."""
    index = pd.Index(col.categories, dtype=object)
    slot = index.get_indexer(s.to_numpy(dtype=object))
    slot[miss] = len(col.categories) if col.has_missing else -1
    return slot


def _pick(p, mode, rng):
    if mode == "argmax":
        return p.argmax(1)
    w = np.where(np.isfinite(p), np.clip(p, 0.0, None), 0.0)
    empty = w.sum(1) == 0  # no mass on an allowed slot: draw uniformly among them
    w[empty] = np.isfinite(p[empty])
    u = rng.random(len(w))[:, None] * w.sum(1, keepdims=True)
    # The first slot whose cumulative weight exceeds u has weight > 0.
    return np.minimum((w.cumsum(1) <= u).sum(1), w.shape[1] - 1)


def _objects(col, v, miss):
    """Python values of one decoded column, missing cells as its NA marker."""
    if col.categorical:
        values = np.asarray([*col.categories, _NA[col.na]], dtype=object)[v]
    elif col.integer:
        values = v.astype(np.int64).astype(object)
    else:
        values = v.astype(object)
    if col.dtype == "bool" and not col.categorical:
        values = values.astype(bool).astype(object)
    values[miss] = _NA[col.na]
    return values


def _series(col, v, miss):
    dtype = pandas_dtype(col.dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = pd.CategoricalDtype(col.dtype_categories, ordered=col.ordered)
        pos = pd.Index(col.dtype_categories, dtype=object)
        codes = pos.get_indexer(np.asarray(col.categories, dtype=object))[
            np.minimum(v, len(col.categories) - 1)
        ]
        return pd.Series(
            pd.Categorical.from_codes(np.where(miss, -1, codes), dtype=dtype)
        )
    if not col.categorical and not is_object_dtype(dtype):
        v = np.where(miss, np.nan, v)
        return pd.Series(v).astype(dtype)
    return pd.Series(_objects(col, v, miss), dtype=dtype)


def _plain_array(X):
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
