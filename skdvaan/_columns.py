"""One column of a table, read and written back: kinds, values, dtypes, NA markers.

The dtype rules behind :class:`~skdvaan._tabular.ColumnEncoder` (see its
module docstring for the decisions), in pandas and NumPy only: which columns
``categorical_features`` makes categorical, the numbers or category slots of
a column, a decoded column in the input's dtype and missing-cell marker, and
the checks of a column's stored state.
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype, pandas_dtype

NA_MARKERS = {"nan": np.nan, "none": None, "pd.NA": pd.NA}
JSON_SCALARS = (str, int, float, bool)
MAX_EXACT_INT = 2**53  # the largest integers float64 holds exactly


@dataclass
class Column:
    """The fitted state of one input column, in JSON types only."""

    name: object  # str, int (the position, for arrays) or float
    dtype: str  # the input column's dtype as dtype_text writes it
    categorical: bool
    integer: bool = False  # numeric: rounded on the way back
    float_cells: bool = False  # object column of whole floats: given back as floats
    bool_cells: bool = False  # numeric object column of booleans: given back so
    has_missing: bool = False
    na: str = "nan"  # object columns: the missing marker given back
    lo: float = 0.0  # numeric: observed range, for clipping
    hi: float = 0.0
    categories: list = field(default_factory=list)  # encoded slots, in order
    dtype_categories: list | None = None  # category dtype: all its categories
    categories_dtype: str = ""  # category dtype: its categories' dtype ("": infer)
    ordered: bool = False
    # Per class of y, per slot (categories then "missing"): seen in that class.
    # Numeric columns with missing cells: [had a missing cell].
    class_allowed: list = field(default_factory=list)


def scalar(v):
    """NumPy scalars as Python ones, so that the state stays JSON."""
    return v.item() if isinstance(v, np.generic) else v


def sorted_values(values):
    try:
        return sorted(values)
    except TypeError:  # mixed types in an object column
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def label(name):
    """A column's name for error messages."""
    return repr(name) if isinstance(name, str) else f"at position {name}"


def fit_column(s, name, categorical, y_idx, max_categories):
    """``(Column, values)``: the column's state, and its numbers or slots."""
    miss = s.isna().to_numpy()
    if miss.all():
        raise ValueError(f"Column {label(name)} is entirely missing; drop it.")
    dtype = dtype_text(s.dtype, name)
    col = Column(name, dtype, categorical, has_missing=bool(miss.any()))
    if col.has_missing and is_object_dtype(s.dtype):
        first = s[miss].iloc[0]
        col.na = "none" if first is None else "pd.NA" if first is pd.NA else "nan"
    if categorical:
        if isinstance(s.dtype, pd.CategoricalDtype):
            col.dtype_categories = [scalar(c) for c in s.cat.categories]
            col.categories_dtype = dtype_text(s.cat.categories.dtype, name)
            col.ordered = bool(s.cat.ordered)
            seen = np.unique(s.cat.codes[~miss])
            col.categories = [col.dtype_categories[i] for i in seen]
        else:
            col.categories = sorted_values(
                {scalar(v) for v in s.to_numpy(dtype=object)[~miss]}
            )
        if max_categories and len(col.categories) > max_categories:
            raise ValueError(
                f"Column {label(name)} has {len(col.categories)} distinct values, "
                f"more than max_categories={max_categories}. Drop identifier "
                "or free-text columns, group rare categories, or leave the column "
                "out of categorical_features."
            )
        values = slots(s, col, miss)
        width = len(col.categories) + col.has_missing
    else:
        values = numeric_values(s, name, miss)
        # Rounded back when every observed value is whole, whatever the dtype:
        # the numeric path's integer_features_ rule, so that a missing cell
        # (which makes an int column float, or sends the table here) does not
        # change whether generated values are rounded.
        observed = values[~miss]
        col.integer = bool(np.all(observed == np.round(observed)))
        if col.integer and is_object_dtype(s.dtype):
            col.float_cells = not all(isinstance(v, numbers.Integral) for v in s[~miss])
            col.bool_cells = all(isinstance(v, (bool, np.bool_)) for v in s[~miss])
        col.lo, col.hi = float(np.nanmin(values)), float(np.nanmax(values))
        ints = pd.api.types.is_integer_dtype(s.dtype) or (
            col.integer and is_object_dtype(s.dtype) and not col.float_cells
        )
        if ints and max(abs(col.lo), abs(col.hi)) > MAX_EXACT_INT:
            # Generated integers are decoded in float64 and cast back: beyond
            # 2**53 they would leave the range seen (2**63 - 1 wraps round).
            raise ValueError(
                f"Column {label(name)} holds integers beyond 2**53 in magnitude, "
                "which the model (in floating point) cannot reproduce exactly; "
                "drop identifier columns, or convert the column to float."
            )
        width = int(col.has_missing)
    if y_idx is not None and width:
        allowed = np.zeros((y_idx.max() + 1, width), dtype=bool)
        allowed[(y_idx, values) if categorical else (y_idx[miss], 0)] = True
        col.class_allowed = allowed.tolist()
    return col, values


def dtype_text(dt, name):
    """``str(dt)``, as the model keeps it; refused if pandas cannot read it back.

    Generated rows and a loaded model rebuild the dtype from this text, so a
    dtype whose text does not parse (``Sparse[float64, 0]``, an Arrow decimal
    or list) would fail only after training, in ``sample`` or ``load``.
    """
    text = str(dt)
    if isinstance(dt, pd.StringDtype) and dt.na_value is pd.NA:
        text = f"string[{dt.storage}]"  # "string" reads back as the default
    try:
        pandas_dtype(text)
    except (TypeError, ValueError, NotImplementedError):
        how = (
            " (a sparse column: X[name].sparse.to_dense())"
            if isinstance(dt, pd.SparseDtype)
            else ""
        )
        raise ValueError(
            f"Column {label(name)} has dtype {text}, which a fitted model cannot "
            "store and restore (pandas does not read that name back); convert "
            f"it to a plain numeric, string or category dtype first{how}."
        ) from None
    return text


def expect(condition, message):
    """Raise ``ValueError(message)`` unless ``condition``: the state checks."""
    if not condition:
        raise ValueError(message)


def check_column(col, classes):
    """``col`` if it is a state :func:`fit_column` could have made, else raise."""
    # Names as to_dict writes them: str, int (a position, or a bool) or float.
    good_name = isinstance(col.name, (str, int)) or (
        isinstance(col.name, float) and math.isfinite(col.name)
    )
    expect(good_name, f"bad name {col.name!r}")
    pandas_dtype(col.dtype)  # TypeError on a dtype pandas does not know
    if col.categories_dtype:
        pandas_dtype(col.categories_dtype)
    flags = (
        col.categorical,
        col.integer,
        col.float_cells,
        col.bool_cells,
        col.has_missing,
        col.ordered,
    )
    expect(all(isinstance(f, bool) for f in flags), "flags must be bools")
    expect(col.na in NA_MARKERS, f"bad missing marker {col.na!r}")
    if col.categorical:
        cats = col.categories
        expect(
            cats and all(isinstance(v, JSON_SCALARS) for v in cats), "bad categories"
        )
        expect(len(set(cats)) == len(cats), "repeated categories")
        if col.dtype == "category":
            expect(set(cats) <= set(col.dtype_categories), "bad dtype_categories")
        width = len(cats) + col.has_missing
    else:
        finite = all(
            isinstance(v, (int, float)) and np.isfinite(v) for v in (col.lo, col.hi)
        )
        expect(finite and col.lo <= col.hi, f"bad range of {col.name!r}")
        width = int(col.has_missing)
    if classes is not None and width:
        allowed = np.asarray(col.class_allowed)
        expect(allowed.shape == (len(classes), width), "class_allowed shape")
        expect(allowed.dtype == bool, "class_allowed must hold bools")
        # Every class had some value in a categorical column.
        expect(not col.categorical or allowed.any(1).all(), "class_allowed empty")
    else:
        expect(col.class_allowed == [], "class_allowed without classes")
    return col


def split_columns(X):
    """``(container, array dtype, column names, one Series per column)``."""
    if isinstance(X, pd.DataFrame):
        names = [scalar(c) for c in X.columns]
        if len(set(names)) != len(names):
            raise ValueError("X has repeated column names; make them unique.")
        return "DataFrame", None, names, [X.iloc[:, j] for j in range(X.shape[1])]
    if hasattr(X, "tocsr"):
        raise TypeError("Sparse X is not supported here; densify it first.")
    A = np.asarray(X)
    # A string array is read as objects, and given back in its own dtype.
    dtype = str(A.dtype)
    A = A.astype(object) if A.dtype.kind in "US" else A
    if A.ndim != 2 or A.dtype.kind not in "biufO":
        raise ValueError(f"X must be 2-D numbers or objects, not {A.dtype} {A.shape}.")
    cols = [pd.Series(A[:, j], dtype=A.dtype) for j in range(A.shape[1])]
    return "ndarray", dtype, list(range(A.shape[1])), cols


def from_dtype(s):
    """Whether ``"from_dtype"`` makes the column categorical."""
    dt = s.dtype
    refuse_complex(dt, scalar(s.name))
    if isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dt):
        return True
    if is_object_dtype(dt):
        # Numbers stored as objects (pd.DataFrame(object_array), astype(object))
        # are numbers, in a DataFrame as in an array, as check_array reads them.
        return not all(
            isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
            for v in s.dropna()
        )
    if pd.api.types.is_string_dtype(dt):
        return True
    if pd.api.types.is_numeric_dtype(dt):
        return False
    raise ValueError(
        f"Column {label(scalar(s.name))} has dtype {dt}, which is not supported; "
        "convert it to numbers, strings or a category."
    )


def resolve_categorical(spec, names, dtype_mask):
    """Boolean mask of categorical columns from ``categorical_features``."""
    d, mask = len(names), np.zeros(len(names), dtype=bool)
    if isinstance(spec, str):
        if spec == "from_dtype":
            return np.asarray(dtype_mask, dtype=bool)
        raise ValueError(
            f"categorical_features={spec!r} is not understood; pass 'from_dtype', "
            "None, column indices, column names or a boolean mask."
        )
    arr = np.asarray([] if spec is None else spec)
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
    elif arr.dtype.kind in "UO" and all(isinstance(v, str) for v in arr):
        if not all(isinstance(n, str) for n in names):
            raise ValueError(
                "categorical_features holds names, but X has no string column "
                "names; pass a DataFrame or use indices."
            )
        unknown = [v for v in arr.tolist() if v not in names]
        if unknown:
            raise ValueError(f"categorical_features names {unknown}: not columns of X.")
        arr = np.array([names.index(v) for v in arr.tolist()])
    else:
        raise ValueError(
            "categorical_features must be 'from_dtype', None, or an array of int "
            f"indices, str names or bools; got {spec!r}."
        )
    mask[arr] = True
    return mask


def refuse_complex(dt, name):
    """Refuse a complex column as check_array does: a cast drops the imaginary part."""
    if pd.api.types.is_complex_dtype(dt):
        raise ValueError(
            f"Complex data not supported: column {label(name)} has dtype {dt}; "
            "split it into real columns (real and imaginary parts, or modulus "
            "and angle)."
        )


def numeric_values(s, name, miss=None):
    """Float64 values of a numeric column, NaN where missing."""
    dt = s.dtype
    refuse_complex(dt, name)
    not_numeric = f"Column {label(name)} is treated as numeric but holds "
    hint = "; list it in categorical_features (or use 'from_dtype')."
    if is_object_dtype(dt):
        miss = s.isna().to_numpy() if miss is None else miss
        bad = [v for v in s[~miss] if not isinstance(v, numbers.Real)]
        if bad:
            raise ValueError(f"{not_numeric}{bad[0]!r}{hint}")
        values = np.full(len(s), np.nan)
        values[~miss] = np.asarray(s[~miss].tolist(), dtype=np.float64)
    elif not pd.api.types.is_numeric_dtype(dt) or isinstance(dt, pd.CategoricalDtype):
        raise ValueError(f"{not_numeric}values of dtype {dt}{hint}")
    else:
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(f"Column {label(name)} holds infinite values.")
    return values


def slots(s, col, miss):
    """Slot of each row in the column's block; -1 for unknown categories."""
    slot = pd.Index(col.categories, dtype=object).get_indexer(s.to_numpy(dtype=object))
    slot[miss] = len(col.categories) if col.has_missing else -1
    return slot


def objects(col, v, miss):
    """Python values of one decoded column, missing cells as its NA marker."""
    if col.categorical:
        values = np.asarray([*col.categories, NA_MARKERS[col.na]], dtype=object)[v]
    elif col.dtype == "bool" or col.bool_cells:
        values = v.astype(bool).astype(object)
    else:
        ints = col.integer and not col.float_cells
        values = (v.astype(np.int64) if ints else v).astype(object)
    values[miss] = NA_MARKERS[col.na]
    return values


def series(col, v, miss):
    """One decoded column as a Series of the input column's dtype."""
    dtype = pandas_dtype(col.dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pd.Index(col.dtype_categories, dtype=col.categories_dtype or None)
        dtype = pd.CategoricalDtype(cats, ordered=col.ordered)
        index = pd.Index(col.dtype_categories, dtype=object)
        codes = index.get_indexer(np.asarray(col.categories, dtype=object))
        codes = np.where(miss, -1, codes[np.minimum(v, len(codes) - 1)])
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))
    if not col.categorical and not is_object_dtype(dtype):
        return pd.Series(np.where(miss, np.nan, v)).astype(dtype)
    return pd.Series(objects(col, v, miss), dtype=dtype)
