"""Tests for skdvaan.datasets, on small files written in the official formats."""

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from skdvaan import datasets
from skdvaan.datasets import (
    PAPER_PAIRS,
    load_cifar10,
    load_idx,
    load_mnist,
    load_paper_pair,
    load_tis,
    make_imbalance_pair,
)

REAL_MNIST = Path("/work/shared/data/mnist")
IDX_CODES = {"u1": 0x08, "i1": 0x09, ">i2": 0x0B, ">i4": 0x0C, ">f4": 0x0D, ">f8": 0x0E}


def idx_bytes(arr, dtype="u1"):
    arr = np.asarray(arr, dtype=dtype)
    head = struct.pack(">BBBB", 0, 0, IDX_CODES[dtype], arr.ndim)
    return head + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write_idx(path, arr, dtype="u1", gz=None):
    data = idx_bytes(arr, dtype)
    gz = str(path).endswith(".gz") if gz is None else gz
    Path(path).write_bytes(gzip.compress(data) if gz else data)
    return path


def mnist_arrays(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
    y = np.arange(n) % 10
    return X, y


def write_mnist(folder, n_train=20, n_test=10, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        X, y = mnist_arrays(n, seed=n)
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", X, gz=gz)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", y, gz=gz)
    return folder


# ----------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("dtype", list(IDX_CODES))
@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_round_trip(tmp_path, dtype, gz):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == "u1":
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    out = load_idx(write_idx(tmp_path / "a.idx", arr, dtype, gz=gz))
    assert out.shape == (2, 3, 4)
    assert out.dtype == np.dtype(dtype).newbyteorder("=")
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, arr)
    out[0, 0, 0] = 1  # a writeable copy, not a view on the file's bytes


def test_load_idx_magic_numbers(tmp_path):
    images = write_idx(tmp_path / "img", np.zeros((3, 28, 28)), gz=False)
    labels = write_idx(tmp_path / "lab", np.zeros(3), gz=False)
    assert images.read_bytes()[:4] == b"\x00\x00\x08\x03"  # 0x00000803
    assert labels.read_bytes()[:4] == b"\x00\x00\x08\x01"  # 0x00000801
    assert load_idx(images).shape == (3, 28, 28)
    assert load_idx(labels).shape == (3,)


@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_truncated(tmp_path, gz):
    data = idx_bytes(np.zeros((5, 28, 28)))[:-10]
    path = tmp_path / "t.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError, match="truncated"):
        load_idx(path)


def test_load_idx_corrupt(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x07\x01\x00\x00\x00\x01x")
    with pytest.raises(ValueError, match="not an IDX file"):
        load_idx(path)
    path.write_bytes(idx_bytes(np.zeros(4)) + b"junk")
    with pytest.raises(ValueError, match="trailing"):
        load_idx(path)
    path.write_bytes(idx_bytes(np.zeros((2, 3)))[:8])
    with pytest.raises(ValueError, match="truncated IDX header"):
        load_idx(path)
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(100)))[:-12])  # cut stream
    with pytest.raises(ValueError, match="gzip"):
        load_idx(path)


# ----------------------------------------------------------------------------- MNIST


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_folder(tmp_path, gz):
    write_mnist(tmp_path, gz=gz)
    X, y = load_mnist(tmp_path)
    X_ref, y_ref = mnist_arrays(20, seed=20)
    assert X.shape == (20, 28, 28) and X.dtype == np.uint8
    assert y.dtype == np.int64
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    X, y = load_mnist(tmp_path, subset="test")
    assert X.shape == (10, 28, 28) and y.shape == (10,)


def test_load_mnist_kind_subfolder_and_env(tmp_path, monkeypatch):
    write_mnist(tmp_path / "fashion-mnist", n_train=7)
    assert load_mnist(tmp_path, kind="fashion-mnist")[0].shape == (7, 28, 28)
    monkeypatch.setenv("SKDVAAN_DATA", str(tmp_path))
    assert load_mnist(kind="fashion-mnist")[0].shape == (7, 28, 28)


def test_load_mnist_missing(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path / "nowhere", subset="test")
    msg = str(info.value)
    assert str(tmp_path / "nowhere") in msg
    assert "t10k-images-idx3-ubyte.gz" in msg
    assert "download=True" in msg and "ossci-datasets" in msg


def test_load_mnist_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="kmnist")
    with pytest.raises(ValueError, match="subset"):
        load_mnist(tmp_path, subset="valid")


def test_load_mnist_wrong_shape(tmp_path):
    write_mnist(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((20, 8, 8)))
    with pytest.raises(ValueError, match="28x28"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    ("labels", "dtype", "match"),
    [
        (np.full(20, -1), "i1", "lie in 0..9, found -1 to -1"),
        (np.full(20, 2.7), ">f4", "integers in 0..9 .*float32"),
        (np.full(20, np.nan), ">f4", "integers in 0..9 .*float32"),
        (np.arange(20) % 10 + 1, "u1", "lie in 0..9, found 1 to 10"),
    ],
)
def test_load_mnist_refuses_bad_labels(tmp_path, labels, dtype, match):
    # The cast to int64 made -1 of -1, 2 of 2.7 and a huge negative of NaN.
    write_mnist(tmp_path)
    path = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels, dtype)
    with pytest.raises(ValueError, match=match) as info:
        load_mnist(tmp_path)
    assert str(path) in str(info.value)


def test_load_mnist_label_count(tmp_path):
    write_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(19))
    with pytest.raises(ValueError, match="expected 20 labels .*shape \\(19,\\)"):
        load_mnist(tmp_path)


def fake_urlopen(files, calls):
    def urlopen(url, timeout=None):
        calls.append(url)
        return io.BytesIO(files[url.rsplit("/", 1)[1]])

    return urlopen


def test_load_mnist_download(tmp_path, monkeypatch):
    source = write_mnist(tmp_path / "src")
    files = {p.name: p.read_bytes() for p in source.iterdir()}
    md5s = tuple(
        hashlib.md5(files[f"{s}.gz"]).hexdigest()
        for subset in ("train", "test")
        for s in datasets._MNIST_STEMS[subset]
    )
    monkeypatch.setitem(datasets._MNIST_SOURCES, "mnist", ("https://x/", md5s))
    calls = []
    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen(files, calls))
    dest = tmp_path / "dest"
    X, y = load_mnist(dest, subset="test", download=True)
    assert X.shape == (10, 28, 28)
    assert sorted(p.name for p in dest.iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    assert len(calls) == 2
    load_mnist(dest, subset="test", download=True)
    assert len(calls) == 2  # found locally, not fetched again


def test_download_checksum_mismatch(tmp_path, monkeypatch):
    files = {"train-images-idx3-ubyte.gz": b"not the data"}
    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen(files, []))
    with pytest.raises(OSError, match="MD5"):
        load_mnist(tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []  # no partial or bad file left


@pytest.mark.skipif(not REAL_MNIST.is_dir(), reason="real MNIST files not available")
def test_real_mnist_test_set():
    X, y = load_mnist(REAL_MNIST, subset="test")
    assert X.shape == (10000, 28, 28) and X.dtype == np.uint8
    assert int((y == 5).sum()) == 892
    assert int((y == 6).sum()) == 958


# ----------------------------------------------------------------------------- CIFAR-10


def cifar_batch(n, seed):
    rng = np.random.RandomState(seed)
    return {
        b"batch_label": b"training batch",
        b"labels": [int(v) for v in rng.randint(0, 10, n)],
        b"data": rng.randint(0, 256, size=(n, 3072)).astype(np.uint8),
        b"filenames": [b"img_%d.png" % i for i in range(n)],
    }


CIFAR_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def write_cifar(folder, n=4, protocol=2, **override):
    batches = {}
    folder.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(CIFAR_NAMES):
        batches[name] = override.get(name, cifar_batch(n, seed))
        with open(folder / name, "wb") as fh:
            pickle.dump(batches[name], fh, protocol=protocol)
    return batches


def expected_cifar(batches, names):
    X = np.concatenate([batches[n][b"data"] for n in names]).reshape(-1, 3, 32, 32)
    return X, np.concatenate([batches[n][b"labels"] for n in names])


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_load_cifar10_folder(tmp_path, protocol):
    batches = write_cifar(tmp_path / "cifar-10-batches-py", protocol=protocol)
    X, y = load_cifar10(tmp_path)
    X_ref, y_ref = expected_cifar(batches, CIFAR_NAMES[:5])
    assert X.shape == (20, 3, 32, 32) and X.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    X, y = load_cifar10(tmp_path / "cifar-10-batches-py", subset="test")
    np.testing.assert_array_equal(X, expected_cifar(batches, ["test_batch"])[0])


def test_load_cifar10_numpy1_global_name(tmp_path):
    # The official batches name numpy.core.multiarray, NumPy 2's is numpy._core.
    folder = tmp_path / "cifar-10-batches-py"
    batches = write_cifar(folder)
    raw = (folder / "test_batch").read_bytes()
    raw = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"numpy.core.multiarray" in raw
    (folder / "test_batch").write_bytes(raw)
    X, y = load_cifar10(tmp_path, subset="test")
    np.testing.assert_array_equal(X, expected_cifar(batches, ["test_batch"])[0])


def test_load_cifar10_tarball(tmp_path):
    batches = write_cifar(tmp_path / "src" / "cifar-10-batches-py")
    home = tmp_path / "home"
    home.mkdir()
    with tarfile.open(home / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", "cifar-10-batches-py")
        evil = tarfile.TarInfo("../escaped")  # must be ignored
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    X, y = load_cifar10(home, subset="test")
    np.testing.assert_array_equal(X, expected_cifar(batches, ["test_batch"])[0])
    assert (home / "cifar-10-batches-py" / "data_batch_3").is_file()
    assert not (tmp_path / "escaped").exists()
    X, y = load_cifar10(home)  # now from the extracted folder
    assert X.shape == (20, 3, 32, 32)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"echo hacked > {self.marker}",))


def test_load_cifar10_refuses_malicious_pickle(tmp_path):
    marker = tmp_path / "hacked"
    folder = tmp_path / "cifar-10-batches-py"
    evil = {b"data": _Exploit(marker), b"labels": [0]}
    write_cifar(folder, data_batch_2=evil)
    with pytest.raises(pickle.UnpicklingError, match="forbidden") as info:
        load_cifar10(tmp_path)
    assert str(folder / "data_batch_2") in str(info.value)
    assert not marker.exists()
    with open(folder / "test_batch", "wb") as fh:  # a codec other than latin1
        fh.write(
            b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00zlib\x86R."
        )
    with pytest.raises(pickle.UnpicklingError):
        load_cifar10(tmp_path, subset="test")


def test_load_cifar10_bad_batches(tmp_path):
    bad = cifar_batch(3, 0)
    bad[b"data"] = np.zeros((3, 1024), np.uint8)
    write_cifar(tmp_path, test_batch=bad)
    with pytest.raises(ValueError, match="3072"):
        load_cifar10(tmp_path, subset="test")
    bad = cifar_batch(3, 0)
    bad[b"labels"] = [0, 1]
    write_cifar(tmp_path, test_batch=bad)
    with pytest.raises(ValueError, match="labels"):
        load_cifar10(tmp_path, subset="test")
    bad = cifar_batch(3, 0)
    bad[b"labels"] = [1.7, 2.0, 3.0]  # int64 would have made 1 of 1.7
    write_cifar(tmp_path, test_batch=bad)
    with pytest.raises(ValueError, match="ints in 0..9, got float64"):
        load_cifar10(tmp_path, subset="test")
    bad[b"labels"] = [0, 10, 1]
    write_cifar(tmp_path, test_batch=bad)
    with pytest.raises(ValueError, match="found 0 to 10"):
        load_cifar10(tmp_path, subset="test")
    write_cifar(tmp_path, test_batch=[1, 2])
    with pytest.raises(ValueError, match="a pickled list"):
        load_cifar10(tmp_path, subset="test")


@pytest.mark.parametrize(
    "content",
    [
        b"garbage",  # invalid load key
        b"",  # empty file
        pickle.dumps(cifar_batch(3, 0), protocol=2)[:-100],  # truncated
        b"\x80\x02h\x65.",  # memo lookup of nothing
    ],
)
def test_load_cifar10_malformed_pickle_names_file(tmp_path, content):
    # Malformed pickles are a ValueError naming the file, not a bare
    # UnpicklingError; only forbidden globals are the security refusal.
    write_cifar(tmp_path)
    (tmp_path / "test_batch").write_bytes(content)
    with pytest.raises(ValueError, match="not a CIFAR-10 batch") as info:
        load_cifar10(tmp_path, subset="test")
    assert str(tmp_path / "test_batch") in str(info.value)
    assert not isinstance(info.value, pickle.UnpicklingError)


def test_load_cifar10_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz") as info:
        load_cifar10(tmp_path)
    assert "download=True" in str(info.value) and str(tmp_path) in str(info.value)


# ----------------------------------------------------------------------------- TIS

TIS_X = np.array([[0.5, 1.0, 0.0], [2.0, 0.0, 1.5], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])


@pytest.mark.parametrize(
    ("pos", "neg"),
    [("1", "-1"), ("1", "0"), ("pos", "neg"), ("TIS", "nonTIS"), ("+1", "-1")],
)
def test_load_tis_csv(tmp_path, pos, neg):
    labels = [pos, neg, neg, pos]
    lines = [",".join([*map(str, row), lab]) for row, lab in zip(TIS_X, labels)]
    path = tmp_path / "tis.csv"
    path.write_text("# TIS data\n\n" + "\n".join(lines) + "\n")
    X, y = load_tis(path)
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, TIS_X)
    np.testing.assert_array_equal(y, [1, 0, 0, 1])


def test_load_tis_arff_and_whitespace(tmp_path):
    arff = tmp_path / "tis.arff"
    arff.write_text(
        "% comment\n@relation tis\n@attribute a numeric\n@attribute b numeric\n"
        "@attribute c numeric\n@attribute class {neg,pos}\n@data\n"
        "0.5,1,0,neg\n2, 0, 1.5, pos\n0,3,1,'neg'\n1,1,1,pos\n"
    )
    X, y = load_tis(arff)
    np.testing.assert_array_equal(X, TIS_X)
    np.testing.assert_array_equal(y, [0, 1, 0, 1])
    text = tmp_path / "tis.txt"
    text.write_text("f1 f2 f3 label\n0.5 1 0 1\n2\t0 1.5 -1\n0 3 1 -1\n1 1 1 1\n")
    X, y = load_tis(text)
    np.testing.assert_array_equal(X, TIS_X)
    np.testing.assert_array_equal(y, [1, 0, 0, 1])


def test_load_tis_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2,3,1\n1,2,3,0\n1,2,0\n")
    with pytest.raises(ValueError, match="line 3"):
        load_tis(path)
    path.write_text("1,2,3,1\n1,x,3,0\n")
    with pytest.raises(ValueError, match="line 2.*'x'"):
        load_tis(path)
    path.write_text("1,2,1\n1,2,0\n1,2,2\n")
    with pytest.raises(ValueError, match="exactly 2"):
        load_tis(path)
    path.write_text("1,2,1\n1,2,1.0\n")
    with pytest.raises(ValueError, match="same number"):
        load_tis(path)
    path.write_text("1,2,apple\n1,2,pear\n")
    with pytest.raises(ValueError, match="positive"):
        load_tis(path)
    path.write_text("@data\n")
    with pytest.raises(ValueError, match="no data"):
        load_tis(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1,2,3,\n4,5,6,-1\n7,8,9,-1\n", "line 1: class label is empty"),
        ("1,2,3,1\n4,5,6,nan\n7,8,9,-1\n", "line 2: class label is missing"),
        ("1,2,3,1\n4,5,6,?\n7,8,9,-1\n", "line 2: class label is missing"),
        ("1,2,3,1\n4,5,6,inf\n", "line 2: class label 'inf' is infinite"),
        ("1,2,nan,1\n4,5,6,0\n", "line 1: feature 3 is 'nan'"),
        ("1,2,3,1\n4,-inf,6,0\n", "line 2: feature 2 is '-inf'"),
        ("1,,3,1\n4,5,6,0\n", "line 1: an empty field"),
        # Every line read as a header gave "no data rows".
        ("1;2;3;1\n4;5;6;0\n", "line 1: fields separated by ';'"),
        ("a;b;label\n1;2;1\n4;5;0\n", "line 2: fields separated by ';'"),
        # Gave "need exactly 2 class labels, found ['']".
        ("1,2,3,1,\n4,5,6,0,\n", "line 1: class label is empty; the line ends"),
        ("f1,f2,label\n", "no data rows: 1 line.* column names .*line 1"),
    ],
)
def test_load_tis_refuses_missing_values(tmp_path, text, match):
    path = tmp_path / "tis.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_tis(path)


def test_load_tis_bom_gzip_and_binary(tmp_path):
    text = "f1,f2,label\n1,2,1\n3,4,0\n"
    bom = tmp_path / "bom.csv"
    bom.write_text(text, encoding="utf-8-sig")  # as spreadsheet programs save
    gz = tmp_path / "tis.csv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    for path in (bom, gz):
        X, y = load_tis(path)
        np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
        np.testing.assert_array_equal(y, [1, 0])
    gz.write_bytes(gzip.compress(text.encode())[:-6])
    with pytest.raises(ValueError, match="truncated gzip"):
        load_tis(gz)
    path = tmp_path / "tis.zip"
    path.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="zip archive"):
        load_tis(path)
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(ValueError, match="line 1: NUL bytes"):
        load_tis(path)


# ----------------------------------------------------------------------------- pairs


def labelled_data(counts):
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.stack([y, np.arange(len(y))], axis=1)  # column 0 records the label
    return X, y


def test_make_imbalance_pair_counts():
    X, y = labelled_data([30, 100, 50])  # class 2 positive, class 1 negative
    # 1e308 * 100 overflows to inf: round() raised OverflowError.
    for ratio, n_pos in [(0.2, 20), (0.01, 1), (0.5, 50), (3.0, 50), (1e308, 50)]:
        Xs, ys = make_imbalance_pair(X, y, 2, 1, ratio=ratio, random_state=0)
        assert ys.dtype == np.int64
        assert int(ys.sum()) == n_pos and int((ys == 0).sum()) == 100
        np.testing.assert_array_equal(Xs[:, 0], np.where(ys == 1, 2, 1))
        assert len(set(Xs[:, 1])) == len(Xs)  # drawn without replacement
    assert ys[:50].sum() not in (0, 50)  # shuffled, not positives first


def test_make_imbalance_pair_one_vs_all_and_lists():
    X, y = labelled_data([30, 100, 50])
    Xs, ys = make_imbalance_pair(X, y, 2, "rest", ratio=0.1, random_state=1)
    assert int(ys.sum()) == 13 and int((ys == 0).sum()) == 130
    assert set(Xs[ys == 0, 0]) == {0, 1}
    Xl, yl = make_imbalance_pair(X, y, 2, [0, 1], ratio=0.1, random_state=1)
    np.testing.assert_array_equal(Xl, Xs)
    np.testing.assert_array_equal(yl, ys)


def test_make_imbalance_pair_random_state():
    X, y = labelled_data([100, 100])
    a = make_imbalance_pair(X, y, 1, 0, ratio=0.2, random_state=42)
    b = make_imbalance_pair(X, y, 1, 0, ratio=0.2, random_state=42)
    c = make_imbalance_pair(X, y, 1, 0, ratio=0.2, random_state=43)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    for rs in (np.random.RandomState(0), np.random.default_rng(0), None):
        _, ys = make_imbalance_pair(X, y, 1, 0, ratio=0.2, random_state=rs)
        assert int(ys.sum()) == 20


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ratio": 0}, "ratio"),
        ({"ratio": -0.5}, "ratio"),
        ({"ratio": "0.2"}, "ratio"),
        ({"ratio": True}, "ratio"),
        ({"ratio": float("nan")}, "finite positive"),  # NaN failed in round()
        ({"ratio": float("inf")}, "finite positive"),  # was an OverflowError
        ({"ratio": np.float64("inf")}, "got inf"),  # a plain value, not np.float64
        ({"ratio": 0.001}, "empty"),  # round(100 * 0.001) == 0 positives
        ({"ratio": 0.2, "negative": 7}, "empty"),
        ({"ratio": 0.2, "negative": [0, 1]}, "also a negative"),
        ({"ratio": 0.2, "random_state": "seed"}, "random_state"),
    ],
)
def test_make_imbalance_pair_errors(kwargs, match):
    X, y = labelled_data([100, 100])
    kwargs = {"negative": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_imbalance_pair(X, y, 1, **kwargs)


def test_make_imbalance_pair_2d_y():
    X, y = labelled_data([10, 10])
    with pytest.raises(ValueError, match="y must be 1-D"):
        make_imbalance_pair(X, y.reshape(-1, 1), 1, 0, ratio=0.5)
    with pytest.raises(ValueError, match="lengths differ"):
        make_imbalance_pair(X[:5], y, 1, 0, ratio=0.5)


@pytest.mark.parametrize("ratio", [float("nan"), float("inf"), 0, "0.2"])
def test_load_paper_pair_checks_ratio_before_loading(tmp_path, monkeypatch, ratio):
    def load(*args, **kwargs):
        raise AssertionError("the data set was read before the ratio was checked")

    monkeypatch.setattr(datasets, "load_mnist", load)
    monkeypatch.setattr(datasets, "load_cifar10", load)
    for name in PAPER_PAIRS:
        with pytest.raises(ValueError, match="ratio"):
            load_paper_pair(name, ratio=ratio, data_home=tmp_path)


def test_load_paper_pair_mnist(tmp_path):
    write_mnist(tmp_path, n_train=200, n_test=50)
    X, y = load_paper_pair("mnist", ratio=0.2, data_home=tmp_path, random_state=0)
    assert X.shape == (24, 784) and X.dtype == np.float32  # 20 sixes, 4 fives
    assert int(y.sum()) == 4 and 0.0 <= X.min() and X.max() <= 1.0
    X, y = load_paper_pair("mnist", subset="test", data_home=tmp_path)
    assert X.shape == (10, 784) and int(y.sum()) == 5  # no imbalance in the test set
    X, y = load_paper_pair("mnist", subset="test", one_vs_all=True, data_home=tmp_path)
    assert X.shape == (50, 784) and int(y.sum()) == 5
    X, y = load_paper_pair("mnist", one_vs_all=True, ratio=0.01, data_home=tmp_path)
    assert int(y.sum()) == 2 and int((y == 0).sum()) == 180


def test_load_paper_pair_cifar10(tmp_path):
    batches = write_cifar(tmp_path, n=40)
    X, y = load_paper_pair("cifar10", subset="test", data_home=tmp_path)
    labels = np.asarray(batches["test_batch"][b"labels"])
    assert X.shape == (int(np.isin(labels, [3, 5]).sum()), 3072)
    assert int(y.sum()) == int((labels == 3).sum())
    assert PAPER_PAIRS["cifar10"]["input_shape"] == (3, 32, 32)
    with pytest.raises(ValueError, match="name"):
        load_paper_pair("svhn")
