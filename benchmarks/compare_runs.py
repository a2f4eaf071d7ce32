"""Paired comparison of two results files of the same benchmark.

How a code change is measured against the code before it without running the
old code again: ``bench_tabular.py`` seeds its folds and ``bench_images.py``
its cells (ratio, seed: subsample and initialisation), so a run of the new
code scores the same splits as the committed run of the old one, and their
scores pair. Fitted models are reproducible on the CPU for a fixed seed, so
rerunning the old code gives the committed scores again (check one cell when
in doubt). Every method of ``NEW`` is compared with every method of ``OLD``
on the data sets they share:

* ``bench_tabular``, ``bench_mixed``, ``bench_heldout`` and
  ``bench_sampler``: per data set (and, for samplers, downstream
  classifier), the Nadeau-Bengio corrected
  resampled t-test on the paired fold differences (as ``bench_tabular.py``
  itself);
* ``bench_images``: per task, a paired t-test over the (ratio, seed) cells.

Δ is NEW minus OLD; alpha 0.05.

    python benchmarks/compare_runs.py benchmarks/results/bench_tabular_balanced.json \
        benchmarks/results/bench_tabular.json --name compare_tabular_balanced
"""

import json
from pathlib import Path

import _common
import numpy as np
from scipy import stats

# Arguments that must agree for two runs to have scored the same splits.
SAME_SPLITS = {
    "bench_tabular": ("seed", "folds", "repeats", "mc_rows", "large", "quick"),
    "bench_mixed": ("seed", "folds", "repeats", "quick"),
    "bench_heldout": ("seed", "folds", "repeats", "quick"),
    "bench_sampler": ("seed", "folds", "repeats", "mc_rows", "large", "quick"),
    "bench_images": ("epochs", "max_train", "full", "quick", "device"),
}


def load(path):
    with open(path) as fh:
        run = json.load(fh)
    kind = next((k for k in SAME_SPLITS if run["benchmark"].startswith(k)), None)
    if kind is None:
        raise SystemExit(f"{path}: not a {', '.join(SAME_SPLITS)} result")
    if kind == "bench_sampler":  # one "dataset / classifier" per pair of folds
        run["records"] = [
            {
                **r,
                "dataset": f"{r['dataset']} / {r['classifier']}",
                "method": r["sampler"],
            }
            for r in run["records"]["cv"]
        ]
    return kind, run


def provenance(run):
    m = run["machine"]
    dirty = " with uncommitted changes" if m.get("skdvaan_tree_modified") else ""
    return f"commit {m.get('skdvaan_commit', '?')}{dirty}"


def check_same_splits(kind, new, old):
    for key in SAME_SPLITS[kind]:
        a, b = new["args"].get(key), old["args"].get(key)
        if a != b:
            raise SystemExit(
                f"The runs differ in --{key.replace('_', '-')} ({a!r} against "
                f"{b!r}), so their scores do not pair."
            )


# Record fields that name what was scored (a data set's folds, an image cell).
KEY_FIELDS = {
    "bench_tabular": ("dataset", "n", "n_minority"),
    "bench_mixed": ("dataset", "n", "n_minority"),
    "bench_heldout": ("dataset", "n", "n_minority"),
    "bench_sampler": ("dataset", "n"),  # dataset: "<data set> / <classifier>"
    "bench_images": ("task", "ratio", "seed"),
}


def scores(run, kind, metric):
    """``(*KEY_FIELDS[kind], method) -> score`` (fold list or one number)."""
    fields = KEY_FIELDS[kind]
    return {
        tuple(r[f] for f in fields) + (r["method"],): r[metric] for r in run["records"]
    }


def fold_rows(new, old, kind, metric):
    """Per data set and method pair: Δ and corrected p over the folds."""
    n_splits = new["args"]["folds"] if not new["args"].get("quick") else 3
    a, b = scores(new, kind, metric), scores(old, kind, metric)
    rows = []
    for (*data, m_new), s_new in a.items():
        for (*data_old, m_old), s_old in b.items():
            if data_old != data or len(s_new) != len(s_old):
                continue
            mean, p = _common.corrected_ttest(np.subtract(s_new, s_old), 1 / n_splits)
            rows.append((data[0], m_new, m_old, mean, p))
    return rows


def image_rows(new, old, kind, metric):
    """Per task and method pair: Δ and paired-t p over the (ratio, seed) cells."""
    a, b = scores(new, kind, metric), scores(old, kind, metric)
    rows = []
    tasks = dict.fromkeys(k[0] for k in a)
    for task in tasks:
        for m_new in dict.fromkeys(k[3] for k in a if k[0] == task):
            for m_old in dict.fromkeys(k[3] for k in b if k[0] == task):
                d = [
                    v - b[(t, r, s, m_old)]
                    for (t, r, s, m), v in a.items()
                    if t == task and m == m_new and (t, r, s, m_old) in b
                ]
                if not d:
                    continue
                p = stats.ttest_1samp(d, 0.0).pvalue if len(d) > 1 else float("nan")
                rows.append((f"{task} ({len(d)} cells)", m_new, m_old, np.mean(d), p))
    return rows


def table(rows_by_metric):
    out, totals = [], {}
    for metric, rows in rows_by_metric.items():
        for dataset, m_new, m_old, mean, p in rows:
            v = _common.verdict(mean, p)
            totals.setdefault((metric, m_new, m_old), []).append(v)
            out.append(
                {
                    "metric": metric,
                    "data": dataset,
                    "new": m_new,
                    "old": m_old,
                    "Δ (new - old)": f"{mean:+.4f}",
                    "p": f"{p:.3f}",
                    "new vs old": v,
                }
            )
    for (metric, m_new, m_old), vs in totals.items():
        out.append(
            {
                "metric": metric,
                "data": "TOTAL win/tie/loss",
                "new": m_new,
                "old": m_old,
                "new vs old": "/".join(str(vs.count(v)) for v in _common.VERDICTS),
            }
        )
    return out


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help="results .json of the new code")
    parser.add_argument("old", type=Path, help="results .json of the code before")
    parser.add_argument("--name", required=True, help="stem of the results files")
    parser.add_argument("--new-methods", nargs="*", help="only these methods of NEW")
    parser.add_argument("--old-methods", nargs="*", help="only these methods of OLD")
    args = parser.parse_args()
    kind, new = load(args.new)
    kind_old, old = load(args.old)
    if kind != kind_old:
        raise SystemExit(f"{args.new} is {kind}, {args.old} is {kind_old}")
    check_same_splits(kind, new, old)
    rows_of = image_rows if kind == "bench_images" else fold_rows
    for run, keep in ((new, args.new_methods), (old, args.old_methods)):
        if keep:
            run["records"] = [r for r in run["records"] if r["method"] in keep]
    rows = {m: rows_of(new, old, kind, m) for m in ("roc_auc", "pr_auc")}
    if not any(rows.values()):
        raise SystemExit("The runs share no data set.")
    notes = [
        f"NEW: `{new['command']}` ({provenance(new)}); "
        f"OLD: `{old['command']}` ({provenance(old)}).",
        "Machine and wall time below are the new run's; this script measures "
        "nothing itself.",
        "Tabular sets: corrected resampled t-test over the paired folds; image "
        "tasks: paired t-test over the (ratio, seed) cells. Alpha 0.05.",
    ]
    _common.write_results(
        args.name,
        args,
        tables=[("NEW against OLD, paired", _common.markdown_table(table(rows)))],
        records={m: [list(r) for r in rs] for m, rs in rows.items()},
        machine=new["machine"],
        wall_time=new["wall_time_s"],
        notes=notes,
    )


if __name__ == "__main__":
    main()
