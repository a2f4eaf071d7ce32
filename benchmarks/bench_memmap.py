"""Training from a memmap with partial_fit: peak memory and time per epoch.

Issue 12, item 2. Writes a float32 ``numpy.memmap`` of ``--rows`` x 20
features (1:100; the minority shifted by 1 on the first five features) in
blocks to a temporary folder, then, in this process:

* ``partial_fit``: ``DVAANClassifier(random_state=0)`` trained on the first
  ``--blocks`` blocks of ``--block-rows`` rows, each read from the memmap
  as its call needs it (the file is opened with ``np.load(mmap_mode="r")``
  for each block and closed after it, so the pages read do not stay in the
  process). Reported: seconds per block, the
  epoch time over the whole file that these give (blocks x mean block time:
  extrapolated, not timed, unless ``--blocks`` covers the file), and the
  peak resident memory above the level before training (VmHWM after
  resetting it; it counts the memmap's pages that were read, which the
  kernel may drop at will, as well as the process's own memory).
* ``fit``: the same estimator's ``fit`` (``max_iter=1``) on the first
  ``--fit-rows`` rows loaded into memory, for comparison: its peak memory
  above the same level.

    python benchmarks/bench_memmap.py --quick
    python benchmarks/bench_memmap.py            # 25,000,000 rows: 1.9 GiB
"""

import gc
import os
import tempfile
import time
import warnings

import _common
import numpy as np

from skdvaan import DVAANClassifier

N_FEATURES = 20


def _status_kib(field):
    return _common.proc_status_kib(field) or 0


def write_memmap(folder, n_rows, seed, chunk=1_000_000):
    """``(X, y)``: a float32 memmap on disk and its int64 labels (in memory)."""
    rng = np.random.default_rng(seed)
    X = np.lib.format.open_memmap(
        os.path.join(folder, "X.npy"),
        mode="w+",
        dtype=np.float32,
        shape=(n_rows, N_FEATURES),
    )
    y = (rng.random(n_rows) < 0.01).astype(np.int64)
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        block = rng.standard_normal((stop - start, N_FEATURES), dtype=np.float32)
        block[:, :5] += y[start:stop, None]
        X[start:stop] = block
    X.flush()
    del X
    return np.load(os.path.join(folder, "X.npy"), mmap_mode="r"), y


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()
    records, notes = {}, []
    with tempfile.TemporaryDirectory() as folder:
        t = _common.Timer()
        X, y = write_memmap(folder, args.rows, args.seed)
        write_s = t()
        file_mib = X.nbytes / 2**20
        path = X.filename
        del X
        gc.collect()
        base = _status_kib("VmRSS:")
        file_before = _status_kib("RssFile:")  # libraries, mapped at import
        can_reset = _common.reset_peak_rss()
        clf = DVAANClassifier(random_state=args.seed)
        times = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BoundarySamplingWarning, small blocks
            for b in range(args.blocks):
                start = b * args.block_rows
                stop = min(start + args.block_rows, args.rows)
                if start >= stop:
                    break
                t0 = time.perf_counter()
                # Opened for each block and closed after it: the pages read
                # leave the process with the mapping, so memory stays bounded.
                X = np.load(path, mmap_mode="r")
                block = np.array(X[start:stop])
                del X
                clf.partial_fit(block, y[start:stop], classes=[0, 1])
                times.append(time.perf_counter() - t0)
                print(f"block {b + 1}/{args.blocks}: {times[-1]:.2f} s", flush=True)
        peak_pf = _status_kib("VmHWM:") if can_reset else None
        rss_file = _status_kib("RssFile:") - file_before
        n_blocks_file = -(-args.rows // args.block_rows)
        # The first call also pretrains the autoencoder: leave it out of the mean.
        steady = times[1:] if len(times) > 1 else times
        epoch_s = float(np.mean(steady)) * n_blocks_file
        records["partial_fit"] = {
            "rows": args.rows,
            "file_mib": file_mib,
            "block_rows": args.block_rows,
            "blocks_run": len(times),
            "block_s": times,
            "epoch_s_from_blocks": epoch_s,
            "epoch_timed": len(times) == n_blocks_file,
            "peak_rss_above_before_mib": (peak_pf - base) / 1024 if peak_pf else None,
            "rss_file_growth_mib": rss_file / 1024,
            "write_s": write_s,
        }
        del clf
        gc.collect()
        n_fit = min(args.fit_rows, args.rows)
        X = np.load(path, mmap_mode="r")
        X_mem = np.array(X[:n_fit])  # the in-memory copy a plain fit is given
        del X
        y_mem = y[:n_fit]
        gc.collect()
        base_fit = _status_kib("VmRSS:")
        _common.reset_peak_rss()
        t = _common.Timer()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            DVAANClassifier(max_iter=1, random_state=args.seed).fit(X_mem, y_mem)
        fit_s = t()
        peak_fit = _status_kib("VmHWM:") if can_reset else None
        records["fit"] = {
            "rows": n_fit,
            "input_mib": X_mem.nbytes / 2**20,
            "seconds_one_epoch": fit_s,
            "peak_rss_above_input_mib": (peak_fit - base_fit) / 1024
            if peak_fit
            else None,
        }
    pf, ft = records["partial_fit"], records["fit"]

    def mib(v):
        return "n/a" if v is None else f"{v:,.0f}"

    rows = [
        {
            "training": f"partial_fit, blocks of {pf['block_rows']:,} rows "
            f"from the memmap ({pf['blocks_run']} blocks)",
            "data rows": f"{pf['rows']:,}",
            "data MiB": f"{pf['file_mib']:,.0f} (on disk)",
            "peak RSS above before, MiB": mib(pf["peak_rss_above_before_mib"]),
            "s per block": _common.fmt_mean_std(pf["block_s"][1:] or pf["block_s"], 2),
            "s per epoch": f"{pf['epoch_s_from_blocks']:,.0f}"
            + ("" if pf["epoch_timed"] else " (from the blocks)"),
        },
        {
            "training": "fit (max_iter=1) on rows in memory",
            "data rows": f"{ft['rows']:,}",
            "data MiB": f"{ft['input_mib']:,.0f} (in memory)",
            "peak RSS above before, MiB": mib(ft["peak_rss_above_input_mib"]),
            "s per block": "-",
            "s per epoch": f"{ft['seconds_one_epoch']:,.1f}",
        },
    ]
    notes.append(
        "Peak RSS above before: VmHWM minus VmRSS before training (for fit, "
        "with its input already in memory, so it counts what fit adds: "
        "validation split, float32 copies, scaling, networks). The partial_fit "
        "peak includes the memmap pages read so far (file-backed memory grew by "
        f"{pf['rss_file_growth_mib']:,.0f} MiB), which the kernel can reclaim. "
        "The first block also runs the autoencoder's pretraining and is left "
        "out of the mean block time."
    )
    _common.write_results(
        "bench_memmap",
        args,
        tables=[("Training from a memmap", _common.markdown_table(rows))],
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=notes,
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--block-rows", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=None, help="blocks to train")
    parser.add_argument("--fit-rows", type=int, default=None)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 1_000_000 if args.quick else 25_000_000
    if args.blocks is None:
        args.blocks = 4 if args.quick else 12
    if args.fit_rows is None:
        args.fit_rows = 200_000 if args.quick else 1_000_000
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
