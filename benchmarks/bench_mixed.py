"""DVAAN on real mixed-type tables against SMOTENC, SMOTEN and native-categorical HGB.

Issue 11: repeated stratified cross-validation on the imbalanced binary
tables of ``_mixed_data`` (floats, ints, bools, categories, strings, missing
cells; Debian's R data packages), ROC AUC, PR AUC (average precision) and fit
time for

* ``HGB native``: ``HistGradientBoostingClassifier(categorical_features=
  "from_dtype")``; strings and bools become categories (``Harmonise``),
  missing cells are left to HGB. ``HGB native bal`` adds
  ``class_weight="balanced"``.
* ``SMOTENC+HGB``: ``Harmonise(fill_missing=True)`` (SMOTENC refuses NaN: a
  numeric cell gets the training median plus a yes/no "was missing" category
  column, a categorical one the category "missing"), ``SMOTENC``, HGB native.
  Needs a numeric feature.
* ``SMOTEN+HGB``: the same with ``SMOTEN``, on tables whose features are all
  categorical; skipped elsewhere.
* ``LogReg bal``: ``Harmonise(fill_missing=True)``, standardised numbers,
  one-hot categories, ``LogisticRegression(class_weight="balanced")``.
* ``DVAAN+HGB``, ``DVAAN+LogReg`` (``DVAANSampler`` in front of HGB native
  and of the one-hot LogisticRegression, unweighted) and ``DVAAN``
  (``DVAANClassifier``): given the raw frame. ``DVAAN_a`` is
  ``DVAANClassifier(augmentation_ratio=0.0)``, the same model without
  boundary samples (the paper's ablation). They run only if skdvaan
  takes such frames, which is checked on a tiny one first; otherwise the
  output says "skipped: not supported yet" and why, and shows no numbers.

Samplers sit inside the pipeline, so only training folds are resampled. The
summaries compare ``DVAAN+HGB`` with ``SMOTENC+HGB`` (``SMOTEN+HGB`` on
all-categorical tables) on PR AUC, and ``DVAAN`` with ``DVAAN_a`` on ROC and
PR AUC: Nadeau-Bengio corrected resampled t-test.

    python benchmarks/bench_mixed.py --quick   # 3-fold x 1, big tables: 2000 rows
    python benchmarks/bench_mixed.py           # 5-fold x 2

``--large`` has no effect here. Data: see ``benchmarks/_mixed_data.py``
(needs ``pip install skdvaan[benchmarks]``; fetched once with apt-get).
"""

import warnings

import _common
import _mixed_data
import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTEN, SMOTENC
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdvaan import DVAANClassifier, DVAANSampler

SCORING = {"roc_auc": "roc_auc", "pr_auc": "average_precision"}
DVAAN_METHODS = ("DVAAN+HGB", "DVAAN+LogReg", "DVAAN", "DVAAN_a")


class Harmonise(TransformerMixin, BaseEstimator):
    """Numbers as float64, everything else as a ``category`` of strings.

    Categories are those of the training fold (unseen ones become missing).
    With ``fill_missing``, nothing is left missing: numeric cells get the
    training median and, for columns with missing cells in fit, a yes/no
    ``<name>__missing`` category column; categorical cells the category
    ``"missing"``. That is what the samplers and LogisticRegression need.
    """

    def __init__(self, fill_missing=False):
        self.fill_missing = fill_missing

    def fit(self, X, y=None):
        self.numeric_ = [c for c in X.columns if _is_number(X[c])]
        self.categories_ = {
            c: sorted({str(v) for v in X[c].dropna()})
            for c in X.columns
            if c not in self.numeric_
        }
        self.medians_ = {c: _as_float(X[c]).median() for c in self.numeric_}
        self.flagged_ = [c for c in self.numeric_ if X[c].isna().any()]
        return self

    def transform(self, X):
        out = {}
        for c in X.columns:
            miss = X[c].isna().to_numpy()
            if c in self.numeric_:
                values = _as_float(X[c])
                if self.fill_missing:
                    values = values.fillna(self.medians_[c])
                    if c in self.flagged_:
                        flag = np.where(miss, "yes", "no")
                        out[f"{c}__missing"] = pd.Categorical(flag, ["no", "yes"])
                out[c] = values.to_numpy()
                continue
            values = np.asarray([str(v) for v in X[c].astype(object)], dtype=object)
            cats = list(self.categories_[c])
            values[~pd.Series(values).isin(cats).to_numpy()] = None  # unseen too
            if self.fill_missing:
                values[miss], cats = "missing", [*cats, "missing"]
            out[c] = pd.Categorical(values, categories=cats)
        return pd.DataFrame(out, index=X.index)


def _is_number(s):
    return pd.api.types.is_numeric_dtype(s.dtype) and not (
        pd.api.types.is_bool_dtype(s.dtype)
    )


def _as_float(s):
    return pd.Series(s.to_numpy(dtype=np.float64, na_value=np.nan), index=s.index)


def hgb(seed, **kw):
    return HistGradientBoostingClassifier(
        categorical_features="from_dtype", random_state=seed, **kw
    )


def one_hot_columns(**one_hot):
    """Standardised numbers and one-hot categories of a ``Harmonise`` frame."""
    return ColumnTransformer(
        [
            ("num", StandardScaler(), make_column_selector(dtype_include="number")),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", **one_hot),
                make_column_selector(dtype_include="category"),
            ),
        ]
    )


def one_hot_logreg(**kw):
    return [one_hot_columns(), LogisticRegression(max_iter=1000, **kw)]


def methods(seed, X, variants=()):
    """``name -> estimator or skip reason`` for table ``X``.

    ``variants`` (parameter dicts) add ``DVAANClassifier(**params)`` rows,
    labelled ``DVAAN k=v`` (``_common.dvaan_variants``, as ``bench_tabular.py``).
    """
    all_categorical = not any(_is_number(X[c]) for c in X.columns)

    def fill():
        return Harmonise(fill_missing=True)

    return {
        "HGB native": make_pipeline(Harmonise(), hgb(seed)),
        "HGB native bal": make_pipeline(
            Harmonise(), hgb(seed, class_weight="balanced")
        ),
        "SMOTENC+HGB": "skipped: every feature is categorical (SMOTEN applies)"
        if all_categorical
        else make_pipeline(
            fill(), SMOTENC(categorical_features="auto", random_state=seed), hgb(seed)
        ),
        "SMOTEN+HGB": make_pipeline(fill(), SMOTEN(random_state=seed), hgb(seed))
        if all_categorical
        else "skipped: the table has numeric features (SMOTEN is for categorical only)",
        "LogReg bal": make_pipeline(fill(), *one_hot_logreg(class_weight="balanced")),
        "DVAAN+HGB": make_pipeline(
            DVAANSampler(random_state=seed), Harmonise(), hgb(seed)
        ),
        "DVAAN+LogReg": make_pipeline(
            DVAANSampler(random_state=seed), fill(), *one_hot_logreg()
        ),
        "DVAAN": DVAANClassifier(random_state=seed),
        "DVAAN_a": DVAANClassifier(random_state=seed, augmentation_ratio=0.0),
        **_common.dvaan_variants(seed, variants),
    }


def dvaan_mixed_support():
    """None when skdvaan fits mixed frames and gives them back, else why not."""
    rng = np.random.default_rng(0)
    n = 40
    df = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "k": rng.integers(0, 5, n),
            "b": rng.random(n) < 0.5,
            "c": pd.Categorical(rng.choice(["lo", "hi"], n)),
            "s": pd.Series(rng.choice(["red", "blue", None], n), dtype=object),
        }
    )
    y = (np.arange(n) < 8).astype(np.int64)
    est = DVAANClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(df, y).predict_proba(df)
            X_res, _ = DVAANSampler(estimator=est, random_state=0).fit_resample(df, y)
    except Exception as exc:  # any failure means: not supported yet
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    if not (isinstance(X_res, pd.DataFrame) and X_res.dtypes.equals(df.dtypes)):
        return "fit_resample does not give back the input's columns and dtypes"
    return None


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()  # at the start: load average
    n_splits, n_repeats = (3, 1) if args.quick else (args.folds, args.repeats)
    unsupported = dvaan_mixed_support()
    if unsupported:
        print(f"DVAAN methods: skipped: not supported yet ({unsupported})", flush=True)
    data = _mixed_data.load_mixed_tables(
        args.seed, quick=args.quick, names=args.datasets
    )
    variants = _common.variant_params(args)
    records, rows, skipped = [], [], []
    for name, X, y in data:
        cv = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=args.seed
        )
        for method, est in methods(args.seed, X, variants).items():
            is_variant = method.startswith("DVAAN ")  # always run when asked for
            if args.methods and method not in args.methods and not is_variant:
                continue
            if (method in DVAAN_METHODS or is_variant) and unsupported:
                est = f"skipped: not supported yet ({unsupported})"
            if isinstance(est, str):
                skipped.append({"dataset": name, "method": method, "why": est})
                print(f"{name} / {method}: {est}", flush=True)
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
                "missing_cells": int(X.isna().sum().sum()),
                "dtypes": X.dtypes.astype(str).value_counts().to_dict(),
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
    tables = [
        (
            f"Repeated stratified CV ({n_splits}-fold x {n_repeats})",
            _common.markdown_table(rows),
        ),
        (
            "DVAAN+HGB vs SMOTENC+HGB / SMOTEN+HGB, PR AUC "
            "(corrected resampled t-test, alpha 0.05)",
            _common.markdown_table(summarise(records, n_splits))
            if not unsupported
            else "(not run: DVAAN methods skipped)\n",
        ),
        (
            "DVAAN vs DVAAN_a: boundary samples on and off "
            "(corrected resampled t-test, alpha 0.05)",
            _common.markdown_table(ablation(records, n_splits)),
        ),
        ("Skipped", _common.markdown_table(skipped)),
    ]
    notes = [
        "Scores are mean ± std over the folds; `fit s` is the mean fit time per "
        "fold (from `cross_validate`); `warnings` counts the warnings raised in "
        "all folds. Tables: `benchmarks/_mixed_data.py`."
    ]
    if unsupported:
        notes.append(
            f"DVAAN methods: skipped: not supported yet ({unsupported}). "
            "They run once skdvaan accepts DataFrames with categorical columns."
        )
    _common.write_results(
        args.name,
        args,
        tables=tables,
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=notes,
    )


def ablation(records, n_splits):
    """ROC and PR AUC of DVAAN against DVAAN_a, per table where both ran."""
    by_key = {(r["dataset"], r["method"]): r for r in records}
    rows, verdicts = [], {"roc_auc": [], "pr_auc": []}
    for dataset in dict.fromkeys(r["dataset"] for r in records):
        on, off = by_key.get((dataset, "DVAAN")), by_key.get((dataset, "DVAAN_a"))
        if on is None or off is None:
            continue
        row = {"dataset": dataset}
        for metric, label in (("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC")):
            mean, p = _common.corrected_ttest(
                np.subtract(on[metric], off[metric]), 1.0 / n_splits
            )
            verdicts[metric].append(_common.verdict(mean, p))
            row[f"Δ{label}"] = f"{mean:+.3f}"
            row[f"p ({label})"] = f"{p:.3f}"
            row[f"DVAAN ({label})"] = verdicts[metric][-1]
        rows.append(row)
    if rows:
        rows.append(
            {
                "dataset": "TOTAL win/tie/loss",
                **{
                    f"DVAAN ({label})": "/".join(
                        str(verdicts[m].count(v)) for v in _common.VERDICTS
                    )
                    for m, label in (("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC"))
                },
            }
        )
    return rows


def summarise(records, n_splits):
    """PR AUC of DVAAN+HGB against the SMOTE variant that ran, per table."""
    by_key = {(r["dataset"], r["method"]): r for r in records}
    rows, verdicts = [], []
    for (dataset, method), rec in by_key.items():
        if method != "DVAAN+HGB":
            continue
        ref_name = next(
            (m for m in ("SMOTENC+HGB", "SMOTEN+HGB") if (dataset, m) in by_key), None
        )
        if ref_name is None:
            continue
        ref = by_key[(dataset, ref_name)]
        mean, p = _common.corrected_ttest(
            np.subtract(rec["pr_auc"], ref["pr_auc"]), 1.0 / n_splits
        )
        verdicts.append(_common.verdict(mean, p))
        rows.append(
            {
                "dataset": dataset,
                "against": ref_name,
                "ΔPR AUC": f"{mean:+.3f}",
                "p": f"{p:.3f}",
                "DVAAN+HGB": verdicts[-1],
            }
        )
    if verdicts:
        rows.append(
            {
                "dataset": "TOTAL win/tie/loss",
                "DVAAN+HGB": "/".join(str(verdicts.count(v)) for v in _common.VERDICTS),
            }
        )
    return rows


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    _common.add_cv_arguments(parser)
    _common.add_method_arguments(parser, "bench_mixed")
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
