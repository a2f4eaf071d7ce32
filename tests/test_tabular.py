"""Tests of the mixed-type column encoding (skdvaan/_tabular.py)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from skdvaan._tabular import Block, ColumnEncoder

N = 60


def _mixed_frame(n=N, seed=0):
    """Every dtype of issue 11, with missing cells in every column kind."""
    rng = np.random.default_rng(seed)

    def holes(values, dtype=None, p=0.2):
        values = np.asarray(values, dtype=object)
        values[rng.random(n) < p] = None
        return pd.array(values, dtype=dtype) if dtype else values

    return pd.DataFrame(
        {
            "f64": rng.normal(size=n),
            "f32": rng.normal(10, 3, size=n).astype(np.float32),
            "f_na": np.where(rng.random(n) < 0.2, np.nan, rng.exponential(size=n)),
            "F64": holes(rng.normal(size=n), "Float64"),
            "i64": rng.integers(-5, 50, n),
            "u8": rng.integers(0, 255, n).astype(np.uint8),
            "I64": holes(rng.integers(0, 1000, n), "Int64"),
            "b": rng.random(n) < 0.3,
            "B": holes(rng.random(n) < 0.5, "boolean"),
            "cat": pd.Categorical(
                holes(rng.choice(["lo", "mid", "hi"], n)),
                categories=["lo", "mid", "hi", "never"],
                ordered=True,
            ),
            "cat_int": pd.Categorical(rng.choice([3, 1, 2], n)),
            "obj": pd.Series(
                holes(rng.choice(["red", "green", "blue"], n)), dtype=object
            ),
            "obj_nan": pd.Series(holes(rng.choice(["u", "v"], n)), dtype=object).where(
                lambda s: s.notna(), np.nan
            ),
            "str": pd.Series(rng.choice(["p", "q", "r"], n), dtype="str"),
            "string": holes(rng.choice(["s", "t"], n), "string"),
        }
    )


@pytest.fixture
def frame():
    return _mixed_frame()


@pytest.fixture
def y():
    return np.random.default_rng(1).integers(0, 2, N)


def _assert_same_frame(got, expected):
    """Exact for everything but floats, which go through float32."""
    assert list(got.columns) == list(expected.columns)
    assert got.dtypes.equals(expected.dtypes)
    for name in expected.columns:
        a, b = got[name], expected[name]
        if pd.api.types.is_float_dtype(b.dtype):
            pd.testing.assert_series_equal(a, b, check_exact=False, rtol=1e-5)
        else:
            pd.testing.assert_series_equal(a, b, check_exact=True)
            if b.dtype == object:  # the same missing marker, not just "a NA"
                assert [type(v) for v in a] == [type(v) for v in b]


def test_layout_of_every_dtype(frame, y):
    enc = ColumnEncoder().fit(frame, y)
    kinds = {
        frame.columns[b.column]: b.kind for b in enc.blocks if b.kind != "indicator"
    }
    categorical = {"b", "B", "cat", "cat_int", "obj", "obj_nan", "str", "string"}
    assert {k for k, v in kinds.items() if v == "categorical"} == categorical
    indicators = {frame.columns[b.column] for b in enc.blocks if b.kind == "indicator"}
    assert indicators == {"f_na", "F64", "I64"}
    # Blocks tile the encoded width in column order.
    assert enc.blocks[0].start == 0 and enc.blocks[-1].stop == enc.n_encoded
    assert all(a.stop == b.start for a, b in zip(enc.blocks, enc.blocks[1:]))
    widths = {frame.columns[b.column]: b.stop - b.start for b in enc.blocks}
    assert widths["cat"] == 4  # lo, mid, hi seen (not "never"), plus missing
    assert widths["b"] == 2 and widths["B"] == 3 and widths["str"] == 3
    assert not enc.is_plain_numeric
    Z = enc.transform(frame)
    assert Z.dtype == np.float32 and Z.shape == (N, enc.n_encoded)
    for b in enc.blocks:
        if b.kind == "categorical":
            np.testing.assert_array_equal(Z[:, b.start : b.stop].sum(1), 1.0)
    # Missing numeric cells are 0 after scaling, flagged by their indicator.
    f_na = next(b for b in enc.blocks if frame.columns[b.column] == "f_na")
    miss = frame["f_na"].isna().to_numpy()
    np.testing.assert_array_equal(Z[miss, f_na.start], 0.0)
    np.testing.assert_array_equal(Z[:, f_na.start + 1], miss)


def test_round_trip_reproduces_the_frame(frame, y):
    enc = ColumnEncoder().fit(frame, y)
    Z = enc.transform(frame)
    _assert_same_frame(enc.inverse_transform(Z, y), frame)
    _assert_same_frame(enc.inverse_transform(Z, mode="sample", random_state=0), frame)
    back = enc.inverse_transform(Z)
    assert list(back["cat"].cat.categories) == ["lo", "mid", "hi", "never"]
    assert back["cat"].cat.ordered


def test_round_trip_numpy_object_array():
    X = np.array(
        [
            [1.5, 3, "a", True, None],
            [np.nan, 7, "b", False, 2.0],
            [-0.5, 5, None, True, 4.0],
            [2.0, 3, "a", False, 6.0],
        ],
        dtype=object,
    )
    enc = ColumnEncoder().fit(X)
    assert [b.kind for b in enc.blocks if b.kind != "indicator"] == [
        "numeric",
        "numeric",
        "categorical",
        "categorical",
        "numeric",
    ]
    back = enc.inverse_transform(enc.transform(X))
    assert isinstance(back, np.ndarray) and back.dtype == object
    assert back[0, 4] is None and np.isnan(back[1, 0])  # the NA markers of fit
    assert [type(v) for v in back[:, 1]] == [int] * 4
    np.testing.assert_array_equal(back[:, 1:4], X[:, 1:4])
    np.testing.assert_allclose(back[[0, 2, 3], 0].astype(float), [1.5, -0.5, 2.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_plain_numeric_is_exactly_standard_scaler(dtype):
    X = np.random.default_rng(0).normal(3, 2, size=(50, 4)).astype(dtype)
    for data in (X, pd.DataFrame(X, columns=list("abcd"))):
        enc = ColumnEncoder().fit(data)
        assert enc.is_plain_numeric
        scaler = StandardScaler().fit(data)  # validates data as the estimators do
        Z = enc.transform(data)
        np.testing.assert_array_equal(Z, scaler.transform(data).astype(np.float32))
        Zr = np.random.default_rng(1).normal(size=(7, 4)) * 5
        np.testing.assert_array_equal(
            enc.inverse_transform(Zr), scaler.inverse_transform(Zr)
        )
        restored = ColumnEncoder.from_dict(json.loads(json.dumps(enc.to_dict())))
        np.testing.assert_array_equal(restored.transform(data), Z)
    x_raw = torch.randn(8, 4, requires_grad=True)
    target = torch.as_tensor(Z[:8])
    assert enc.activate(x_raw) is x_raw
    # Per row, what element_loss(x_rec, x, "mse", log_var) computes.
    torch.testing.assert_close(
        enc.recon_loss(x_raw, target), 0.5 * (x_raw - target).pow(2).mean(1)
    )
    log_var = torch.randn(4)
    torch.testing.assert_close(
        enc.recon_loss(x_raw, target, log_var=log_var),
        0.5 * ((x_raw - target).pow(2) * torch.exp(-log_var) + log_var).mean(1),
    )


def test_integers_are_remembered():
    X = np.random.default_rng(0).integers(0, 9, size=(30, 2))
    enc = ColumnEncoder().fit(X)
    assert not enc.is_plain_numeric
    back = enc.inverse_transform(np.random.default_rng(1).normal(size=(20, 2)) * 9)
    assert back.dtype == X.dtype
    assert (back >= X.min(0)).all() and (back <= X.max(0)).all()


def test_whole_floats_are_rounded_as_on_the_numeric_path():
    # An int column that a missing cell elsewhere (or its own) made float:
    # rounded back, like the numeric path's integer_features_.
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "cnt": rng.integers(0, 10, 40).astype(float),
            "cnt_na": np.where(rng.random(40) < 0.2, np.nan, rng.integers(0, 5, 40)),
            "x": rng.normal(size=40),
        }
    )
    df.loc[0, "x"] = np.nan
    enc = ColumnEncoder().fit(df)
    assert [c.integer for c in enc.columns_] == [True, True, False]
    Z = enc.activate(
        torch.randn(200, enc.n_encoded, generator=torch.Generator().manual_seed(0)) * 3
    ).numpy()
    back = enc.inverse_transform(Z)
    assert back.dtypes.equals(df.dtypes)
    for name in ("cnt", "cnt_na"):
        v = back[name].dropna().to_numpy()
        np.testing.assert_array_equal(v, np.round(v))
    assert not np.array_equal(back["x"].dropna(), np.round(back["x"].dropna()))
    # Whole floats in an object column are rounded and stay floats; ints, ints.
    X = np.array([[1.0, 3, "a"], [2.0, 7, "b"], [None, 5, "a"], [4.0, 3, "b"]], object)
    enc = ColumnEncoder().fit(X)
    Z = np.random.default_rng(1).normal(size=(20, enc.n_encoded)) * 3
    out = enc.inverse_transform(enc.activate(torch.as_tensor(Z)).numpy())
    cells = [v for v in out[:, 0] if v is not None]
    assert cells and all(type(v) is float and v == round(v) for v in cells)
    assert all(type(v) is int for v in out[:, 1])
    # A state written before float_cells existed still loads.
    state = json.loads(json.dumps(enc.to_dict()))
    for c in state["columns"]:
        c.pop("float_cells")
    assert not any(c.float_cells for c in ColumnEncoder.from_dict(state).columns_)


def test_categorical_features_variants():
    X = np.array([[0.0, 1.5], [1.0, 2.5], [2.0, 0.5], [1.0, 1.0]])
    for spec in ([0], np.array([True, False]), (0,)):
        enc = ColumnEncoder().fit(X, categorical_features=spec)
        assert [b.kind for b in enc.blocks] == ["categorical", "numeric"]
        back = enc.inverse_transform(enc.transform(X))
        assert back.dtype == np.float64
        np.testing.assert_array_equal(back[:, 0], X[:, 0])
    df = pd.DataFrame({"n": [1, 2, 3, 1], "s": ["a", "b", "a", "c"], "t": [1.0] * 4})
    enc = ColumnEncoder().fit(df, categorical_features=["n", "s"])
    assert [b.kind for b in enc.blocks] == ["categorical", "categorical", "numeric"]
    _assert_same_frame(enc.inverse_transform(enc.transform(df)), df)
    for spec in (None, [], [2]):  # "s" left numeric
        with pytest.raises(ValueError, match="holds 'a'|treated as numeric"):
            ColumnEncoder().fit(df, categorical_features=spec)
    # A bool column left out of the spec is a 0/1 number, still bool on return.
    dfb = pd.DataFrame({"b": [True, False, True], "x": [1.0, 2.0, 3.0]})
    enc = ColumnEncoder().fit(dfb, categorical_features=None)
    assert [b.kind for b in enc.blocks] == ["numeric", "numeric"]
    _assert_same_frame(enc.inverse_transform(enc.transform(dfb)), dfb)


@pytest.mark.parametrize(
    "spec, match",
    [
        (["nope"], "not columns of X"),
        ([5], "outside"),
        ([-1], "outside"),
        ([True, False], "boolean mask of length 2"),
        ("auto", "not understood"),
        ([[0]], "1-D"),
        ([0.5], "must be"),
    ],
)
def test_categorical_features_errors(spec, match):
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [0, 1]})
    with pytest.raises(ValueError, match=match):
        ColumnEncoder().fit(df, categorical_features=spec)


def test_names_need_a_frame():
    with pytest.raises(ValueError, match="no string column names"):
        ColumnEncoder().fit(np.zeros((3, 2)), categorical_features=["a"])


def test_refused_columns():
    with pytest.raises(ValueError, match="entirely missing"):
        ColumnEncoder().fit(pd.DataFrame({"a": [np.nan, np.nan], "b": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="entirely missing"):
        ColumnEncoder().fit(pd.DataFrame({"a": pd.Series([None, None], dtype=object)}))
    ids = pd.DataFrame({"id": [f"row{i}" for i in range(300)]})
    with pytest.raises(ValueError, match="max_categories=256"):
        ColumnEncoder().fit(ids)
    assert ColumnEncoder(max_categories=None).fit(ids).n_encoded == 300
    with pytest.raises(ValueError, match="not supported"):
        ColumnEncoder().fit(pd.DataFrame({"t": pd.date_range("2020", periods=3)}))
    with pytest.raises(ValueError, match="infinite"):
        ColumnEncoder().fit(pd.DataFrame({"a": [1.0, np.inf], "b": ["x", "y"]}))
    # Casting to float64 would drop the imaginary part.
    with pytest.raises(ValueError, match="Complex data not supported: column 'z'"):
        ColumnEncoder().fit(pd.DataFrame({"z": [1 + 2j, 3j], "b": ["x", "y"]}))
    enc = ColumnEncoder().fit(pd.DataFrame({"z": [1.0, 2.0], "b": ["x", "y"]}))
    with pytest.raises(ValueError, match="Complex data not supported"):
        enc.transform(pd.DataFrame({"z": [1 + 2j, 3j], "b": ["x", "y"]}))
    with pytest.raises(NotFittedError):
        ColumnEncoder().transform(np.zeros((1, 1)))


@pytest.mark.parametrize("scale", [1e200, 1e300])
def test_values_whose_variance_overflows_are_refused(scale):
    # StandardScaler's variance overflows float64 to NaN: transform used to
    # zero the column and inverse_transform to give NaN back.
    x = np.random.default_rng(0).normal(size=30) * scale
    for X in (
        pd.DataFrame({"x": x, "c": pd.Categorical(["a", "b"] * 15)}),
        np.c_[x.astype(object), ["a", "b"] * 15],
        pd.DataFrame({"x": x}),  # the plain path
    ):
        with pytest.raises(ValueError, match="too large to represent in float32"):
            ColumnEncoder().fit(X)


def test_transform_unknown_and_unexpected(frame, y):
    enc = ColumnEncoder().fit(frame, y)
    new = frame.head(3).copy()
    new["obj"] = pd.Series(["purple", "red", None], dtype=object)
    new["str"] = pd.Series(["p", "zzz", "q"], dtype="str")
    Z = enc.transform(new)
    obj = next(b for b in enc.blocks if frame.columns[b.column] == "obj")
    np.testing.assert_array_equal(Z[0, obj.start : obj.stop], 0.0)  # unknown
    assert Z[2, obj.stop - 1] == 1.0  # missing, a slot of its own
    # A missing cell where fit saw none: all zeros (categorical), 0 (numeric).
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "s": ["x", "y", "x"]})
    enc2 = ColumnEncoder().fit(df)
    Z2 = enc2.transform(pd.DataFrame({"a": [np.nan], "s": [None]}))
    np.testing.assert_array_equal(Z2, [[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="feature names should match"):
        enc2.transform(df[["s", "a"]])
    with pytest.raises(ValueError, match="Missing: \\['s'\\]"):
        enc2.transform(df.rename(columns={"s": "S"}))
    with pytest.raises(ValueError, match="expecting 2 features"):
        enc2.transform(np.zeros((2, 3)))


def test_inverse_of_random_rows_is_valid():
    rng = np.random.default_rng(0)
    n = 80
    y = np.repeat([0, 1], n // 2)
    df = pd.DataFrame(
        {
            # Class 1 only ever has "a" and no missing cells in "c".
            "c": pd.Series(
                np.where(y == 1, "a", rng.choice(["a", "b", "c", None], n)),
                dtype=object,
            ),
            "x": np.where((y == 0) & (rng.random(n) < 0.3), np.nan, rng.normal(size=n)),
            "k": rng.integers(2, 9, n),
            "K": pd.array(rng.integers(-3, 3, n), dtype="Int64"),
            "b": rng.random(n) < 0.5,
        }
    )
    enc = ColumnEncoder().fit(df, y)
    labels = np.repeat([0, 1], 200)
    for mode in ("argmax", "sample"):
        logits = torch.randn(
            400, enc.n_encoded, generator=torch.Generator().manual_seed(0)
        )
        Z = enc.activate(4 * logits).numpy()
        out = enc.inverse_transform(Z, labels, mode=mode, random_state=0)
        assert out.dtypes.equals(df.dtypes)
        ones = out[labels == 1]
        assert set(ones["c"]) == {"a"} and ones["x"].notna().all()
        zeros = out[labels == 0]
        assert set(zeros["c"].dropna()) <= {"a", "b", "c"}
        assert zeros["c"].isna().any() and zeros["x"].isna().any()
        for name in ("x", "k", "K"):
            assert out[name].min() >= df[name].min()
            assert out[name].max() <= df[name].max()
        assert out["b"].dtype == bool
        # Without the class restriction class 1 may get any category seen.
        free = enc.inverse_transform(Z, labels, class_categories=False, mode=mode)
        assert set(free["c"].dropna()) > {"a"}


def test_inverse_errors(frame, y):
    enc = ColumnEncoder().fit(frame, y)
    Z = enc.transform(frame)
    with pytest.raises(ValueError, match="not seen in fit"):
        enc.inverse_transform(Z, np.full(N, 7))
    with pytest.raises(ValueError, match="shape"):
        enc.inverse_transform(Z[:, 1:])
    with pytest.raises(ValueError, match="mode"):
        enc.inverse_transform(Z, mode="max")
    with pytest.raises(ValueError, match="fitted without y"):
        ColumnEncoder().fit(frame).inverse_transform(Z, y)


def test_to_dict_from_dict_round_trip(frame, y):
    enc = ColumnEncoder().fit(frame, y)
    state = json.loads(json.dumps(enc.to_dict()))
    restored = ColumnEncoder.from_dict(state)
    assert restored.blocks == enc.blocks
    Z = enc.transform(frame)
    np.testing.assert_array_equal(restored.transform(frame), Z)
    Zr = enc.activate(torch.randn(50, enc.n_encoded)).numpy()
    labels = np.arange(50) % 2
    pd.testing.assert_frame_equal(
        restored.inverse_transform(Zr, labels), enc.inverse_transform(Zr, labels)
    )
    X = np.array([[1, "a"], [2, None]], dtype=object)
    enc_np = ColumnEncoder().fit(X)
    back = ColumnEncoder.from_dict(json.loads(json.dumps(enc_np.to_dict())))
    out = back.inverse_transform(back.transform(X))
    assert out.dtype == object and out[1, 1] is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s.update(format="pickle"),
        lambda s: s.update(version=99),
        lambda s: s.pop("columns"),
        lambda s: s["columns"][0].update(dtype="no-such-dtype"),
        lambda s: s["columns"][0].update(lo=5.0, hi=1.0),
        lambda s: s["columns"][0].update(extra=1),
        lambda s: s["columns"][9].update(categories=[]),
        lambda s: s["columns"][9].update(class_allowed=[[True]]),
        lambda s: s["scaler"].update(scale_=[0.0] * 7),
        lambda s: s["scaler"].update(mean_=[1.0]),
        lambda s: s.update(container="list"),
        lambda s: s.update(classes="0,1"),
        lambda s: s["scaler"].update(extra=[1.0]),
    ],
)
def test_from_dict_refuses_bad_states(frame, y, tamper):
    state = json.loads(json.dumps(ColumnEncoder().fit(frame, y).to_dict()))
    tamper(state)
    with pytest.raises(ValueError, match="Invalid ColumnEncoder state"):
        ColumnEncoder.from_dict(state)


def test_to_dict_refuses_values_json_cannot_hold():
    days = pd.DataFrame({"d": pd.Categorical(pd.date_range("2020", periods=3))})
    with pytest.raises(TypeError, match="cannot store"):
        ColumnEncoder().fit(days).to_dict()


def test_recon_loss_and_activate(frame, y):
    enc = ColumnEncoder().fit(frame, y)
    target = torch.as_tensor(enc.transform(frame))
    x_raw = torch.randn(N, enc.n_encoded, requires_grad=True)
    loss = enc.recon_loss(x_raw, target)
    assert loss.shape == (N,) and torch.isfinite(loss).all()
    loss.mean().backward()
    assert torch.isfinite(x_raw.grad).all() and x_raw.grad.abs().sum() > 0
    # A missing numeric cell's head is not pulled towards the placeholder 0.
    f_na = next(b for b in enc.blocks if frame.columns[b.column] == "f_na")
    miss = torch.as_tensor(frame["f_na"].isna().to_numpy().copy())
    assert (x_raw.grad[miss, f_na.start] == 0).all()
    assert (x_raw.grad[~miss, f_na.start] != 0).all()
    # Confident correct logits cost almost nothing.
    perfect = torch.where(target > 0.5, 30.0, -30.0)
    for b in enc.blocks:
        if b.kind == "numeric":
            perfect[:, b.start] = target[:, b.start]
    assert enc.recon_loss(perfect, target).max() < 1e-6
    weight = torch.ones(enc.n_columns)
    torch.testing.assert_close(enc.recon_loss(x_raw, target, weight), loss)
    with pytest.raises(ValueError, match="weight must have shape"):
        enc.recon_loss(x_raw, target, torch.ones(3))
    act = enc.activate(x_raw)
    assert act.shape == x_raw.shape
    for b in enc.blocks:
        block = act[:, b.start : b.stop]
        if b.kind == "categorical":
            torch.testing.assert_close(block.sum(1), torch.ones(N))
        elif b.kind == "indicator":
            assert ((block > 0) & (block < 1)).all()
        else:
            assert torch.equal(block, x_raw[:, b.start : b.stop])
    act.sum().backward()


def test_categorical_blocks_of_different_widths_each_get_their_own_softmax():
    # Blocks are grouped by width (one padded tensor of the widest block made
    # 200 three-category columns beside one of 256 cost 13 times as much);
    # the result must be one softmax per block, as a loop over them gives.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": pd.Categorical(rng.choice(list("xy"), N)),
            "b": pd.Categorical(rng.choice(list("pqrst"), N)),
            "c": pd.Categorical(rng.choice(list("uv"), N)),
            "d": pd.Categorical(rng.choice(list("efg"), N)),
        }
    )
    enc = ColumnEncoder().fit(frame, np.zeros(N, dtype=int))
    target = torch.as_tensor(enc.transform(frame))
    x_raw = torch.randn(N, enc.n_encoded, dtype=target.dtype)
    act = enc.activate(x_raw)
    per_col = []
    for b in enc.blocks:
        block = x_raw[:, b.start : b.stop]
        torch.testing.assert_close(act[:, b.start : b.stop], block.softmax(1))
        nll = -(target[:, b.start : b.stop] * block.log_softmax(1)).sum(1)
        per_col.append(nll)
    assert len({b.stop - b.start for b in enc.blocks}) >= 3
    torch.testing.assert_close(
        enc.recon_loss(x_raw, target), torch.stack(per_col, 1).mean(1)
    )


def test_pickled_encoder_rebuilds_its_layout_and_holds_no_device_cache(frame, y):
    # Pickles of earlier versions held another layout (one padded tensor);
    # the layout is derived from the columns, so loading rebuilds it.
    import pickle

    enc = ColumnEncoder().fit(frame, y)
    x_raw = torch.randn(N, enc.n_encoded)
    expected = enc.activate(x_raw)  # fills the per-device cache
    state = enc.__getstate__()
    assert "_on_device" not in state
    state = {k: v for k, v in state.items() if k != "_n_cat_groups"}
    state["_index"] = {"gather": np.zeros((1, 1), dtype=np.int64)}  # an old layout
    old = ColumnEncoder.__new__(ColumnEncoder)
    old.__setstate__(state)
    torch.testing.assert_close(old.activate(x_raw), expected)
    loaded = pickle.loads(pickle.dumps(enc))
    torch.testing.assert_close(loaded.activate(x_raw), expected)


def test_block_is_a_plain_record():
    b = Block("numeric", 0, 1, 0)
    assert (b.kind, b.start, b.stop, b.column) == ("numeric", 0, 1, 0)
