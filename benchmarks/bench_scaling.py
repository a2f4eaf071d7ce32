"""Speed-up of a grid search over DVAANClassifier on 1, 2 and 4 Dask workers.

Issue 12. A 12-point ``GridSearchCV`` (3 folds: 36 fits, ``refit=False``)
over ``DVAANClassifier`` on ``make_classification`` data, run

* in one process without Dask (``n_jobs=None``): the baseline. It runs in a
  process of its own, started like a worker, because the main process also
  hosts the clusters' schedulers;
* under ``joblib.parallel_backend("dask")`` on a ``distributed.LocalCluster``
  of 1, 2 and 4 worker processes with one thread each (the nannies set
  ``OMP_NUM_THREADS=1``, so torch uses one thread per worker).

The three clusters are started first, and every worker imports torch and
skdvaan before any clock starts (the start-up is its own column). Then the
four runs take turns, ``--repeats`` times, so that a change in the load of a
shared machine hits them alike; the table gives each run's fastest search,
its speed-up over the fastest baseline, the mean time of one fit as
``cv_results_`` reports it, how many fits ran at once (the sum of the fit
times over the wall time: it tells a busy machine from idle workers), and
whether every score of every repeat equals the baseline's. On a machine
with ``c`` free cores, ``w`` workers can give at most ``min(w, c)``.

    python benchmarks/bench_scaling.py --quick
    python benchmarks/bench_scaling.py
"""

import contextlib
import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

import _common
import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skdvaan import DVAANClassifier

GRID = {
    "hidden_layer_sizes": [(32,), (64, 32)],
    "learning_rate_init": [1e-3, 3e-3, 1e-2],
    "mu": [2.0, 3.0],
}  # 2 x 3 x 2 = 12 points
WORKERS = (1, 2, 4)


def search(X, y, *, max_iter, seed):
    """The grid search, timed, in the active joblib backend."""
    estimator = DVAANClassifier(
        max_iter=max_iter, early_stopping=False, device="cpu", random_state=seed
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=seed)
    gs = GridSearchCV(estimator, GRID, cv=cv, scoring="roc_auc", refit=False)
    timer = _common.Timer()
    with warnings.catch_warnings():
        # Short runs of max_iter epochs warn that they did not converge.
        warnings.simplefilter("ignore")
        gs.fit(X, y)
    return gs, timer()


def scores(gs):
    res = gs.cv_results_
    return {k: np.asarray(v) for k, v in res.items() if "test_score" in k}


def same_scores(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def baseline_search(X, y, **fit):
    """In the baseline process: the scores, wall time and mean fit time."""
    gs, wall = search(X, y, **fit)
    return scores(gs), wall, float(gs.cv_results_["mean_fit_time"].mean())


def _warm_up():
    import torch

    import skdvaan  # noqa: F401

    return torch.get_num_threads()


def start_cluster(stack, n_workers):
    """A LocalCluster of one-thread worker processes that have imported torch."""
    from distributed import Client, LocalCluster

    timer = _common.Timer()
    cluster = stack.enter_context(
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
    )
    client = stack.enter_context(Client(cluster, set_as_default=False))
    threads = sorted(client.run(_warm_up).values())
    return client, timer(), threads


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=1500)
    parser.add_argument("--max-iter", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.quick:
        args.n_samples, args.max_iter, args.repeats = 600, 3, 1
    _common.limit_threads(args.threads)
    total = _common.Timer()
    machine = _common.machine_info("cpu")
    from importlib.metadata import version

    for name in ("dask", "distributed", "joblib"):
        machine["libraries"][name] = version(name)

    X, y = make_classification(
        n_samples=args.n_samples,
        n_features=20,
        n_informative=6,
        weights=[0.9],
        random_state=args.seed,
    )
    X = X.astype(np.float32)
    n_points = int(np.prod([len(v) for v in GRID.values()]))
    n_fits = 3 * n_points
    fit = dict(max_iter=args.max_iter, seed=args.seed)

    with contextlib.ExitStack() as stack:
        # The baseline process gets one torch thread, as the workers do.
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
        spawn = multiprocessing.get_context("spawn")
        baseline = stack.enter_context(ProcessPoolExecutor(1, mp_context=spawn))
        baseline.submit(_warm_up).result()
        clusters = {n: start_cluster(stack, n) for n in WORKERS}
        runs = {"baseline": [], **{n: [] for n in WORKERS}}
        baseline_scores = None
        for repeat in range(args.repeats):
            for key in runs:
                load = os.getloadavg()[0]
                if key == "baseline":
                    gs, wall = search(X, y, **fit)
                else:
                    client = clusters[key][0]
                    with joblib.parallel_backend("dask", client=client):
                        gs, wall = search(X, y, **fit)
                if baseline_scores is None:
                    baseline_scores = scores(gs)
                runs[key].append(
                    {
                        "repeat": repeat,
                        "wall_s": wall,
                        "mean_fit_time_s": float(
                            gs.cv_results_["mean_fit_time"].mean()
                        ),
                        "load_average_1min_before": load,
                        "scores_equal_baseline": same_scores(
                            scores(gs), baseline_scores
                        ),
                    }
                )
                print(key, runs[key][-1], flush=True)

    base_wall = min(r["wall_s"] for r in runs["baseline"])
    rows, records = [], []
    for key, reps in runs.items():
        best = min(reps, key=lambda r: r["wall_s"])
        start_up = "-" if key == "baseline" else round(clusters[key][1], 1)
        rows.append(
            {
                "run": "one process, no Dask" if key == "baseline" else "Dask",
                "workers": "-" if key == "baseline" else key,
                "search wall time (s)": round(best["wall_s"], 1),
                "speed-up": round(base_wall / best["wall_s"], 2),
                "mean fit time (s)": round(best["mean_fit_time_s"], 2),
                "fits at once": round(
                    n_fits * best["mean_fit_time_s"] / best["wall_s"], 2
                ),
                "cluster start-up (s)": start_up,
                "scores equal the baseline's": (
                    "yes" if all(r["scores_equal_baseline"] for r in reps) else "NO"
                ),
            }
        )
        records.append(
            {
                "run": key if key == "baseline" else f"dask {key} workers",
                "repeats": reps,
                "cluster_start_up_s": None if key == "baseline" else clusters[key][1],
                "torch_threads_per_worker": (
                    None if key == "baseline" else clusters[key][2]
                ),
            }
        )

    notes = [
        f"{n_points}-point grid x 3 folds = {n_fits} fits, refit=False; "
        f"make_classification {args.n_samples} x 20, 1:9, float32; "
        f"DVAANClassifier(max_iter={args.max_iter}, early_stopping=False, "
        "device='cpu'), its other parameters at their defaults; one torch "
        "thread per worker and in the baseline process.",
        f"Fastest of {args.repeats} turn(s) per run; the runs took turns. "
        "'Fits at once' is the sum of the fit times over the wall time: how "
        "many fits ran side by side on average, however fast each one went.",
        f"This machine has {machine['cpu_count']} logical CPUs: no run can be "
        f"more than {machine['cpu_count']}x faster than one process, and "
        "workers beyond that share cores (their mean fit time grows). Other "
        "jobs may have run at the same time: the load averages above say how "
        "busy the machine was.",
    ]
    _common.write_results(
        "bench_scaling",
        args,
        tables=[("Grid search on Dask workers", _common.markdown_table(rows))],
        records=records,
        machine=machine,
        wall_time=total(),
        notes=notes,
    )


if __name__ == "__main__":
    main()
