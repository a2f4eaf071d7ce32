"""benchmarks/compare_runs.py: paired comparison of two committed results files.

The benchmarks folder is not installed with the package; the script is run
as the README says, from the repository root.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "compare_runs.py"
ARGS = {"seed": 0, "folds": 5, "repeats": 1, "mc_rows": None, "large": False}
# A real run's machine record, so the markdown header renders as it would.
MACHINE = json.loads((ROOT / "benchmarks/results/bench_tabular.json").read_text())[
    "machine"
]


def tabular_run(path, scores, *, args=ARGS):
    """A bench_tabular results file with one data set and the given methods."""
    records = [
        {
            "dataset": "toy 1:10",
            "n": 100,
            "n_minority": 10,
            "method": method,
            "roc_auc": folds,
            "pr_auc": folds,
        }
        for method, folds in scores.items()
    ]
    run = {
        "benchmark": "bench_tabular",
        "command": "python benchmarks/bench_tabular.py",
        "args": {"quick": False, **args},
        "machine": MACHINE,
        "wall_time_s": 1.0,
        "records": records,
    }
    path.write_text(json.dumps(run))
    return path


def compare(tmp_path, new, old, *extra):
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(new), str(old), "--name", "cmp"]
        + ["--out", str(tmp_path / "out"), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_paired_difference_and_verdict(tmp_path):
    old = [0.80, 0.82, 0.81, 0.79, 0.80]
    new = tabular_run(tmp_path / "new.json", {"DVAAN": [v + 0.05 for v in old]})
    base = tabular_run(tmp_path / "old.json", {"DVAAN": old, "DVAAN_a": old})
    res = compare(tmp_path, new, base, "--old-methods", "DVAAN")
    assert res.returncode == 0, res.stderr
    out = json.loads((tmp_path / "out" / "cmp.json").read_text())
    rows = out["records"]["roc_auc"]
    assert len(rows) == 1  # DVAAN_a filtered out
    dataset, m_new, m_old, mean, p = rows[0]
    assert (dataset, m_new, m_old) == ("toy 1:10", "DVAAN", "DVAAN")
    assert mean == pytest.approx(0.05)
    assert p == 0.0  # every fold ahead by the same margin
    assert "| roc_auc | TOTAL win/tie/loss | DVAAN | DVAAN |" in res.stdout
    assert "1/0/0" in res.stdout


def test_runs_on_other_splits_are_refused(tmp_path):
    new = tabular_run(tmp_path / "new.json", {"DVAAN": [0.8] * 5})
    base = tabular_run(
        tmp_path / "old.json", {"DVAAN": [0.8] * 5}, args={**ARGS, "seed": 1}
    )
    res = compare(tmp_path, new, base)
    assert res.returncode != 0
    assert "--seed" in res.stderr and "do not pair" in res.stderr
