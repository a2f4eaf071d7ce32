"""Loaders for the DVAAN paper's data sets and its imbalanced binary tasks.

Only the standard library and NumPy are used; nothing is downloaded unless
``download=True`` is passed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib
import math
import numbers
import os
import pickle
import re
import shutil
import struct
import tarfile
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "PAPER_PAIRS",
    "load_cifar10",
    "load_idx",
    "load_mnist",
    "load_paper_pair",
    "load_tis",
    "make_imbalance_pair",
]

#: The paper's binary tasks; ``positive`` is the minority class.
PAPER_PAIRS = {
    "mnist": {"positive": 5, "negative": 6, "input_shape": (1, 28, 28)},
    "fashion-mnist": {"positive": 5, "negative": 7, "input_shape": (1, 28, 28)},
    "cifar10": {"positive": 3, "negative": 5, "input_shape": (3, 32, 32)},
}

_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4"}
_IDX_TYPES[0x0E] = ">f8"
_MNIST_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# MD5 of the published .gz files (train images, train labels, test images, test
# labels), so that a broken or tampered download is never cached.
_MNIST_SOURCES = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432")
        + ("9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"),
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe")
        + ("bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"),
    ),
}
_CIFAR_DIR, _CIFAR_TAR = "cifar-10-batches-py", "cifar-10-python.tar.gz"
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/" + _CIFAR_TAR
_CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
_CIFAR_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)]}
_CIFAR_BATCHES["test"] = ["test_batch"]


def _check_subset(subset):
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")


def load_idx(path):
    """Read an array stored in the IDX format of MNIST.

    Parameters
    ----------
    path : str or path-like
        The file, gzip-compressed or not (told apart by its first two bytes).

    Returns
    -------
    ndarray
        The array, with the shape and element type of the file's header, in
        native byte order.

    Raises
    ------
    ValueError
        If the magic number is not an IDX one, or the amount of data does not
        match the header (truncated or corrupt file).

    Examples
    --------
    >>> from skdvaan.datasets import load_idx
    >>> load_idx("t10k-labels-idx1-ubyte.gz").shape  # doctest: +SKIP
    (10000,)
    """
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open if gzipped else open)(path, "rb") as fh:
            raw = fh.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from exc
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()!r})")
    header = 4 + 4 * raw[3]
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    dims = struct.unpack(f">{raw[3]}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    count = math.prod(dims)
    expected, got = count * dtype.itemsize, len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: IDX file {what}: the header declares shape {dims} of "
            f"{dtype.name} ({expected} bytes of data) but {got} bytes follow"
        )
    arr = np.frombuffer(raw, dtype, count, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def _home(kind, data_home=None):
    if data_home is not None:
        return Path(data_home).expanduser()
    return Path.home() / "skdvaan_data" / kind


def _search_dirs(kind, data_home):
    if data_home is not None:
        dirs = [_home(kind, data_home), _home(kind, data_home) / kind]
    else:
        env = os.environ.get("SKDVAAN_DATA")
        dirs = [Path(env).expanduser() / kind] if env else []
        # The project keeps shared copies beside the checkout, in ../shared.
        for root in (Path.cwd(), Path(__file__).resolve().parent.parent):
            dirs.append(root.parent / "shared" / "data" / kind)
        if kind == "fashion-mnist":  # Debian package dataset-fashion-mnist
            dirs.append(Path("/usr/share/datasets/fashion-mnist"))
        dirs.append(_home(kind))
    return list({os.path.abspath(d): d for d in dirs}.values())


def _download(url, dest, md5):
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name: a partial file must not pass for the data.
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
    try:
        resp = urllib.request.urlopen(url, timeout=60)
        with resp, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
        digest = hashlib.md5()
        with open(tmp, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != md5:
            raise OSError(f"{url}: MD5 {digest.hexdigest()}, expected {md5}")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _not_found(what, dirs, url, dest, hint=""):
    places = "".join(f"\n  - {d}" for d in dirs)
    return FileNotFoundError(
        f"{what} not found in any of:{places}\nPass download=True to fetch them "
        f"from {url} into {dest}, pass data_home, or set SKDVAAN_DATA to a folder "
        f"with a '{dest.name}' subfolder holding them.{hint}"
    )


def load_mnist(data_home=None, *, kind="mnist", subset="train", download=False):
    """Load MNIST or Fashion-MNIST from the original IDX files.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder holding the files, directly or in a ``<kind>`` subfolder. If
        None, ``$SKDVAAN_DATA/<kind>``, ``../shared/data/<kind>`` (from the
        working directory, then from the repository), for Fashion-MNIST
        ``/usr/share/datasets/fashion-mnist`` (Debian package
        ``dataset-fashion-mnist``), then ``~/skdvaan_data/<kind>`` are tried.
    kind : {"mnist", "fashion-mnist"}, default="mnist"
    subset : {"train", "test"}, default="train"
    download : bool, default=False
        If the files are missing, fetch them (MD5-checked) from the official
        mirror into ``data_home`` or ``~/skdvaan_data/<kind>``.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), dtype uint8
    y : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    FileNotFoundError
        If the files are missing and ``download`` is False; the message lists
        the folders searched.
    ValueError
        If a file is not a valid IDX file, the images are not uint8 28x28, or
        the labels are not one integer in 0..9 per image.

    Notes
    -----
    The files are ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``;
    uncompressed copies (without ``.gz``) are read as well.

    Examples
    --------
    >>> from skdvaan.datasets import load_mnist
    >>> X, y = load_mnist(subset="test")  # doctest: +SKIP
    >>> X.shape, y.dtype  # doctest: +SKIP
    ((10000, 28, 28), dtype('int64'))
    """
    if kind not in _MNIST_SOURCES:
        raise ValueError(f"kind must be 'mnist' or 'fashion-mnist', got {kind!r}")
    _check_subset(subset)
    stems = _MNIST_STEMS[subset]

    def find(folder):
        paths = [folder / n for s in stems for n in (s + ".gz", s)]
        paths = [p for p in paths if p.is_file()]
        images = [p for p in paths if "images" in p.name]
        labels = [p for p in paths if "labels" in p.name]
        return (images[0], labels[0]) if images and labels else None

    dirs = _search_dirs(kind, data_home)
    found = next(filter(None, map(find, dirs)), None)
    if found is None:
        url, md5s = _MNIST_SOURCES[kind]
        dest = _home(kind, data_home)
        if not download:
            what = f"{kind} {subset} files ({stems[0]}.gz, {stems[1]}.gz)"
            hint = "\nOn Debian: apt install dataset-fashion-mnist"
            hint = "" if kind == "mnist" else hint
            raise _not_found(what, dirs, url, dest, hint)
        offset = 0 if subset == "train" else 2
        for i, stem in enumerate(stems):
            if not ((dest / stem).is_file() or (dest / f"{stem}.gz").is_file()):
                _download(f"{url}{stem}.gz", dest / f"{stem}.gz", md5s[offset + i])
        found = find(dest)
    X, y = load_idx(found[0]), load_idx(found[1])
    if X.dtype != np.uint8 or X.ndim != 3 or X.shape[1:] != (28, 28):
        raise ValueError(f"{found[0]}: not uint8 28x28 images: {X.dtype} {X.shape}")
    if y.shape != X.shape[:1]:
        raise ValueError(
            f"{found[1]}: expected {len(X)} labels (one per image), got shape {y.shape}"
        )
    # The format stores MNIST labels as unsigned bytes; a float file would be
    # truncated (2.7 to 2, NaN to a huge negative) by the cast to int64.
    if y.dtype.kind not in "ui":
        raise ValueError(
            f"{found[1]}: labels must be integers in 0..9 (IDX type uint8), "
            f"got {y.dtype.name}"
        )
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError(
            f"{found[1]}: labels must lie in 0..9, found {int(y.min())} to "
            f"{int(y.max())}"
        )
    return X, y.astype(np.int64)


class _Refused(pickle.UnpicklingError):
    """A batch refers to something a genuine one never does (see find_class)."""


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    # Python 3 writes bytes into protocol-2 pickles as _codecs.encode(str,
    # "latin1"); no other codec is allowed, so no codec machinery is reachable.
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused("refused _codecs.encode in a CIFAR-10 batch")
    return obj.encode("latin1", "strict")


class _RestrictedUnpickler(pickle.Unpickler):
    # Unpickling runs whatever callable find_class returns, so a crafted batch
    # could run any code; only what genuine batches refer to is resolved.
    def __init__(self, file):
        super().__init__(file, encoding="bytes")

    def find_class(self, module, name):
        # numpy.core was renamed numpy._core in NumPy 2; _frombuffer is protocol 5.
        submodule = module.replace("numpy.core.", "numpy._core.", 1)
        if (submodule, name) in (
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy._core.numeric", "_frombuffer"),
        ):
            try:
                return getattr(importlib.import_module(submodule), name)
            except ImportError:  # pragma: no cover - NumPy 1.x
                legacy = submodule.replace("numpy._core.", "numpy.core.", 1)
                return getattr(importlib.import_module(legacy), name)
        elif module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        elif module == "_codecs" and name == "encode":
            return _codecs_encode
        elif module in ("builtins", "__builtin__") and name == "bytes":
            return bytes
        raise _Refused(f"forbidden global {module}.{name} in a CIFAR-10 batch")


def _read_cifar_batch(path):
    with open(path, "rb") as fh:
        try:
            batch = _RestrictedUnpickler(fh).load()
        except _Refused as exc:
            # The documented security refusal; any other UnpicklingError
            # (truncated or garbage data) is a malformed batch.
            raise pickle.UnpicklingError(f"{path}: {exc}") from None
        except Exception as exc:
            raise ValueError(f"{path}: not a CIFAR-10 batch ({exc})") from exc
    if not isinstance(batch, dict):
        raise ValueError(
            f"{path}: not a CIFAR-10 batch (a pickled {type(batch).__name__}, "
            "expected a dict with b'data' and b'labels')"
        )
    data = np.asarray(batch.get(b"data", batch.get("data", [])))
    labels = batch.get(b"labels", batch.get("labels"))
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(
            f"{path}: expected a dict whose b'data' is uint8 of shape (n, 3072) "
            f"(n images of 3x32x32), got {data.dtype} {data.shape}"
        )
    msg = f"{path}: b'labels' must be {len(data)} ints in 0..9"
    try:
        labels = np.asarray(labels)
    except (TypeError, ValueError):  # ragged nested lists
        raise ValueError(f"{msg}, got {type(labels).__name__}") from None
    # Integers only: a cast to int64 would truncate 1.7 to 1. An empty list
    # (a batch of no images) reads as float64.
    integers = labels.dtype.kind in "ui" or (labels.size == 0 and labels.ndim == 1)
    if not integers or labels.shape != data.shape[:1]:
        raise ValueError(f"{msg}, got {labels.dtype} of shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{msg}, found {int(labels.min())} to {int(labels.max())}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def _extract_cifar(tar_path, dest):
    # Members are matched against a fixed list of names and copied by hand, so
    # an archive cannot write outside dest (no traversal, links or devices).
    wanted = {f"{_CIFAR_DIR}/{n}" for ns in _CIFAR_BATCHES.values() for n in ns}
    out_dir = Path(dest) / _CIFAR_DIR
    try:
        with tarfile.open(tar_path, "r:*") as tar:
            for member in tar:
                if member.isfile() and member.name.removeprefix("./") in wanted:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    target = out_dir / member.name.rsplit("/", 1)[1]
                    part = target.with_name(target.name + ".part")
                    with tar.extractfile(member) as src, open(part, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                    os.replace(part, target)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"{tar_path}: corrupt CIFAR-10 archive ({exc})") from exc
    return out_dir


def load_cifar10(data_home=None, *, subset="train", download=False):
    """Load CIFAR-10 from the official "python version" batches.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder holding ``cifar-10-batches-py`` (or being it) or the archive
        ``cifar-10-python.tar.gz``, which is then extracted beside itself. If
        None, ``$SKDVAAN_DATA/cifar10``, ``../shared/data/cifar10`` (from the
        working directory, then from the repository) and
        ``~/skdvaan_data/cifar10`` are tried.
    subset : {"train", "test"}, default="train"
        ``data_batch_1`` to ``data_batch_5`` (50000 images) or ``test_batch``.
    download : bool, default=False
        If nothing is found, fetch the archive (MD5-checked) into ``data_home``
        or ``~/skdvaan_data/cifar10`` and extract it.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, 32, 32), dtype uint8
    y : ndarray of shape (n_samples,), dtype int64
        Class labels 0-9 (3 is cat, 5 is dog).

    Raises
    ------
    pickle.UnpicklingError
        If a batch refers to anything but NumPy arrays and plain data: batches
        are read with a restricted unpickler, never with ``pickle.load``.
    ValueError
        If a batch is malformed (truncated or not a pickle, not 3072 columns,
        labels not integers in 0..9); the message names the file.

    Examples
    --------
    >>> from skdvaan.datasets import load_cifar10
    >>> load_cifar10(subset="test")[0].shape  # doctest: +SKIP
    (10000, 3, 32, 32)
    """
    _check_subset(subset)
    names = _CIFAR_BATCHES[subset]

    def read(folder):
        if not all((folder / n).is_file() for n in names):
            raise ValueError(f"{folder}: CIFAR-10 files missing: {', '.join(names)}")
        parts = [_read_cifar_batch(folder / n) for n in names]
        return tuple(np.concatenate(p) for p in zip(*parts))

    def from_tar(tar_path):
        try:
            return read(_extract_cifar(tar_path, tar_path.parent))
        except PermissionError:  # read-only folder: extract to a scratch one
            with tempfile.TemporaryDirectory() as tmp:
                return read(_extract_cifar(tar_path, tmp))

    dirs = _search_dirs("cifar10", data_home)
    for folder in dirs:
        for candidate in (folder / _CIFAR_DIR, folder):
            if all((candidate / n).is_file() for n in names):
                return read(candidate)
        if (folder / _CIFAR_TAR).is_file():
            return from_tar(folder / _CIFAR_TAR)
    dest = _home("cifar10", data_home)
    if not download:
        what = f"CIFAR-10 ({_CIFAR_DIR}/ or {_CIFAR_TAR})"
        raise _not_found(what, dirs, _CIFAR_URL, dest)
    _download(_CIFAR_URL, dest / _CIFAR_TAR, _CIFAR_MD5)
    return from_tar(dest / _CIFAR_TAR)


_SEPARATOR = re.compile(r"\s*,\s*|\s+")
_POSITIVE = {"1", "+1", "+", "pos", "positive", "tis", "true", "yes"}
_NEGATIVE = {"0", "-1", "-", "neg", "negative", "nontis", "non-tis", "false", "no"}
# Markers of a missing value (ARFF writes "?"), compared in lower case.
_MISSING = {"", "?", "na", "n/a", "nan", "null", "none"}


def _as_float(text):
    try:
        return float(text)
    except ValueError:
        return None


def _open_text(path):
    # Told apart by their first bytes, as load_idx does: a .gz copy of the
    # table is read as is; a zip archive cannot be, it may hold several files.
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        raise ValueError(f"{path}: a zip archive, not a text table; extract it first")
    # utf-8-sig drops the byte order mark that spreadsheet programs write.
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace")
    return open(path, encoding="utf-8-sig", errors="replace")


def _text_lines(path):
    """Yield ``(line number, stripped text)`` of a text table."""
    try:
        with _open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if "\0" in line:
                    raise ValueError(
                        f"{path}, line {lineno}: NUL bytes: not a UTF-8 text table "
                        "(binary, or UTF-16?)"
                    )
                yield lineno, line.strip()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from exc


def _check_label(label, text, path, lineno):
    num = _as_float(label)
    if label.lower() in _MISSING or (num is not None and math.isnan(num)):
        what = "empty" if label == "" else f"missing ({label!r})"
        hint = ""
        if text.endswith(","):
            hint = "; the line ends with ',' (a trailing comma after the label?)"
        raise ValueError(f"{path}, line {lineno}: class label is {what}{hint}")
    if num is not None and not math.isfinite(num):
        raise ValueError(f"{path}, line {lineno}: class label {label!r} is infinite")


def _positive_label(labels, path):
    values = sorted(set(labels))
    if len(values) != 2:
        raise ValueError(f"{path}: need exactly 2 class labels, found {values[:10]}")
    nums = [_as_float(v) for v in values]
    if None not in nums:
        if nums[0] == nums[1]:
            raise ValueError(f"{path}: labels {values} are the same number")
        return values[int(np.argmax(nums))]
    pos = [v.lower().rstrip(".") in _POSITIVE for v in values]
    neg = [v.lower().rstrip(".") in _NEGATIVE for v in values]
    if sum(pos) == 1 or sum(neg) == 1:
        return values[pos.index(True)] if sum(pos) == 1 else values[neg.index(False)]
    raise ValueError(f"{path}: cannot tell which of the labels {values} is positive")


def load_tis(path):
    """Load the translation initiation site (TIS) data set.

    The data (Liu & Wong, 2003) are published on the NUS CS2220 course page
    (https://www.comp.nus.edu.sg/~wongls/courses/cs2220/2008/TIS-data.html) as
    a text table: one sample a line, numeric features separated by commas or
    white space, the class label last. The original has 13375 samples (3312
    positive) and 927 features; whatever number of features the file has is
    returned.

    Parameters
    ----------
    path : str or path-like
        UTF-8 text (a byte order mark is skipped), gzip-compressed or not
        (told apart by its first two bytes). Blank lines, lines starting with
        ``#``, ``%`` or ``@`` (so ARFF headers such as ``@attribute`` and
        ``@data``) and a first row of column names are skipped.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    y : ndarray of shape (n_samples,), dtype int64
        1 for a true TIS, else 0. Numeric labels: the larger (1 in 1/-1 or 1/0)
        is positive; named ones such as ``pos``/``neg`` or ``TIS``/``nonTIS``
        are recognised.

    Raises
    ------
    ValueError
        If a line's field count differs from the first data line's, a feature
        is not a finite number (NaN, inf or missing), a label is empty or
        missing (``?``, ``NA``, ``nan``), the fields are separated by
        semicolons (the message names the line), or there are not exactly two
        label values.

    Examples
    --------
    >>> from skdvaan.datasets import load_tis
    >>> X, y = load_tis("TIS.data")  # doctest: +SKIP
    >>> X.shape, int(y.sum())  # doctest: +SKIP
    ((13375, 927), 3312)
    """
    rows, labels, width, first, names = [], [], None, None, []
    for lineno, text in _text_lines(path):
        if not text or text[0] in "#%@":
            continue
        fields = [f.strip("'\"") for f in _SEPARATOR.split(text)]
        if width is None:
            if all(_as_float(f) is None for f in fields):
                semi = [_as_float(f) for f in text.split(";")]
                if len(semi) > 1 and any(v is not None for v in semi):
                    raise ValueError(
                        f"{path}, line {lineno}: fields separated by ';'; load_tis "
                        "reads fields separated by commas or white space"
                    )
                names.append((lineno, text))  # a header row of column names
                continue
            if len(fields) < 2:
                raise ValueError(f"{path}, line {lineno}: no features and label")
            width, first = len(fields), lineno
        elif len(fields) != width:
            raise ValueError(
                f"{path}, line {lineno}: {len(fields)} fields, but line {first} "
                f"has {width} (features then the label)"
            )
        try:
            row = np.array(fields[:-1], dtype=np.float64)
        except ValueError:
            bad = next(f for f in fields[:-1] if _as_float(f) is None)
            what = "an empty field" if bad == "" else f"non-numeric {bad!r}"
            raise ValueError(f"{path}, line {lineno}: {what}") from None
        if not np.isfinite(row).all():
            j = int(np.flatnonzero(~np.isfinite(row))[0])
            raise ValueError(
                f"{path}, line {lineno}: feature {j + 1} is {fields[j]!r}; "
                "features must be finite numbers"
            )
        _check_label(fields[-1], text, path, lineno)
        rows.append(row)
        labels.append(fields[-1])
    if not rows:
        hint = ""
        if names:
            lineno, text = names[0]
            hint = (
                f": {len(names)} line(s) hold no number and were taken for column "
                f"names (line {lineno}: {text[:60]!r})"
            )
        raise ValueError(f"{path}: no data rows{hint}")
    positive = _positive_label(labels, path)
    return np.vstack(rows), np.array([lab == positive for lab in labels], np.int64)


def _check_random_state(seed):
    if seed is None:
        return np.random.mtrand._rand  # NumPy's global RandomState, as scikit-learn
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if not 0 <= seed < 2**32:  # NumPy's own error names no argument
            raise ValueError(
                f"invalid random_state {_plain(seed)!r}: an int seed must be in "
                "[0, 2**32 - 1]"
            )
        return np.random.RandomState(seed)
    raise ValueError(f"invalid random_state {seed!r}")


def _plain(value):
    # NumPy scalars print as np.int64(5) in f"{x!r}"; messages show plain 5.
    return value.item() if isinstance(value, np.generic) else value


def _check_ratio(ratio):
    # NaN fails every comparison and inf overflows round(): both are refused.
    if (
        isinstance(ratio, bool)
        or not isinstance(ratio, numbers.Real)
        or not math.isfinite(ratio)
        or ratio <= 0
    ):
        raise ValueError(
            f"ratio must be a finite positive number, got {_plain(ratio)!r}"
        )


def make_imbalance_pair(X, y, positive, negative, *, ratio, random_state=None):
    """Build an imbalanced binary problem from a multi-class data set.

    As in the paper, all samples of the negative class(es) are kept, and
    ``round(n_negative * ratio)`` samples of the positive class (at most all of
    them) are drawn at random without replacement.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
    y : array-like of shape (n_samples,)
    positive : label
        The minority class.
    negative : label, sequence of labels or "rest"
        The majority class(es); ``"rest"`` is every label but ``positive``.
    ratio : float
        Positives per negative: 0.2 for 1:5, 0.01 for 1:100.
    random_state : None, int, RandomState or Generator, default=None
        Which positives are kept, and the shuffling.

    Returns
    -------
    X_sub : ndarray of shape (n_kept, ...)
        The kept samples, shuffled.
    y_sub : ndarray of shape (n_kept,), dtype int64
        1 for the positive class, 0 for the negative one(s).

    Raises
    ------
    ValueError
        If ``ratio`` is not a finite positive number, ``y`` is not 1-D or not
        as long as ``X``, ``positive`` is listed as negative, or no negative or
        no positive sample would be kept.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvaan.datasets import make_imbalance_pair
    >>> X, y = np.arange(60).reshape(30, 2), np.repeat([0, 1, 2], 10)
    >>> Xs, ys = make_imbalance_pair(X, y, 0, [1, 2], ratio=0.2, random_state=0)
    >>> Xs.shape, int(ys.sum())
    ((24, 2), 4)
    """
    _check_ratio(ratio)
    X, y = np.asarray(X), np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample), got shape {y.shape}")
    if X.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y lengths differ: {X.shape}, {y.shape}")
    rng = _check_random_state(random_state)
    if isinstance(negative, str) and negative == "rest":
        neg_idx = np.flatnonzero(y != positive)
    else:
        neg_labels = [negative] if np.ndim(negative) == 0 else list(negative)
        if any(lab == positive for lab in neg_labels):
            raise ValueError(
                f"positive label {_plain(positive)!r} is also a negative one"
            )
        neg_idx = np.flatnonzero(np.isin(y, neg_labels))
    pos_idx = np.flatnonzero(y == positive)
    wanted = neg_idx.size * float(ratio)  # inf for ratio=1e308: round() refuses it
    n_pos = pos_idx.size if wanted >= pos_idx.size else round(wanted)
    if neg_idx.size == 0 or n_pos == 0:
        raise ValueError(
            f"ratio={_plain(ratio)} with {neg_idx.size} negatives "
            f"({_plain(negative)!r}) and {pos_idx.size} positives "
            f"({_plain(positive)!r}) leaves an empty class"
        )
    idx = np.concatenate([rng.choice(pos_idx, n_pos, replace=False), neg_idx])
    order = rng.permutation(idx.size)
    return X[idx[order]], (order < n_pos).astype(np.int64)


def load_paper_pair(
    name,
    *,
    ratio=0.2,
    subset="train",
    one_vs_all=False,
    data_home=None,
    random_state=None,
    download=False,
):
    """Load one of the paper's binary image tasks (see ``PAPER_PAIRS``).

    MNIST 5 (positive) vs 6, Fashion-MNIST sandal (5, positive) vs sneaker (7),
    CIFAR-10 cat (3, positive) vs dog (5).

    Parameters
    ----------
    name : {"mnist", "fashion-mnist", "cifar10"}
    ratio : float, default=0.2
        Positives per negative in the training set (0.2 is 1:5), see
        `make_imbalance_pair`; unused for the test set.
    subset : {"train", "test"}, default="train"
        The test set is not subsampled: it has every test image of the two
        classes (of all classes with ``one_vs_all``).
    one_vs_all : bool, default=False
        Every other class is negative (the paper's Table 2).
    data_home, download
        Passed to `load_mnist` or `load_cifar10`.
    random_state : None, int, RandomState or Generator, default=None
        Which training positives are kept, and the shuffling.

    Returns
    -------
    X : ndarray of shape (n_samples, C*H*W), dtype float32
        Flattened images in [0, 1]; ``PAPER_PAIRS[name]["input_shape"]`` is
        (C, H, W).
    y : ndarray of shape (n_samples,), dtype int64
        1 for the positive class, else 0.

    Examples
    --------
    >>> from skdvaan.datasets import load_paper_pair
    >>> X, y = load_paper_pair("mnist", ratio=0.01, random_state=0)  # doctest: +SKIP
    >>> X.shape, int(y.sum())  # doctest: +SKIP
    ((5977, 784), 59)
    """
    if name not in PAPER_PAIRS:
        raise ValueError(f"name must be one of {sorted(PAPER_PAIRS)}, got {name!r}")
    _check_subset(subset)
    if subset == "train":
        _check_ratio(ratio)  # before the data set is read, which takes seconds
    if name == "cifar10":
        X, y = load_cifar10(data_home, subset=subset, download=download)
    else:
        X, y = load_mnist(data_home, kind=name, subset=subset, download=download)
    pos, neg = PAPER_PAIRS[name]["positive"], PAPER_PAIRS[name]["negative"]
    if subset == "train":
        neg = "rest" if one_vs_all else neg
        X, y = make_imbalance_pair(
            X, y, pos, neg, ratio=ratio, random_state=random_state
        )
    else:
        keep = slice(None) if one_vs_all else np.isin(y, [pos, neg])
        X, y = X[keep], (y[keep] == pos).astype(np.int64)
    X = X.reshape(len(X), -1).astype(np.float32)
    X /= 255.0
    return X, y
