"""Estimator plumbing: input checks, scaling, device choice, seeding.

Shared by the classifier and the sampler, and the one place where the
library's input policy is written down (see ``docs/trust.rst``).
"""

import contextlib
import numbers
import os
import threading

import numpy as np
import torch
from scipy import sparse

# Sparse input is densified up to this many entries (400 MB in float32);
# beyond that a dense network input would not fit comfortably in memory.
MAX_DENSE_ENTRIES = 100_000_000

# Layer initialisation seeds torch's global generator (see build_seeded);
# fits running in other threads must not reseed it in between.
_INIT_LOCK = threading.Lock()


def densify(X):
    """Dense copy of a sparse matrix, or a clear error when it is too large."""
    if not sparse.issparse(X):
        return X
    n_entries = X.shape[0] * X.shape[1]
    if n_entries > MAX_DENSE_ENTRIES:
        raise ValueError(
            f"Sparse input of shape {X.shape} would need {n_entries:,} dense "
            f"entries; DVAAN works on dense arrays and densifies sparse input up "
            f"to {MAX_DENSE_ENTRIES:,} entries. Reduce the number of features "
            "(for example with TruncatedSVD) or pass fewer rows."
        )
    return X.toarray()


def dense_values(n_rows, n_features):
    """Values that ``n_rows`` x ``n_features`` hold, if more than one array may.

    Returns the count, or None when it is within :data:`MAX_DENSE_ENTRIES`.
    Python ints: NumPy's int64 product can wrap round to 0 or less.
    """
    n_values = int(n_rows) * int(n_features)
    return n_values if n_values > MAX_DENSE_ENTRIES else None


def nested_images(X):
    """``X`` as an array if it is a list of images, else ``X`` itself.

    A list of (H, W) or (C, H, W) arrays, or lists nested as deep, has no
    ``ndim``: as an array it takes the image forms that arrays take, instead
    of check_array's "dim <= 2 is required". Tables (2-D lists) and ragged
    lists are left for check_array.
    """
    if not isinstance(X, (list, tuple)):
        return X
    try:
        A = np.asarray(X)
    except (TypeError, ValueError):  # ragged: check_array says why
        return X
    return A if A.ndim > 2 else X


def flatten_images(X, input_shape):
    """Accept 4-D image arrays (n, C, H, W) by flattening them to 2-D.

    Returns ``(X, input_shape)`` where ``input_shape`` is taken from the array
    when it was 4-D and not given. Lists of images count as arrays.
    """
    X = nested_images(X)
    ndim = getattr(X, "ndim", None)
    if ndim is not None and ndim > 4:
        # check_array would say "dim <= 2 is required", hiding the image forms.
        raise ValueError(
            f"X has {ndim} dimensions, shape {tuple(X.shape)}: pass a 2-D table, "
            "or images as a 4-D array (n, C, H, W) or a 3-D one (n, H, W) of "
            "single-channel images."
        )
    if ndim in (3, 4) and not sparse.issparse(X):
        X = np.asarray(X)
        shape = X.shape[1:] if ndim == 4 else (1, *X.shape[1:])
        if input_shape is not None and tuple(input_shape) != tuple(shape):
            raise ValueError(
                f"X has images of shape {tuple(shape)} but input_shape="
                f"{tuple(input_shape)}; pass matching shapes or flat 2-D X."
            )
        # The width from the shape: reshape(0, -1) cannot infer it, and a
        # 0-row array must reach check_array's "0 samples" message.
        width = int(np.prod(X.shape[1:]))
        return X.reshape(X.shape[0], width), tuple(int(s) for s in shape)
    return X, input_shape


def check_input_shape(input_shape, n_features):
    """Validate ``input_shape=(C, H, W)`` against the number of features."""
    if input_shape is None:
        return None
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(
        isinstance(s, numbers.Integral) and s > 0 for s in shape
    ):
        raise ValueError(
            "input_shape must be three positive integers (C, H, W), got "
            f"{input_shape!r}."
        )
    if int(np.prod(shape)) != n_features:
        raise ValueError(
            f"input_shape={shape} holds {int(np.prod(shape))} pixels but X has "
            f"{n_features} features; X must be flattened images of that shape."
        )
    return tuple(int(s) for s in shape)


def pixel_scale(X):
    """Divisor that maps pixels to [0, 1]: 1 for [0, 1] data, 255 for 0..255."""
    lo, hi = float(X.min()), float(X.max())
    if lo < 0 or hi > 255:
        raise ValueError(
            f"Image pixels must lie in [0, 1] or [0, 255]; X ranges over "
            f"[{lo:g}, {hi:g}]. Rescale the images, or leave input_shape=None to "
            "treat X as tabular features."
        )
    return 255.0 if hi > 1.0 else 1.0


def resolve_device(device):
    """Turn ``"auto" | "cpu" | "cuda" | "cuda:N"`` into a ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but no CUDA GPU is available; "
                "use device='cpu' or 'auto'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    elif dev.type != "cpu":
        raise ValueError(f"device={device!r} is not supported; use 'cpu' or 'cuda'.")
    return dev


def torch_generator(seed, device):
    """A ``torch.Generator`` on ``device`` seeded from an int."""
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen


def build_seeded(factory, seed):
    """Call ``factory()`` with torch's CPU RNG seeded, then restore the RNG.

    Layer initialisation draws from torch's global generator; forking it keeps
    the fitted model reproducible without touching the user's global state.
    """
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return factory()


def to_float32(X):
    """Cast scaled input to float32, refusing values that overflow it."""
    with np.errstate(over="ignore"):
        X32 = np.asarray(X).astype(np.float32)
    if not np.isfinite(X32).all():
        raise ValueError(
            "X holds values too large to represent in float32 after scaling; "
            "rescale the features (the network computes in float32)."
        )
    return X32


# Generated values are computed in float32 in standardised units and scaled
# back in float64: one that the network put on a bound of the training range
# (a zero count, a blank pixel, the smallest value seen) comes back an ulp or
# a scaling's rounding off it. The float32 part of that error scales with the
# column's width, the float64 part with its magnitude; values this close to a
# bound are taken to be on it.
_BOUND_ULPS = 16 * np.finfo(np.float32).eps
_BOUND_ULPS_64 = 16 * np.finfo(np.float64).eps


def clip_to_bounds(X, lo, hi, inplace=False):
    """``X`` clipped to ``[lo, hi]`` per column, float32 rounding put on the bounds.

    A value within ``16 * float32 eps`` of the column's width (plus
    ``16 * float64 eps`` of its magnitude) from a bound becomes the bound
    itself, so generated rows repeat the training data's exact extreme values
    (real rows of a class often sit on them: zeros, blank pixels) instead of
    values a rounding away from them, which a test for exact values tells
    apart from every real row. The tolerance follows the width, not the
    magnitude: a column of values between 1e6 and 1e6 + 1 keeps its spread.
    With ``inplace`` (a float64 array of the caller's own), ``X`` itself is
    clipped and returned: a million generated rows need no extra copies.
    """
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    if not inplace:
        X = np.asarray(X, dtype=np.float64)
    X = np.clip(X, lo, hi, out=X if inplace else None)
    tol = _BOUND_ULPS * (hi - lo) + _BOUND_ULPS_64 * np.maximum(np.abs(lo), np.abs(hi))
    near_lo, near_hi = X - lo <= tol, hi - X <= tol
    near_hi &= ~near_lo  # a constant column: its one value either way
    np.copyto(X, np.broadcast_to(lo, X.shape), where=near_lo)
    np.copyto(X, np.broadcast_to(hi, X.shape), where=near_hi)
    return X


def settle_scaler(scaler, lo, hi, describe=None):
    """Finish a fitted ``StandardScaler`` whose rows spanned ``[lo, hi]`` per column.

    * A constant column (``lo == hi``) gets its value as its mean, exactly.
      ``StandardScaler`` computes the mean a few ulps off, and with the scale
      of 1 that it gives a constant column, a constant of 1e20 reached the
      networks as 720896 instead of 0.
    * A column that varies but whose variance underflows float64 (values
      near 1e-160 or smaller) is refused: ``StandardScaler`` takes it for a
      constant, and the networks would see only zeros. So is one whose mean
      or variance overflows it (values beyond about 1e154), named as the
      mixed-type encoder names it.

    ``lo`` and ``hi`` may hold NaN for columns without a value (mixed
    tables); those are left alone. ``describe(j)`` names column ``j`` in
    the error (default: ``"Feature j"``). Returns ``scaler``.
    """
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    constant = lo == hi
    if constant.any():
        scaler.mean_ = np.where(constant, lo, scaler.mean_)
    varies = hi > lo

    def first(mask):
        """The first column of ``mask`` and its name in messages."""
        j = int(np.flatnonzero(mask)[0])
        return j, f"Feature {j}" if describe is None else describe(j)

    overflow = varies & ~(np.isfinite(scaler.mean_) & np.isfinite(scaler.var_))
    if overflow.any():
        # Checked first: StandardScaler gives such a column a scale of 1 or
        # NaN, which the checks below would misread.
        j, name = first(overflow)
        raise ValueError(
            f"{name} holds values too large to represent in float32 after "
            f"scaling (from {lo[j]:.3g} to {hi[j]:.3g}: its mean or variance "
            "overflows float64); rescale it (e.g. divide it by 1e150) before "
            "fitting."
        )
    # A varying column that StandardScaler cannot standardise: its variance
    # underflows (values near 1e-160), or its spread is within float64's
    # rounding of its mean and it gets a scale of 1 (1e20 + k * 16384 would
    # reach the networks as values up to 7e5).
    problems = [
        (
            varies & (scaler.var_ == 0),
            ".3g",
            "but its variance underflows float64",
            "multiply it by a large constant (e.g. 1e150)",
        ),
        (
            varies & (scaler.scale_ == 1.0) & (np.sqrt(scaler.var_) != 1.0),
            ".17g",
            "by less than float64 can resolve at its magnitude",
            "subtract an offset (e.g. its minimum)",
        ),
    ]
    for mask, fmt, why, fix in problems:
        if mask.any():
            j, name = first(mask)
            raise ValueError(
                f"{name} varies (from {lo[j]:{fmt}} to {hi[j]:{fmt}}) {why}, so "
                f"it could not be standardised; {fix} before fitting."
            )
    return scaler


def default_threads(conv):
    """Intra-op threads that help a network of this kind on this machine.

    Tabular MLPs are too small for several threads to pay: their matrix
    products take microseconds, and on a shared machine every extra thread
    waits for a busy core. Conv backbones do enough work per batch to use a
    few cores.
    """
    if not conv:
        return 1
    return max(1, min(4, usable_cpus()))


def write_target(path):
    """Where a file written to ``path`` goes, and whether to write it atomically.

    Atomic writes go to a temporary file beside the target, then rename it
    over the target. Symbolic links are followed, so the write goes through
    a link to the file it names (as a shell's ``>`` does) instead of putting
    a file in the link's place. An existing path that is not a regular file
    (a FIFO, a device such as ``/dev/stdout``) is written directly: a rename
    would replace the node itself. Returns ``(target, atomic)``.
    """
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        return path, False
    return os.path.realpath(path), True


def usable_cpus():
    """Logical CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# torch.set_num_threads sets the calling thread's OpenMP threads and also a
# process-wide value that every thread takes on its first torch call. Blocks
# running at once in several Python threads would leave that value at
# whichever one restored last; the last block to finish puts back the one
# from before the first began (see torch_threads).
_THREADS_LOCK = threading.Lock()
_threads_state = {"active": 0, "before": None}


def _set_process_threads(n_threads):
    """Set torch's process-wide thread count, not the calling thread's.

    A thread of its own sets it: what it does to its own threads is lost
    with it.
    """
    worker = threading.Thread(target=torch.set_num_threads, args=(int(n_threads),))
    worker.start()
    worker.join()


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run a block with ``n_threads`` torch intra-op threads, then restore.

    The caller's setting comes back also when the block raises, and when
    blocks overlap in several Python threads, torch's value for threads
    that start later is the one from before the first block began.
    """
    old = torch.get_num_threads()
    if n_threads is None or n_threads == old:
        yield
        return
    state = _threads_state
    with _THREADS_LOCK:
        if state["active"] == 0:
            state["before"] = old
        state["active"] += 1
        torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        with _THREADS_LOCK:
            torch.set_num_threads(old)
            state["active"] -= 1
            if state["active"] == 0 and old != state["before"]:
                _set_process_threads(state["before"])
