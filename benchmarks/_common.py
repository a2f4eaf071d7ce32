"""Helpers shared by the benchmark scripts.

Command-line options, thread limits, the record of the machine and library
versions, markdown tables, the offline tabular data sets, and the writing of
``results/<name>.{json,md}``. Not part of the ``skdvaan`` package.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent

# Run from a checkout without installing: the scripts import the working tree.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_LIBRARIES = ("numpy", "scipy", "scikit-learn", "imbalanced-learn", "torch", "pandas")
_thread_limits = None  # kept alive so that threadpoolctl's limits hold


def make_parser(description):
    """Argument parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="small smoke run (minutes on a laptop)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data and models")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch and BLAS threads (1 gives comparable timings on shared machines)",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS_DIR, help="folder for the .json/.md results"
    )
    return parser


def add_cv_arguments(parser):
    """Options of the repeated-CV benchmarks on the offline tabular sets."""
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--large", action="store_true", help="add a 100,000-row make_classification set"
    )
    parser.add_argument(
        "--mc-rows",
        type=int,
        help="rows of the 1:50 make_classification set (4,000 quick, else 20,000)",
    )
    parser.add_argument(
        "--datasets",
        nargs="*",
        help="run only data sets whose name contains one of these",
    )


def add_method_arguments(parser, name):
    """``--methods``, ``--name`` and ``--dvaan-variants`` of the CV benchmarks."""
    parser.add_argument("--methods", nargs="*", help="run only these methods")
    parser.add_argument("--name", default=name, help="stem of the results files")
    parser.add_argument(
        "--dvaan-variants",
        help="JSON list of DVAANClassifier parameter dicts to add as extra methods",
    )


def variant_params(args):
    """The parameter dicts of ``--dvaan-variants`` (none without it)."""
    return json.loads(args.dvaan_variants) if args.dvaan_variants else []


def dvaan_variants(seed, variants):
    """``label -> DVAANClassifier`` for the ``--dvaan-variants`` parameter dicts.

    Labelled ``DVAAN k=v,...``; JSON lists become tuples (``boundary_window``).
    """
    from skdvaan import DVAANClassifier

    out = {}
    for params in variants:
        label = "DVAAN " + ",".join(f"{k}={v}" for k, v in params.items())
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        out[label] = DVAANClassifier(random_state=seed, **params)
    return out


def limit_threads(n_threads):
    """Cap torch's and the BLAS libraries' thread pools at ``n_threads``."""
    global _thread_limits
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n_threads)
    _thread_limits = threadpool_limits(limits=n_threads)


def proc_status_kib(field):
    """A ``/proc/self/status`` entry in KiB (``"VmRSS:"``, ...); None if absent."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Restart VmHWM from the current RSS (Linux); False where that is refused."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit():
    """Short commit of the checkout, and whether ``skdvaan/`` had local changes.

    Both go into the JSON records (provenance); the markdown pages, written for
    users, show neither.
    """
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "skdvaan"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    return out.stdout.strip() or None, bool(dirty.stdout.strip())


def machine_info(device="cpu"):
    """Machine, library versions and thread settings, for the results files."""
    import torch

    import skdvaan

    libs = {}
    for name in _LIBRARIES:
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = "not installed"
    libs["skdvaan"] = skdvaan.__version__
    # Defaults change while they are tuned: each result says which it used.
    defaults = skdvaan.DVAANClassifier().get_params()
    commit, modified = _git_commit()
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": platform.node(),
        "os": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "libraries": libs,
        "skdvaan_commit": commit,
        "skdvaan_tree_modified": modified,
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
        "dvaan_defaults": {k: _plain(v) for k, v in defaults.items()},
    }
    if str(device).startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def _plain(value):
    return (
        value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
    )


def machine_line(info):
    """One-line summary of :func:`machine_info` for the markdown output.

    Hardware, load, threads and library versions: what a reader needs to judge
    the timings. Host names, paths and the commit stay in the JSON.
    """
    libs = info["libraries"]
    load = f"1-min load average {info['load_average_at_start'][0]} at start"
    if "load_average_at_end" in info:
        load += f", {info['load_average_at_end'][0]} at end"
    parts = [
        f"{info['cpu']} ({info['cpu_count']} logical CPUs, {load})",
        f"{info['torch_threads']} torch thread(s)",
        f"device {info['device']}" + (f" ({info['gpu']})" if info.get("gpu") else ""),
        f"Python {info['python']}",
        ", ".join(f"{k} {v}" for k, v in libs.items()),
    ]
    if "dvaan_defaults" in info:
        keys = ("augmentation_ratio", "class_weight", "validation_fraction", "mu")
        d = info["dvaan_defaults"]
        parts.append(
            "DVAANClassifier defaults: " + ", ".join(f"{k}={d[k]}" for k in keys)
        )
    return "; ".join(parts)


def fmt_mean_std(values, digits=3):
    """``mean ± std`` of a sequence, or ``n/a`` when empty."""
    values = np.asarray(values, dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values)):
        return "n/a"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def markdown_table(rows, columns=None):
    """A GitHub markdown table from a list of dicts (columns in first-seen order)."""
    if not rows:
        return "(no rows)\n"
    if columns is None:
        columns = list(dict.fromkeys(k for row in rows for k in row))

    def cell(v):
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def display_path(path, placeholder="PATH"):
    """``path`` as a results page may show it: never an absolute path.

    Inside the checkout it is relative to the repository root; elsewhere it
    becomes ``placeholder`` (the folder names of one machine mean nothing to a
    reader, and they leak the layout of that machine).
    """
    path = Path(path)
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.resolve().relative_to(REPO_ROOT)) or "."
    except ValueError:
        return placeholder


def display_args(argv):
    """Command-line arguments with every absolute path made displayable.

    ``--data-home /srv/data`` becomes ``--data-home DATA_HOME``: the option's
    name stands for the folder, as in a usage line.
    """
    out, option = [], None
    for arg in argv:
        name, eq, value = arg.partition("=")
        if arg.startswith("--") and eq:
            label = name.lstrip("-").replace("-", "_").upper()
            out.append(f"{name}={display_path(value, label)}")
        elif os.path.isabs(arg):
            label = option.lstrip("-").replace("-", "_").upper() if option else "PATH"
            out.append(display_path(arg, label))
        else:
            out.append(arg)
        option = arg if arg.startswith("-") and not eq else None
    return out


def command_line(module=None):
    """The command that ran this script, relative to the repository root.

    ``module`` names a ``python -m`` entry point instead of the script path.
    """
    if module is not None:
        return " ".join(["python", "-m", module, *display_args(sys.argv[1:])])
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(REPO_ROOT)
    except ValueError:
        script = Path(script.name)
    return " ".join(["python", str(script), *display_args(sys.argv[1:])])


class Timer:
    """Wall time since creation, in seconds."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self):
        return time.perf_counter() - self.start


def write_results(name, args, *, tables, records, machine, wall_time, notes=()):
    """Write ``<out>/<name>[_quick].{json,md}`` and print the markdown.

    ``tables`` is a list of ``(title, markdown)``; ``records`` any
    JSON-serialisable data (one dict per measurement is the convention).
    Quick runs get a ``_quick`` suffix so they never overwrite full runs.
    """
    stem = name + ("_quick" if getattr(args, "quick", False) else "")
    machine = dict(machine, load_average_at_end=[round(v, 2) for v in os.getloadavg()])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cmd = command_line()
    payload = {
        "benchmark": name,
        "command": cmd,
        "args": {
            k: display_path(v, k.upper()) if isinstance(v, Path) else v
            for k, v in vars(args).items()
        },
        "machine": machine,
        "wall_time_s": round(wall_time, 1),
        "notes": list(notes),
        "tables": {title: md for title, md in tables},
        "records": records,
    }
    with open(out / f"{stem}.json", "w") as fh:
        json.dump(payload, fh, indent=1, default=_json_default)
    md = [
        f"## {name}{' (quick)' if args.quick else ''}\n",
        f"Command: `{cmd}`\n",
        f"Machine: {machine_line(machine)}\n",
        # The date and the commit are provenance: they stay in the JSON.
        f"Wall time: {wall_time:.0f} s\n",
    ]
    md += [f"{note}\n" for note in notes]
    for title, table in tables:
        md.append(f"### {title}\n\n{_warning_lines_as_notes(table)}")
    text = "\n".join(md)
    with open(out / f"{stem}.md", "w") as fh:
        fh.write(text)
    print(text)
    print(f"Wrote {out / stem}.json and .md")


_RAW_WARNING = re.compile(r"^(\w+Warning): (.+)$", re.MULTILINE)


def _warning_lines_as_notes(markdown):
    """Turn a raw ``SomeWarning: message`` line into a sentence for readers."""
    return _RAW_WARNING.sub(r"*Warning raised during this run (`\1`):* \2", markdown)


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


class WarningCounter(warnings.catch_warnings):
    """Record warnings in a block and count them by category name."""

    def __init__(self):
        super().__init__(record=True)

    def __enter__(self):
        self.log = super().__enter__()
        warnings.simplefilter("always")
        return self

    def counts(self):
        out = {}
        for w in self.log:
            key = w.category.__name__
            out[key] = out.get(key, 0) + 1
        return out

    def messages(self):
        """The first message of each warning category (for the JSON records).

        Only the message: the file that raised it is an absolute path of the
        machine that ran the benchmark, and it names library internals.
        """
        out = {}
        for w in self.log:
            out.setdefault(w.category.__name__, str(w.message))
        return out


def format_warnings(counts):
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())) or "-"


# --------------------------------------------------------------- tabular data


def _subsample_minority(X, y, positive, ratio, seed):
    from skdvaan.datasets import make_imbalance_pair

    negatives = [c for c in np.unique(y) if c != positive]
    return make_imbalance_pair(
        X, y, positive, negatives, ratio=ratio, random_state=seed
    )


def tabular_datasets(seed, *, quick=False, large=False, mc_rows=None):
    """Imbalanced binary tasks built from data that ships with scikit-learn.

    Returns a list of ``(name, X, y)`` with ``y = 1`` for the minority class.
    Everything is offline: the bundled toy sets made imbalanced, and
    ``make_classification`` sets with label noise (``flip_y``).
    """
    from sklearn.datasets import (
        load_breast_cancer,
        load_digits,
        load_wine,
        make_classification,
    )

    out = []
    X, y = load_breast_cancer(return_X_y=True)
    # Label 0 is malignant: the minority class, subsampled to 1:10 and 1:20.
    for ratio, label in ((0.1, "1:10"), (0.05, "1:20")):
        Xi, yi = _subsample_minority(X, y, 0, ratio, seed)
        out.append((f"breast_cancer malignant {label}", Xi, yi))
    X, y = load_digits(return_X_y=True)
    out.append(("digits 8 vs rest", X, (y == 8).astype(np.int64)))
    X, y = load_wine(return_X_y=True)
    Xi, yi = _subsample_minority(X, y, 0, 0.2, seed)
    out.append(("wine class 0 vs rest 1:5", Xi, yi))
    n = mc_rows or (4000 if quick else 20000)
    X, y = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=6,
        n_redundant=4,
        weights=[0.98],
        flip_y=0.01,
        random_state=seed,
    )
    out.append((f"make_classification {n} 1:50 flip_y=0.01", X, y))
    if large:
        X, y = make_classification(
            n_samples=100_000,
            n_features=20,
            n_informative=6,
            n_redundant=4,
            weights=[0.99],
            flip_y=0.01,
            random_state=seed,
        )
        out.append(("make_classification 100000 1:100 flip_y=0.01", X, y))
    return out


def standardised_training_parts(args):
    """``(name, seed, X_train, y_train)`` per offline tabular task and seed.

    The training part of a stratified 80/20 split, standardised on itself;
    ``args.datasets`` filters by name, ``args.seeds`` defaults to 0 (quick)
    or 0, 1, 2. Used by the sample-quality benchmarks.
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    data = tabular_datasets(0, quick=args.quick)
    if args.datasets:
        data = [d for d in data if any(s in d[0] for s in args.datasets)]
    seeds = args.seeds if args.seeds else ([0] if args.quick else [0, 1, 2])
    for name, X, y in data:
        for seed in seeds:
            X_tr, _, y_tr, _ = train_test_split(
                X, y, test_size=0.2, stratify=y, random_state=seed
            )
            yield name, seed, StandardScaler().fit_transform(X_tr), y_tr


def ratio_label(y):
    """Imbalance ratio of a binary ``y`` as ``1:k``."""
    counts = np.bincount(np.asarray(y, dtype=np.int64))
    return f"1:{counts.max() / counts.min():.1f}"


def corrected_ttest(diffs, test_fraction):
    """Nadeau-Bengio corrected resampled t-test on paired fold differences.

    Returns ``(mean, p_value)``. Folds of repeated cross-validation overlap in
    their training sets, so the plain paired t-test is too confident; the
    correction inflates the variance by ``n_test / n_train``.
    """
    from scipy import stats

    d = np.asarray(diffs, dtype=float)
    j = d.size
    mean = float(d.mean())
    var = float(d.var(ddof=1)) if j > 1 else 0.0
    ratio = test_fraction / (1.0 - test_fraction)
    se = np.sqrt((1.0 / j + ratio) * var)
    if se == 0.0:
        return mean, 1.0 if mean == 0.0 else 0.0
    t = mean / se
    return mean, float(2 * stats.t.sf(abs(t), df=j - 1))


VERDICTS = ("win", "tie", "loss")


def verdict(mean, p_value, alpha=0.05):
    """``win``/``loss`` when the corrected test rejects equality, else ``tie``."""
    if p_value >= alpha:
        return "tie"
    return "win" if mean > 0 else "loss"
