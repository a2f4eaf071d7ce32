"""DVAANClassifier's defaults on real tables that were never used to tune them.

Issues 9 and 10: every default of ``DVAANClassifier`` was chosen on the
tables of ``bench_tabular.py``, ``bench_mixed.py`` and ``bench_images.py``.
This benchmark measures those defaults, and the defaults of five common
alternatives, on ten other ("held-out") imbalanced binary tables, so that a
default tuned to its own benchmarks shows up as a loss here. Stratified
k-fold cross-validation (the same folds for every method), out-of-fold ROC
AUC, PR AUC (average precision), Brier score, log loss, the mean predicted
minority probability over the test fold's base rate, and fit time, for

* ``DVAAN``: ``DVAANClassifier(random_state=seed)``, given the table as a
  DataFrame (category columns and missing cells as they are);
* ``MLP+ROS``: StandardScaler, RandomOverSampler,
  ``MLPClassifier(max_iter=500)``;
* ``LogReg bal``: StandardScaler,
  ``LogisticRegression(class_weight="balanced", max_iter=1000)``;
* ``HGB``: ``HistGradientBoostingClassifier()``;
* ``HGB bal``: ``HistGradientBoostingClassifier(class_weight="balanced")``;
* ``SMOTE+LogReg``: StandardScaler, SMOTE, ``LogisticRegression(max_iter=1000)``.

Everything else is left at its library default, as a new user would leave
it; seeded estimators get ``random_state=seed``. Samplers sit inside the
pipeline, so only training folds are resampled.

Preprocessing of the five other methods (DVAAN takes the raw frame):

* Tables with a category column (Affairs, SwissLabor, Soybean): the one-hot
  front of ``bench_mixed.py``: ``Harmonise(fill_missing=True)`` (missing
  cells become the category ``"missing"``), then standardised numbers and
  ``OneHotEncoder(handle_unknown="ignore")`` categories (dense, since HGB
  refuses sparse input). It replaces the StandardScaler of the pipelines
  above and is put in front of HGB as well.
* PimaIndiansDiabetes2 has missing numeric cells. ``DVAANClassifier``
  refuses NaN in a NumPy array but takes a DataFrame with missing cells
  (a generated missing-indicator per such column), so it gets the frame.
  MLPClassifier, LogisticRegression and SMOTE refuse NaN: ``SimpleImputer()``
  (its default, the training mean, no indicator) goes first in those three
  pipelines. HGB takes NaN natively and gets the table as it is.
* The other tables are all numeric and complete: no preprocessing beyond
  the StandardScaler of the pipelines.

The tables
----------
From Debian's ``r-cran-mlbench`` (mlbench, GPL-2) and ``r-cran-aer`` (AER,
GPL-2/3), fetched and read as ``_mixed_data.py`` describes (``apt-get
download`` and ``dpkg -x`` on first use, then offline; ``pyreadr``). ``y =
1`` is the minority class; ratios are measured on the data (minority :
majority), natural unless said otherwise.

* ``pima diabetes`` (mlbench ``PimaIndiansDiabetes2``, 768 women, 8
  numeric features, 652 missing cells: zeros of the original file recoded as
  missing): ``diabetes == "pos"``, 268 rows, 1:1.9.
* ``sonar rock`` (mlbench ``Sonar``, 208 sonar returns, 60 numbers): ``Class
  == "R"`` (rock, the smaller class: 97 rows), 1:1.1.
* ``ionosphere bad`` (mlbench ``Ionosphere``, 351 radar returns):
  ``Class == "bad"``, 126 rows, 1:1.8. ``V1`` (a 0/1 factor) becomes a
  number; ``V2`` is constant (always 0) and is dropped: 33 features.
* ``vehicle van`` (mlbench ``Vehicle``, 846 silhouettes, 18 numbers):
  ``Class == "van"`` against bus, saab and opel, 199 rows, 1:3.3.
* ``glass headlamps`` (mlbench ``Glass``, 214 fragments, 9 numbers): ``Type
  == "7"`` (headlamps, 13.6%) against the five other types, 29 rows, 1:6.4.
* ``satellite damp grey soil`` (mlbench ``Satellite``, 6435 pixels' 3x3
  neighbourhoods, 36 numbers): ``classes == "damp grey soil"`` against the
  five others, 626 rows, 1:9.3.
* ``soybean anthracnose`` (mlbench ``Soybean``, 683 plants, 35 factors,
  all ``category``, 2337 missing cells): ``Class == "anthracnose"`` (6.4%;
  one of the two classes of 44 rows) against the 18 other diseases, 1:14.5.
* ``shuttle bypass`` (mlbench ``Shuttle``, 58000 rows, 9 numbers): ``Class
  == "Bypass"`` (5.6%) against the six others; a seeded stratified 10,000
  rows (3,000 with ``--quick``), 563 minority rows, 1:16.8.
* ``affairs any`` (AER ``Affairs``, 601 people): ``affairs > 0``, 150
  rows, 1:3.0; ``gender`` and ``children`` are ``category``, the rest
  numbers (``affairs`` itself dropped).
* ``swisslabor participation`` (AER ``SwissLabor``, 872 women):
  ``participation == "yes"`` (401 rows, 1:1.2) subsampled to 1:5 by keeping
  a seeded random 94 of them (all 471 others kept, as
  ``_mixed_data._subsample``); ``foreign`` is ``category``.

``--quick`` runs pima, soybean and shuttle (the three preprocessing paths:
missing numbers, categories, a subsample) with 3 folds.

The summary gives, per table, DVAAN's ROC AUC against the best other
method's, DVAAN's rank among the six by ROC AUC, PR AUC and Brier score (1 is
best), and the Nadeau-Bengio corrected resampled t-test of DVAAN against
that best other method on the paired fold ROC AUCs (alpha 0.05). The best
other method is chosen on the same folds, so a tie is the honest reading
of a small difference.

    python benchmarks/bench_heldout.py --quick   # 3 tables, 3-fold
    python benchmarks/bench_heldout.py           # 10 tables, 5-fold x 1
    python benchmarks/bench_heldout.py --methods DVAAN \
        --dvaan-variants '[{"augmentation_ratio": 0.0}]'  # DVAAN vs DVAAN_a

``--dvaan-variants`` adds ``DVAANClassifier`` variants (``bench_tabular.py``
takes the same list); they are compared with DVAAN's defaults on the same
folds in a table of their own and stay out of the six-method summary.

``--large`` and ``--mc-rows`` have no effect here. A method that raises on
a table is listed under "Failed" with its error and the run goes on.
"""

import _common
import _mixed_data
import numpy as np
from bench_mixed import Harmonise, _is_number, one_hot_columns
from bench_tabular import summarise as versus_defaults
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdvaan import DVAANClassifier

SHUTTLE_ROWS, SHUTTLE_QUICK_ROWS = 10_000, 3_000
QUICK_TABLES = ("pima diabetes", "soybean anthracnose", "shuttle bypass")
METRICS = (  # key, column label, digits
    ("roc_auc", "ROC AUC", 3),
    ("pr_auc", "PR AUC", 3),
    ("brier", "Brier", 4),
    ("log_loss", "log loss", 3),
    ("p_over_base", "mean p / base rate", 2),
)


# ------------------------------------------------------------------ tables


def _label(df, column, value):
    """``y = 1`` where ``df[column] == value`` (the column is popped)."""
    return (df.pop(column).astype(object) == value).to_numpy().astype(np.int64)


def _mlbench(table, column, value):
    """The loader of mlbench's ``table`` with ``y = 1`` where ``column == value``."""

    def load(seed, quick):
        df = _mixed_data.read_table(table, "mlbench")
        return df, _label(df, column, value)

    return load


def ionosphere(seed, quick):
    df = _mixed_data.read_table("Ionosphere", "mlbench").drop(columns=["V2"])
    df["V1"] = df["V1"].astype(str).astype(np.float64)
    return df, _label(df, "Class", "bad")


def shuttle(seed, quick):
    df = _mixed_data.read_table("Shuttle", "mlbench")
    y = _label(df, "Class", "Bypass")
    rows = SHUTTLE_QUICK_ROWS if quick else SHUTTLE_ROWS
    idx, _ = train_test_split(
        np.arange(len(y)), train_size=rows, stratify=y, random_state=seed
    )
    idx = np.sort(idx)
    return df.iloc[idx].reset_index(drop=True), y[idx]


def affairs(seed, quick):
    df = _mixed_data.read_table("Affairs", "AER")
    y = (df.pop("affairs") > 0).to_numpy().astype(np.int64)
    return df, y


def swisslabor(seed, quick):
    df = _mixed_data.read_table("SwissLabor", "AER")
    y = _label(df, "participation", "yes")
    return _mixed_data._subsample(df, y, 0.2, np.random.default_rng(seed))


TABLES = {
    "pima diabetes": _mlbench("PimaIndiansDiabetes2", "diabetes", "pos"),
    "sonar rock": _mlbench("Sonar", "Class", "R"),
    "ionosphere bad": ionosphere,
    "vehicle van": _mlbench("Vehicle", "Class", "van"),
    "glass headlamps": _mlbench("Glass", "Type", "7"),
    "satellite damp grey soil": _mlbench("Satellite", "classes", "damp grey soil"),
    "soybean anthracnose": _mlbench("Soybean", "Class", "anthracnose"),
    "shuttle bypass": shuttle,
    "affairs any": affairs,
    "swisslabor participation": swisslabor,
}


def load_tables(seed, *, quick=False, names=None):
    """``[(name, X, y)]`` with ``X`` a DataFrame and ``y = 1`` the minority."""
    out = []
    for name, loader in TABLES.items():
        if quick and name not in QUICK_TABLES:
            continue
        if names and not any(s in name for s in names):
            continue
        X, y = loader(seed, quick)
        out.append((name, X, y))
    return out


# ----------------------------------------------------------------- methods


def methods(seed, X, variants=()):
    """``name -> estimator`` for table ``X`` (library defaults, see the docstring).

    ``scaled`` stands for the StandardScaler of each pipeline: on a table
    with categories it is ``bench_mixed``'s one-hot front (which standardises
    the numbers); on one with missing numbers an imputer goes first.
    """
    categorical = not all(_is_number(X[c]) for c in X.columns)
    missing = bool(X.isna().to_numpy().any())

    def scaled():
        if categorical:
            return [Harmonise(fill_missing=True), one_hot_columns(sparse_output=False)]
        return ([SimpleImputer()] if missing else []) + [StandardScaler()]

    def trees():
        if categorical:
            return [Harmonise(fill_missing=True), one_hot_columns(sparse_output=False)]
        return []

    def hgb(**kw):
        return make_pipeline(
            *trees(), HistGradientBoostingClassifier(random_state=seed, **kw)
        )

    out = {
        "DVAAN": DVAANClassifier(random_state=seed),
        "MLP+ROS": make_pipeline(
            *scaled(),
            RandomOverSampler(random_state=seed),
            MLPClassifier(max_iter=500, random_state=seed),
        ),
        "LogReg bal": make_pipeline(
            *scaled(), LogisticRegression(class_weight="balanced", max_iter=1000)
        ),
        "HGB": hgb(),
        "HGB bal": hgb(class_weight="balanced"),
        "SMOTE+LogReg": make_pipeline(
            *scaled(), SMOTE(random_state=seed), LogisticRegression(max_iter=1000)
        ),
    }
    out.update(_common.dvaan_variants(seed, variants))  # --dvaan-variants
    return out


# ------------------------------------------------------------------ scores


def fold_scores(est, X, y, train, test):
    """Fit on ``train``, score the minority probability on ``test``."""
    t = _common.Timer()
    est.fit(X.iloc[train], y[train])
    fit_s = t()
    proba = est.predict_proba(X.iloc[test])
    p = proba[:, list(est.classes_).index(1)]
    yt = y[test]
    return {
        "roc_auc": float(roc_auc_score(yt, p)),
        "pr_auc": float(average_precision_score(yt, p)),
        "brier": float(brier_score_loss(yt, p)),
        "log_loss": float(log_loss(yt, np.clip(p, 1e-12, 1 - 1e-12), labels=[0, 1])),
        "p_over_base": float(p.mean() / yt.mean()),
        "fit_time": fit_s,
        # Epochs trained (DVAAN only): what the stopping rule decided.
        "n_iter": int(est.n_iter_) if isinstance(est, DVAANClassifier) else None,
    }


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()  # at the start: load average
    n_splits, n_repeats = (3, 1) if args.quick else (args.folds, args.repeats)
    data = load_tables(args.seed, quick=args.quick, names=args.datasets)
    variants = _common.variant_params(args)
    records, failed, tables = [], [], []
    for name, X, y in data:
        cv = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=args.seed
        )
        folds = list(cv.split(X, y))  # the same folds for every method
        info = {
            "dataset": name,
            "n": int(X.shape[0]),
            "n_features": int(X.shape[1]),
            "n_minority": int(y.sum()),
            "ratio": _common.ratio_label(y),
            "missing_cells": int(X.isna().sum().sum()),
            "dtypes": X.dtypes.astype(str).value_counts().to_dict(),
        }
        print(f"== {name}: {info}", flush=True)
        rows = []
        for method, est in methods(args.seed, X, variants).items():
            if args.methods and method not in args.methods:
                continue
            t = _common.Timer()
            scores = {}
            try:
                with _common.WarningCounter() as wc:
                    for train, test in folds:
                        fold = fold_scores(clone(est), X, y, train, test)
                        for key, value in fold.items():
                            scores.setdefault(key, []).append(value)
            except Exception as exc:  # recorded, and the run goes on
                why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                failed.append({"dataset": name, "method": method, "error": why})
                print(f"{name} / {method}: FAILED {why}", flush=True)
                continue
            rec = {
                **info,
                "method": method,
                **scores,
                "warnings": wc.counts(),
                "warning_messages": wc.messages(),
                "wall_s": round(t(), 1),
            }
            records.append(rec)
            row = {"method": method}
            for key, label, digits in METRICS:
                row[label] = _common.fmt_mean_std(rec[key], digits)
            row["fit s"] = f"{np.mean(rec['fit_time']):.2f}"
            row["warnings"] = _common.format_warnings(rec["warnings"])
            rows.append(row)
            print(row, flush=True)
        title = (
            f"{name} (n={info['n']}, {info['n_features']} features, "
            f"{info['n_minority']} minority, {info['ratio']})"
        )
        table = _common.markdown_table(rows)
        print(f"\n### {title}\n\n{table}", flush=True)
        tables.append((title, table))
    summary = summarise(records, n_splits)
    tables = [
        (
            "Summary: DVAAN against the best other method by ROC AUC "
            "(corrected resampled t-test, alpha 0.05; ranks among the methods "
            "that ran, 1 is best)",
            _common.markdown_table(summary),
        ),
        *(
            (f"Stratified CV ({n_splits}-fold x {n_repeats}): {title}", table)
            for title, table in tables
        ),
    ]
    variant_rows = versus_defaults(
        records, n_splits, reference="DVAAN", prefix="DVAAN "
    )
    if variant_rows:
        tables.insert(
            1,
            (
                "DVAAN variants vs DVAAN with its defaults (same folds, corrected "
                "resampled t-test, alpha 0.05)",
                _common.markdown_table(variant_rows),
            ),
        )
    if failed:
        tables.append(("Failed", _common.markdown_table(failed)))
    notes = [
        "Held-out tables: none of them was used to choose DVAANClassifier's "
        "defaults. Every method runs with its library defaults "
        "(`benchmarks/bench_heldout.py` says which, and how each table is made).",
        "Scores are mean ± std over the folds of out-of-fold predictions; "
        "`mean p / base rate` is the mean predicted minority probability on a "
        "test fold over that fold's minority share (1 is calibrated in the "
        "mean); `fit s` is the mean fit time per fold; `warnings` counts the "
        "warnings raised in all folds.",
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


def _rank(values, of, higher_is_better=True):
    """Rank of entry ``of`` in ``values`` (1 is best; ties share the best rank)."""
    v = np.asarray(values, dtype=float)
    return int(rankdata(-v if higher_is_better else v, method="min")[of])


def summarise(records, n_splits, reference="DVAAN"):
    """Per table: DVAAN against the best other method by mean ROC AUC."""
    rows, verdicts, ranks = [], [], {"roc_auc": [], "pr_auc": [], "brier": []}
    for dataset in dict.fromkeys(r["dataset"] for r in records):
        # The six methods; --dvaan-variants are compared with DVAAN apart.
        recs = [
            r
            for r in records
            if r["dataset"] == dataset and not r["method"].startswith("DVAAN ")
        ]
        names = [r["method"] for r in recs]
        if reference not in names or len(recs) < 2:
            continue
        i = names.index(reference)
        ref = recs[i]
        others = [r for r in recs if r["method"] != reference]
        best = max(others, key=lambda r: np.mean(r["roc_auc"]))
        mean, p = _common.corrected_ttest(
            np.subtract(ref["roc_auc"], best["roc_auc"]), 1.0 / n_splits
        )
        verdicts.append(_common.verdict(mean, p))
        row = {
            "dataset": dataset,
            "n": ref["n"],
            "ratio": ref["ratio"],
            "DVAAN ROC AUC": f"{np.mean(ref['roc_auc']):.3f}",
            "best other": best["method"],
            "its ROC AUC": f"{np.mean(best['roc_auc']):.3f}",
            "ΔROC AUC": f"{mean:+.3f}",
            "p": f"{p:.3f}",
            "DVAAN vs best": verdicts[-1],
        }
        for key, label, higher in (
            ("roc_auc", "ROC AUC", True),
            ("pr_auc", "PR AUC", True),
            ("brier", "Brier", False),
        ):
            ranks[key].append(_rank([np.mean(r[key]) for r in recs], i, higher))
            row[f"rank ({label})"] = f"{ranks[key][-1]}/{len(recs)}"
        rows.append(row)
    if rows:
        rows.append(
            {
                "dataset": "TOTAL win/tie/loss; mean rank",
                "DVAAN vs best": "/".join(
                    str(verdicts.count(v)) for v in _common.VERDICTS
                ),
                **{
                    f"rank ({label})": f"{np.mean(ranks[key]):.1f}"
                    for key, label in (
                        ("roc_auc", "ROC AUC"),
                        ("pr_auc", "PR AUC"),
                        ("brier", "Brier"),
                    )
                },
            }
        )
    return rows


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    _common.add_cv_arguments(parser)
    parser.set_defaults(repeats=1)
    _common.add_method_arguments(parser, "bench_heldout")
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
