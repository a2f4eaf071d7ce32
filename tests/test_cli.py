"""The ``skdvaan`` command, run in-process on tiny tables."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skdvaan import __version__, _cli
from skdvaan._cli import main

N_MAJORITY, N_MINORITY = 40, 8


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    n = N_MAJORITY + N_MINORITY
    # Three decimals make the CSV text round-trip exactly through pandas.
    return pd.DataFrame(
        {
            "f1": rng.normal(size=n).round(3),
            "label": ["no"] * N_MAJORITY + ["yes"] * N_MINORITY,
            "count": rng.integers(0, 10, size=n),
            "f2": rng.normal(size=n).round(3),
        }
    )


@pytest.fixture
def csv(tmp_path, table):
    path = tmp_path / "in.csv"
    table.to_csv(path, index=False)
    return path


def _resample(src, dst, *extra):
    args = ["resample", str(src), "--target", "label", "-o", str(dst)]
    return main([*args, "--max-iter", "3", "--random-state", "0", *extra])


def _error_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("skdvaan: error: ")
    return err


def test_resample_balances_and_keeps_original_rows(tmp_path, csv, table, capsys):
    out = tmp_path / "out.csv"
    assert _resample(csv, out) == 0

    res = pd.read_csv(out)
    assert list(res.columns) == list(table.columns)
    assert res.dtypes.equals(pd.read_csv(csv).dtypes)
    assert res["label"].value_counts().to_dict() == {"no": 40, "yes": 40}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    # The input's rows come first, byte for byte.
    src_lines = csv.read_text().splitlines()
    assert out.read_text().splitlines()[: len(src_lines)] == src_lines
    new = res.iloc[len(table) :]
    assert (new["label"] == "yes").all()
    assert new["count"].between(table["count"].min(), table["count"].max()).all()

    stdout = capsys.readouterr().out
    assert "before" in stdout and "after" in stdout
    assert "wrote 80 rows (32 generated)" in stdout


@pytest.mark.parametrize(
    "strategy, expected", [('{"yes": 30}', 30), ("0.5", 20), ("minority", 40)]
)
def test_resample_sampling_strategy(tmp_path, csv, strategy, expected):
    out = tmp_path / "out.csv"
    assert _resample(csv, out, "--sampling-strategy", strategy) == 0
    counts = pd.read_csv(out)["label"].value_counts()
    assert counts["no"] == N_MAJORITY and counts["yes"] == expected


def test_resample_parquet_keeps_dtypes(tmp_path, table):
    pytest.importorskip("pyarrow")
    table = table.astype({"count": "int8", "f1": "float32"})
    table["flag"] = table["f2"] > 0
    src, out = tmp_path / "in.parquet", tmp_path / "out.pq"
    table.to_parquet(src, index=False)
    assert _resample(src, out) == 0
    res = pd.read_parquet(out)
    assert res.dtypes.equals(table.dtypes)
    pd.testing.assert_frame_equal(res.iloc[: len(table)], table)


def test_resample_parquet_keeps_a_column_stored_as_the_index(tmp_path, table):
    # pandas restores a saved index (set_index("id")); written back with
    # index=False the column was lost, original rows included.
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table["id"] = [f"r{i}" for i in range(len(table))]
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    table.set_index("id").to_parquet(src)
    assert _resample(src, out) == 0
    assert pq.read_schema(out).names == pq.read_schema(src).names
    res = pd.read_parquet(out)
    assert res["id"].iloc[: len(table)].tolist() == table["id"].tolist()
    # A range index kept as metadata only is row labels, not a column.
    table.iloc[3:].to_parquet(src)
    assert _resample(src, out, "--force") == 0
    assert pq.read_schema(out).names == list(table.columns)


def test_resample_compressed_csv(tmp_path, csv):
    out = tmp_path / "out.csv.gz"
    assert _resample(csv, out) == 0
    assert out.read_bytes()[:2] == b"\x1f\x8b"  # gzip, inferred from the name
    assert len(pd.read_csv(out)) == 2 * N_MAJORITY


def test_resample_overwrites_with_force(tmp_path, csv):
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    assert _resample(csv, out, "--force") == 0
    assert len(pd.read_csv(out)) == 2 * N_MAJORITY


def test_resample_refuses_repeated_column_names(tmp_path, table, capsys):
    # pandas reads a, a as a, a.1, and the output would not keep the names.
    src = tmp_path / "dup.csv"
    table.rename(columns={"f2": "f1"}).to_csv(src, index=False)
    assert _resample(src, tmp_path / "out.csv") == 2
    assert "repeats the column name(s) f1" in _error_line(capsys)


def test_resample_writes_through_a_symlink(tmp_path, csv):
    # The rename onto the output used to put a file in the link's place and
    # leave the file it names as it was.
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "t.csv"
    target.write_text("old\n")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    assert _resample(csv, link, "--force") == 0
    assert link.is_symlink()
    assert len(pd.read_csv(target)) == 2 * N_MAJORITY


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_resample_writes_into_a_fifo(tmp_path, csv):
    # A FIFO (or /dev/stdout) is written as it is, not replaced by a file.
    import threading

    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    try:
        status = _resample(csv, fifo)
    finally:
        if reader.is_alive() and not got:  # never opened for writing: unblock
            with open(fifo, "w"):
                pass
        reader.join(30)
    assert status == 0
    assert fifo.is_fifo()
    assert got[0].count("\n") == 2 * N_MAJORITY + 1  # the header, every row


@pytest.mark.parametrize(
    "name, edit, expected",
    [
        ("constant target", lambda df: df.assign(label="no"), "one class"),
        ("no rows", lambda df: df.iloc[:0], "no rows"),
        (
            "empty feature",
            lambda df: df.assign(f2=np.nan),
            "no values at all: f2",
        ),
        (
            "NaN target",
            lambda df: df.assign(label=df["label"].where(df.index > 0)),
            "missing values",
        ),
    ],
)
def test_resample_bad_table(tmp_path, table, capsys, name, edit, expected):
    src = tmp_path / "in.csv"
    edit(table).to_csv(src, index=False)
    assert _resample(src, tmp_path / "out.csv") == 2
    assert expected in _error_line(capsys)
    assert not (tmp_path / "out.csv").exists()


def test_resample_one_class_message_shows_plain_value(tmp_path, table, capsys):
    src = tmp_path / "in.csv"
    table.assign(label=0).to_csv(src, index=False)
    assert _resample(src, tmp_path / "out.csv") == 2
    err = _error_line(capsys)
    assert "holds one class only (0)" in err and "np." not in err


def test_resample_text_and_missing_features(tmp_path, table):
    """Strings and missing cells are modelled, not refused (issue 11)."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rng = np.random.default_rng(1)
    colour = rng.choice(["red", "green"], len(table)).astype(object)
    colour[-1] = "blue"  # a minority-only category
    table = table.assign(colour=colour, f2=table["f2"].where(table.index % 5 > 0))
    table.to_csv(src, index=False)
    assert _resample(src, out) == 0
    res = pd.read_csv(out)
    assert res.dtypes.equals(pd.read_csv(src).dtypes)
    new = res.iloc[len(table) :]
    assert set(new["colour"]) <= {"red", "green", "blue"}
    assert set(new["colour"]) <= set(table["colour"][table["label"] == "yes"])


def test_resample_unknown_target_lists_columns(tmp_path, csv, capsys):
    args = ["resample", str(csv), "--target", "y", "-o", str(tmp_path / "o.csv")]
    assert main(args) == 2
    err = _error_line(capsys)
    assert "'y' is not in the file" in err and "f1, label, count, f2" in err


def test_resample_missing_input(tmp_path, capsys):
    assert _resample(tmp_path / "nope.csv", tmp_path / "out.csv") == 2
    assert "nope.csv does not exist" in _error_line(capsys)


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_resample_never_overwrites_input(tmp_path, csv, capsys, force):
    before = csv.read_bytes()
    # Another spelling of the same path must be caught too.
    same = tmp_path / "." / csv.name
    assert _resample(csv, same, *force) == 2
    assert "never overwrites its input" in _error_line(capsys)
    assert csv.read_bytes() == before


def test_resample_output_exists(tmp_path, csv, capsys):
    out = tmp_path / "out.csv"
    out.write_text("keep me\n")
    assert _resample(csv, out) == 2
    assert "--force" in _error_line(capsys)
    assert out.read_text() == "keep me\n"


def test_resample_output_dir_missing(tmp_path, csv, capsys):
    assert _resample(csv, tmp_path / "no" / "out.csv") == 2
    assert "does not exist" in _error_line(capsys)


def test_resample_output_dir_not_writable(tmp_path, csv, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # chmod does not stop root, so the permission check is simulated.
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: os.fspath(p) != str(locked) and real_access(p, mode),
    )
    assert _resample(csv, locked / "out.csv") == 2
    assert "is not writable" in _error_line(capsys)


def test_resample_parquet_without_pyarrow(tmp_path, csv, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert _resample(csv, tmp_path / "out.parquet") == 2
    assert "pip install pyarrow" in _error_line(capsys)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("most", "invalid --sampling-strategy"),
        ("1.5", "must lie in (0, 1]"),
        ('{"yes": 30', "not valid JSON"),
        ('{"maybe": 30}', "unknown classes ['maybe']"),
        ('{"yes": -1}', "non-negative integers"),
        # imbalanced-learn's own ValueError, printed as one line.
        ('{"yes": 2}', "greater or equal to the original number"),
    ],
)
def test_resample_bad_sampling_strategy(tmp_path, csv, capsys, strategy, expected):
    assert _resample(csv, tmp_path / "out.csv", "--sampling-strategy", strategy) == 2
    assert expected in _error_line(capsys)


def test_interrupt_exits_130(tmp_path, csv, capsys, monkeypatch):
    def interrupt(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_read_table", interrupt)
    assert _resample(csv, tmp_path / "out.csv") == 130
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"], ["resample", "-h"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: skdvaan" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"skdvaan {__version__}\n"


def test_demo_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "--quick", "--output-dir", str(tmp_path / "demo")]) == 0
    out, err = capsys.readouterr()
    # Not a terminal (as with 2>&1 into a file): no progress-bar residue.
    assert "\r" not in out + err
    for method in (
        "DVAANClassifier",
        "MLP + RandomOverSampler",
        "LogReg + DVAANSampler",
    ):
        assert method in out
    assert "ROC-AUC" in out and "PR-AUC" in out
    for name in ("latent.png", "mu.png", "boundary_samples.png"):
        assert (tmp_path / "demo" / name).stat().st_size > 0


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the demo gets as far as loading data to train on."""

    def train(*args):
        raise AssertionError("the demo started training before the check")

    monkeypatch.setattr(_cli, "_demo_datasets", train)


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
@pytest.mark.parametrize("command", ["demo", "resample"])
def test_random_state_out_of_range(tmp_path, csv, capsys, no_training, command, seed):
    # Was numpy's "Seed must be between 0 and 2**32 - 1" traceback in the demo.
    if command == "demo":
        argv = ["demo", "--quick", "--output-dir", str(tmp_path / "demo")]
        argv += ["--random-state", seed]
    else:
        argv = ["resample", str(csv), "--target", "label"]
        argv += ["-o", str(tmp_path / "out.csv"), "--random-state", seed]
    assert main(argv) == 2
    assert f"--random-state must be an integer from 0 to 4294967295, got {seed}" in (
        _error_line(capsys)
    )
    assert not (tmp_path / "demo").exists() and not (tmp_path / "out.csv").exists()


def test_demo_output_dir_under_a_file(tmp_path, capsys, no_training):
    # NotADirectoryError came after all the training.
    afile = tmp_path / "ok.csv"
    afile.write_text("a\n")
    argv = ["demo", "--quick", "--output-dir", str(afile / "plots" / "x")]
    assert main(argv) == 2
    assert f"{afile} is a file, not a folder" in _error_line(capsys)
    assert main(["demo", "--quick", "--output-dir", str(afile)]) == 2
    assert "exists and is not a folder" in _error_line(capsys)


@pytest.mark.parametrize("where", ["dangling link", "proc"])
def test_demo_output_dir_cannot_be_created(tmp_path, capsys, no_training, where):
    pytest.importorskip("matplotlib")  # the folder is only made for the plots
    if where == "proc":
        if not os.path.isdir("/proc/self"):
            pytest.skip("no /proc")
        out = "/proc/skdvaan-test/plots"  # FileNotFoundError after training
    else:
        out = tmp_path / "link"
        out.symlink_to(tmp_path / "gone")
    assert main(["demo", "--quick", "--output-dir", str(out)]) == 2
    assert f"cannot create --output-dir {out}" in _error_line(capsys)


def test_demo_without_matplotlib(tmp_path, capsys, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    find_spec = _cli.importlib.util.find_spec
    monkeypatch.setattr(
        _cli.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else find_spec(name, *a),
    )
    # One fast model is enough to see the table printed without plots.
    monkeypatch.setattr(
        _cli, "_demo_methods", lambda quick, seed: [("LogReg", LogisticRegression())]
    )
    assert main(["demo", "--quick", "--output-dir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "LogReg" in out and "pip install skdvaan[plot]" in out
    assert not (tmp_path / "demo").exists()


def test_console_script_version():
    # The script installed beside this interpreter, else the one on PATH.
    beside = os.path.join(os.path.dirname(sys.executable), "skdvaan")
    script = beside if os.path.isfile(beside) else shutil.which("skdvaan")
    if script is None:
        pytest.skip("the skdvaan console script is not installed")
    run = subprocess.run(
        [script, "--version"], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == f"skdvaan {__version__}"
