"""One model on 1 and on 2 processes (torch.distributed, gloo): time and AUC.

Issue 12, items 3 and 4. ``make_classification`` (``--rows`` x 20, 1:20),
split 80/20 once; ``DVAANClassifier(max_iter=--epochs, early_stopping=False,
random_state=0)`` is fitted on the training part by one process, and by two
processes that each pass half of it (rows ``rank::2``) after
``torch.distributed.init_process_group("gloo")``, one torch thread each.
Reported: the mean epoch time (``history_``, after the first epoch), the
fit's wall time, and the ROC AUC on the test part of the model rank 0 ends
with. Each run is a fresh interpreter, so that both start alike.

    python benchmarks/bench_ddp.py --quick
    python benchmarks/bench_ddp.py
"""

import json
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap

import _common
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

WORKER = textwrap.dedent(
    """
    import datetime, json, pickle, sys, time, warnings
    import numpy as np, torch, torch.distributed as dist
    from sklearn.metrics import roc_auc_score
    from skdvaan import DVAANClassifier

    rank, world, init, data, out, epochs = sys.argv[1:7]
    rank, world, epochs = int(rank), int(world), int(epochs)
    torch.set_num_threads(1)
    if world > 1:
        dist.init_process_group(
            "gloo", init_method="file://" + init, rank=rank, world_size=world,
            timeout=datetime.timedelta(seconds=600),
        )
    with open(data, "rb") as fh:
        X, y, X_te, y_te = pickle.load(fh)
    clf = DVAANClassifier(max_iter=epochs, early_stopping=False, random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X[rank::world], y[rank::world])
    fit_s = time.perf_counter() - t0
    if world > 1:
        dist.destroy_process_group()
    times = [h["time"] for h in clf.history_]
    with open(out, "w") as fh:
        json.dump({
            "fit_s": fit_s,
            "epoch_s": times,
            "auc": roc_auc_score(y_te, clf.predict_proba(X_te)[:, 1]),
        }, fh)
    """
)


def run_world(folder, world, epochs):
    script = os.path.join(folder, "worker.py")
    with open(script, "w") as fh:
        fh.write(WORKER)
    init = os.path.join(folder, f"init{world}")
    data = os.path.join(folder, "data.pkl")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    outs = [os.path.join(folder, f"w{world}_r{r}.json") for r in range(world)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                script,
                str(r),
                str(world),
                init,
                data,
                outs[r],
                str(epochs),
            ],
            env=env,
        )
        for r in range(world)
    ]
    for p in procs:
        if p.wait(timeout=3600) != 0:
            raise RuntimeError(f"a worker of the {world}-process run failed")
    with open(outs[0]) as fh:
        return json.load(fh)


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()
    X, y = make_classification(
        n_samples=args.rows,
        n_features=20,
        n_informative=8,
        weights=[0.95],
        flip_y=0.01,
        random_state=args.seed,
    )
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=args.seed
    )
    rows, records = [], {}
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "data.pkl"), "wb") as fh:
            pickle.dump((X_tr, y_tr, X_te, y_te), fh)
        for world in (1, 2):
            rec = run_world(folder, world, args.epochs)
            records[world] = rec
            epoch = np.mean(rec["epoch_s"][1:] or rec["epoch_s"])
            rows.append(
                {
                    "processes": world,
                    "training rows per process": f"{len(y_tr) // world:,}",
                    "s per epoch": f"{epoch:.2f}",
                    "fit s": f"{rec['fit_s']:.1f}",
                    "test ROC AUC": f"{rec['auc']:.4f}",
                }
            )
            print(rows[-1], flush=True)
    one = np.mean(records[1]["epoch_s"][1:])
    two = np.mean(records[2]["epoch_s"][1:])
    _common.write_results(
        "bench_ddp",
        args,
        tables=[("One model, 1 and 2 processes", _common.markdown_table(rows))],
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=[
            f"Speed-up per epoch with 2 processes: {one / two:.2f}x. Both "
            "processes share this machine's cores with anything else running; "
            "each step averages the gradients of both in one all-reduce (gloo), "
            "and each epoch runs the full batches of the smaller shard.",
        ],
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 5000 if args.quick else 25000
    if args.epochs is None:
        args.epochs = 4 if args.quick else 10
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
