"""Safe model files: save and load fitted DVAAN estimators without pickle.

A model file is a zip archive with two members:

* ``metadata.json``: the format's name and version, the library versions, the
  estimator's class, ``get_params()`` and every fitted attribute except the
  weights, in plain JSON. Tuples, arrays, non-finite floats and dicts with
  non-string keys are tagged (``{"__tuple__": [...]}``, ...) so that they
  come back as they were saved.
* ``weights.safetensors``: the networks' ``state_dict`` in the safetensors
  format; its SHA-256 is recorded in the metadata.

Loading never unpickles and never evaluates code. Every value is checked
against what a fitted estimator holds before it is used; the networks are
built on torch's ``meta`` device (no memory, no random draws) so the weights'
names, shapes and dtypes can be checked before anything is allocated; and a
bad file is refused with a ``ValueError`` that names the file and the problem.

This module knows the archive only: its members, checksum, versions, JSON
codec and the checks every entry goes through. What each estimator puts in
it and takes out is the estimator's own (``_to_payload`` and
``_from_payload``, written in ``_payload``); estimator classes register with
:func:`register`, so this module imports none of them.
"""

import errno
import hashlib
import json
import math
import numbers
import os
import re
import sys
import tempfile
import warnings
import zipfile
import zlib

import numpy as np
import sklearn
import torch
from safetensors.torch import load as _load_tensors
from safetensors.torch import save as _save_tensors
from sklearn.utils.validation import check_is_fitted

from . import _base

__all__ = ["save_estimator", "load_estimator"]

FORMAT_NAME = "skdvaan"
# 2: calibration, feature range and boundary-sample anchors (format 1 files
# came from development versions that lacked them).
FORMAT_VERSION = 2
METADATA = "metadata.json"
WEIGHTS = "weights.safetensors"
# A metadata member larger than this is a zip bomb, not a model: the largest
# legitimate entries are the scaler's three per-feature arrays.
MAX_METADATA_BYTES = 256 * 2**20
# Array dtypes the metadata may hold: bool, ints, floats, unicode, and object
# arrays of str (pandas' string labels and column names).
_DTYPE_RE = re.compile(r"^[<>|=]?(b1|[iu][1248]|f[248]|U\d{1,6})$")
_OBJECT_STR = "object:str"
_ELEMENT_TYPES = {"b": bool, "i": int, "u": int, "f": (int, float), "U": str, "O": str}


class _Invalid(Exception):
    """A problem with the file's content; load_estimator adds the file name."""


def _check(ok, message):
    if not ok:
        raise _Invalid(message)


# The estimators that can be saved, by class name. Each estimator module
# registers its class (``register``), which gives ``_to_payload`` and
# ``_from_payload``: this module knows the archive, never the estimators.
_ESTIMATORS = {}


def register(cls):
    """Class decorator: ``cls`` can be saved and loaded by this module."""
    _ESTIMATORS[cls.__name__] = cls
    return cls


def _skdvaan_version():
    from . import __version__

    return __version__


# ----------------------------------------------------------------- JSON codec


def _encode(value, where):
    """Python/numpy value -> JSON value, tagging what JSON cannot hold."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # np.str_ too
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else {"__float__": repr(v)}
    if isinstance(value, (tuple, list)):
        items = [_encode(v, where) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {str(k): _encode(v, where) for k, v in value.items()}
        pairs = [[_encode(k, where), _encode(v, where)] for k, v in value.items()]
        return {"__dict__": pairs}
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O" and all(isinstance(v, str) for v in value.flat):
            dtype = _OBJECT_STR
        elif _DTYPE_RE.match(value.dtype.str):
            dtype = value.dtype.str
        else:
            raise TypeError(
                f"Cannot save {where}: arrays of {value.dtype} are not supported."
            )
        data = [_encode(v, where) for v in value.ravel().tolist()]
        return {
            "__ndarray__": {"dtype": dtype, "shape": list(value.shape), "data": data}
        }
    if isinstance(value, np.random.RandomState):
        return {"__random_state__": _encode(list(value.get_state(legacy=True)), where)}
    raise TypeError(
        f"Cannot save {where}: a value of type {type(value).__name__} cannot be "
        "stored in a skdvaan model file, which holds only numbers, strings, lists, "
        "tuples, dicts, numpy arrays and RandomState instances, never code."
    )


def _decode(obj, where):
    """JSON value -> Python/numpy value; refuses unknown tags."""
    if isinstance(obj, list):
        return [_decode(v, where) for v in obj]
    if not isinstance(obj, dict):
        return obj
    tags = [k for k in obj if k.startswith("__")]
    if not tags:
        return {k: _decode(v, where) for k, v in obj.items()}
    _check(
        len(obj) == 1 and tags[0] in _DECODERS,
        f"{where} holds an unknown entry {tags}.",
    )
    try:
        return _DECODERS[tags[0]](obj[tags[0]], where)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _Invalid(f"{where} holds a malformed {tags[0]} entry ({exc}).") from None


def _decode_float(v, where):
    _check(v in ("nan", "inf", "-inf"), f"{where} holds a bad float {v!r}.")
    return float(v)


def _decode_tuple(items, where):
    _check(isinstance(items, list), f"{where} holds a bad tuple.")
    return tuple(_decode(items, where))


def _decode_dict(pairs, where):
    ok = isinstance(pairs, list) and all(
        isinstance(p, list) and len(p) == 2 for p in pairs
    )
    _check(ok, f"{where} holds a bad dict.")
    out = {}
    for key, value in pairs:
        key = _decode(key, where)
        _check(
            isinstance(key, (bool, int, float, str, tuple)), f"{where}: bad dict key."
        )
        out[key] = _decode(value, where)
    return out


def _decode_array(spec, where):
    _check(set(spec) == {"dtype", "shape", "data"}, f"{where} holds a bad array.")
    dtype, shape, data = spec["dtype"], spec["shape"], _decode(spec["data"], where)
    _check(
        dtype == _OBJECT_STR or _DTYPE_RE.match(dtype), f"{where}: bad dtype {dtype!r}."
    )
    _check(
        all(_is_int(s) and s >= 0 for s in shape) and math.prod(shape) == len(data),
        f"{where} holds an array whose shape does not match its data.",
    )
    kind = "O" if dtype == _OBJECT_STR else np.dtype(dtype).kind
    types = _ELEMENT_TYPES[kind]
    _check(
        all(
            isinstance(x, types) and (kind == "b") == isinstance(x, bool) for x in data
        ),
        f"{where} holds an array of dtype {dtype} with values of another type.",
    )
    if kind == "O":
        out = np.empty(len(data), dtype=object)
        out[:] = data
        return out.reshape(shape)
    return np.array(data, dtype=np.dtype(dtype)).reshape(shape)


def _decode_random_state(state, where):
    rs = np.random.RandomState()
    rs.set_state(tuple(_decode(state, where)))
    return rs


_DECODERS = {
    "__float__": _decode_float,
    "__tuple__": _decode_tuple,
    "__dict__": _decode_dict,
    "__ndarray__": _decode_array,
    "__random_state__": _decode_random_state,
}


# ------------------------------------------------------------------- saving


def save_estimator(estimator, path):
    """Save a fitted DVAANClassifier or DVAANSampler to a safe model file.

    The file is a zip archive holding ``metadata.json`` (parameters, fitted
    attributes, library versions) and ``weights.safetensors`` (the networks'
    weights, whose SHA-256 the metadata records). It holds no pickled object
    and no code, so :func:`load_estimator` can open files from any source.

    Parameters
    ----------
    estimator : DVAANClassifier or DVAANSampler
        A fitted estimator.
    path : str, path-like or binary file object
        Where to write. An existing file at ``path`` is replaced only once the
        new one is complete; a symbolic link is written through (its target
        is replaced), and a FIFO or device is written to directly.

    Raises
    ------
    TypeError
        If ``estimator`` is of another class, or a parameter holds a value
        that cannot be stored without code (a callable, for instance).
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If a parameter is invalid (set with ``set_params`` after fit):
        :func:`load_estimator` would refuse the file, so none is written.
    OSError
        If ``path`` is a directory or its directory does not exist
        (``IsADirectoryError``, ``FileNotFoundError``), naming ``path``; checked
        before anything is written.

    See Also
    --------
    load_estimator : Load the estimator back.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import make_classification
    >>> from skdvaan import DVAANClassifier
    >>> from skdvaan._persistence import load_estimator, save_estimator
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skdvaan")
    >>> save_estimator(clf, path)
    >>> loaded = load_estimator(path)
    >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    name = type(estimator).__name__
    if _ESTIMATORS.get(name) is not type(estimator):
        raise TypeError(
            "save_estimator saves DVAANClassifier and DVAANSampler instances, got "
            f"{type(estimator).__module__}.{type(estimator).__qualname__}."
        )
    check_is_fitted(estimator)
    payload, module = estimator._to_payload()
    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    weights = _save_tensors(tensors)
    versions = {
        "skdvaan": _skdvaan_version(),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": versions,
        "estimator": name,
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        **payload,
    }
    text = json.dumps(meta, allow_nan=False).encode("utf-8")
    if hasattr(path, "write"):
        _write_archive(path, text, weights)
        return
    path = os.fspath(path)
    _check_destination(path)
    target, atomic = _base.write_target(path)
    if not atomic:  # a FIFO or a device: written as it is
        with open(target, "wb") as fh:
            _write_archive(fh, text, weights)
        return
    # Write next to the target, then rename: a crash never leaves half a file.
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
    except OSError as exc:  # name the user's path, not the temporary file's
        raise type(exc)(exc.errno, exc.strerror, path) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, text, weights)
        os.replace(tmp, target)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename == tmp:
            # os.replace names the temporary file first: name the user's path.
            raise type(exc)(exc.errno, exc.strerror, path) from None
        raise


def _check_destination(path):
    """Refuse a ``path`` that cannot be a file, or whose directory is missing.

    Checked before the temporary file is written next to ``path``, so that the
    error names the path the user gave rather than that file.
    """
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(
            errno.EISDIR, "Is a directory; pass the path of a file to save to", path
        )
    if not os.path.isdir(parent):
        if os.path.exists(parent):
            raise NotADirectoryError(
                errno.ENOTDIR, f"{parent!r} is not a directory to save into", path
            )
        raise FileNotFoundError(
            errno.ENOENT, f"No directory {parent!r} to save into; create it first", path
        )


def _write_archive(fh, metadata, weights):
    with zipfile.ZipFile(fh, "w") as zf:
        zf.writestr(METADATA, metadata, compress_type=zipfile.ZIP_DEFLATED)
        # Weights barely compress; stored, they load with a plain read.
        zf.writestr(WEIGHTS, weights, compress_type=zipfile.ZIP_STORED)


# ------------------------------------------------------------------ loading


def load_estimator(path, *, device="cpu", expected=None):
    """Load an estimator saved by :func:`save_estimator`.

    Nothing in the file is unpickled or evaluated. Every entry is checked,
    and a file that is damaged, modified, written by a newer skdvaan or not a
    skdvaan model at all is refused.

    Parameters
    ----------
    path : str, path-like or binary file object
        The model file.
    device : str, default="cpu"
        Where to put the networks: ``"cpu"``, ``"auto"`` (a CUDA GPU when
        there is one), ``"cuda"`` or ``"cuda:N"``. The device the model was
        saved from is not reused, so files saved on a GPU load anywhere.
    expected : type or None, default=None
        The class the file must hold (the ``load`` classmethods pass their
        own); ``None`` accepts either estimator.

    Returns
    -------
    estimator : DVAANClassifier or DVAANSampler
        The fitted estimator. On the same device, its predictions and its
        samples (for the same ``random_state``) equal the saved estimator's.

    Raises
    ------
    ValueError
        If the file is not a valid skdvaan model file, or does not hold an
        ``expected`` estimator. The message starts with ``"Cannot load skdvaan
        model from {path}:"`` and says why.
    OSError
        If the file cannot be read (``FileNotFoundError``, for instance).

    Warns
    -----
    UserWarning
        If the file was saved by another version of skdvaan.

    See Also
    --------
    save_estimator : Write a model file.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import make_classification
    >>> from skdvaan import DVAANClassifier
    >>> from skdvaan._persistence import load_estimator, save_estimator
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> clf = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    >>> buffer = io.BytesIO()
    >>> save_estimator(clf.fit(X, y), buffer)
    >>> loaded = load_estimator(buffer, device="cpu")
    >>> loaded.classes_
    array([0, 1])
    """
    return read_estimator(path, device=device, expected=expected)


def read_estimator(path, *, device="cpu", expected=None):
    """:func:`load_estimator`, for it and the estimators' ``load`` methods.

    Its version warning points at the line that called either of them: both
    call this function directly, so the caller is 3 frames up.
    """
    dev = torch.device("cpu") if device == "cpu" else _base.resolve_device(device)
    where = path if isinstance(path, (str, os.PathLike)) else repr(path)
    try:
        meta, weights = _read_archive(path)
        est = _restore(meta, weights, dev)
    except RecursionError:
        exc = f"{METADATA} is nested too deeply."
        raise ValueError(f"Cannot load skdvaan model from {where}: {exc}") from None
    except _Invalid as exc:
        raise ValueError(f"Cannot load skdvaan model from {where}: {exc}") from None
    if expected is not None and not isinstance(est, expected):
        name = type(est).__name__
        raise ValueError(
            f"Cannot load skdvaan model from {where}: it holds a {name}; use "
            f"{name}.load."
        )
    saved = meta["versions"].get("skdvaan")
    if saved != _skdvaan_version():
        warnings.warn(
            f"The model in {where} was saved with skdvaan {saved} and is loaded "
            f"with skdvaan {_skdvaan_version()}; its predictions may differ from "
            "the saved model's. Refit and save it again to silence this warning.",
            UserWarning,
            stacklevel=3,  # read_estimator <- load_estimator or load <- the user
        )
    return est


def _read_archive(path):
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for member in (METADATA, WEIGHTS):
                _check(member in names, f"the archive has no {member} member.")
            size = zf.getinfo(METADATA).file_size
            _check(size <= MAX_METADATA_BYTES, f"{METADATA} is too large ({size:,} B).")
            raw_meta, weights = zf.read(METADATA), zf.read(WEIGHTS)
    except zipfile.BadZipFile as exc:
        raise _Invalid(f"not a zip archive, or a truncated one ({exc}).") from None
    except (EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        raise _Invalid(f"the archive is damaged or unreadable ({exc}).") from None
    try:
        meta = json.loads(raw_meta.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Invalid(f"{METADATA} is not valid JSON ({exc}).") from None
    _check(isinstance(meta, dict), f"{METADATA} does not hold a JSON object.")
    fmt, version, versions = (
        meta.get(k) for k in ("format", "format_version", "versions")
    )
    _check(fmt == FORMAT_NAME, f"{METADATA} names format {fmt!r}, not {FORMAT_NAME!r}.")
    _check(_is_int(version) and version >= 1, f"bad format_version {version!r}.")
    _check(
        isinstance(versions, dict)
        and all(isinstance(v, str) for v in versions.values()),
        "the versions record is missing or malformed.",
    )
    _check(
        version >= FORMAT_VERSION,
        f"it was written in format version {version} by skdvaan "
        f"{versions.get('skdvaan')}, before the model held its calibration and "
        f"boundary-sample anchors; this skdvaan ({_skdvaan_version()}) reads "
        f"format version {FORMAT_VERSION}. Refit the model and save it again.",
    )
    _check(
        version <= FORMAT_VERSION,
        f"it was written in format version {version} by skdvaan "
        f"{versions.get('skdvaan')}, and this skdvaan ({_skdvaan_version()}) reads "
        f"format versions up to {FORMAT_VERSION}. Upgrade skdvaan to load it.",
    )
    _check(
        hashlib.sha256(weights).hexdigest() == meta.get("weights_sha256"),
        f"{WEIGHTS} does not match the SHA-256 recorded in {METADATA}; the file "
        "is corrupted or was modified.",
    )
    return meta, weights


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _restore(meta, weights, device):
    name = meta.get("estimator")
    _check(name in _ESTIMATORS, f"unknown estimator class {name!r}.")
    for key in ("params", "attributes"):
        _check(isinstance(meta.get(key), dict), f"{METADATA} has no {key!r} object.")
    try:
        tensors = _load_tensors(weights)
    except Exception as exc:  # safetensors raises its own error type
        raise _Invalid(f"{WEIGHTS} is not a valid safetensors file ({exc}).") from None
    return _ESTIMATORS[name]._from_payload(meta, tensors, device)


# ---------------------------------------------------------------- restoring


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _array(a, key, kinds, shape):
    """``a[key]``: an ndarray of one of ``kinds`` and ``shape`` (None: any)."""
    v = a.get(key)
    ok = (
        isinstance(v, np.ndarray)
        and v.dtype.kind in kinds
        and v.ndim == len(shape)
        and all(s is None or s == t for s, t in zip(shape, v.shape))
    )
    want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
    _check(ok, f"{key} must be an array of shape {want} and kind {kinds!r}.")
    return v


def _int_attr(a, key, lo):
    v = a.get(key)
    _check(_is_int(v) and v >= lo, f"{key} must be an int >= {lo}, got {v!r}.")
    return v


def _numbers(v, key, n, optional=False):
    if optional and v is None:
        return None
    ok = isinstance(v, list) and len(v) == n and all(_is_number(x) for x in v)
    _check(ok, f"{key} must be a list of {n} numbers.")
    return [float(x) for x in v]


def _ints(v, key, length=None):
    ok = (
        isinstance(v, tuple)
        and len(v) >= 1
        and length in (None, len(v))
        and all(_is_int(x) and x > 0 for x in v)
    )
    _check(ok, f"{key} must be a tuple of positive ints, got {v!r}.")
    return v
