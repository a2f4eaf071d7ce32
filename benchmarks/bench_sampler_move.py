"""How far DVAANSampler's anchored moves go, and what the downstream model gains.

Hypothesis: the anchored rule moves a real minority code a share
``t ~ U(0, T_MAX)`` of the way to a nearby majority code (``T_MAX = 1``:
up to onto it). The moves that go far land where the fitted discriminator,
a nonlinear model, still says "minority" but where a simpler downstream
model sees majority rows, so they cost LogisticRegression the ranking it
gets from plain SMOTE. Shorter moves (``T_MAX`` 0.5, 0.25) should help it;
``T_MAX = 0`` (posterior noise around the anchor only, no move towards the
boundary) is the control that says whether the move earns anything at all.

One change: ``T_MAX`` during ``sample()`` only (its ``max_move``). Each
fold fits one ``DVAANSampler(random_state=seed, max_move=1)`` (``D+`` during
training is the default's either way), then redraws the same seeded samples
with each ``T_MAX``; the ``T_MAX = 1`` row is checked to reproduce
``fit_resample`` exactly. This run made ``max_move=0.5`` the sampler's
default: the ``T_MAX=0.5`` rows are today's ``DVAANSampler()``. SMOTE is
fitted on the same folds. Repeated stratified CV (5-fold x 2), the folds
and standardisation of ``bench_sampler.py``; paired differences against the
whole move (the sampler's default before this run) with the corrected
resampled t-test.

    python benchmarks/bench_sampler_move.py --quick
    python benchmarks/bench_sampler_move.py
"""

import _common
import numpy as np
from bench_sampler import classifiers, mean_ranks
from imblearn.over_sampling import SMOTE
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from skdvaan import DVAANSampler

T_MAX_VALUES = (1.0, 0.5, 0.25, 0.0)


def redraw(sampler, X, y, seed, t_max):
    """``sampler``'s resampled data, its samples redrawn with ``T_MAX = t_max``.

    Replays the seeds that ``DVAANSampler._fit_resample`` drew from
    ``random_state``: one for the estimator, then one per class sampled.
    """
    rng = check_random_state(seed)
    rng.randint(np.iinfo(np.int32).max)  # the estimator's random_state
    X_new, y_new = [X], [y]
    for label, n in sampler.sampling_strategy_.items():
        if n == 0:
            continue
        Xk, yk = sampler.estimator_.sample(
            n,
            target_class=label,
            max_move=t_max,
            random_state=rng.randint(np.iinfo(np.int32).max),
        )
        X_new.append(Xk.astype(X.dtype))
        y_new.append(yk.astype(y.dtype))
    return np.vstack(X_new), np.hstack(y_new)


def cv_move(args, n_splits, n_repeats):
    data = _common.tabular_datasets(args.seed, quick=args.quick, mc_rows=args.mc_rows)
    if args.datasets:
        data = [d for d in data if any(s in d[0] for s in args.datasets)]
    methods = [f"T_MAX={t:g}" for t in T_MAX_VALUES] + ["SMOTE"]
    records = []
    for name, X, y in data:
        cv = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=args.seed
        )
        scores = {}  # (method, classifier) -> {"roc_auc": [...], "pr_auc": [...]}
        for fold, (tr, te) in enumerate(cv.split(X, y)):
            scaler = StandardScaler().fit(X[tr])
            X_tr, X_te, y_tr = scaler.transform(X[tr]), scaler.transform(X[te]), y[tr]
            # max_move=1: the draws before the sampler moved half way (the
            # reference); the T_MAX=0.5 row is today's default sampler.
            sampler = DVAANSampler(random_state=args.seed, max_move=1.0)
            X_def, y_def = sampler.fit_resample(X_tr, y_tr)
            resampled = {}
            for t, label in zip(T_MAX_VALUES, methods):
                resampled[label] = redraw(sampler, X_tr, y_tr, args.seed, t)
            if not np.array_equal(resampled["T_MAX=1"][0], X_def):
                raise RuntimeError("the T_MAX=1 redraw does not reproduce fit_resample")
            resampled["SMOTE"] = SMOTE(random_state=args.seed).fit_resample(X_tr, y_tr)
            for label, (X_res, y_res) in resampled.items():
                for c_name, clf in classifiers(args.seed).items():
                    score = clone(clf).fit(X_res, y_res).predict_proba(X_te)[:, 1]
                    rec = scores.setdefault((label, c_name), {"roc": [], "pr": []})
                    rec["roc"].append(roc_auc_score(y[te], score))
                    rec["pr"].append(average_precision_score(y[te], score))
            print(f"{name}: fold {fold + 1}/{n_splits * n_repeats} done", flush=True)
        for (label, c_name), rec in scores.items():
            records.append(
                {
                    "dataset": name,
                    "sampler": label,
                    "classifier": c_name,
                    "roc_auc": rec["roc"],
                    "pr_auc": rec["pr"],
                }
            )
    return records, methods


def tables(records, methods, test_fraction):
    """Scores, then each method minus the whole move (T_MAX=1), paired on folds."""
    by = {(r["dataset"], r["sampler"], r["classifier"]): r for r in records}
    datasets = list(dict.fromkeys(r["dataset"] for r in records))
    clfs = list(dict.fromkeys(r["classifier"] for r in records))
    score_rows = [
        {
            "dataset": name,
            "classifier": clf,
            "samples": m,
            "ROC AUC": _common.fmt_mean_std(by[(name, m, clf)]["roc_auc"]),
            "PR AUC": _common.fmt_mean_std(by[(name, m, clf)]["pr_auc"]),
        }
        for clf in clfs
        for name in datasets
        for m in methods
    ]
    # (mean, p) of every paired difference, computed once for both tables.
    paired = {
        (clf, m, key, name): _common.corrected_ttest(
            np.subtract(by[(name, m, clf)][key], by[(name, "T_MAX=1", clf)][key]),
            test_fraction,
        )
        for clf in clfs
        for m in methods[1:]
        for key in ("roc_auc", "pr_auc")
        for name in datasets
    }
    diff_rows = []
    for clf in clfs:
        for m in methods[1:]:
            row = {"classifier": clf, "samples": m}
            for metric, key in (("ROC", "roc_auc"), ("PR", "pr_auc")):
                tests = [paired[(clf, m, key, name)] for name in datasets]
                verdicts = dict.fromkeys(_common.VERDICTS, 0)
                for mean, p in tests:
                    verdicts[_common.verdict(mean, p)] += 1
                row[f"mean {metric} AUC diff"] = (
                    f"{np.mean([t[0] for t in tests]):+.4f}"
                )
                row[f"{metric} win/tie/loss"] = "/".join(
                    str(verdicts[v]) for v in _common.VERDICTS
                )
            diff_rows.append(row)
    per_rows = [
        {"classifier": clf, "dataset": name}
        | {
            m: "{:+.4f} (p={:.2f})".format(*paired[(clf, m, "roc_auc", name)])
            for m in methods[1:]
        }
        for clf in clfs
        for name in datasets
    ]
    return score_rows, diff_rows, mean_ranks(records), per_rows


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()
    n_splits, n_repeats = (3, 1) if args.quick else (args.folds, args.repeats)
    records, methods = cv_move(args, n_splits, n_repeats)
    scores, diffs, ranks, per = tables(records, methods, 1.0 / n_splits)
    _common.write_results(
        args.name,
        args,
        tables=[
            (
                f"Scores, repeated stratified CV ({n_splits}-fold x {n_repeats})",
                _common.markdown_table(scores),
            ),
            (
                "Mean rank by ROC AUC among these samples (1 is best), over the "
                "data sets",
                _common.markdown_table(ranks),
            ),
            (
                "Against the whole move (T_MAX=1, the default before), paired on "
                "folds: mean over data sets of the mean difference, and per-set "
                "verdicts (corrected resampled t-test, p < 0.05)",
                _common.markdown_table(diffs),
            ),
            (
                "ROC AUC difference against the whole move per data set",
                _common.markdown_table(per),
            ),
        ],
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=[
            "`T_MAX=t`: the fold's fitted DVAANSampler, its samples redrawn with "
            "moves of a share U(0, t) of the way to a nearby code of another "
            "class (`T_MAX=1`, the whole move, reproduces `fit_resample` with "
            "`max_move=1`; `T_MAX=0.5` is today's `DVAANSampler()`; `T_MAX=0`: "
            "posterior noise around the anchor, no move). Same seeds, same "
            "fitted model, so the differences are the move's alone.",
        ],
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    _common.add_cv_arguments(parser)
    parser.add_argument("--name", default="bench_sampler_move")
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
