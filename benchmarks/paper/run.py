"""Reproduce Sec. 4 of the paper in one command: Tables 1-3, Figs. 4-6.

    python -m benchmarks.paper.run --quick                     # CPU smoke run
    python -m benchmarks.paper.run --device cuda --budget-minutes 8

Seven methods (``methods.PAPER_METHODS``) and four practitioner baselines
(``methods.PRACTITIONER_METHODS``), all on the library's networks with one
shared budget, on every data set found: MNIST 5 vs 6, Fashion-MNIST sandal
vs sneaker, CIFAR-10 cat vs dog (``skdvaan.datasets.PAPER_PAIRS``). A data
set that is missing is skipped with a note.

* Table 1: 1:5, the positive class subsampled to 20% of the negatives;
* Table 2: 1:9, the positive class against all nine others (every image);
* Table 3: test reconstruction MSE of the VAE-type methods;
* Fig. 4: DVAAN's ``mu`` per epoch; Fig. 5: AUC at 1:10 ... 1:100 for DVAAN
  and the practitioner baselines; Fig. 6: DVAAN samples from the class cores
  and the boundary.

Results go to ``--out``: ``results.json`` (every run, rewritten after each
one, so a killed run keeps what it finished; ``--resume`` continues it),
``results.md`` and ``fig*.png``. With ``--budget-minutes`` the epochs are
chosen from a short timing of every method on the machine itself.
"""

import argparse
import functools
import json
import math
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks._common import command_line  # noqa: E402
from benchmarks.paper import report  # noqa: E402
from benchmarks.paper.methods import (  # noqa: E402
    PAPER_METHODS,
    PRACTITIONER_METHODS,
    Setup,
    make_method,
)
from skdvaan.datasets import (  # noqa: E402
    PAPER_PAIRS,
    load_cifar10,
    load_mnist,
    make_imbalance_pair,
)

SETTINGS = {  # table -> how the training set is built
    "1:5": {"ratio": 0.2, "one_vs_all": False},
    # ratio=1 keeps every positive: one class against nine gives about 1:9.
    "1:9": {"ratio": 1.0, "one_vs_all": True},
}
FIG5_RATIOS = (0.1, 0.05, 0.02, 0.01)
FIG5_METHODS = ("DVAAN", *PRACTITIONER_METHODS)
PROFILES = {
    # A CPU smoke run: every table cell, 3 seeds, small subsamples.
    "quick": {
        "max_train": 800,
        "max_test": 1000,
        "epochs": 3,
        "batch_size": 64,
        "backbone": "conv",
        "image_size": 14,  # 2x2 average pooling: 4x fewer pixels
        "fig5_seeds": None,  # None: every seed
        "fig5_datasets": ("mnist",),
    },
    # Every training and test image; a GPU job (set --budget-minutes).
    "full": {
        "max_train": None,
        "max_test": None,
        "epochs": 30,
        "batch_size": 128,
        "backbone": "paper",
        "image_size": None,  # native resolution
        "fig5_seeds": None,
        "fig5_datasets": ("mnist",),
    },
}


# --------------------------------------------------------------------- data


@functools.cache
def _raw(name, subset, data_home):
    if name == "cifar10":
        X, y = load_cifar10(data_home, subset=subset)
    else:
        X, y = load_mnist(data_home, kind=name, subset=subset)
    return X.reshape(len(X), -1), y


def available(name, data_home=None):
    """``None`` when the data set loads, else the reason it does not."""
    try:
        _raw(name, "train", data_home)
        _raw(name, "test", data_home)
    except (OSError, ValueError) as exc:
        # Whole, for the log; the results page says it in its own words.
        return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return None


def _cap(X, y, n, seed):
    if n is None or len(y) <= n:
        return X, y
    # Stratified when every class can be split (a class of one cannot).
    strat = y if np.bincount(y).min() >= 2 else None
    X, _, y, _ = train_test_split(X, y, train_size=n, stratify=strat, random_state=seed)
    return X, y


def load_task(
    name,
    *,
    ratio,
    one_vs_all,
    seed,
    max_train=None,
    max_test=None,
    data_home=None,
    image_size=None,
):
    """Train and test sets as ``skdvaan.datasets.load_paper_pair`` builds them.

    The raw arrays are cached across seeds; ``max_train``/``max_test`` take a
    stratified subsample (the same for every method of a seed) and
    ``image_size`` average-pools the images (quick runs).
    """
    pos, neg = PAPER_PAIRS[name]["positive"], PAPER_PAIRS[name]["negative"]
    X, y = _raw(name, "train", data_home)
    Xtr, ytr = make_imbalance_pair(
        X, y, pos, "rest" if one_vs_all else neg, ratio=ratio, random_state=seed
    )
    X, y = _raw(name, "test", data_home)
    keep = np.ones(len(y), bool) if one_vs_all else np.isin(y, [pos, neg])
    Xte, yte = X[keep], (y[keep] == pos).astype(np.int64)
    Xtr, ytr = _cap(Xtr, ytr, max_train, seed)
    Xte, yte = _cap(Xte, yte, max_test, seed)
    shape = PAPER_PAIRS[name]["input_shape"]
    Xtr, Xte = _pool(Xtr, shape, image_size), _pool(Xte, shape, image_size)
    return Xtr, ytr, Xte, yte


def image_shape(name, image_size=None):
    """``(C, H, W)`` of the images of data set ``name`` after pooling."""
    c, h, w = PAPER_PAIRS[name]["input_shape"]
    if image_size is None or image_size == h:
        return (c, h, w)
    return (c, image_size, image_size)


def _pool(X, shape, size):
    """Pixels in [0, 1], average-pooled to ``size`` x ``size`` when given."""
    X = X.astype(np.float32) / 255.0
    c, h, w = shape
    if size is None or size == h:
        return X
    f = h // size
    if f * size != h or h != w:
        raise ValueError(f"image size {size} does not divide {h}x{w}")
    X = X.reshape(len(X), c, size, f, size, f).mean(axis=(3, 5))
    return X.reshape(len(X), -1)


# ------------------------------------------------------------------ running


def evaluate(method, X, y):
    """Fit-free scores of a fitted method on test data: AUC, MSE, time."""
    t0 = time.perf_counter()
    out = {"auc": float(roc_auc_score(y, method.decision_function(X)))}
    if getattr(method, "generative", False):
        rec = method.reconstruct(X, y)
        out["mse"] = float(np.mean((rec - X) ** 2))
    out["score_s"] = round(time.perf_counter() - t0, 3)
    return out


def fit_one(name, setup, seed, Xtr, ytr, Xte, yte):
    """Fit one method; the record of the run and the fitted method."""
    method = make_method(name, setup, random_state=seed)
    t0 = time.perf_counter()
    method.fit(Xtr, ytr)
    rec = {"fit_s": round(time.perf_counter() - t0, 3)}
    rec.update(evaluate(method, Xte, yte))
    if "mse" in rec:  # reference: every test image replaced by the training mean
        rec["mse_mean_image"] = float(np.mean((Xte - Xtr.mean(axis=0)) ** 2))
    if name.startswith("DVAAN"):
        rec["mu_curve"] = [float(v) for v in method.clf_.mu_curve_]
        rec["n_boundary"] = [int(h["n_boundary"]) for h in method.history_]
        rec["steps_per_epoch"] = math.ceil(len(ytr) / setup.batch_size)
    return rec, method


def fig6_rows(method, n=10, seed=0):
    """Decoded samples of a fitted DVAAN, rows as in the paper's Fig. 6."""
    clf = method.clf_
    rows, notes = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for label, k, kind in ((1, "pos", "core"), (1, "pos", "boundary")):
            X, _ = clf.sample(n, target_class=label, kind=kind, random_state=seed)
            rows.append((f"{k} {kind}", X / clf.pixel_scale_))
        module = clf.module_.eval()
        gen = torch.Generator(device=clf.device_).manual_seed(seed)
        z = torch.randn(
            n, clf.latent_means_.shape[1], generator=gen, device=clf.device_
        )
        with torch.no_grad():
            rows.append(("N(0, I) raw", module.decoder(z).float().cpu().numpy()))
        for label, k, kind in ((0, "neg", "boundary"), (0, "neg", "core")):
            X, _ = clf.sample(n, target_class=label, kind=kind, random_state=seed)
            rows.append((f"{k} {kind}", X / clf.pixel_scale_))
    notes = [str(w.message).split(";")[0] for w in caught]
    return rows, notes


def plan_epochs(cells, setup_of, budget_s, max_epochs, data_of, log):
    """Epochs per cell so that the whole run fits ``budget_s`` seconds.

    ``cells`` maps a cell to ``(methods, repeats)``: the methods fitted in
    it and how often (seeds, times the ratios of Fig. 5). Every method is
    timed for two epochs on a stratified subsample of the cell's data (seed
    0), which gives seconds per image-epoch (scaled up for DVAAN's ``D+``),
    and for scoring the test set. Cells get equal shares of 85% of the time
    (about equal numbers of gradient steps); a cell that would exceed
    ``max_epochs`` gives its spare time back to the others.
    """
    t_start = time.perf_counter()
    per_epoch, fixed = {}, {}
    for cell, (methods, repeats) in cells.items():
        Xtr, ytr, Xte, yte = data_of(cell)
        setup = setup_of(2, cell[1])
        n_cal = min(len(ytr), 8 * setup.batch_size)
        Xc, yc = _cap(Xtr, ytr, n_cal, 0)
        Xs, ys = _cap(Xte, yte, 2000, 0)
        cost, score = 0.0, 0.0
        counts = np.bincount(ytr, minlength=2)
        for name in methods:
            rec, method = fit_one(name, setup, 0, Xc, yc, Xs, ys)
            # The timing's first epoch has no D+ and its second only a few
            # samples; a full run adds up to ratio * (n_neg - n_pos) samples
            # each epoch, plus about 30% more to draw and test them.
            ratio = getattr(method, "params", {}).get("augmentation_ratio", 0.0)
            grow = 1.0 + 1.3 * ratio * (counts.max() - counts.min()) / len(ytr)
            cost += grow * rec["fit_s"] / (2 * n_cal)
            score += rec["score_s"] * len(yte) / len(ys)
        per_epoch[cell] = cost * len(ytr) * repeats
        fixed[cell] = score * repeats
        log(
            f"calibrated {cell}: {per_epoch[cell]:.2f} s per epoch for all its "
            f"runs, {fixed[cell]:.1f} s of scoring"
        )
    # 15% of slack for what the timing misses (figures, noisy machines).
    left = 0.85 * budget_s - (time.perf_counter() - t_start)
    epochs, open_cells = {}, dict(per_epoch)
    while open_cells:
        share = max(left, 0.0) / len(open_cells)
        capped = {
            c for c, cost in open_cells.items() if share - fixed[c] >= cost * max_epochs
        }
        if not capped:
            for c, cost in open_cells.items():
                epochs[c] = int(max(1, min(max_epochs, (share - fixed[c]) // cost)))
            break
        for c in capped:
            epochs[c] = max_epochs
            left -= open_cells.pop(c) * max_epochs + fixed[c]
    predicted = sum(per_epoch[c] * e + fixed[c] for c, e in epochs.items())
    log(
        f"planned epochs {epochs}: about {predicted:.0f} s after "
        f"{time.perf_counter() - t_start:.0f} s of timing"
    )
    if predicted > budget_s:
        log("WARNING: one epoch per cell already exceeds the budget; expect a cut run")
    return epochs


def _cell_key(kind, dataset, setting):
    return f"{kind}:{dataset}:{setting}"


def run(args):
    t_start = time.perf_counter()
    prof = dict(PROFILES["quick" if args.quick else "full"])
    for key in (
        "max_train",
        "max_test",
        "epochs",
        "batch_size",
        "backbone",
        "image_size",
    ):
        if getattr(args, key) is not None:
            prof[key] = getattr(args, key)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(
        "cuda"
        if args.device == "auto" and torch.cuda.is_available()
        else ("cpu" if args.device == "auto" else args.device)
    )
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: autotune once
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    log = functools.partial(print, flush=True)

    notes, datasets = [], []
    for d in args.datasets:
        why = available(d, args.data_home)
        if why:
            notes.append(report.missing_data_note(d))
            log(f"SKIP {d}: {why}")
        else:
            datasets.append(d)
    seeds = list(args.seeds)
    methods = [m for m in PAPER_METHODS + PRACTITIONER_METHODS if m in args.methods]
    fig5_sets = [d for d in prof["fig5_datasets"] if d in datasets and not args.no_fig5]
    fig5_seeds = seeds[: prof["fig5_seeds"]] if prof["fig5_seeds"] else seeds
    fig5_methods = [m for m in FIG5_METHODS if m in methods]

    state = {"records": [], "epochs": {}}
    if args.resume and json_path.exists():
        state = json.loads(json_path.read_text())
        log(f"resuming: {len(state['records'])} runs already in {json_path}")
    config = {
        "device": str(device),
        "seeds": seeds,
        "backbone": prof["backbone"],
        "hidden": list(args.hidden),
        "latent_dim": args.latent_dim,
        "batch_size": prof["batch_size"],
        "learning_rate": args.learning_rate,
        "image_size": prof["image_size"],
        "max_train": prof["max_train"],
        "max_test": prof["max_test"],
        "fig5_ratios": list(FIG5_RATIOS),
        "fig5_seeds": fig5_seeds,
    }
    state.update(
        command=command_line(module="benchmarks.paper.run"),
        machine=report.machine_info(device, REPO_ROOT),
        config=config,
        notes=notes,
        interrupted=False,
    )

    def setup_of(epochs, dataset):
        return Setup(
            input_shape=image_shape(dataset, prof["image_size"]),
            backbone=prof["backbone"],
            hidden=tuple(args.hidden),
            latent_dim=args.latent_dim,
            batch_size=prof["batch_size"],
            epochs=epochs,
            learning_rate=args.learning_rate,
            device=str(device),
        )

    # Cells: (kind, dataset, setting-or-ratio) -> methods that run in it.
    cells = {}
    for d in datasets:
        for s in SETTINGS:
            cells[("table", d, s)] = methods
    for d in fig5_sets:
        for r in FIG5_RATIOS:
            cells[("fig5", d, r)] = fig5_methods

    def data_of(cell, seed=0):
        kind, d, s = cell
        spec = SETTINGS[s] if kind == "table" else {"ratio": s, "one_vs_all": False}
        return load_task(
            d,
            seed=seed,
            max_train=prof["max_train"],
            max_test=prof["max_test"],
            data_home=args.data_home,
            image_size=prof["image_size"],
            **spec,
        )

    todo = {c: m for c, m in cells.items() if _cell_key(*c) not in state["epochs"]}
    if args.budget_minutes and todo:
        # The Fig. 5 ratios of a data set are planned as one cell.
        first = FIG5_RATIOS[0]
        plan = {c: (m, len(seeds)) for c, m in todo.items() if c[0] == "table"}
        plan |= {
            c: (m, len(fig5_seeds) * len(FIG5_RATIOS))
            for c, m in todo.items()
            if c[0] == "fig5" and c[2] == first
        }
        budget_s = args.budget_minutes * 60 - (time.perf_counter() - t_start)
        planned = plan_epochs(plan, setup_of, budget_s, prof["epochs"], data_of, log)
        for c in todo:
            ref = c if c in planned else ("fig5", c[1], first)
            if ref in planned:
                state["epochs"][_cell_key(*c)] = planned[ref]
    for c in todo:
        state["epochs"].setdefault(_cell_key(*c), prof["epochs"])

    done = {
        (r["kind"], r["dataset"], r["setting"], r["method"], r["seed"])
        for r in state["records"]
    }
    jobs = [(seed, c) for seed in seeds for c in cells if c[0] == "table"]
    jobs += [(seed, c) for seed in fig5_seeds for c in cells if c[0] == "fig5"]
    n_runs = sum(len(cells[c]) for _, c in jobs)
    i_run = 0

    earlier_s = state.get("wall_time_s", 0.0) if args.resume else 0.0

    def save():  # wall time adds up over --resume runs
        state["wall_time_s"] = round(earlier_s + time.perf_counter() - t_start, 1)
        tmp = json_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(json_path)  # a kill mid-write never leaves a broken file
        (out / "results.md").write_text(report.markdown(state))

    def on_term(signum, frame):
        raise SystemExit(128 + signum)  # not KeyboardInterrupt: DVAAN catches that

    signal.signal(signal.SIGTERM, on_term)
    save()
    try:
        for seed, cell in jobs:
            kind, d, s = cell
            names = [m for m in cells[cell] if (kind, d, s, m, seed) not in done]
            i_run += len(cells[cell]) - len(names)
            if not names:
                continue
            Xtr, ytr, Xte, yte = data_of(cell, seed)
            shape = image_shape(d, prof["image_size"])
            setup = setup_of(state["epochs"][_cell_key(*cell)], d)
            for name in names:
                i_run += 1
                rec, method = fit_one(name, setup, seed, Xtr, ytr, Xte, yte)
                rec.update(
                    kind=kind,
                    dataset=d,
                    setting=s,
                    method=name,
                    seed=seed,
                    ratio=SETTINGS[s]["ratio"] if kind == "table" else s,
                    epochs=setup.epochs,
                    n_train=int(len(ytr)),
                    n_pos=int(ytr.sum()),
                    n_test=int(len(yte)),
                    n_test_pos=int(yte.sum()),
                )
                state["records"].append(rec)
                save()
                mse = f" MSE={rec['mse']:.4f}" if "mse" in rec else ""
                log(
                    f"[{i_run}/{n_runs}] {d} {kind} {s} {name} seed={seed}: "
                    f"AUC={rec['auc']:.4f}{mse} fit {rec['fit_s']:.1f}s "
                    f"({setup.epochs} ep, n={len(ytr)}, pos={int(ytr.sum())}) "
                    f"elapsed {time.perf_counter() - t_start:.0f}s"
                )
                if (name, kind, s, seed) == ("DVAAN", "table", "1:5", seeds[0]):
                    rows, fig_notes = fig6_rows(method)
                    report.plot_samples(
                        rows,
                        shape,
                        out / f"fig6_samples_{d}.png",
                        f"DVAAN samples, {report.COLUMNS[d]} 1:5, seed {seed}",
                    )
                    state.setdefault("fig6_notes", {})[d] = fig_notes
    except (KeyboardInterrupt, SystemExit):
        state["interrupted"] = True
        log("interrupted: writing the partial results")
        raise
    finally:
        save()
        report.plot_mu(state["records"], out / "fig4_mu.png")
        report.plot_ratio(state["records"], out / "fig5_ratio.png", FIG5_RATIOS)
        log(
            f"wrote {out}/results.json, results.md and figures "
            f"({state['wall_time_s']:.0f} s)"
        )
    log("")
    log(report.markdown(state))
    return state


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.paper.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="CPU smoke run (subsampled)")
    p.add_argument(
        "--datasets",
        nargs="+",
        default=["mnist", "fashion-mnist", "cifar10"],
        choices=sorted(PAPER_PAIRS),
    )
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument(
        "--methods", nargs="+", default=list(PAPER_METHODS + PRACTITIONER_METHODS)
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results folder (default benchmarks/results/paper[_quick])",
    )
    p.add_argument(
        "--budget-minutes",
        type=float,
        default=None,
        help="choose epochs per cell (at most --epochs) to fit this time",
    )
    p.add_argument(
        "--epochs", type=int, default=None, help="epochs (the cap with a budget)"
    )
    p.add_argument("--max-train", type=int, default=None)
    p.add_argument("--max-test", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--backbone", choices=["conv", "paper", "mlp"], default=None)
    p.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="average-pool images to this size (quick: 14; full: native)",
    )
    p.add_argument("--hidden", nargs="+", type=int, default=[128, 64])
    p.add_argument("--latent-dim", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: 2 with --quick, torch's own otherwise)",
    )
    p.add_argument(
        "--data-home",
        default=None,
        help="folder with mnist/, fashion-mnist/, cifar10/ (else the "
        "library's search path, SKDVAAN_DATA included)",
    )
    p.add_argument("--no-fig5", action="store_true", help="skip the ratio sweep")
    p.add_argument("--resume", action="store_true", help="keep finished runs in --out")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="redraw results.md and figures from --out/results.json",
    )
    args = p.parse_args(argv)
    if args.out is None:
        name = "paper_quick" if args.quick else "paper"
        args.out = REPO_ROOT / "benchmarks" / "results" / name
    if args.threads is None and args.quick:
        args.threads = 2
    if args.report_only:
        state = json.loads((Path(args.out) / "results.json").read_text())
        (Path(args.out) / "results.md").write_text(report.markdown(state))
        report.plot_mu(state["records"], Path(args.out) / "fig4_mu.png")
        report.plot_ratio(
            state["records"],
            Path(args.out) / "fig5_ratio.png",
            state["config"]["fig5_ratios"],
        )
        print(report.markdown(state))
        return state
    return run(args)


if __name__ == "__main__":
    main()
