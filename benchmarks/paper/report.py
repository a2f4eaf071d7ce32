"""Tables and figures of the paper reproduction, from the run's records.

Everything here reads the list of per-run records that ``run.py`` stores in
``results.json``, so ``python -m benchmarks.paper.run --report-only`` can
redraw a killed or finished run.
"""

import datetime
import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import torch

from .._common import _cpu_model, _git_commit, display_args
from .methods import PAPER_METHODS, PRACTITIONER_METHODS, VAE_METHODS

COLUMNS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}

# The paper's numbers (Guo et al., IJCAI 2019, Sec. 4), AUC in %.
PAPER_TABLE1 = {  # imbalance ratio 1:5, two classes
    "VAE-GAN": {
        "MNIST": 91.52,
        "Fashion-MNIST": 87.12,
        "CIFAR-10": 89.87,
        "TIS": 71.38,
    },
    "VAE-GAN_b": {
        "MNIST": 96.17,
        "Fashion-MNIST": 88.35,
        "CIFAR-10": 92.19,
        "TIS": 74.14,
    },
    "AC-GAN": {"MNIST": 98.49, "Fashion-MNIST": 92.07, "CIFAR-10": 94.26, "TIS": 80.62},
    "CVAE-GAN": {
        "MNIST": 96.83,
        "Fashion-MNIST": 91.44,
        "CIFAR-10": 95.05,
        "TIS": 78.45,
    },
    "DVAAN_mu": {
        "MNIST": 96.28,
        "Fashion-MNIST": 90.34,
        "CIFAR-10": 93.37,
        "TIS": 83.56,
    },
    "DVAAN_a": {
        "MNIST": 97.76,
        "Fashion-MNIST": 91.75,
        "CIFAR-10": 94.83,
        "TIS": 84.69,
    },
    "DVAAN": {"MNIST": 98.71, "Fashion-MNIST": 92.33, "CIFAR-10": 96.17, "TIS": 85.51},
}
PAPER_TABLE2 = {  # imbalance ratio 1:9, one class against all others
    "VAE-GAN": {"MNIST": 93.94, "Fashion-MNIST": 88.14, "CIFAR-10": 91.08},
    "VAE-GAN_b": {"MNIST": 97.03, "Fashion-MNIST": 88.75, "CIFAR-10": 94.14},
    "AC-GAN": {"MNIST": 98.61, "Fashion-MNIST": 89.30, "CIFAR-10": 98.07},
    "CVAE-GAN": {"MNIST": 98.76, "Fashion-MNIST": 90.26, "CIFAR-10": 96.96},
    "DVAAN_mu": {"MNIST": 96.90, "Fashion-MNIST": 89.71, "CIFAR-10": 95.77},
    "DVAAN_a": {"MNIST": 98.33, "Fashion-MNIST": 91.81, "CIFAR-10": 96.28},
    "DVAAN": {"MNIST": 99.13, "Fashion-MNIST": 92.59, "CIFAR-10": 97.91},
}
# Table 3: mean squared reconstruction error at 1:5. The paper does not say
# what the suffixes -1, -2, -3 mean, so its rows are shown as printed.
PAPER_TABLE3 = {
    "VAE-GAN-1": {
        "MNIST": 0.0713,
        "Fashion-MNIST": 0.1734,
        "CIFAR-10": 0.1524,
        "TIS": 0.7321,
    },
    "VAE-GAN-2": {
        "MNIST": 0.0137,
        "Fashion-MNIST": 0.0824,
        "CIFAR-10": 0.0932,
        "TIS": 0.4213,
    },
    "CVAE-GAN": {
        "MNIST": 0.0031,
        "Fashion-MNIST": 0.0427,
        "CIFAR-10": 0.0371,
        "TIS": 0.4136,
    },
    "DVAAN-1": {
        "MNIST": 0.0115,
        "Fashion-MNIST": 0.0767,
        "CIFAR-10": 0.0726,
        "TIS": 0.6211,
    },
    "DVAAN-2": {
        "MNIST": 0.0072,
        "Fashion-MNIST": 0.0719,
        "CIFAR-10": 0.0623,
        "TIS": 0.4213,
    },
    "DVAAN-3": {
        "MNIST": 0.0059,
        "Fashion-MNIST": 0.0503,
        "CIFAR-10": 0.0569,
        "TIS": 0.3836,
    },
}


def _values(records, key, **match):
    return [
        r[key]
        for r in records
        if r.get(key) is not None and all(r.get(k) == v for k, v in match.items())
    ]


def _mean_std(values, scale=100.0, digits=2):
    if not values:
        return "–"
    v = np.asarray(values, dtype=float) * scale
    return f"{v.mean():.{digits}f} ± {v.std():.{digits}f} (n={v.size})"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


_ABS_PATH = re.compile(r"(?<![\w.:/~])(?:/[^\s/:;,()'\"]+)+/?|[A-Za-z]:\\\S+")


def display_command(command):
    """``command`` with absolute paths replaced as in :func:`display_args`."""
    return " ".join(display_args(command.split()))


def display_note(note):
    """A note as the results page shows it: whole, with no absolute paths.

    Older runs stored the loader's error message, with the folders it searched;
    the page says which data set was missing and how to supply it instead.
    """
    name, sep, _ = note.partition(" skipped: not found")
    if sep:
        return missing_data_note(name)
    return _ABS_PATH.sub("PATH", note)


def missing_data_note(name):
    """Why a data set is absent from the tables, in one untruncated sentence."""
    label = COLUMNS.get(name, name)
    return (
        f"{label} skipped: its files were not found. Pass `--data-home` or set "
        "`SKDVAAN_DATA` (see benchmarks/paper/README.md)."
    )


def auc_table(records, setting, datasets, paper):
    """Markdown: our AUC (mean ± std over seeds, in %) next to the paper's."""
    header = ["Method"]
    for d in datasets:
        header += [f"{COLUMNS[d]} (ours)", f"{COLUMNS[d]} (paper)"]
    rows = []
    for method in PAPER_METHODS + PRACTITIONER_METHODS:
        row = [method]
        for d in datasets:
            aucs = _values(
                records, "auc", kind="table", dataset=d, setting=setting, method=method
            )
            ref = paper.get(method, {}).get(COLUMNS[d])
            row += [_mean_std(aucs), "–" if ref is None else f"{ref:.2f}"]
        rows.append(row)
    return _table(header, rows)


def mse_table(records, datasets):
    """Markdown: test reconstruction MSE of the VAE-type methods (pixels in [0, 1])."""
    header = ["Method"] + [
        f"{COLUMNS[d]} {s}" for d in datasets for s in ("1:5", "1:9")
    ]
    rows = []
    for method in VAE_METHODS:
        row = [method]
        for d in datasets:
            for s in ("1:5", "1:9"):
                v = _values(
                    records, "mse", kind="table", dataset=d, setting=s, method=method
                )
                row.append(_mean_std(v, scale=1.0, digits=4))
        rows.append(row)
    row = ["(mean training image)"]
    for d in datasets:
        for s in ("1:5", "1:9"):
            v = _values(records, "mse_mean_image", kind="table", dataset=d, setting=s)
            row.append(f"{np.mean(v):.4f}" if v else "–")
    rows.append(row)
    ours = _table(header, rows)
    cols = [COLUMNS[d] for d in datasets]
    paper = _table(
        ["Paper's row"] + cols,
        [[k] + [f"{v[c]:.4f}" for c in cols] for k, v in PAPER_TABLE3.items()],
    )
    return ours, paper


def ratio_table(records, datasets, ratios):
    """Markdown: AUC against the imbalance ratio (Fig. 5), with 1:5 from Table 1."""
    header = ["Dataset", "Method", "1:5"] + [f"1:{round(1 / r)}" for r in ratios]
    rows = []
    for d in datasets:
        for method in ("DVAAN",) + PRACTITIONER_METHODS:
            row = [COLUMNS[d], method]
            row.append(
                _mean_std(
                    _values(
                        records,
                        "auc",
                        kind="table",
                        dataset=d,
                        setting="1:5",
                        method=method,
                    )
                )
            )
            for r in ratios:
                v = _values(
                    records, "auc", kind="fig5", dataset=d, ratio=r, method=method
                )
                row.append(_mean_std(v))
            rows.append(row)
    return _table(header, rows)


def _paired(records, match, a, b):
    """Per-seed ``auc(a) - auc(b)`` (points) where both ran on the same seed."""
    ra = {r["seed"]: r["auc"] for r in records if r["method"] == a and _is(r, match)}
    rb = {r["seed"]: r["auc"] for r in records if r["method"] == b and _is(r, match)}
    return [100 * (ra[k] - rb[k]) for k in sorted(ra) if k in rb]


def _is(record, match):
    return all(record.get(k) == v for k, v in match.items())


def paired_table(records, datasets, ratios):
    """Markdown: DVAAN minus each other method, paired by seed (same data).

    Cells read ``mean difference in AUC points (seeds DVAAN won / seeds)``.
    """
    cells = [
        (f"{COLUMNS[d]} {s}", {"kind": "table", "dataset": d, "setting": s})
        for d in datasets
        for s in ("1:5", "1:9")
    ]
    cells += [
        (f"{COLUMNS[d]} 1:{round(1 / r)}", {"kind": "fig5", "dataset": d, "ratio": r})
        for d in datasets
        for r in ratios
        if any(_is(x, {"kind": "fig5", "dataset": d}) for x in records)
    ]
    others = [m for m in PAPER_METHODS + PRACTITIONER_METHODS if m != "DVAAN"]
    rows = []
    for b in others:
        row = [f"DVAAN − {b}"]
        for _, match in cells:
            d = _paired(records, match, "DVAAN", b)
            wins = sum(x > 0 for x in d)
            row.append(f"{np.mean(d):+.2f} ({wins}/{len(d)})" if d else "–")
        rows.append(row)
    return _table(["Comparison"] + [name for name, _ in cells], rows)


def rank_table(records, datasets):
    """Markdown: Spearman correlation of our and the paper's order of the 7."""
    from scipy.stats import spearmanr

    rows = []
    for s, paper in (("1:5", PAPER_TABLE1), ("1:9", PAPER_TABLE2)):
        for d in datasets:
            ours = [
                _values(records, "auc", kind="table", dataset=d, setting=s, method=m)
                for m in PAPER_METHODS
            ]
            ref = [paper[m].get(COLUMNS[d]) for m in PAPER_METHODS]
            if any(not v for v in ours) or None in ref:
                continue
            means = [np.mean(v) for v in ours]
            rho = spearmanr(means, ref)[0] if np.ptp(means) > 0 else float("nan")
            best = PAPER_METHODS[int(np.argmax(means))]
            rows.append([f"{COLUMNS[d]} {s}", f"{rho:+.2f}", best, "DVAAN"])
    return _table(["Table cell", "Spearman rho", "our best of 7", "paper's best"], rows)


def time_table(records):
    """Markdown: mean fit time per method and cell, seconds."""
    cells = sorted(
        {(r["dataset"], r["setting"]) for r in records if r["kind"] == "table"}
    )
    header = ["Method"] + [f"{COLUMNS[d]} {s}" for d, s in cells]
    rows = []
    for method in PAPER_METHODS + PRACTITIONER_METHODS:
        row = [method]
        for d, s in cells:
            t = _values(
                records, "fit_s", kind="table", dataset=d, setting=s, method=method
            )
            row.append(f"{np.mean(t):.1f}" if t else "–")
        rows.append(row)
    return _table(header, rows)


def markdown(state):
    """The whole results page for ``state`` (the content of results.json)."""
    records = state["records"]
    datasets = [d for d in COLUMNS if any(r["dataset"] == d for r in records)]
    fig5_sets = [
        d
        for d in datasets
        if any(r["kind"] == "fig5" and r["dataset"] == d for r in records)
    ]
    info, cfg = state["machine"], state["config"]
    gpu = f"GPU {info['gpu']}" if info.get("gpu") else "no GPU"
    out = [
        "# Paper reproduction (Guo et al., IJCAI 2019, Sec. 4)\n",
        f"Command: `{display_command(state['command'])}`\n",
        # Hardware and versions only: the commit and the date stay in
        # results.json, host names and folders nowhere.
        f"Machine: CPU {info['cpu']} ({info['cpu_count']} logical CPUs); {gpu}; "
        f"device {cfg['device']}; {info['torch_threads']} torch thread(s); "
        f"1-min load average {info['load_average'][0]} at start; "
        f"Python {info.get('python', 'unknown')}\n",
        "Libraries: "
        + ", ".join(f"{k} {v}" for k, v in info["libraries"].items())
        + "\n",
        f"Wall time {state.get('wall_time_s', 0):.0f} s"
        f"{' (interrupted: partial results)' if state.get('interrupted') else ''}\n",
        f"Seeds: {cfg['seeds']}. Budget per cell: "
        + ", ".join(f"{k}: {v} epochs" for k, v in state["epochs"].items())
        + f". Backbone `{cfg['backbone']}`, hidden {cfg['hidden']}, latent "
        f"{cfg['latent_dim']}, batch {cfg['batch_size']}, Adam {cfg['learning_rate']}; "
        f"training images per task capped at {cfg['max_train']}, test images at "
        f"{cfg['max_test']} (None: all); images pooled to "
        f"{cfg.get('image_size') or 'native'} pixels a side.\n",
    ]
    out += [f"Note: {display_note(n)}\n" for n in state.get("notes", [])]
    out.append(
        "## Table 1: AUC (%), imbalance ratio 1:5 (positive vs one negative class)\n"
    )
    out.append(auc_table(records, "1:5", datasets, PAPER_TABLE1))
    out.append("\n## Table 2: AUC (%), 1:9 (positive class vs all nine others)\n")
    out.append(auc_table(records, "1:9", datasets, PAPER_TABLE2))
    ours, paper = mse_table(records, datasets)
    out.append("\n## Table 3: test reconstruction MSE (pixels in [0, 1])\n")
    out.append(ours)
    out.append(
        "\nThe paper's Table 3 (1:5; it does not define the suffixes -1/-2/-3):\n"
    )
    out.append(paper)
    if fig5_sets:
        out.append("\n## Fig. 5: AUC (%) against the imbalance ratio\n")
        out.append(ratio_table(records, fig5_sets, state["config"]["fig5_ratios"]))
    out.append("\n## DVAAN against every other method, paired by seed\n")
    out.append(
        "Mean AUC difference in points (seeds where DVAAN was higher / seeds); "
        "each seed is one training set and one initialisation shared by all.\n"
    )
    out.append(paired_table(records, datasets, state["config"]["fig5_ratios"]))
    out.append("\n## Order of the paper's seven methods: ours against the paper's\n")
    out.append(rank_table(records, datasets))
    out.append("\n## Mean fit time per run (s)\n")
    out.append(time_table(records))
    return "\n".join(out)


def machine_info(device, repo_root):
    """Platform, CPU, GPU, load, threads, library versions and git commit."""
    libs = {}
    for lib in ("numpy", "scikit-learn", "imbalanced-learn", "torch", "matplotlib"):
        try:
            libs[lib] = version(lib)
        except PackageNotFoundError:
            libs[lib] = "not installed"
    import skdvaan

    libs["skdvaan"] = skdvaan.__version__
    # Provenance for results.json only; markdown() does not print it.
    commit, modified = _git_commit()
    cpu = _cpu_model()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "torch_threads": torch.get_num_threads(),
        "libraries": libs,
        "git_commit": commit,
        "skdvaan_tree_modified": modified,
    }


# ------------------------------------------------------------------ figures


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


MIN_MU_EPOCHS = 3


def plot_mu(records, path):
    """Fig. 4: DVAAN's mu at the end of each epoch, one line per seed."""
    runs = [r for r in records if r["method"] == "DVAAN" and r.get("mu_curve")]
    runs = [r for r in runs if r["kind"] == "table"]
    if not runs:
        return False
    plt = _plt()
    cells = sorted({(r["dataset"], r["setting"]) for r in runs})
    fig, axes = plt.subplots(
        1, len(cells), figsize=(3.4 * len(cells), 2.9), squeeze=False
    )
    for ax, (d, s) in zip(axes[0], cells):
        for r in runs:
            if (r["dataset"], r["setting"]) == (d, s):
                ep = np.arange(1, len(r["mu_curve"]) + 1)
                ax.plot(ep, r["mu_curve"], marker="o", ms=3, label=f"seed {r['seed']}")
        ax.set_title(f"{COLUMNS[d]} {s}", fontsize=9)
        n_epochs = max(
            len(r["mu_curve"]) for r in runs if (r["dataset"], r["setting"]) == (d, s)
        )
        if n_epochs < MIN_MU_EPOCHS:
            # One or two points say nothing about how mu moves: say so on the
            # panel rather than let a dot pass for a curve.
            ax.text(
                0.5,
                0.5,
                f"{n_epochs} epoch(s) only:\ntoo short to show\nhow mu moves",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=9,
                color="0.3",
            )
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("mu")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("DVAAN's mu at the end of each epoch (Fig. 4)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_ratio(records, path, ratios):
    """Fig. 5: AUC against the imbalance ratio, mean and std over seeds."""
    sets = sorted({r["dataset"] for r in records if r["kind"] == "fig5"})
    if not sets:
        return False
    plt = _plt()
    fig, axes = plt.subplots(
        1, len(sets), figsize=(4.2 * len(sets), 3.2), squeeze=False
    )
    xs = [0.2, *ratios]
    for ax, d in zip(axes[0], sets):
        for method in ("DVAAN",) + PRACTITIONER_METHODS:
            mean, std, xv = [], [], []
            for x in xs:
                if x == 0.2:
                    v = _values(
                        records,
                        "auc",
                        kind="table",
                        dataset=d,
                        setting="1:5",
                        method=method,
                    )
                else:
                    v = _values(
                        records, "auc", kind="fig5", dataset=d, ratio=x, method=method
                    )
                if v:
                    xv.append(round(1 / x))
                    mean.append(100 * np.mean(v))
                    std.append(100 * np.std(v))
            if xv:
                ax.errorbar(
                    xv, mean, yerr=std, marker="o", ms=3, capsize=2, label=method
                )
        ax.set_xscale("log")
        ax.set_xticks([round(1 / x) for x in xs], [f"1:{round(1 / x)}" for x in xs])
        ax.set_xlabel("imbalance ratio (positive : negative)")
        ax.set_ylabel("test AUC (%)")
        ax.set_title(COLUMNS[d], fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_samples(rows, input_shape, path, title):
    """Fig. 6: one row of decoded images per ``(label, images)`` in ``rows``."""
    plt = _plt()
    c, h, w = input_shape
    n = max(len(x) for _, x in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(0.8 * n + 1.6, 0.85 * len(rows)))
    axes = np.atleast_2d(axes)
    for i, (label, images) in enumerate(rows):
        for j in range(n):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(images):
                img = np.clip(np.asarray(images[j]).reshape(c, h, w), 0, 1)
                if c == 1:
                    ax.imshow(img[0], cmap="gray", vmin=0, vmax=1)
                else:
                    ax.imshow(img.transpose(1, 2, 0))
        axes[i, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
