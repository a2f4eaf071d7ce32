"""Boundary and memorisation report of DVAAN's generated samples.

Issue 4.7: ``skdvaan.diagnostics.boundary_report`` on two fitted models,
breast_cancer with the malignant class at 1:10 (tabular, defaults) and
MNIST 5 vs 6 at 1:20 (images, light conv backbone). For the minority class
it compares real training samples, ``kind="boundary"`` and ``kind="core"``
generated samples: the discriminator's probability of the minority class
(boundary samples should sit nearer 0.5) and the distance to the nearest
real minority sample (copies of training rows would show as distance 0).

    python benchmarks/bench_diagnostics.py --quick
    python benchmarks/bench_diagnostics.py --plot
"""

import re
import warnings

import _common
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from skdvaan import DVAANClassifier
from skdvaan.diagnostics import boundary_report, plot_boundary_report
from skdvaan.exceptions import BoundarySamplingWarning


def _report(name, clf, X, y, args, records, tables):
    t = _common.Timer()
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always", BoundarySamplingWarning)
        report = boundary_report(
            clf, X, y, n_samples=args.n_samples, random_state=args.seed
        )
    fallback = [str(w.message) for w in log if w.category is BoundarySamplingWarning]
    elapsed = t()
    title = (
        f"{name}: n={len(y)}, minority={int(y.sum())}, epochs={clf.n_iter_}, "
        f"final mu={clf.mu_curve_[-1]:.2f}"
    )
    md = _frame_table(report)
    if fallback:
        md += "\nBoundarySamplingWarning: " + " / ".join(fallback) + "\n"
    tables.append((title, md))
    records.append(
        {
            "data": name,
            "report": report.reset_index(names="source").to_dict(orient="records"),
            "real_nn_dist_median": report.attrs["real_nn_dist_median"],
            "boundary_fallback_warnings": fallback,
            "report_s": elapsed,
            "epochs": clf.n_iter_,
        }
    )
    if args.plot:
        import matplotlib.pyplot as plt

        ax = plot_boundary_report(report)
        ax.set_title(name)
        stem = re.sub(r"[^A-Za-z0-9]+", "_", name.split(" (")[0]).strip("_")
        path = (
            args.out / f"bench_diagnostics_{stem}{'_quick' if args.quick else ''}.png"
        )
        ax.figure.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(ax.figure)
        print(f"Wrote {path}")
    print(title)
    print(md, flush=True)


def _frame_table(report):
    rows = [
        {"source": name, **{k: _fmt(v) for k, v in row.items()}}
        for name, row in report.iterrows()
    ]
    return _common.markdown_table(rows)


def _fmt(v):
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) >= 1 else f"{v:.3g}"


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()  # at the start: load average
    records, tables = [], []

    X, y = load_breast_cancer(return_X_y=True)
    X, y = _common._subsample_minority(X, y, 0, 0.1, args.seed)
    with _common.WarningCounter():
        clf = DVAANClassifier(random_state=args.seed).fit(X, y)
    _report("breast_cancer malignant 1:10 (defaults)", clf, X, y, args, records, tables)

    from skdvaan.datasets import load_paper_pair

    try:
        Xi, yi = load_paper_pair("mnist", ratio=0.05, random_state=args.seed)
    except FileNotFoundError as exc:
        print("MNIST skipped:", str(exc).splitlines()[0])
    else:
        n = 400 if args.quick else 2000
        Xi, _, yi, _ = train_test_split(
            Xi, yi, train_size=n, stratify=yi, random_state=args.seed
        )
        epochs = 3 if args.quick else 20
        with _common.WarningCounter():
            clf = DVAANClassifier(
                input_shape=(1, 28, 28), max_iter=epochs, random_state=args.seed
            ).fit(Xi, yi)
        _report(
            f"MNIST 5 vs 6 1:20 (max_iter={epochs})", clf, Xi, yi, args, records, tables
        )

    notes = [
        "Rows: real minority training samples, then generated ones. `proba_*`: the "
        "discriminator's probability of the minority class; `nn_dist_*`: distance to "
        "the nearest real minority training sample in the model's scaled space "
        "(standardised features / pixels in [0, 1]); `frac_closer_than_real_median`: "
        "share of samples closer to a real one than the median real-to-real "
        "nearest-neighbour distance; `n_exact_copies`: distance <= 1e-6.",
    ]
    _common.write_results(
        "bench_diagnostics",
        args,
        tables=tables,
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=notes,
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=500)
    parser.add_argument("--plot", action="store_true", help="save one PNG per report")
    args = parser.parse_args()
    if args.quick:
        args.n_samples = min(args.n_samples, 200)
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
