"""Are DVAANClassifier's probabilities usable as probabilities? Measured.

Issue 9, item 6. On the offline tabular tasks of ``_common.tabular_datasets``,
out-of-fold probabilities from stratified 5-fold CV for

* ``DVAAN``: ``DVAANClassifier(random_state=seed)``, whose ``predict_proba``
  reports the class prior seen in fit (prior shift, and Platt's temperature
  and bias fitted on the validation split when there is one; below 1,000
  rows, without one, the bias alone, fitted on the training rows);
* ``DVAAN T=1``: the same models without the validation temperature (the
  prior shift with Platt's bias alone; below 1,000 rows ``temperature_`` is
  1 anyway, so this row equals ``DVAAN`` there);
* ``DVAAN balanced``: the same models' ``class_prior="balanced"`` view, the
  discriminator's own (uncalibrated), what ``predict_proba`` reported before
  calibration;
* ``DVAAN_a``: ``DVAANClassifier(augmentation_ratio=0)``, the same model
  trained without boundary samples, its default ``predict_proba`` (what
  ``D+`` does to the probabilities);
* ``DVAAN + CalibratedClassifierCV``: scikit-learn's sigmoid calibration
  around the default model (cv=3), on the sets under 2,000 rows (it fits
  three more models per fold);
* ``HGB``: HistGradientBoostingClassifier, no class weights (the usual
  well-calibrated reference).

Reported: the mean predicted minority probability over the base rate (target
0.5 to 1.5), the Brier score and its ratio to HGB's (target at most 1.2), log
loss and ROC AUC. A reliability diagram per data set goes to
``results/<name>.png``.

    python benchmarks/bench_calibration.py --quick
    python benchmarks/bench_calibration.py
    python benchmarks/bench_calibration.py --quick --seeds 0 1 2 --no-cccv

With several ``--seeds`` (each one draws its own subsamples and
make_classification set, folds and models) a second table gives each
method's mean over the seeds; the figure shows the first seed. ``--mixed``
measures the six real mixed-type tables of ``bench_mixed.py`` instead (the
benchmarks extra; with ``--quick`` the two large ones subsampled to 2,000
rows as there), with ``HGB`` the native-categorical gradient boosting of
that benchmark:

    python benchmarks/bench_calibration.py --quick --mixed --no-cccv

``--params`` (a JSON dict) sets DVAANClassifier parameters of every DVAAN
row (``DVAAN_a`` keeps ``augmentation_ratio=0``), to measure a variant
against a run without it on the same seeds and folds.
"""

import json
import warnings

import _common
import numpy as np
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from skdvaan import DVAANClassifier


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def _hgb(seed, mixed):
    if not mixed:
        return HistGradientBoostingClassifier(random_state=seed)
    from bench_mixed import Harmonise, hgb
    from sklearn.pipeline import make_pipeline

    return make_pipeline(Harmonise(), hgb(seed))


def oof_probabilities(X, y, seed, with_cccv, params=None):
    """Out-of-fold minority probabilities of every method, as a dict."""
    params = params or {}
    mixed = hasattr(X, "iloc")
    methods = ["DVAAN", "DVAAN T=1", "DVAAN balanced", "DVAAN_a", "HGB"]
    out = {method: [] for method in methods}
    if with_cccv:
        out["DVAAN + CalibratedClassifierCV"] = []
    idx = []
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    for tr, te in cv.split(X, y):
        idx.append(te)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X_tr, y_tr, X_te = _rows(X, tr), y[tr], _rows(X, te)
            dv = DVAANClassifier(random_state=seed, **params).fit(X_tr, y_tr)
            out["DVAAN"].append(dv.predict_proba(X_te)[:, 1])
            temperature = dv.temperature_
            dv.temperature_ = 1.0  # what the validation temperature buys
            out["DVAAN T=1"].append(dv.predict_proba(X_te)[:, 1])
            dv.temperature_ = temperature
            dv.set_params(class_prior="balanced")
            out["DVAAN balanced"].append(dv.predict_proba(X_te)[:, 1])
            dv_a = DVAANClassifier(
                random_state=seed, **{**params, "augmentation_ratio": 0.0}
            )
            out["DVAAN_a"].append(dv_a.fit(X_tr, y_tr).predict_proba(X_te)[:, 1])
            hgb = _hgb(seed, mixed).fit(X_tr, y_tr)
            out["HGB"].append(hgb.predict_proba(X_te)[:, 1])
            if with_cccv:
                cc = CalibratedClassifierCV(
                    clone(DVAANClassifier(random_state=seed, **params)),
                    method="sigmoid",
                    cv=3,
                ).fit(X_tr, y_tr)
                out["DVAAN + CalibratedClassifierCV"].append(
                    cc.predict_proba(X_te)[:, 1]
                )
    order = np.concatenate(idx)
    return {k: _reorder(np.concatenate(v), order) for k, v in out.items()}


def _reorder(p, order):
    res = np.empty_like(p)
    res[order] = p
    return res


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()
    seeds = args.seeds if args.seeds else [args.seed]
    params = json.loads(args.params) if args.params else {}
    records, rows, curves = [], [], {}
    for seed in seeds:
        if args.mixed:
            import _mixed_data

            data = _mixed_data.load_mixed_tables(seed, quick=args.quick)
        else:
            data = _common.tabular_datasets(seed, quick=args.quick)
        if args.datasets:
            data = [d for d in data if any(s in d[0] for s in args.datasets)]
        for name, X, y in data:
            with_cccv = not args.no_cccv and len(y) < 2000
            probs = oof_probabilities(X, y, seed, with_cccv=with_cccv, params=params)
            if seed == seeds[0]:
                curves[name] = (y, probs)
            _score(name, seed, y, probs, records, rows, several=len(seeds) > 1)
    tables = [("Out-of-fold probabilities, 5-fold CV", _common.markdown_table(rows))]
    if len(seeds) > 1:
        tables.append(
            (
                f"Mean over seeds {', '.join(map(str, seeds))}",
                _common.markdown_table(_seed_means(records)),
            )
        )
    _plot(curves, args)
    _common.write_results(
        args.name,
        args,
        tables=tables,
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=[
            "Targets (issue 9): mean p / base rate in [0.5, 1.5] and Brier / HGB "
            "at most 1.2 for `DVAAN` (the default predict_proba).",
        ],
    )


def _score(name, seed, y, probs, records, rows, *, several):
    """One record and one table row per method of one data set and seed."""
    brier_ref = brier_score_loss(y, probs["HGB"])
    for method, p in probs.items():
        rec = {
            "dataset": name,
            "seed": seed,
            "method": method,
            "base_rate": float(y.mean()),
            "mean_p_over_base": float(p.mean() / y.mean()),
            "brier": float(brier_score_loss(y, p)),
            "brier_over_hgb": float(brier_score_loss(y, p) / brier_ref),
            "log_loss": float(log_loss(y, np.clip(p, 1e-12, 1 - 1e-12))),
            "roc_auc": float(roc_auc_score(y, p)),
        }
        records.append(rec)
        rows.append(
            {
                "dataset": name,
                **({"seed": seed} if several else {}),
                "method": method,
                "base rate": f"{rec['base_rate']:.3f}",
                "mean p / base": f"{rec['mean_p_over_base']:.2f}",
                "Brier": f"{rec['brier']:.4f}",
                "Brier / HGB": f"{rec['brier_over_hgb']:.2f}",
                "log loss": f"{rec['log_loss']:.3f}",
                "ROC AUC": f"{rec['roc_auc']:.3f}",
            }
        )
        print(rows[-1], flush=True)


def _seed_means(records):
    """Each data set and method's mean over the seeds, as table rows."""
    groups = {}
    for r in records:
        groups.setdefault((r["dataset"], r["method"]), []).append(r)
    rows = []
    for (name, method), rs in groups.items():
        rows.append(
            {
                "dataset": name,
                "method": method,
                "seeds": len(rs),
                "mean p / base": f"{np.mean([r['mean_p_over_base'] for r in rs]):.2f}"
                f" ({min(r['mean_p_over_base'] for r in rs):.2f}"
                f"-{max(r['mean_p_over_base'] for r in rs):.2f})",
                "Brier / HGB": f"{np.mean([r['brier_over_hgb'] for r in rs]):.2f}"
                f" ({min(r['brier_over_hgb'] for r in rs):.2f}"
                f"-{max(r['brier_over_hgb'] for r in rs):.2f})",
                "log loss": f"{np.mean([r['log_loss'] for r in rs]):.3f}",
                "ROC AUC": f"{np.mean([r['roc_auc'] for r in rs]):.3f}",
            }
        )
    return rows


def _plot(curves, args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(curves)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.4), squeeze=False)
    for ax, (name, (y, probs)) in zip(axes[0], curves.items()):
        ax.plot([0, 1], [0, 1], color="0.7", lw=1, ls="--")
        for method, p in probs.items():
            if method in ("DVAAN T=1", "DVAAN_a"):  # the figure stays readable
                continue
            frac, mean = calibration_curve(y, p, n_bins=8, strategy="quantile")
            ax.plot(mean, frac, marker="o", ms=3, lw=1.2, label=method)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("mean predicted probability", fontsize=8)
        ax.set_ylabel("observed minority share", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    stem = args.name + ("_quick" if args.quick else "")
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / f"{stem}.png", dpi=110)
    plt.close(fig)


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument(
        "--seeds", nargs="*", type=int, help="several seeds (default: --seed alone)"
    )
    parser.add_argument(
        "--no-cccv", action="store_true", help="skip CalibratedClassifierCV (faster)"
    )
    parser.add_argument(
        "--mixed", action="store_true", help="the real mixed-type tables instead"
    )
    parser.add_argument(
        "--params", help="JSON dict of DVAANClassifier parameters for the DVAAN rows"
    )
    parser.add_argument("--name", default="bench_calibration")
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
