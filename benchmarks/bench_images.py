"""DVAAN on the paper's image pairs against a plain CNN with the same backbone.

Issue 3.8 for images. Binary tasks at imbalance ratios 1:5, 1:20, 1:50 and
1:100 (positives per negative in the training set):

* MNIST 5 (positive) vs 6, ``skdvaan.datasets.load_paper_pair("mnist")``;
* Fashion-MNIST sandal (5) vs sneaker (7), ``load_paper_pair("fashion-mnist")``
  (Debian: ``apt-get install dataset-fashion-mnist``);
* Fashion-MNIST shirt (6) vs T-shirt (0), a harder pair, built with
  ``make_imbalance_pair`` on ``load_mnist(kind="fashion-mnist")``.

Test ROC AUC and PR AUC on the full test pair (every test image of the two
classes), for

* ``DVAAN``: ``DVAANClassifier(input_shape=(1, 28, 28), max_iter=epochs)``;
* ``CNN weighted``: the DVAAN discriminator's conv backbone
  (``skdvaan._networks.Discriminator``, same ``NetworkConfig``) trained alone
  with class-weighted cross-entropy;
* ``CNN balanced batches``: the same network, unweighted cross-entropy, with
  mini-batches drawn by a ``WeightedRandomSampler`` (classes equally likely).

The budget is the same for all three: at most ``--epochs`` epochs, batch 200,
Adam at 1e-3, and DVAAN's stopping rule (with 1,000 training images or more,
a stratified validation split, stop after 10 epochs without a better
validation AUC and keep the best epoch; else stop when the training loss
stalls). The CNNs hold out 10% for it, DVAAN its default
``validation_fraction`` (20%). By default the training pairs are subsampled
(``--max-train``) to keep a CPU run in reach; ``--full`` uses every training
image (a GPU job). ``--dvaan-variants`` adds DVAANClassifier variants;
``--methods`` given with no names runs the variants alone (pair them with a
committed run by ``compare_runs.py``).

    python benchmarks/bench_images.py --quick
    python benchmarks/bench_images.py --full --device cuda --epochs 50
"""

import copy
import json
import math
from pathlib import Path

import _common
import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

from skdvaan import DVAANClassifier
from skdvaan._networks import Discriminator, NetworkConfig
from skdvaan.datasets import load_mnist, load_paper_pair, make_imbalance_pair

RATIOS = {"1:5": 0.2, "1:20": 0.05, "1:50": 0.02, "1:100": 0.01}
SHAPE = (1, 28, 28)


def _shirt_vs_tshirt(subset, ratio, seed):
    X, y = load_mnist(kind="fashion-mnist", subset=subset)
    if subset == "train":
        X, y = make_imbalance_pair(X, y, 6, 0, ratio=ratio, random_state=seed)
    else:
        keep = np.isin(y, [6, 0])
        X, y = X[keep], (y[keep] == 6).astype(np.int64)
    return X.reshape(len(X), -1).astype(np.float32) / 255.0, y


TASKS = {
    "MNIST 5 vs 6": lambda subset, ratio, seed: load_paper_pair(
        "mnist", ratio=ratio, subset=subset, random_state=seed
    ),
    "Fashion sandal vs sneaker": lambda subset, ratio, seed: load_paper_pair(
        "fashion-mnist", ratio=ratio, subset=subset, random_state=seed
    ),
    "Fashion shirt vs T-shirt": _shirt_vs_tshirt,
}


def _subsample(X, y, n, seed):
    """Stratified subsample of ``n`` rows (the imbalance ratio is kept)."""
    if n is None or n >= len(y):
        return X, y
    X, _, y, _ = train_test_split(X, y, train_size=n, stratify=y, random_state=seed)
    return X, y


def _predict(net, X, device, batch_size=1000):
    net.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            xb = torch.as_tensor(X[start : start + batch_size], device=device)
            logits = net(xb)[0]
            out.append((logits[:, 1] - logits[:, 0]).double().cpu())
    net.train()
    return torch.cat(out).numpy()


def train_cnn(X, y, *, balanced_batches, epochs, device, seed):
    """The DVAAN discriminator alone, under DVAAN's stopping rule."""
    rng = np.random.RandomState(seed)
    early = len(y) >= 1000
    X_val = y_val = None
    if early:
        X, X_val, y, y_val = train_test_split(
            X, y, test_size=0.1, stratify=y, random_state=rng
        )
    cfg = NetworkConfig(
        n_features=X.shape[1],
        n_classes=2,
        latent_dim=32,
        hidden=(128, 64),
        input_shape=SHAPE,
        output="sigmoid",
    )
    torch.manual_seed(seed)
    net = Discriminator(cfg).to(device).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    counts = np.bincount(y, minlength=2)
    class_w = counts.sum() / (2.0 * counts)
    if balanced_batches:
        loss_fn = torch.nn.CrossEntropyLoss()
        draw = torch.utils.data.WeightedRandomSampler(
            torch.as_tensor(class_w[y]),
            num_samples=len(y),
            replacement=True,
            generator=torch.Generator().manual_seed(seed),
        )
    else:
        loss_fn = torch.nn.CrossEntropyLoss(
            weight=torch.as_tensor(class_w, dtype=torch.float32, device=device)
        )
    X_t, y_t = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    gen = torch.Generator().manual_seed(seed)
    batch = min(200, len(y))
    best, best_state, best_loss, no_improve, n_epochs = -math.inf, None, math.inf, 0, 0
    for _ in range(epochs):
        n_epochs += 1
        order = (
            torch.as_tensor(list(draw))
            if balanced_batches
            else torch.randperm(len(y), generator=gen)
        ).to(device)
        total, steps = 0.0, 0
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            if idx.shape[0] < 2:
                continue  # batch norm needs two rows
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X_t[idx])[0], y_t[idx])
            loss.backward()
            opt.step()
            total, steps = total + loss.item(), steps + 1
        if early:
            score = roc_auc_score(y_val, _predict(net, X_val, device))
            no_improve = 0 if score > best + 1e-4 else no_improve + 1
            if score > best:
                best, best_state = score, copy.deepcopy(net.state_dict())
        else:
            loss = total / max(steps, 1)
            no_improve = 0 if loss < best_loss - 1e-4 else no_improve + 1
            best_loss = min(best_loss, loss)
        if no_improve > 10:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    return net, n_epochs


def run(args):
    timer = _common.Timer()
    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu")
        if args.device == "auto"
        else args.device
    )
    machine = _common.machine_info(device)  # at the start: load average
    ratios = args.ratios or (["1:5", "1:20"] if args.quick else list(RATIOS))
    max_train = None if args.full else args.max_train
    max_test = 500 if args.quick else None
    rows, records, skipped = [], [], []
    for seed in args.seeds or [args.seed]:
        _run_seed(
            args, seed, device, ratios, max_train, max_test, rows, records, skipped
        )
    if not records:  # every task skipped: no results file of empty tables
        raise SystemExit(
            "bench_images: no task could run, so no results were written.\n"
            + "\n".join(dict.fromkeys(skipped))
        )
    train_note = "complete" if max_train is None else f"at most {max_train} images"
    test_note = "complete" if max_test is None else f"subsampled to {max_test}"
    seeds = args.seeds or [args.seed]
    notes = [
        f"Training pairs: {train_note} (stratified subsample); test pairs: "
        f"{test_note}; at most {args.epochs} epochs; seeds {seeds} (each seed "
        "draws its own training subsample and initialisation).",
        "`DVAAN_a` is `DVAANClassifier(augmentation_ratio=0)`: the same model "
        "without boundary samples. Every method gets the same real mini-batches "
        "per epoch (D+ rows ride in DVAAN's batches, adding no gradient step).",
    ]
    notes += [f"Skipped: {s}" for s in dict.fromkeys(skipped)]
    tables = [("Test AUC on the image pairs", _common.markdown_table(rows))]
    if len(seeds) > 1:
        tables.append(
            (
                "Mean test ROC AUC over seeds, and DVAAN's paired differences "
                "(paired t-test over seeds and ratios, per task)",
                _common.markdown_table(summarise(records)),
            )
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


# What must agree for runs to be summarised together: the protocol.
_PROTOCOL = ("quick", "threads", "device", "epochs", "max_train", "full", "ratios")


def merge(args):
    """One summary over several runs of one protocol with disjoint seeds."""
    timer = _common.Timer()
    runs = [json.loads(Path(p).read_text()) for p in args.merge]
    first = runs[0]["args"]
    for path, run_ in zip(args.merge, runs):
        differ = [k for k in _PROTOCOL if run_["args"].get(k) != first.get(k)]
        if differ:
            raise SystemExit(f"{path.name} ran another protocol: {differ} differ.")
    seeds = [r["seed"] for run_ in runs for r in run_["records"]]
    cells = [
        (r["seed"], r["ratio"], r["method"]) for run_ in runs for r in run_["records"]
    ]
    if len(set(cells)) != len(cells):
        raise SystemExit("the runs share a (seed, ratio, method) cell: seeds overlap.")
    records = [r for run_ in runs for r in run_["records"]]
    sources = ", ".join(
        f"`{Path(p).name}` (seeds {sorted({r['seed'] for r in run_['records']})})"
        for p, run_ in zip(args.merge, runs)
    )
    _common.write_results(
        args.name,
        args,
        tables=[
            (
                "Mean test ROC AUC over seeds, and DVAAN's paired differences "
                "(paired t-test over seeds and ratios, per task)",
                _common.markdown_table(summarise(records)),
            )
        ],
        records=records,
        machine=runs[-1]["machine"],
        wall_time=timer(),
        notes=[
            f"Merged, not run: {sources}, {len(set(seeds))} seeds in all; "
            "the machine line is the last run's. The runs' own files hold "
            "each cell's scores and times.",
        ],
    )


def summarise(records):
    """Per task: mean AUC per method and DVAAN's paired differences."""
    from scipy import stats

    rows = []
    for task in dict.fromkeys(r["task"] for r in records):
        rs = [r for r in records if r["task"] == task]
        cells = sorted({(r["ratio"], r["seed"]) for r in rs})
        auc = {(r["ratio"], r["seed"], r["method"]): r["roc_auc"] for r in rs}
        methods = list(dict.fromkeys(r["method"] for r in rs))
        for ratio in dict.fromkeys(c[0] for c in cells):
            row = {"task": task, "ratio": ratio}
            for m in methods:
                vals = [auc[(ratio, s, m)] for (r_, s) in cells if r_ == ratio]
                row[m] = f"{np.mean(vals):.4f}"
            rows.append(row)
        # Variants run alone have no DVAAN rows to pair with (compare_runs.py
        # pairs them with a committed run instead).
        others = [m for m in methods if m != "DVAAN"] if "DVAAN" in methods else []
        for other in others:
            d = [auc[(r_, s, "DVAAN")] - auc[(r_, s, other)] for (r_, s) in cells]
            p = stats.ttest_1samp(d, 0.0).pvalue if len(d) > 1 else float("nan")
            verdict = "tie" if not p < 0.05 else ("win" if np.mean(d) > 0 else "loss")
            rows.append(
                {
                    "task": task,
                    "ratio": f"DVAAN - {other}",
                    "DVAAN": f"{np.mean(d):+.4f} (p={p:.3f}, {verdict})",
                }
            )
    return rows


METHODS = ("DVAAN", "DVAAN_a", "CNN weighted", "CNN balanced batches")


def _methods(args):
    """``(label, extra DVAAN parameters)``: the chosen methods, then the variants."""
    # --methods with no names runs the variants alone.
    out = [(m, {}) for m in METHODS if args.methods is None or m in args.methods]
    for params in args.variants:
        out.append(("DVAAN " + json.dumps(params, sort_keys=True), params))
    return out


def _run_seed(args, seed, device, ratios, max_train, max_test, rows, records, skipped):
    for task, load in TASKS.items():
        if args.tasks and not any(s in task for s in args.tasks):
            continue
        try:
            X_test, y_test = load("test", None, seed)
        except FileNotFoundError as exc:
            skipped.append(f"{task}: {str(exc).splitlines()[0]}")
            print("skipped", skipped[-1], flush=True)
            continue
        X_test, y_test = _subsample(X_test, y_test, max_test, seed)
        for r_label in ratios:
            X, y = load("train", RATIOS[r_label], seed)
            X, y = _subsample(X, y, max_train, seed)
            for method, extra in _methods(args):
                t = _common.Timer()
                with _common.WarningCounter() as wc:
                    if method.startswith("DVAAN"):
                        params = {
                            "input_shape": SHAPE,
                            "max_iter": args.epochs,
                            "device": str(device),
                            "random_state": seed,
                            "augmentation_ratio": 0.0 if method == "DVAAN_a" else 0.5,
                            **extra,  # a variant may set any of these
                        }
                        clf = DVAANClassifier(**params).fit(X, y)
                        fit_s, n_epochs = t(), clf.n_iter_
                        score = clf.decision_function(X_test)
                    else:
                        net, n_epochs = train_cnn(
                            X,
                            y,
                            balanced_batches=method.endswith("batches"),
                            epochs=args.epochs,
                            device=device,
                            seed=seed,
                        )
                        fit_s = t()
                        score = _predict(net, X_test, device)
                rec = {
                    "seed": seed,
                    "task": task,
                    "ratio": r_label,
                    "n_train": int(len(y)),
                    "n_train_positive": int(y.sum()),
                    "n_test": int(len(y_test)),
                    "method": method,
                    "roc_auc": roc_auc_score(y_test, score),
                    "pr_auc": average_precision_score(y_test, score),
                    "epochs_run": int(n_epochs),
                    "fit_s": fit_s,
                    "warnings": wc.counts(),
                    "warning_messages": wc.messages(),
                }
                records.append(rec)
                rows.append(
                    {
                        "seed": seed,
                        "task": task,
                        "ratio": r_label,
                        "train (pos)": f"{rec['n_train']} ({rec['n_train_positive']})",
                        "method": method,
                        "test ROC AUC": f"{rec['roc_auc']:.4f}",
                        "test PR AUC": f"{rec['pr_auc']:.4f}",
                        "epochs": n_epochs,
                        "fit s": f"{fit_s:.1f}",
                        "warnings": _common.format_warnings(rec["warnings"]),
                    }
                )
                print(rows[-1], flush=True)


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--epochs", type=int, default=None, help="epoch budget")
    parser.add_argument(
        "--max-train",
        type=int,
        default=2000,
        help="stratified subsample of each training pair (ignored with --full)",
    )
    parser.add_argument("--full", action="store_true", help="every training image")
    parser.add_argument("--ratios", nargs="*", choices=list(RATIOS))
    parser.add_argument("--tasks", nargs="*", help="tasks whose name contains these")
    parser.add_argument("--seeds", nargs="*", type=int, help="several seeds")
    parser.add_argument("--name", default="bench_images", help="stem of the results")
    parser.add_argument("--methods", nargs="*", choices=list(METHODS))
    parser.add_argument(
        "--dvaan-variants",
        help="JSON list of DVAANClassifier parameter dicts, one more method each",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        help="instead of running: summarise these results files of one protocol "
        "and disjoint seeds together (e.g. seeds 0-2 and a later run of 3-4)",
    )
    args = parser.parse_args()
    if args.merge:
        merge(args)
        return
    args.variants = _common.variant_params(args)
    if args.quick:
        args.max_train = min(args.max_train, 400)
    if args.epochs is None:
        args.epochs = 3 if args.quick else 20
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
