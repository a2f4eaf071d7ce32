"""DVAANClassifier with its defaults against common baselines on tabular data.

Issue 3 ("good defaults"): repeated stratified cross-validation on imbalanced
binary tasks built from data that ships with scikit-learn (see
``_common.tabular_datasets``), ROC AUC, PR AUC (average precision) and fit
time for

* ``DVAAN``: ``DVAANClassifier(random_state=seed)``, nothing else set;
* ``MLP+ROS``: StandardScaler, RandomOverSampler, MLPClassifier (defaults);
* ``MLP``: StandardScaler, MLPClassifier (defaults), no treatment;
* ``LogReg bal``: StandardScaler, LogisticRegression(class_weight="balanced");
* ``HGB bal``: HistGradientBoostingClassifier(class_weight="balanced");
* ``D weighted``, ``D balanced batches``, ``D+ROS``, ``D+SMOTE``: DVAAN's
  discriminator alone with the same budget (``_baselines.PlainNet``), the
  same-backbone baselines.

It ends with DVAAN's win/tie/loss against MLP+ROS per data set (Nadeau-Bengio
corrected resampled t-test on the paired fold scores, alpha 0.05).

    python benchmarks/bench_tabular.py --quick
    python benchmarks/bench_tabular.py
    python benchmarks/bench_tabular.py --methods DVAAN MLP+ROS --name variants \
        --dvaan-variants '[{"class_weight": null}]'
"""

import _common
import numpy as np
from _baselines import PlainNet
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdvaan import DVAANClassifier

SCORING = {"roc_auc": "roc_auc", "pr_auc": "average_precision"}


def methods(seed, variants=()):
    """``name -> estimator`` of every compared method."""
    out = {
        "DVAAN": DVAANClassifier(random_state=seed),
        "MLP+ROS": make_pipeline(
            StandardScaler(),
            RandomOverSampler(random_state=seed),
            MLPClassifier(random_state=seed),
        ),
        "MLP": make_pipeline(StandardScaler(), MLPClassifier(random_state=seed)),
        # max_iter raised from 100 so that lbfgs convergence is not the story.
        "LogReg bal": make_pipeline(
            StandardScaler(),
            LogisticRegression(class_weight="balanced", max_iter=1000),
        ),
        "HGB bal": HistGradientBoostingClassifier(
            class_weight="balanced", random_state=seed
        ),
        # DVAAN's discriminator alone, same training budget (see _baselines).
        "D weighted": PlainNet("weighted", random_state=seed),
        "D balanced batches": PlainNet("balanced_batches", random_state=seed),
        "D+ROS": PlainNet("ros", random_state=seed),
        "D+SMOTE": PlainNet("smote", random_state=seed),
    }
    out.update(_common.dvaan_variants(seed, variants))
    return out


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()  # at the start: load average
    n_splits, n_repeats = (3, 1) if args.quick else (args.folds, args.repeats)
    variants = _common.variant_params(args)
    data = _common.tabular_datasets(
        args.seed, quick=args.quick, large=args.large, mc_rows=args.mc_rows
    )
    if args.datasets:
        data = [d for d in data if any(s in d[0] for s in args.datasets)]
    records, rows = [], []
    for name, X, y in data:
        cv = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=args.seed
        )
        for method, est in methods(args.seed, variants).items():
            is_variant = method.startswith("DVAAN ")  # always run when asked for
            if args.methods and method not in args.methods and not is_variant:
                continue
            t = _common.Timer()
            with _common.WarningCounter() as wc:
                res = cross_validate(
                    est, X, y, cv=cv, scoring=SCORING, error_score="raise"
                )
            rec = {
                "dataset": name,
                "n": int(X.shape[0]),
                "n_features": int(X.shape[1]),
                "n_minority": int(y.sum()),
                "ratio": _common.ratio_label(y),
                "method": method,
                "roc_auc": res["test_roc_auc"].tolist(),
                "pr_auc": res["test_pr_auc"].tolist(),
                "fit_time": res["fit_time"].tolist(),
                "warnings": wc.counts(),
                "warning_messages": wc.messages(),
                "wall_s": round(t(), 1),
            }
            records.append(rec)
            rows.append(
                {
                    "dataset": name,
                    "n": rec["n"],
                    "ratio": rec["ratio"],
                    "method": method,
                    "ROC AUC": _common.fmt_mean_std(rec["roc_auc"]),
                    "PR AUC": _common.fmt_mean_std(rec["pr_auc"]),
                    "fit s": f"{np.mean(rec['fit_time']):.2f}",
                    "warnings": _common.format_warnings(rec["warnings"]),
                }
            )
            print(rows[-1], flush=True)
    summary = summarise(records, n_splits)
    variant_summary = summarise(records, n_splits, reference="DVAAN", prefix="DVAAN ")
    tables = [
        (
            f"Repeated stratified CV ({n_splits}-fold x {n_repeats})",
            _common.markdown_table(rows),
        ),
        (
            "DVAAN vs MLP+ROS (corrected resampled t-test, alpha 0.05)",
            _common.markdown_table(summary),
        ),
    ]
    if variant_summary:
        tables.append(
            (
                "DVAAN variants vs DVAAN with its defaults (same folds, corrected "
                "resampled t-test, alpha 0.05)",
                _common.markdown_table(variant_summary),
            )
        )
    notes = [
        "Scores are mean ± std over the folds; `fit s` is the mean fit time per "
        "fold (from `cross_validate`); `warnings` counts the warnings raised in "
        "all folds (e.g. ConvergenceWarning).",
    ]
    _common.write_results(
        args.name,
        args,
        tables=tables,
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=notes,
    )


def summarise(records, n_splits, reference="MLP+ROS", prefix="DVAAN"):
    """Win/tie/loss of every ``prefix`` entry against ``reference``, per data set."""
    by_key = {(r["dataset"], r["method"]): r for r in records}
    rows = []
    totals = {}
    for (dataset, method), rec in by_key.items():
        ref = by_key.get((dataset, reference))
        if not method.startswith(prefix) or method == reference or ref is None:
            continue
        row = {"dataset": dataset, "method": method}
        for metric, label in (("roc_auc", "AUC"), ("pr_auc", "PR AUC")):
            diffs = np.subtract(rec[metric], ref[metric])
            mean, p = _common.corrected_ttest(diffs, 1.0 / n_splits)
            v = _common.verdict(mean, p)
            row[f"Δ{label}"] = f"{mean:+.3f}"
            row[f"p ({label})"] = f"{p:.3f}"
            row[f"{label} vs {reference}"] = v
            totals.setdefault((method, label), []).append(v)
        rows.append(row)
    for (method, label), verdicts in totals.items():
        rows.append(
            {
                "dataset": "TOTAL win/tie/loss",
                "method": f"{method} ({label})",
                f"{label} vs {reference}": "/".join(
                    str(verdicts.count(v)) for v in _common.VERDICTS
                ),
            }
        )
    return rows


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    _common.add_cv_arguments(parser)
    _common.add_method_arguments(parser, "bench_tabular")
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
