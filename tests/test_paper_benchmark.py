"""The paper-reproduction benchmark (benchmarks/paper): methods and reports.

The benchmarks folder is not installed with the package; it is imported from
the repository root.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.paper import report, run  # noqa: E402
from benchmarks.paper.methods import (  # noqa: E402
    PAPER_METHODS,
    PRACTITIONER_METHODS,
    VAE_METHODS,
    Setup,
    make_method,
)


@pytest.fixture(scope="module")
def images():
    """40 8x8 images in [0, 1], 8 positives brighter in the top half."""
    rng = np.random.RandomState(0)
    X = rng.uniform(0.0, 0.5, size=(40, 1, 8, 8)).astype(np.float32)
    y = (np.arange(40) < 8).astype(np.int64)
    X[y == 1, :, :4] += 0.5
    return X.reshape(40, -1), y


SETUP = Setup(
    input_shape=(1, 8, 8), hidden=(16,), latent_dim=4, batch_size=16, epochs=2
)


@pytest.mark.parametrize("name", PAPER_METHODS + PRACTITIONER_METHODS)
def test_method_fits_and_scores(images, name):
    X, y = images
    method = make_method(name, SETUP, random_state=0).fit(X, y)
    scores = method.decision_function(X)
    assert scores.shape == (40,)
    assert np.all(np.isfinite(scores))
    assert np.ptp(scores) > 0  # a constant score would make every AUC 0.5
    assert len(method.history_) == SETUP.epochs
    if name in VAE_METHODS:
        rec = method.reconstruct(X, y)
        assert rec.shape == X.shape
        assert rec.min() >= 0.0 and rec.max() <= 1.0


def test_methods_are_seeded(images):
    X, y = images
    a = make_method("CVAE-GAN", SETUP, random_state=3).fit(X, y).decision_function(X)
    b = make_method("CVAE-GAN", SETUP, random_state=3).fit(X, y).decision_function(X)
    c = make_method("CVAE-GAN", SETUP, random_state=4).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_ablations_differ_from_dvaan(images):
    """DVAAN_a is DVAAN without D+; DVAAN_mu keeps mu fixed at 3."""
    X, y = images
    full = make_method("DVAAN", SETUP, 0).fit(X, y)
    no_aug = make_method("DVAAN_a", SETUP, 0).fit(X, y)
    fixed = make_method("DVAAN_mu", SETUP, 0).fit(X, y)
    assert full.clf_.augmentation_ratio > 0
    assert no_aug.clf_.augmentation_ratio == 0
    assert set(fixed.clf_.mu_curve_) == {3.0}
    assert full.clf_.mu_curve_[-1] != 3.0


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        make_method("GAN", SETUP)


def _fake_state():
    records = []
    for seed in (0, 1):
        for setting in ("1:5", "1:9"):
            for method in PAPER_METHODS + PRACTITIONER_METHODS:
                rec = {
                    "kind": "table",
                    "dataset": "mnist",
                    "setting": setting,
                    "method": method,
                    "seed": seed,
                    "auc": 0.9 + 0.01 * seed,
                    "fit_s": 1.0,
                    "ratio": 0.2,
                }
                if method in VAE_METHODS:
                    rec["mse"] = 0.01
                if method == "DVAAN":
                    rec["mu_curve"] = [3.0, 3.1]
                records.append(rec)
        for r in run.FIG5_RATIOS:
            for method in run.FIG5_METHODS:
                records.append(
                    {
                        "kind": "fig5",
                        "dataset": "mnist",
                        "setting": r,
                        "method": method,
                        "seed": seed,
                        "auc": 0.8,
                        "fit_s": 0.5,
                        "ratio": r,
                    }
                )
    machine = report.machine_info(run.torch.device("cpu"), ROOT)
    config = {
        "device": "cpu",
        "seeds": [0, 1],
        "backbone": "conv",
        "hidden": [16],
        "latent_dim": 4,
        "batch_size": 16,
        "learning_rate": 1e-3,
        "max_train": 40,
        "max_test": 40,
        "fig5_ratios": list(run.FIG5_RATIOS),
        "fig5_seeds": [0, 1],
    }
    return {
        "records": records,
        "epochs": {"table:mnist:1:5": 2},
        "command": "x",
        "machine": machine,
        "config": config,
        "notes": [],
        "wall_time_s": 1.0,
    }


def test_markdown_report_has_paper_numbers():
    text = report.markdown(_fake_state())
    assert "| DVAAN | 90.50 ± 0.50 (n=2) | 98.71 |" in text  # Table 1, paper's MNIST
    assert "| DVAAN | 90.50 ± 0.50 (n=2) | 99.13 |" in text  # Table 2
    assert "| SMOTE | 90.50 ± 0.50 (n=2) | – |" in text  # no paper number
    assert "| DVAAN_a | 0.0100 ± 0.0000 (n=2) | 0.0100 ± 0.0000 (n=2) |" in text
    assert "1:100" in text


def test_figures_are_written(tmp_path):
    state = _fake_state()
    assert report.plot_mu(state["records"], tmp_path / "mu.png")
    assert report.plot_ratio(state["records"], tmp_path / "ratio.png", run.FIG5_RATIOS)
    rows = [("a", np.zeros((3, 64))), ("b", np.ones((2, 64)))]
    report.plot_samples(rows, (1, 8, 8), tmp_path / "s.png", "t")
    for name in ("mu.png", "ratio.png", "s.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_plan_epochs_splits_the_budget():
    """Equal time per cell; a cheap cell is capped and gives time back."""
    cost = {"big": 10.0, "small": 1.0}  # seconds per epoch of each cell

    def fake_fit(name, setup, seed, Xc, yc, Xs, ys):
        return {"fit_s": cost[name] * 2 * len(yc) / 100, "score_s": 0.0}, None

    y = np.zeros(100, dtype=np.int64)
    data = (np.zeros((100, 1)), y, np.zeros((10, 1)), y[:10])
    cells = {
        ("table", "big", "1:5"): (["big"], 1),
        ("table", "small", "1:5"): (["small"], 1),
    }
    original = run.fit_one
    run.fit_one = fake_fit
    try:
        epochs = run.plan_epochs(
            cells, lambda e, d: SETUP, 220 / 0.85, 5, lambda c: data, lambda *a: None
        )
    finally:
        run.fit_one = original
    # small: 5 epochs (5 s, capped); big gets the remaining ~215 s -> 21 epochs,
    # capped at 5 too. With a tighter budget big gets fewer.
    assert epochs[("table", "small", "1:5")] == 5
    assert epochs[("table", "big", "1:5")] == 5
    run.fit_one = fake_fit
    try:
        epochs = run.plan_epochs(
            cells, lambda e, d: SETUP, 40 / 0.85, 5, lambda c: data, lambda *a: None
        )
    finally:
        run.fit_one = original
    assert epochs[("table", "small", "1:5")] == 5
    assert epochs[("table", "big", "1:5")] == 3  # (40 - 5) // 10


def test_run_end_to_end_on_fake_data(tmp_path, monkeypatch):
    """One seed, two tiny cells and Fig. 5, through the real command line."""
    rng = np.random.RandomState(0)

    def fake_raw(name, subset, data_home):
        n = 1000 if subset == "train" else 100
        X = (rng.uniform(0, 255, size=(n, 784))).astype(np.float32)
        y = np.tile(np.arange(10), n // 10)
        X[y == 5, :392] = 255.0  # the positive class differs
        return X, y

    monkeypatch.setattr(run, "_raw", fake_raw)
    args = "--datasets mnist --seeds 0 --epochs 1 --batch-size 8 --backbone mlp "
    args += "--hidden 8 --latent-dim 2 --methods DVAAN Plain --budget-minutes 1"
    state = run.main([*args.split(), "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    kinds = {(r["kind"], r["setting"], r["method"]) for r in saved["records"]}
    assert ("table", "1:5", "DVAAN") in kinds and ("table", "1:9", "Plain") in kinds
    assert ("fig5", 0.01, "DVAAN") in kinds
    assert len(saved["records"]) == len(state["records"]) == 2 * 2 + 4 * 2
    assert all(np.isfinite(r["auc"]) for r in saved["records"])
    # The budget planned every cell (Fig. 5 ratios share one plan), capped at 1.
    assert len(saved["epochs"]) == 2 + 4 and set(saved["epochs"].values()) == {1}
    assert (tmp_path / "results.md").read_text().startswith("# Paper reproduction")
    for name in ("fig4_mu.png", "fig5_ratio.png", "fig6_samples_mnist.png"):
        assert (tmp_path / name).exists()
    # --resume skips what is done: nothing is fitted again.
    monkeypatch.setattr(run, "fit_one", lambda *a, **k: pytest.fail("refitted"))
    args = "--datasets mnist --seeds 0 --methods DVAAN Plain --resume --backbone mlp"
    run.main([*args.split(), "--out", str(tmp_path)])
