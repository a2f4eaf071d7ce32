"""DVAANSampler against imbalanced-learn's over-samplers, and its speed.

Issue 4.6: repeated stratified cross-validation on the offline tabular tasks
of ``_common.tabular_datasets``. In every training fold the features are
standardised, then resampled by each sampler (none, RandomOverSampler,
SMOTE, BorderlineSMOTE, ADASYN, ``DVAANSampler(random_state=seed)``), then
two classifiers are fitted on the same resampled data: LogisticRegression
(after a StandardScaler) and HistGradientBoostingClassifier. Each sampler is
fitted once per fold, so ``resample s`` is its ``fit_resample`` time and
``fit s`` adds the classifier's fit.

``--tables real`` (or ``both``) runs the same comparison on the six real
mixed-type tables of ``_mixed_data`` (Debian's R data packages; needs
``pip install skdvaan[benchmarks]``), where no sampler saturates the scores
as on the bundled sets. A practitioner's numeric encoding comes first, fitted
on the training fold: ``bench_mixed.Harmonise(fill_missing=True)`` (medians
and "missing" categories), then standardised numbers and one-hot
categories, so every sampler, SMOTE's included, gets the same numeric matrix.

Issue 4.8: ``DVAANSampler().fit_resample`` time on a few data sizes, and the
generation throughput of ``DVAANClassifier.sample(n)`` (samples per second,
on the CPU) for ``kind="boundary"`` and ``kind="core"``.

    python benchmarks/bench_sampler.py --quick
    python benchmarks/bench_sampler.py
    python benchmarks/bench_sampler.py --tables real --skip-speed \
        --name bench_sampler_real
"""

import json
import warnings

import _common
import numpy as np
from imblearn.over_sampling import (
    ADASYN,
    SMOTE,
    BorderlineSMOTE,
    RandomOverSampler,
)
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan.exceptions import BoundarySamplingWarning


def samplers(seed, variants=()):
    """The samplers compared; ``variants`` adds a DVAANSampler per parameter dict."""
    out = {
        "none": None,
        "ROS": RandomOverSampler(random_state=seed),
        "SMOTE": SMOTE(random_state=seed),
        "BorderlineSMOTE": BorderlineSMOTE(random_state=seed),
        "ADASYN": ADASYN(random_state=seed),
        "DVAANSampler": DVAANSampler(random_state=seed),
    }
    for params in variants:
        label = "DVAANSampler " + json.dumps(params, sort_keys=True)
        out[label] = DVAANSampler(
            estimator=DVAANClassifier(**params), random_state=seed
        )
    return out


def classifiers(seed):
    return {
        "LogReg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "HGB": HistGradientBoostingClassifier(random_state=seed),
    }


def encode_mixed():
    """Numeric encoding of a mixed-type frame: what SMOTE and LogReg need."""
    from bench_mixed import Harmonise, one_hot_columns

    columns = one_hot_columns(sparse_output=False)
    return make_pipeline(Harmonise(fill_missing=True), columns)


def datasets(args):
    """``[(name, X, y, encoder)]``: the bundled sets and/or the real tables."""
    data = []
    if args.tables in ("bundled", "both"):
        bundled = _common.tabular_datasets(
            args.seed, quick=args.quick, large=args.large, mc_rows=args.mc_rows
        )
        data += [(name, X, y, StandardScaler()) for name, X, y in bundled]
    if args.tables in ("real", "both"):
        import _mixed_data

        real = _mixed_data.load_mixed_tables(args.seed, quick=args.quick)
        data += [(name, X, np.asarray(y), encode_mixed()) for name, X, y in real]
    if args.datasets:
        data = [d for d in data if any(s in d[0] for s in args.datasets)]
    return data


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def cv_benchmark(args, n_splits, n_repeats):
    records = []
    for name, X, y, encoder in datasets(args):
        cv = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=args.seed
        )
        acc = {}  # (sampler, clf) -> record
        for fold, (tr, te) in enumerate(cv.split(X, y)):
            enc = clone(encoder).fit(_rows(X, tr), y[tr])
            X_tr = np.asarray(enc.transform(_rows(X, tr)), dtype=np.float64)
            X_te = np.asarray(enc.transform(_rows(X, te)), dtype=np.float64)
            for s_name, sampler in samplers(args.seed, args.variants).items():
                t = _common.Timer()
                error = None
                with _common.WarningCounter() as wc:
                    try:
                        if sampler is None:
                            X_res, y_res = X_tr, y[tr]
                        else:
                            X_res, y_res = clone(sampler).fit_resample(X_tr, y[tr])
                    except (ValueError, RuntimeError) as exc:
                        error = f"{type(exc).__name__}: {exc}"
                t_res = t()
                for c_name, clf in classifiers(args.seed).items():
                    rec = acc.setdefault(
                        (s_name, c_name),
                        {
                            "dataset": name,
                            "n": int(X.shape[0]),
                            "ratio": _common.ratio_label(y),
                            "sampler": s_name,
                            "classifier": c_name,
                            "roc_auc": [],
                            "pr_auc": [],
                            "resample_time": [],
                            "fit_time": [],
                            "n_after_resampling": [],
                            "warnings": {},
                            "warning_messages": {},
                            "errors": [],
                        },
                    )
                    for k, v in wc.counts().items():
                        rec["warnings"][k] = rec["warnings"].get(k, 0) + v
                    for k, v in wc.messages().items():
                        rec["warning_messages"].setdefault(k, v)
                    if error is not None:
                        rec["errors"].append(f"fold {fold}: {error}")
                        continue
                    t = _common.Timer()
                    model = clone(clf).fit(X_res, y_res)
                    t_fit = t()
                    score = model.predict_proba(X_te)[:, 1]
                    rec["roc_auc"].append(roc_auc_score(y[te], score))
                    rec["pr_auc"].append(average_precision_score(y[te], score))
                    rec["resample_time"].append(t_res)
                    rec["fit_time"].append(t_res + t_fit)
                    rec["n_after_resampling"].append(int(len(y_res)))
            print(f"{name}: fold {fold + 1}/{n_splits * n_repeats} done", flush=True)
        records += list(acc.values())
    rows = []
    for rec in records:
        rows.append(
            {
                "dataset": rec["dataset"],
                "n": rec["n"],
                "ratio": rec["ratio"],
                "sampler": rec["sampler"],
                "classifier": rec["classifier"],
                "ROC AUC": _common.fmt_mean_std(rec["roc_auc"]),
                "PR AUC": _common.fmt_mean_std(rec["pr_auc"]),
                "resample s": _mean_or_na(rec["resample_time"]),
                "fit s": _mean_or_na(rec["fit_time"]),
                "warnings": _common.format_warnings(rec["warnings"]),
                "failed folds": len(rec["errors"]) or "-",
            }
        )
    return records, rows


def _mean_or_na(values):
    return f"{np.mean(values):.2f}" if values else "n/a"


def speed_benchmark(args):
    """fit_resample time per size, then sample() throughput of the last model."""
    sizes = (500, 2000) if args.quick else (1000, 5000, 20000)
    fit_rows, records = [], []
    sampler = None
    for n in sizes:
        X, y = make_classification(
            n_samples=n,
            n_features=20,
            weights=[0.9],
            flip_y=0.01,
            random_state=args.seed,
        )
        sampler = DVAANSampler(random_state=args.seed)
        t = _common.Timer()
        with _common.WarningCounter() as wc:
            X_res, y_res = sampler.fit_resample(X, y)
        elapsed = t()
        est = sampler.estimator_
        rec = {
            "n": n,
            "n_generated": int(len(y_res) - n),
            "fit_resample_s": elapsed,
            "epochs": est.n_iter_,
            "early_stopping": est.validation_scores_ is not None,
            "mean_epoch_s": float(np.mean([h["time"] for h in est.history_])),
            "warnings": wc.counts(),
            "warning_messages": wc.messages(),
        }
        records.append({"part": "fit_resample", **rec})
        fit_rows.append(
            {
                "n (20 features, 1:9)": n,
                "generated": rec["n_generated"],
                "fit_resample s": f"{elapsed:.1f}",
                "epochs": rec["epochs"],
                "early stopping": rec["early_stopping"],
                "mean epoch s": f"{rec['mean_epoch_s']:.3f}",
                "warnings": _common.format_warnings(rec["warnings"]),
            }
        )
        print(fit_rows[-1], flush=True)
    est = sampler.estimator_
    gen_rows = []
    for kind in ("boundary", "core"):
        for n in (10_000, 100_000):
            est.sample(10, kind=kind, random_state=0)  # warm-up
            t = _common.Timer()
            with warnings.catch_warnings(record=True) as log:
                warnings.simplefilter("always", BoundarySamplingWarning)
                X_new, _ = est.sample(n, kind=kind, random_state=args.seed)
            elapsed = t()
            fallback = [
                str(w.message) for w in log if w.category is BoundarySamplingWarning
            ]
            rec = {
                "kind": kind,
                "n_samples": n,
                "seconds": elapsed,
                "samples_per_s": n / elapsed,
                "fallback_warning": fallback[0] if fallback else None,
                "model_trained_on": sizes[-1],
            }
            records.append({"part": "sample", **rec})
            gen_rows.append(
                {
                    "kind": kind,
                    "n": n,
                    "seconds": f"{elapsed:.2f}",
                    "samples/s": f"{n / elapsed:,.0f}",
                    "BoundarySamplingWarning": "yes" if fallback else "no",
                }
            )
            print(gen_rows[-1], flush=True)
    return records, fit_rows, gen_rows


def mean_ranks(records):
    """Per classifier: each sampler's rank by mean ROC AUC, averaged over data sets."""
    from scipy.stats import rankdata

    out = []
    for clf in dict.fromkeys(r["classifier"] for r in records):
        per = {}
        for name in dict.fromkeys(r["dataset"] for r in records):
            rs = [
                r
                for r in records
                if r["dataset"] == name and r["classifier"] == clf and r["roc_auc"]
            ]
            ranks = rankdata([-np.mean(r["roc_auc"]) for r in rs])
            for r, rank in zip(rs, ranks):
                per.setdefault(r["sampler"], []).append(rank)
        row = {"classifier": clf}
        row.update({k: f"{np.mean(v):.2f}" for k, v in per.items()})
        out.append(row)
    return out


def paired_summary(records, n_splits, rivals=("SMOTE", "BorderlineSMOTE")):
    """DVAANSampler against each rival, per data set and classifier.

    The same folds score both, so their ROC AUCs pair: mean difference and
    the Nadeau-Bengio corrected resampled t-test (``_common.corrected_ttest``).
    """
    by_key = {(r["dataset"], r["classifier"], r["sampler"]): r for r in records}
    rows = []
    for (name, clf, sampler), rec in by_key.items():
        if sampler != "DVAANSampler" or not rec["roc_auc"]:
            continue
        for rival in rivals:
            other = by_key.get((name, clf, rival))
            if other is None or len(other["roc_auc"]) != len(rec["roc_auc"]):
                continue  # failed folds: the scores no longer pair
            diffs = np.subtract(rec["roc_auc"], other["roc_auc"])
            mean, p = _common.corrected_ttest(diffs, 1.0 / n_splits)
            rows.append(
                {
                    "dataset": name,
                    "classifier": clf,
                    "against": rival,
                    "Δ ROC AUC": f"{mean:+.4f}",
                    "p": f"{p:.3f}",
                    "verdict": _common.verdict(mean, p),
                }
            )
    return rows


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()  # at the start: load average
    n_splits, n_repeats = (3, 1) if args.quick else (args.folds, args.repeats)
    records, rows = [], []
    if not args.skip_cv:
        records, rows = cv_benchmark(args, n_splits, n_repeats)
    speed_records, fit_rows, gen_rows = [], [], []
    if not args.skip_speed:
        speed_records, fit_rows, gen_rows = speed_benchmark(args)
    tables = []
    if rows:
        tables.append(
            (
                f"Samplers in front of two classifiers, repeated stratified CV "
                f"({n_splits}-fold x {n_repeats})",
                _common.markdown_table(rows),
            )
        )
    if records:
        tables.append(
            (
                "Mean rank of each sampler by ROC AUC (1 is best; ties share "
                "the mean rank), over the data sets",
                _common.markdown_table(mean_ranks(records)),
            )
        )
        tables.append(
            (
                "DVAANSampler minus SMOTE and Borderline-SMOTE, ROC AUC on the "
                "same folds (Nadeau-Bengio corrected resampled t-test, alpha "
                "0.05)",
                _common.markdown_table(paired_summary(records, n_splits)),
            )
        )
    if speed_records:
        sizes = [r["n"] for r in speed_records if r["part"] == "fit_resample"]
        tables += [
            (
                "DVAANSampler().fit_resample time (make_classification)",
                _common.markdown_table(fit_rows),
            ),
            (
                f"Generation throughput of sample() on the CPU (model fitted on "
                f"n={sizes[-1]})",
                _common.markdown_table(gen_rows),
            ),
        ]
    notes = [
        "Scores are mean ± std over the folds. `resample s`: mean fit_resample time "
        "per fold; `fit s`: resampling plus the classifier's fit. `warnings` sums "
        "the warnings of the resampling step over the folds (BoundarySamplingWarning: "
        "some DVAAN samples came from the fallback towards the class core).",
    ]
    _common.write_results(
        args.name,
        args,
        tables=tables,
        records={"cv": records, "speed": speed_records},
        machine=machine,
        wall_time=timer(),
        notes=notes,
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    _common.add_cv_arguments(parser)
    parser.add_argument(
        "--skip-cv", action="store_true", help="only the fit_resample/sample timings"
    )
    parser.add_argument(
        "--skip-speed", action="store_true", help="only the cross-validation"
    )
    parser.add_argument(
        "--tables",
        choices=["bundled", "real", "both"],
        default="bundled",
        help="the bundled sets, the real mixed-type tables (numerically "
        "encoded per fold), or both",
    )
    parser.add_argument("--name", default="bench_sampler", help="stem of the results")
    parser.add_argument(
        "--dvaan-variants",
        help="JSON list of DVAANClassifier parameter dicts: one more DVAANSampler "
        "each, e.g. '[{\"boundary_window\": [0.5, 1.0]}]'",
    )
    args = parser.parse_args()
    args.variants = _common.variant_params(args)
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
