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
"""

import dataclasses
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
from collections import OrderedDict

import numpy as np
import sklearn
import torch
from safetensors.torch import load as _load_tensors
from safetensors.torch import save as _save_tensors
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from . import _base
from ._networks import DVAANModule, NetworkConfig
from ._tabular import ColumnEncoder

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


def _estimator_classes():
    # Imported on use: the estimators' save/load methods import this module.
    from ._classifier import DVAANClassifier
    from ._sampler import DVAANSampler

    return {"DVAANClassifier": DVAANClassifier, "DVAANSampler": DVAANSampler}


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


def _classifier_payload(est):
    """Parameters and fitted attributes of a DVAANClassifier, JSON-encoded."""
    shape = est.input_shape_
    names = (
        "classes_ class_counts_ n_features_in_ history_ loss_curve_ mu_curve_ "
        "validation_scores_ best_validation_score_ n_iter_ class_prior_ "
        "training_prior_ temperature_ feature_range_ integer_features_"
    )
    attrs = {name: getattr(est, name) for name in names.split()}
    attrs.update(
        input_shape_=None if shape is None else tuple(shape),
        latent_means_=np.asarray(est.latent_means_),
        network=dataclasses.asdict(est.module_.cfg),
        directions=est._directions.detach().cpu().numpy(),
        device_=str(est.device_),
        scaler_=None,
        pixel_scale_=None,
    )
    if hasattr(est, "feature_names_in_"):
        attrs["feature_names_in_"] = est.feature_names_in_
    encoder = getattr(est, "encoder_", None)
    if encoder is not None:
        # A mixed-type table's encoding (columns, dtypes, categories, scales),
        # as JSON types; models of numbers carry no such entry.
        attrs["encoder_"] = encoder.to_dict()
    elif shape is None:
        keys = ("mean_", "scale_", "var_", "n_samples_seen_")
        attrs["scaler_"] = {k: getattr(est.scaler_, k) for k in keys}
    else:
        attrs["pixel_scale_"] = float(est.pixel_scale_)
    return {
        "params": _encode(est.get_params(deep=False), "the parameters"),
        "attributes": _encode(attrs, "the fitted attributes"),
    }


def _sampler_payload(sampler):
    params = sampler.get_params(deep=False)
    nested = params.pop("estimator")
    if callable(params["sampling_strategy"]):
        raise TypeError(
            "Cannot save a DVAANSampler whose sampling_strategy is a callable: a "
            "skdvaan model file never holds code. Pass a dict (for example the "
            "fitted sampling_strategy_) as sampling_strategy instead."
        )
    params = _encode(params, "the parameters")
    if nested is not None:
        nested = _encode(nested.get_params(deep=False), "the estimator's parameters")
    params["estimator"] = nested
    attrs = {
        "n_features_in_": sampler.n_features_in_,
        "sampling_strategy_": dict(sampler.sampling_strategy_),
    }
    if hasattr(sampler, "feature_names_in_"):
        attrs["feature_names_in_"] = sampler.feature_names_in_
    attrs = _encode(attrs, "the fitted attributes")
    attrs["estimator_"] = _classifier_payload(sampler.estimator_)
    return {"params": params, "attributes": attrs}


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
        new one is complete.

    Raises
    ------
    TypeError
        If ``estimator`` is of another class, or a parameter holds a value
        that cannot be stored without code (a callable, for instance).
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

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
    classes = _estimator_classes()
    name = type(estimator).__name__
    if classes.get(name) is not type(estimator):
        raise TypeError(
            "save_estimator saves DVAANClassifier and DVAANSampler instances, got "
            f"{type(estimator).__module__}.{type(estimator).__qualname__}."
        )
    check_is_fitted(estimator)
    if name == "DVAANClassifier":
        payload, module = _classifier_payload(estimator), estimator.module_
    else:
        payload, module = _sampler_payload(estimator), estimator.estimator_.module_
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
    # Write next to the target, then rename: a crash never leaves half a file.
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, text, weights)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


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
            stacklevel=2,
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
    _check(name in _estimator_classes(), f"unknown estimator class {name!r}.")
    for key in ("params", "attributes"):
        _check(isinstance(meta.get(key), dict), f"{METADATA} has no {key!r} object.")
    try:
        tensors = _load_tensors(weights)
    except Exception as exc:  # safetensors raises its own error type
        raise _Invalid(f"{WEIGHTS} is not a valid safetensors file ({exc}).") from None
    if name == "DVAANClassifier":
        return _restore_classifier(meta, tensors, device)
    return _restore_sampler(meta, tensors, device)


# ---------------------------------------------------------------- restoring


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _build(name, params, where):
    """An estimator from decoded parameters, checked by its own constraints."""
    cls = _estimator_classes()[name]
    expected = set(cls().get_params(deep=False))
    _check(
        isinstance(params, dict) and set(params) == expected,
        f"{where} should be {sorted(expected)}.",
    )
    est = cls(**params)
    try:
        est._validate_params()
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"invalid {where}: {exc}") from None
    return est


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


def _network(v, n_features, n_classes, input_shape):
    fields = {f.name for f in dataclasses.fields(NetworkConfig)}
    _check(
        isinstance(v, dict) and set(v) == fields, f"network must hold {sorted(fields)}."
    )
    _check(v["n_features"] == n_features, "network.n_features != n_features_in_.")
    _check(v["n_classes"] == n_classes, "network.n_classes != len(classes_).")
    d = v["latent_dim"]
    _check(_is_int(d) and d >= max(1, n_classes - 1), f"bad network.latent_dim {d!r}.")
    channels = _ints(v["channels"], "network.channels")
    output = "linear" if input_shape is None else "sigmoid"
    _check(
        v["input_shape"] in (None, input_shape), "network.input_shape != input_shape_."
    )
    _check(v["output"] == output, f"network.output must be {output!r}.")
    _check(
        v["decoder_variance"] in ("learned", "unit"),
        "network.decoder_variance must be 'learned' or 'unit'.",
    )
    _check(_is_int(v["n_anchors"]) and v["n_anchors"] >= 0, "bad network.n_anchors.")
    return NetworkConfig(
        n_features=n_features,
        n_classes=n_classes,
        latent_dim=d,
        hidden=_ints(v["hidden"], "network.hidden"),
        input_shape=v["input_shape"],
        channels=channels,
        kernels=_ints(v["kernels"], "network.kernels", len(channels)),
        output=output,
        decoder_variance=v["decoder_variance"],
        n_anchors=v["n_anchors"],
    )


def _module(cfg, tensors, device):
    """Build the networks on the meta device, check the weights, then adopt them."""
    with torch.device("meta"):
        module = DVAANModule(cfg, 1.0)
    want = {k: (tuple(t.shape), t.dtype) for k, t in module.state_dict().items()}
    got = {k: (tuple(t.shape), t.dtype) for k, t in tensors.items()}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    _check(
        not missing and not extra,
        f"the weights do not fit the network: missing {missing}, unexpected {extra}.",
    )
    wrong = [f"{k} is {got[k]}, not {want[k]}" for k in want if got[k] != want[k]]
    _check(not wrong, f"weights of the wrong shape or dtype: {'; '.join(wrong)}.")
    bad = [
        k
        for k, t in tensors.items()
        if t.is_floating_point() and not t.isfinite().all()
    ]
    _check(not bad, f"weights hold NaN or inf: {bad}.")
    # assign=True adopts the loaded tensors: no initialisation, no global RNG draw.
    module.load_state_dict(tensors, strict=True, assign=True)
    return module.to(device).eval()


def _restore_classifier(payload, tensors, device, prefix=""):
    _check(isinstance(payload, dict), f"{prefix}record is malformed.")
    params = _decode(payload.get("params"), f"{prefix}params")
    est = _build("DVAANClassifier", params, f"{prefix}parameters")
    a = _decode(payload.get("attributes"), f"{prefix}attributes")
    _check(isinstance(a, dict), f"{prefix}attributes are not a JSON object.")

    labels = _array(a, "classes_", "biufUO", (None,))
    k = labels.shape[0]
    _check(k >= 2 and bool(np.all(labels[:-1] < labels[1:])), "bad classes_.")
    counts = _array(a, "class_counts_", "iu", (k,))
    n_features = _int_attr(a, "n_features_in_", 1)
    if "feature_names_in_" in a:
        est.feature_names_in_ = _array(a, "feature_names_in_", "O", (n_features,))
    shape = a.get("input_shape_")
    if shape is not None:
        _ints(shape, "input_shape_", 3)
        _check(math.prod(shape) == n_features, "input_shape_ != n_features_in_ pixels.")
    encoder = None
    if a.get("encoder_") is not None:
        _check(shape is None, "a model of images has no column encoder_.")
        try:
            encoder = ColumnEncoder.from_dict(a["encoder_"])
        except (TypeError, ValueError) as exc:
            raise _Invalid(f"bad encoder_: {exc}") from None
        _check(encoder.n_columns == n_features, "encoder_ != n_features_in_ columns.")
    n_inputs = n_features if encoder is None else encoder.n_encoded
    cfg = _network(a.get("network"), n_inputs, k, shape)
    est.classes_, est.class_counts_ = labels, counts
    est._label_encoder = LabelEncoder()
    est._label_encoder.classes_ = labels
    est.n_features_in_, est.input_shape_ = n_features, shape
    est.encoder_ = encoder
    if encoder is not None:
        ok = all(a.get(key) is None for key in ("pixel_scale_", "scaler_"))
        _check(ok, "a model with an encoder_ has no scaler_ or pixel_scale_.")
    elif shape is None:
        _check(a.get("pixel_scale_") is None, "pixel_scale_ must be null for tables.")
        est.scaler_ = _scaler(a.get("scaler_"), n_features)
    else:
        scale = a.get("pixel_scale_")
        ok = _is_number(scale) and 0 < scale < math.inf and a.get("scaler_") is None
        _check(ok, "images need a positive pixel_scale_ and no scaler_.")
        est.pixel_scale_ = float(scale)

    history = a.get("history_")
    ok = isinstance(history, list) and all(
        isinstance(h, dict) and all(_is_number(x) for x in h.values()) for h in history
    )
    _check(ok, "history_ must be a list of records of numbers.")
    n_iter = _int_attr(a, "n_iter_", 0)
    _check(len(history) == n_iter, "history_ must hold n_iter_ records.")
    est.history_, est.n_iter_ = history, n_iter
    est.loss_curve_ = _numbers(a.get("loss_curve_"), "loss_curve_", n_iter)
    est.mu_curve_ = _numbers(a.get("mu_curve_"), "mu_curve_", n_iter)
    est.validation_scores_ = _numbers(
        a.get("validation_scores_"), "validation_scores_", n_iter, optional=True
    )
    best = a.get("best_validation_score_")
    _check(best is None or _is_number(best), "bad best_validation_score_.")
    est.best_validation_score_ = best
    est.latent_means_ = _array(a, "latent_means_", "f", (k, cfg.latent_dim))
    for key in ("class_prior_", "training_prior_"):
        prior = _array(a, key, "f", (k,))
        ok = bool(np.all(prior > 0)) and bool(np.isclose(prior.sum(), 1.0))
        _check(ok, f"{key} must hold positive probabilities summing to 1.")
        setattr(est, key, prior)
    temperature = a.get("temperature_")
    _check(
        _is_number(temperature) and 0 < temperature < math.inf,
        "temperature_ must be a positive number.",
    )
    est.temperature_ = float(temperature)
    if encoder is not None:
        ok = all(a.get(key) is None for key in ("feature_range_", "integer_features_"))
        _check(ok, "with an encoder_, feature_range_ and integer_features_ are null.")
        est.feature_range_ = est.integer_features_ = None
    else:
        bounds = _array(a, "feature_range_", "f", (2, n_features))
        ok = bool(np.all(np.isfinite(bounds))) and bool(np.all(bounds[0] <= bounds[1]))
        _check(ok, "feature_range_ must hold finite (min, max) rows with min <= max.")
        est.feature_range_ = bounds
        est.integer_features_ = _array(a, "integer_features_", "b", (n_features,))
    directions = _array(a, "directions", "f", (k, cfg.latent_dim))
    est._directions = torch.as_tensor(directions, dtype=torch.float32)
    _check(isinstance(a.get("device_"), str), "device_ must be a string.")
    est.module_ = _module(cfg, tensors, device)
    est.device_ = device
    return est


def _scaler(v, n_features):
    keys = {"mean_", "scale_", "var_", "n_samples_seen_"}
    _check(isinstance(v, dict) and set(v) == keys, f"scaler_ must hold {sorted(keys)}.")
    sc = StandardScaler()
    for key in ("mean_", "scale_", "var_"):
        arr = _array(v, key, "f", (n_features,))
        _check(bool(np.all(np.isfinite(arr))), f"scaler_.{key} must be finite.")
        setattr(sc, key, arr)
    _check(bool(np.all(sc.scale_ > 0)), "scaler_.scale_ must be positive.")
    seen = v["n_samples_seen_"]
    if isinstance(seen, np.ndarray):
        seen = _array(v, "n_samples_seen_", "iuf", (n_features,))
    else:
        _check(_is_number(seen) and seen > 0, "bad scaler_.n_samples_seen_.")
    sc.n_samples_seen_, sc.n_features_in_ = seen, n_features
    return sc


def _restore_sampler(meta, tensors, device):
    params = dict(meta["params"])
    _check("estimator" in params, "params lack 'estimator'.")
    nested = params.pop("estimator")
    params = _decode(params, "params")
    if nested is not None:
        nested = _build(
            "DVAANClassifier", _decode(nested, "params"), "estimator params"
        )
    params["estimator"] = nested
    sampler = _build("DVAANSampler", params, "parameters")

    attrs = dict(meta["attributes"])
    inner = attrs.pop("estimator_", None)
    a = _decode(attrs, "attributes")
    est = _restore_classifier(inner, tensors, device, "estimator_ ")
    n_features = _int_attr(a, "n_features_in_", 1)
    _check(n_features == est.n_features_in_, "n_features_in_ != estimator_'s.")
    if "feature_names_in_" in a:
        sampler.feature_names_in_ = _array(a, "feature_names_in_", "O", (n_features,))
    strategy = a.get("sampling_strategy_")
    ok = isinstance(strategy, dict) and all(
        _is_int(n) and n >= 0 for n in strategy.values()
    )
    _check(ok, "sampling_strategy_ must map labels to non-negative ints.")
    _check(
        set(strategy) <= set(est.classes_.tolist()), "unknown sampling_strategy_ label."
    )
    sampler.estimator_, sampler.n_features_in_ = est, n_features
    sampler.sampling_strategy_ = OrderedDict(sorted(strategy.items()))
    return sampler
