"""The ``skdvaan`` command: a demo on bundled data, and resampling of tables.

pandas, scikit-learn and matplotlib are imported inside the commands that use
them, so that ``--help`` costs no more than importing the package.
"""

import argparse
import importlib.util
import json
import os
import sys
import warnings
from collections import Counter
from pathlib import Path

from . import __version__

PROG = "skdvaan"
PARQUET_SUFFIXES = (".parquet", ".pq")
STRATEGY_NAMES = ("auto", "minority", "not minority", "not majority", "all")
DEMO_PLOTS = ("latent.png", "mu.png", "boundary_samples.png")


class CLIError(Exception):
    """A problem with the user's input: one line on stderr, exit status 2."""


def _one_line(exc):
    # Library messages may wrap; the command promises one line per error.
    return " ".join(str(exc).split())


def main(argv=None):
    """Run the ``skdvaan`` command.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 2 for bad input, 130 when interrupted.
    """
    args = _build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "DVAAN (Guo et al., IJCAI 2019) deep imbalanced learning for "
            "scikit-learn and imbalanced-learn. Run 'skdvaan demo' for a "
            "comparison on bundled data, or 'skdvaan resample' to balance a "
            "CSV or Parquet file with generated boundary samples."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser(
        "demo",
        help="compare DVAAN with common baselines on bundled imbalanced data",
        description=(
            "Compare DVAANClassifier and DVAANSampler with an MLP (plain and "
            "with random over-sampling) and a class-weighted logistic "
            "regression on scikit-learn's bundled breast cancer data made "
            "1:10 imbalanced, and on the digits data as 'digit 8 versus the "
            "rest' (1:50). Prints ROC-AUC, PR-AUC (average precision) and fit "
            "time from 5-fold stratified cross-validation, then draws the "
            "latent space, the learned mu and generated samples (needs "
            "matplotlib: pip install skdvaan[plot]). Takes a minute or two on "
            "a 2-core CPU."
        ),
    )
    demo.add_argument(
        "--output-dir",
        default="skdvaan_demo",
        metavar="DIR",
        help="folder for the plots, created if needed (default: %(default)s)",
    )
    demo.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="N",
        help="seed of the subsampling, the splits and the models (default: 0)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="one data set, one split, 5 epochs: seconds, far from converged",
    )
    demo.set_defaults(func=_run_demo)

    res = sub.add_parser(
        "resample",
        help="balance a CSV or Parquet table with DVAAN-generated rows",
        description=(
            "Fit DVAANSampler on a table and write it back with generated rows "
            "appended: the original rows first and unchanged, then the new "
            "ones. Columns keep their order, names and dtypes; the target may "
            "hold strings. Feature columns may mix numbers, integers, booleans, "
            "strings and categories, with missing cells: text and boolean "
            "columns are modelled as categories, and a generated row holds only "
            "values its class had in the input. Integer columns get generated "
            "values rounded and inside the column's observed range, numbers "
            "stay inside their range, and missing cells are generated at a "
            "learned rate. Files ending in .parquet or .pq are Parquet (needs "
            "pyarrow); anything else is CSV."
        ),
        epilog="example: skdvaan resample loans.csv --target default "
        "-o loans_balanced.csv --random-state 0",
    )
    res.add_argument("input", metavar="INPUT", help="CSV or Parquet file to read")
    res.add_argument("--target", required=True, metavar="COLUMN", help="class column")
    res.add_argument(
        "-o", "--output", required=True, help="file to write; never the input file"
    )
    res.add_argument(
        "--sampling-strategy",
        default="auto",
        metavar="STRATEGY",
        help="which classes to grow: 'auto' (= 'not majority'), 'minority', "
        "'not minority', 'not majority', 'all'; a float in (0, 1], the wanted "
        "minority/majority ratio (two classes only); or a JSON object mapping "
        "labels to the wanted row count after resampling, e.g. '{\"yes\": 500}' "
        "(default: auto)",
    )
    res.add_argument(
        "--random-state", type=int, metavar="N", help="seed, for reproducible output"
    )
    res.add_argument(
        "--max-iter",
        type=int,
        default=200,
        metavar="N",
        help="maximum training epochs of the DVAAN model (default: 200)",
    )
    res.add_argument(
        "--force", action="store_true", help="overwrite OUTPUT if it exists"
    )
    res.add_argument("--verbose", action="store_true", help="show training progress")
    res.set_defaults(func=_run_resample)
    return parser


# --------------------------------------------------------------------- resample


def _is_parquet(path):
    return path.suffix.lower() in PARQUET_SUFFIXES


def _require_pyarrow(path):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise CLIError(
            f"{path} is a Parquet file, which needs pyarrow: pip install pyarrow "
            "(or use a .csv file)"
        ) from None


def _check_seed(seed):
    # NumPy's RandomState takes 0 to 2**32 - 1; checked here, before the data
    # are read or anything trains.
    if seed is not None and not 0 <= seed <= 2**32 - 1:
        raise CLIError(
            f"--random-state must be an integer from 0 to {2**32 - 1}, got {seed}"
        )


def _plain(value):
    # NumPy scalars print as np.int64(0) in f"{x!r}"; messages show plain 0.
    import numpy as np

    return value.item() if isinstance(value, np.generic) else value


def _parse_strategy(text):
    if text in STRATEGY_NAMES:
        return text
    try:
        ratio = float(text)
    except ValueError:
        pass
    else:
        if not 0 < ratio <= 1:
            raise CLIError(
                f"--sampling-strategy {text} must lie in (0, 1]: the wanted ratio "
                "of minority to majority rows"
            )
        return ratio
    if text.lstrip().startswith("{"):
        try:
            counts = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CLIError(f"--sampling-strategy is not valid JSON: {exc}") from None
        if not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for v in counts.values()
        ):
            raise CLIError(
                "--sampling-strategy JSON values must be non-negative integers "
                "(the wanted rows per class), got " + text
            )
        return counts
    raise CLIError(
        f"invalid --sampling-strategy {text!r}; use auto, minority, 'not minority', "
        "'not majority', all, a float in (0, 1] or a JSON object such as "
        "'{\"yes\": 500}'"
    )


def _check_paths(args):
    """Every path check, before anything slow runs."""
    src, dst = Path(args.input), Path(args.output)
    if not src.is_file():
        what = "is a directory" if src.is_dir() else "does not exist"
        raise CLIError(f"input file {src} {what}")
    if dst.resolve() == src.resolve() or (dst.exists() and dst.samefile(src)):
        raise CLIError(
            f"output {dst} is the input file; skdvaan never overwrites its input "
            "(not even with --force): choose another output path"
        )
    from ._base import write_target

    target, atomic = write_target(dst)
    # A FIFO or device (-o /dev/stdout) is written as it is: no directory of
    # its own to write in, and nothing a rename could replace.
    if atomic and not dst.is_dir():
        parent = Path(target).parent if dst.is_symlink() else dst.parent
        if not parent.is_dir():
            raise CLIError(f"output directory {parent} does not exist; create it first")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise CLIError(f"output directory {parent} is not writable")
    if dst.is_dir():
        raise CLIError(f"output {dst} is a directory; give a file name")
    if atomic and dst.exists() and not args.force:
        raise CLIError(f"output {dst} exists; pass --force to overwrite it")
    for path in (src, dst):
        if _is_parquet(path):
            _require_pyarrow(path)
    return src, dst


def _read_table(path):
    import pandas as pd

    try:
        if _is_parquet(path):
            return _parquet_columns(pd.read_parquet(path), path)
        # pandas renames a repeated name (a, a -> a, a.1), and the written
        # table would not keep the input's names: read the header as it is.
        header = pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0]
        df = pd.read_csv(path)
    except (ValueError, OSError, IndexError) as exc:
        kind = "Parquet" if _is_parquet(path) else "CSV"
        raise CLIError(f"cannot read {path} as {kind}: {_one_line(exc)}") from None
    repeated = sorted({n for n in header.tolist() if (header == n).sum() > 1})
    if repeated:
        raise CLIError(
            f"{path} repeats the column name(s) {', '.join(map(str, repeated))}; "
            "give every column its own name"
        )
    return df


def _parquet_columns(df, path):
    """Every named column of a Parquet file as a column, in the file's order.

    pandas restores the index a frame was saved with (``df.set_index("id")
    .to_parquet(...)``): written back with ``index=False`` that column would
    be lost. It is a column of the table like the others.
    """
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    # Named index levels stored as columns; an unnamed index is row labels
    # only (pandas' __index_level_0__, or a range kept as metadata).
    levels = [n for n in df.index.names if n is not None and str(n) in names]
    if not levels:
        return df
    df = df.reset_index(level=levels)
    if df.index.nlevels == 1 and df.index.name is None:
        df = df.reset_index(drop=True)
    order = [n for n in names if n in df.columns]
    return df[order + [c for c in df.columns if c not in order]]


def _check_table(df, target):
    if len(df) == 0:
        raise CLIError("the file has no rows")
    names = [str(c) for c in df.columns]
    if target not in names:
        raise CLIError(
            f"target column {target!r} is not in the file; its columns are: "
            + ", ".join(names)
        )
    target = df.columns[names.index(target)]
    features = [c for c in df.columns if c != target]
    if not features:
        raise CLIError(f"the file holds only the target column {target!r}")
    n_missing = int(df[target].isna().sum())
    if n_missing:
        raise CLIError(
            f"target column {target!r} has {n_missing} missing values; drop or "
            "label those rows first"
        )
    labels = df[target].unique()
    if len(labels) < 2:
        raise CLIError(
            f"target column {target!r} holds one class only "
            f"({_plain(labels[0])!r}); "
            "resampling needs at least two classes"
        )
    empty = [str(c) for c in features if df[c].isna().all()]
    if empty:
        raise CLIError(
            "feature columns with no values at all: "
            + ", ".join(empty)
            + "; drop them first"
        )
    return target, features


def _strategy_for_labels(strategy, labels):
    """JSON keys are strings: map them onto the target's labels."""
    if not isinstance(strategy, dict):
        return strategy
    by_text = {str(label): label for label in labels}
    unknown = [key for key in strategy if key not in by_text]
    if unknown:
        raise CLIError(
            f"--sampling-strategy names unknown classes {unknown}; the classes are: "
            + ", ".join(sorted(by_text))
        )
    return {by_text[key]: n for key, n in strategy.items()}


def _write_table(df, path):
    from ._base import write_target

    # Write beside the target (through a symbolic link), then rename: a
    # failed run leaves no half file. The temporary name ends like the real
    # one, so pandas infers the same compression (.csv.gz) from it. A FIFO
    # or device is written directly.
    target, atomic = write_target(path)
    target = Path(target)
    tmp = target.with_name(f".skdvaan-{os.getpid()}-{target.name}")
    out = tmp if atomic else target
    try:
        if _is_parquet(path):
            df.to_parquet(out, index=False)
        else:
            df.to_csv(out, index=False)
        if atomic:
            os.replace(tmp, target)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {path}: {_one_line(exc)}") from None
    finally:
        if atomic:
            tmp.unlink(missing_ok=True)


def _print_warnings(caught):
    for text in dict.fromkeys(
        f"{w.category.__name__}: {_one_line(w.message)}" for w in caught
    ):
        print(f"{PROG}: warning: {text}", file=sys.stderr)


def _run_resample(args):
    strategy = _parse_strategy(args.sampling_strategy)
    if args.max_iter < 1:
        raise CLIError(f"--max-iter must be at least 1, got {args.max_iter}")
    _check_seed(args.random_state)
    src, dst = _check_paths(args)
    df = _read_table(src)
    target, features = _check_table(df, args.target)

    import numpy as np
    import pandas as pd

    from . import DVAANClassifier, DVAANSampler

    y = df[target].to_numpy()
    sampler = DVAANSampler(
        sampling_strategy=_strategy_for_labels(strategy, np.unique(y)),
        estimator=DVAANClassifier(max_iter=args.max_iter, verbose=args.verbose),
        random_state=args.random_state,
    )
    print(
        f"training DVAAN on {len(df)} rows x {len(features)} features "
        f"(max_iter={args.max_iter}) ...",
        flush=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            X_res, y_res = sampler.fit_resample(df[features], y)
        except (ValueError, TypeError) as exc:
            raise CLIError(_one_line(exc)) from None
    _print_warnings(caught)

    # DVAANSampler returns the original rows first and the new ones in the
    # input's dtypes (integers rounded and in range, categories seen in the
    # class); only the new rows are appended, so the input rows are written
    # back exactly as read.
    n = len(df)
    new = X_res.iloc[n:].reset_index(drop=True)
    new[target] = pd.Series(y_res[n:]).astype(df[target].dtype)
    out = pd.concat([df, new[list(df.columns)]], ignore_index=True)
    _write_table(out, dst)

    before, after = Counter(y.tolist()), Counter(y_res.tolist())
    width = max(len(str(label)) for label in [*after, "class"]) + 2
    print(f"class counts in column {target!r}:")
    print(f"  {'class':<{width}}{'before':>8}{'after':>8}")
    for label in sorted(after, key=str):
        print(f"  {str(label):<{width}}{before[label]:>8}{after[label]:>8}")
    print(f"wrote {len(out)} rows ({len(out) - n} generated) to {dst}")
    return 0


# ------------------------------------------------------------------------- demo


def _demo_datasets(quick, seed):
    """Bundled scikit-learn data made imbalanced; the minority class is 1."""
    from sklearn.datasets import load_breast_cancer, load_digits

    from .datasets import make_imbalance_pair

    # Label 0 is malignant: keep every benign sample and 1 malignant per 10.
    X, y = make_imbalance_pair(
        *load_breast_cancer(return_X_y=True), 0, 1, ratio=0.1, random_state=seed
    )
    sets = [("breast cancer, malignant vs benign 1:10", X, y)]
    if not quick:
        # 8 is the digit most often confused with others (3, 5, 9, 1).
        X, y = make_imbalance_pair(
            *load_digits(return_X_y=True), 8, "rest", ratio=0.02, random_state=seed
        )
        sets.append(("digits, 8 vs rest 1:50", X, y))
    return sets


def _demo_methods(quick, seed):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline as pipe
    from sklearn.linear_model import LogisticRegression as LogReg
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler as Scaler

    from . import DVAANClassifier, DVAANSampler

    epochs = 5 if quick else 200
    # The MLPs get DVAAN's default hidden layers, for a like-for-like network.
    mlp = {"hidden_layer_sizes": (128, 64), "max_iter": epochs, "random_state": seed}
    sampler = DVAANSampler(
        estimator=DVAANClassifier(max_iter=epochs), random_state=seed
    )
    return [
        ("DVAANClassifier", DVAANClassifier(max_iter=epochs, random_state=seed)),
        (
            "MLP + RandomOverSampler",
            pipe(Scaler(), RandomOverSampler(random_state=seed), MLPClassifier(**mlp)),
        ),
        ("MLP, no treatment", pipe(Scaler(), MLPClassifier(**mlp))),
        (
            "LogReg, class_weight=balanced",
            pipe(Scaler(), LogReg(class_weight="balanced", max_iter=1000)),
        ),
        ("LogReg + DVAANSampler", pipe(Scaler(), sampler, LogReg(max_iter=1000))),
    ]


def _format_score(values):
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{values.mean():.3f} ± {values.std():.3f}"


def _evaluate(name, X, y, cv, methods, keep_model):
    """Print one data set's table; return the first split's DVAAN model."""
    from sklearn.model_selection import cross_validate
    from tqdm.auto import tqdm

    print(
        f"\n{name}: {len(y)} samples ({int(y.sum())} minority), {X.shape[1]} features",
        flush=True,
    )
    rows, model = [_HEADER], None
    # On stderr, and only on a terminal (disable=None): redirected output
    # (2>&1 into a file or a pipe) gets the tables without bar residue.
    bar = tqdm(methods, desc=name, unit="method", leave=False, disable=None)
    for label, est in bar:
        keep = keep_model and label == "DVAANClassifier"
        res = cross_validate(
            est,
            X,
            y,
            cv=cv,
            scoring=("roc_auc", "average_precision"),
            return_estimator=keep,
            error_score="raise",
        )
        model = res["estimator"][0] if keep else model
        roc, ap = res["test_roc_auc"], res["test_average_precision"]
        fit_s = f"{res['fit_time'].mean():.2f}"
        rows.append((label, _format_score(roc), _format_score(ap), fit_s))
    w = [max(len(row[i]) for row in rows) for i in range(4)]
    for a, b, c, d in rows:
        print(f"  {a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d:>{w[3]}}", flush=True)
    return model


def _make_output_dir(path, create):
    """Check (and with ``create``, make) the plot folder before any training."""
    try:
        if path.exists() and not path.is_dir():
            raise CLIError(f"--output-dir {path} exists and is not a folder")
        # Path("a/b").parents ends with "." and an absolute path's with "/".
        nearest = next(p for p in (path, *path.parents) if p.exists())
        if not nearest.is_dir():
            raise CLIError(
                f"--output-dir {path} cannot be created: {nearest} is a file, "
                "not a folder"
            )
        if not create:
            return
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # e.g. under /proc, or a dangling link: what mkdir would meet after
        # the training.
        reason = exc.strerror or _one_line(exc)
        raise CLIError(f"cannot create --output-dir {path}: {reason}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise CLIError(f"--output-dir {path} is not writable")


def _run_demo(args):
    out_dir = Path(args.output_dir)
    _check_seed(args.random_state)
    have_mpl = importlib.util.find_spec("matplotlib") is not None
    # Created now, not after the minutes of training the plots come after.
    _make_output_dir(out_dir, create=have_mpl)

    import torch
    from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit
    from threadpoolctl import threadpool_limits

    seed = args.random_state
    if args.quick:
        cv = StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=seed)
        how = "one stratified 70/30 split, 5 epochs (--quick)"
    else:
        cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        how = "5-fold stratified cross-validation, mean ± std over folds"
    print(f"{PROG} demo: ROC-AUC and PR-AUC (average precision) from {how}")

    # The demo's networks are tiny: thread pools cost more than they save
    # (several times slower with 2 threads on a busy 2-core machine).
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with (
            threadpool_limits(limits=1),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            model = None
            for name, X, y in _demo_datasets(args.quick, seed):
                methods = _demo_methods(args.quick, seed)
                found = _evaluate(name, X, y, cv, methods, keep_model=model is None)
                if model is None and found is not None:
                    model, data = found, (X, y)
            if have_mpl and model is not None:
                try:
                    _demo_plots(model, *data, out_dir, seed)
                except OSError as exc:  # removed meanwhile, or the disk is full
                    msg = f"cannot write the plots to {out_dir}: {_one_line(exc)}"
                    raise CLIError(msg) from None
    finally:
        torch.set_num_threads(n_threads)

    counts = Counter(w.category.__name__ for w in caught)
    if counts:
        found = ", ".join(f"{n} x {c}" for c, n in sorted(counts.items()))
        print(f"\nwarnings during the fits: {found}")
    if not have_mpl:
        print("\nplots skipped: they need matplotlib (pip install skdvaan[plot])")
    elif model is not None:
        print(f"\nplots of the first DVAAN model in {out_dir.resolve()}:")
        print("  " + ", ".join(DEMO_PLOTS))
    return 0


_HEADER = ("method", "ROC-AUC", "PR-AUC", "fit s")


def _save_scatter(path, title, layers):
    from matplotlib.figure import Figure  # draws with Agg; no pyplot state

    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.add_subplot()
    for points, style in layers:
        ax.scatter(*points.T, **style)
    ax.set(title=title, xlabel="PC 1", ylabel="PC 2")
    ax.legend()
    fig.savefig(path, dpi=100)


def _demo_plots(clf, X, y, out_dir, seed):
    """Latent codes, the learned mu, and generated samples of one model."""
    import numpy as np
    from matplotlib.figure import Figure
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    real = [
        {"s": 12, "alpha": 0.6, "c": "tab:blue", "label": "majority (0)"},
        {"s": 12, "alpha": 0.6, "c": "tab:orange", "label": "minority (1)"},
    ]

    # latent.png: encoder means, projected to 2-D when the latent space is larger.
    Z, means = clf.encode(X), clf.latent_means_
    if Z.shape[1] > 2:
        pca = PCA(n_components=2, random_state=seed).fit(Z)
        Z, means = pca.transform(Z), pca.transform(means)
    means_style = {"marker": "X", "s": 200, "c": ["tab:blue", "tab:orange"]}
    means_style.update(edgecolors="k", label="class means (latent_means_)")
    _save_scatter(
        out_dir / "latent.png",
        "DVAAN latent codes (encode), first 2 PCA components",
        [(Z[y == 0], real[0]), (Z[y == 1], real[1]), (means, means_style)],
    )

    # mu.png: the paper's Fig. 4, the learned distance scale of the prior.
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(np.arange(1, len(clf.mu_curve_) + 1), clf.mu_curve_, marker=".")
    ax.set(title="learned mu per epoch (mu_curve_)", xlabel="epoch", ylabel="mu")
    fig.savefig(out_dir / "mu.png", dpi=100)

    # boundary_samples.png: generated minority samples next to the real data.
    n_new = max(50, int(y.sum()))
    layers = [(X[y == 0], real[0]), (X[y == 1], real[1])]
    for kind, style in [
        ("boundary", {"marker": "^", "c": "tab:red"}),
        ("core", {"marker": "s", "c": "tab:green", "alpha": 0.6}),
    ]:
        X_new, _ = clf.sample(n_new, target_class=1, kind=kind, random_state=seed)
        layers.append((X_new, {"s": 18, "label": f"generated, kind={kind!r}", **style}))
    proj = make_pipeline(StandardScaler(), PCA(n_components=2, random_state=seed))
    proj.fit(X)
    _save_scatter(
        out_dir / "boundary_samples.png",
        "real and generated samples, PCA of the real data",
        [(proj.transform(points), style) for points, style in layers],
    )


if __name__ == "__main__":
    sys.exit(main())
