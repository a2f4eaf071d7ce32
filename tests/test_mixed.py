"""Mixed-type tables through the estimators, the model file and the CLI (issue 11).

Tiny networks and a few epochs: these tests check the plumbing and the
validity of generated rows, not the quality of the model.
"""

import io

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.model_selection import cross_val_score

import skdvaan._classifier
from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan._cli import main

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning"),
]

N, N_MINORITY = 90, 18


def _frame(n=N, seed=0):
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
            "str": pd.Series(rng.choice(["p", "q", "r"], n), dtype="str"),
            "string": holes(rng.choice(["s", "t"], n), "string"),
        }
    )


def _labels(n=N):
    return np.where(np.arange(n) < N_MINORITY, "yes", "no")


def tiny(**kw):
    params = dict(
        hidden_layer_sizes=(8,),
        max_iter=3,
        pretrain_steps=20,
        device="cpu",
        random_state=0,
    )
    return DVAANClassifier(**(params | kw))


@pytest.fixture(scope="module")
def frame():
    df = _frame()
    # A minority-only category and a category the minority never has.
    df.loc[0, "obj"] = "violet"
    df.loc[N_MINORITY:, "str"] = df.loc[N_MINORITY:, "str"].replace("r", "p")
    df.loc[: N_MINORITY - 1, "str"] = "r"
    return df


@pytest.fixture(scope="module")
def fitted(frame):
    return tiny().fit(frame, _labels())


@pytest.fixture(scope="module")
def resampled(frame):
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    return sampler.fit_resample(frame, _labels())


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the training loop is entered."""

    def refuse(*args, **kwargs):
        raise AssertionError("training ran although the input was invalid")

    monkeypatch.setattr(skdvaan._classifier, "train", refuse)


def _fits(**kw):
    """The classifier's fit and the sampler's fit_resample, for refusals."""
    return [tiny(**kw).fit, DVAANSampler(estimator=tiny(**kw)).fit_resample]


def _assert_valid_rows(new, real, y_real, label):
    """Generated rows of class ``label`` against the real table."""
    assert list(new.columns) == list(real.columns)
    assert new.dtypes.equals(real.dtypes)
    own = real[y_real == label]
    for c in real.columns:
        s, ref = new[c], real[c]
        if (
            isinstance(ref.dtype, pd.CategoricalDtype)
            or not (pd.api.types.is_numeric_dtype(ref.dtype))
            or pd.api.types.is_bool_dtype(ref.dtype)
        ):
            seen = set(own[c].dropna().astype(object))
            assert set(s.dropna().astype(object)) <= seen, c
        else:
            v = s.dropna().to_numpy(dtype=np.float64)
            lo, hi = float(ref.min()), float(ref.max())
            assert ((v >= lo) & (v <= hi)).all(), c
            observed = ref.dropna().to_numpy(dtype=np.float64)
            if (observed == np.round(observed)).all():  # as integer_features_
                assert (v == np.round(v)).all(), c
        if not own[c].isna().any():
            assert not s.isna().any(), c


def test_fit_predict_every_dtype(fitted, frame):
    assert fitted.encoder_ is not None
    assert fitted.n_features_in_ == frame.shape[1]
    assert fitted.feature_names_in_.tolist() == list(frame.columns)
    proba = fitted.predict_proba(frame)
    assert proba.shape == (N, 2) and np.allclose(proba.sum(1), 1.0)
    assert set(fitted.predict(frame)) <= {"no", "yes"}
    assert fitted.decision_function(frame).shape == (N,)
    assert fitted.encode(frame).shape[0] == N
    kinds = {b.column: b.kind for b in fitted.encoder_.blocks if b.kind != "indicator"}
    categorical = {frame.columns[j] for j, k in kinds.items() if k == "categorical"}
    assert categorical == {"b", "B", "cat", "cat_int", "obj", "str", "string"}


@pytest.mark.parametrize("kind", ["boundary", "core"])
def test_sample_gives_valid_rows(fitted, frame, kind):
    X, y = fitted.sample(40, target_class="yes", kind=kind, random_state=0)
    assert isinstance(X, pd.DataFrame) and len(X) == 40 and (y == "yes").all()
    _assert_valid_rows(X, frame, _labels(), "yes")
    # "r" is the minority's only value of "str"; "violet" is minority-only too.
    assert set(X["str"]) == {"r"}
    X0, _ = fitted.sample(0)
    assert len(X0) == 0 and X0.dtypes.equals(frame.dtypes)
    again, _ = fitted.sample(40, target_class="yes", kind=kind, random_state=0)
    pd.testing.assert_frame_equal(X, again)


def test_fit_resample_returns_the_input_container(resampled, frame):
    X_res, y_res = resampled
    assert isinstance(X_res, pd.DataFrame)
    assert X_res.dtypes.equals(frame.dtypes)
    assert list(X_res.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(X_res.iloc[:N], frame)
    assert (pd.Series(y_res).value_counts() == N - N_MINORITY).all()
    new = X_res.iloc[N:]
    assert (y_res[N:] == "yes").all()
    _assert_valid_rows(new, frame, _labels(), "yes")


def test_unseen_category_and_wrong_columns(fitted, frame):
    X = frame.copy()
    X["obj"] = X["obj"].astype(object)
    X.loc[:4, "obj"] = "never seen"
    assert np.isfinite(fitted.predict_proba(X)).all()
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict_proba(frame.drop(columns="obj"))
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict_proba(frame.rename(columns={"obj": "colour"}))


def test_object_array(frame):
    A = frame[["f_na", "i64", "obj", "b"]].to_numpy(dtype=object)
    y = _labels()
    clf = tiny().fit(A, y)
    assert clf.predict_proba(A).shape == (N, 2)
    X, _ = clf.sample(10, random_state=0)
    assert isinstance(X, np.ndarray) and X.dtype == object and X.shape == (10, 4)
    assert {type(v) for v in X[:, 2]} <= {str, type(None)}
    X_res, y_res = DVAANSampler(estimator=tiny(), random_state=0).fit_resample(A, y)
    assert X_res.dtype == object and len(X_res) == 2 * (N - N_MINORITY)
    assert pd.DataFrame(X_res[:N]).equals(pd.DataFrame(A))


@pytest.mark.parametrize("container", ["DataFrame", "object array"])
def test_values_whose_variance_overflows_are_refused(container, no_training):
    # They used to be zeroed in training, come back as NaN from sample(), and
    # leave a model file that load() refused.
    rng = np.random.RandomState(0)
    X = pd.DataFrame(
        {
            "x": rng.randn(60) * 1e200,
            "c": pd.Categorical(rng.choice(["a", "b"], 60)),
        }
    )
    X = X if container == "DataFrame" else X.to_numpy(dtype=object)
    y = (np.arange(60) < 12).astype(int)
    for fit in _fits():
        with pytest.raises(ValueError, match="too large to represent in float32"):
            fit(X, y)


def test_complex_column_refused(no_training):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"z": rng.randn(60) + 1j * rng.randn(60), "x": rng.randn(60)})
    y = (np.arange(60) < 12).astype(int)
    for fit in _fits():
        with pytest.raises(ValueError, match="Complex data not supported"):
            fit(X, y)
        with pytest.raises(ValueError, match="Complex data not supported"):
            fit(X.assign(c=["a", "b"] * 30), y)


def test_no_rows_at_prediction_names_the_estimator(fitted, frame):
    match = "0 sample\\(s\\) .* minimum of 1 is required by DVAANClassifier"
    for method in ("predict", "predict_proba", "decision_function", "encode"):
        with pytest.raises(ValueError, match=match):
            getattr(fitted, method)(frame.iloc[:0])


def test_whole_float_column_is_rounded_with_or_without_missing_cells():
    # The numeric path rounds a column that held only whole numbers; a missing
    # cell elsewhere sends the table to the mixed path, which must do the same.
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"cnt": rng.randint(0, 10, 60).astype(float), "x": rng.randn(60)})
    y = (np.arange(60) < 12).astype(int)
    for holes in ([], ["x"], ["cnt"]):
        X = df.copy()
        for name in holes:
            X.loc[0, name] = np.nan
        sampler = DVAANSampler(estimator=tiny(), random_state=0)
        new = sampler.fit_resample(X, y)[0].iloc[60:]
        assert (sampler.estimator_.encoder_ is not None) == bool(holes)
        cnt = new["cnt"].dropna().to_numpy()
        assert len(cnt) and (cnt == np.round(cnt)).all(), holes
        assert (new["x"].dropna() != np.round(new["x"].dropna())).any()


def test_cli_rounds_an_int_column_with_a_blank_cell(tmp_path):
    # read_csv makes an int column with a blank cell float; --help promises
    # integer columns generated values that are whole.
    rng = np.random.default_rng(0)
    n = 60
    table = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n).astype(object),
            "income": rng.normal(50, 10, n),
            "label": np.where(np.arange(n) < 12, "yes", "no"),
        }
    )
    table.loc[3, "age"] = None
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    table.to_csv(src, index=False)
    args = ["--target", "label", "--max-iter", "2", "--random-state", "0"]
    assert main(["resample", str(src), "-o", str(out), *args]) == 0
    res = pd.read_csv(out)
    assert res["age"].dtype == np.float64 and len(res) > n
    ages = res["age"].iloc[n:].dropna().to_numpy()
    assert len(ages) and (ages == np.round(ages)).all()


def test_cross_val_score_on_a_string_column():
    rng = np.random.default_rng(3)
    n = 120
    colour = rng.choice(["red", "green", "blue"], n)
    df = pd.DataFrame({"x": rng.normal(size=n), "colour": colour})
    y = ((colour == "red") & (rng.random(n) < 0.8)).astype(int)
    scores = cross_val_score(tiny(max_iter=5), df, y, cv=3, scoring="roc_auc")
    assert np.isfinite(scores).all()


def test_save_load_round_trip(fitted, frame):
    buf = io.BytesIO()
    fitted.save(buf)
    buf.seek(0)
    loaded = DVAANClassifier.load(buf)
    assert loaded.encoder_.to_dict() == fitted.encoder_.to_dict()
    np.testing.assert_array_equal(
        loaded.predict_proba(frame), fitted.predict_proba(frame)
    )
    a, _ = loaded.sample(15, target_class="yes", random_state=1)
    b, _ = fitted.sample(15, target_class="yes", random_state=1)
    pd.testing.assert_frame_equal(a, b)


def test_sampler_save_load(frame):
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(frame, _labels())
    buf = io.BytesIO()
    sampler.save(buf)
    buf.seek(0)
    loaded = DVAANSampler.load(buf)
    a, _ = loaded.estimator_.sample(5, random_state=0)
    b, _ = sampler.estimator_.sample(5, random_state=0)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "spec", [[1], ["k"], [False, True, False], np.array([1])], ids=str
)
def test_categorical_features_names_a_numeric_column(spec):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"x": rng.normal(size=60), "k": rng.choice([10, 20, 30], 60), "z": 1.0}
    )
    y = (np.arange(60) < 12).astype(int)
    clf = tiny(categorical_features=spec).fit(df, y)
    kinds = [b.kind for b in clf.encoder_.blocks]
    assert kinds == ["numeric", "categorical", "numeric"]
    X, _ = clf.sample(20, random_state=0)
    assert set(X["k"]) <= set(df["k"][y == 1]) and X["k"].dtype == df["k"].dtype
    # The same on a numeric array, by index.
    if not isinstance(spec[0], str):
        clf = tiny(categorical_features=spec).fit(df.to_numpy(), y)
        X, _ = clf.sample(20, random_state=0)
        assert set(X[:, 1]) <= set(df["k"][y == 1])


def test_categorical_features_none_and_errors(frame):
    y = _labels()
    clf = tiny(categorical_features=None).fit(frame[["f64", "i64", "b"]], y)
    assert [b.kind for b in clf.encoder_.blocks] == ["numeric"] * 3
    X, _ = clf.sample(5, random_state=0)
    assert X["b"].dtype == bool
    with pytest.raises(ValueError, match="treated as numeric but holds"):
        tiny(categorical_features=None).fit(frame[["f64", "obj"]], y)
    with pytest.raises(ValueError, match="not columns of X"):
        tiny(categorical_features=["nope"]).fit(frame, y)
    with pytest.raises(ValueError, match="outside"):
        tiny(categorical_features=[99]).fit(frame, y)
    with pytest.raises(ValueError, match="sparse"):
        tiny(categorical_features=[0]).fit(sparse.random(40, 3, format="csr"), y[:40])


def test_an_object_column_of_numbers_is_numeric_in_a_dataframe_too():
    # pd.DataFrame(object_array) keeps its numbers as objects: they were
    # one-hot encoded as categories (refused beyond 256 distinct values),
    # although the object array itself, and check_array, read them as numbers.
    rng = np.random.default_rng(0)
    n = 300
    A = np.empty((n, 2), dtype=object)
    A[:, 0], A[:, 1] = rng.normal(size=n), rng.choice(["p", "q"], n)
    df = pd.DataFrame(A, columns=["x", "c"])
    y = (np.arange(n) < 60).astype(int)
    a, b = tiny().fit(A, y), tiny().fit(df, y)
    assert [k.kind for k in b.encoder_.blocks] == ["numeric", "categorical"]
    np.testing.assert_array_equal(a.predict_proba(A), b.predict_proba(df))
    X_new, _ = b.sample(5, random_state=0)
    assert X_new["x"].dtype == object and all(type(v) is float for v in X_new["x"])


def test_numeric_input_keeps_the_numeric_path():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    y = (np.arange(60) < 12).astype(int)
    a, b = tiny().fit(X, y), tiny().fit(df, y)
    assert a.encoder_ is None and b.encoder_ is None
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(df))
    c = tiny().fit(X.astype(object), y)
    assert c.encoder_ is None
    np.testing.assert_array_equal(a.predict_proba(X), c.predict_proba(X))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny().fit(X_nan, y)
    # A DataFrame's missing cells are modelled.
    assert tiny().fit(pd.DataFrame(X_nan), y).encoder_ is not None


def test_cli_on_mixed_csv_and_parquet(tmp_path, frame):
    table = frame[["f_na", "i64", "obj", "b"]].assign(label=_labels())
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    table.to_csv(src, index=False)
    args = ["--target", "label", "--max-iter", "3", "--random-state", "0"]
    assert main(["resample", str(src), "-o", str(out), *args]) == 0
    res, read = pd.read_csv(out), pd.read_csv(src)
    assert res.dtypes.equals(read.dtypes) and len(res) == 2 * (N - N_MINORITY)
    pd.testing.assert_frame_equal(res.iloc[:N], read)
    y_read = read.pop("label").to_numpy()
    _assert_valid_rows(res.iloc[N:].drop(columns="label"), read, y_read, "yes")

    pytest.importorskip("pyarrow")
    table = frame[["f32", "I64", "cat", "B", "string"]].assign(label=_labels())
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    table.to_parquet(src, index=False)
    assert main(["resample", str(src), "-o", str(out), *args]) == 0
    res, read = pd.read_parquet(out), pd.read_parquet(src)
    assert res.dtypes.equals(read.dtypes)
    pd.testing.assert_frame_equal(res.iloc[:N], read)
    y_read = read.pop("label").to_numpy()
    _assert_valid_rows(res.iloc[N:].drop(columns="label"), read, y_read, "yes")


def test_boundary_report_on_a_mixed_model(fitted, frame):
    from skdvaan.diagnostics import boundary_report

    report = boundary_report(fitted, frame, _labels(), n_samples=20, random_state=0)
    assert report.index.tolist() == ["real", "boundary", "core"]
    assert np.isfinite(report["proba_mean"]).all()


def test_refit_on_another_kind_of_data_drops_the_old_scaling():
    rng = np.random.RandomState(0)
    y = np.r_[[0] * 30, [1] * 10]
    X = rng.randn(40, 3)
    df = pd.DataFrame({"x": X[:, 0], "c": pd.Categorical(rng.choice(["a", "b"], 40))})
    clf = tiny().fit(X, y)
    assert hasattr(clf, "scaler_")
    clf.fit(df, y)  # the encoder scales now; no scaler of the old fit is left
    assert not hasattr(clf, "scaler_") and clf.encoder_ is not None
    clf.set_params(input_shape=(1, 2, 2)).fit(rng.rand(40, 4), y)
    assert not hasattr(clf, "scaler_") and hasattr(clf, "pixel_scale_")
    clf.set_params(input_shape=None).fit(X, y)
    assert not hasattr(clf, "pixel_scale_")


def test_dtype_whose_name_pandas_cannot_read_back_is_refused_at_fit(no_training):
    # The model keeps each column's dtype by name, for sample() and load():
    # Sparse[float64, 0] (what DataFrame.sparse.from_spmatrix gives) trained,
    # then failed in sample(), fit_resample and load.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.randn(60), "c": ["a", "b"] * 30})
    X["x"] = X["x"].astype(pd.SparseDtype(float, 0))
    y = (np.arange(60) < 12).astype(int)
    for fit in _fits():
        with pytest.raises(ValueError, match=r"'x' has dtype Sparse\[float64, 0\]"):
            fit(X, y)


def test_unhashable_cell_at_prediction_gets_fits_message(fitted, frame):
    bad = frame.copy()
    bad["obj"] = [{}] * len(bad)
    with pytest.raises(TypeError, match="column 'obj' holds a dict"):
        fitted.predict(bad)


def test_decimal_cells_are_refused_with_a_way_out(frame):
    # read_sql's NUMERIC and Parquet's decimal128 give Decimal cells: numbers,
    # but not real ones, so "cells must be numbers" alone would contradict.
    from decimal import Decimal

    bad = frame.copy()
    bad["obj"] = [Decimal("1.5")] * len(bad)
    y = np.arange(len(bad)) % 4 == 0
    with pytest.raises(TypeError, match=r"holds a Decimal.*\.astype\(float\)"):
        DVAANClassifier(max_iter=1, random_state=0).fit(bad, y)


def test_float_column_names_survive_save_and_load():
    # to_dict wrote them, and load refused them ("bad name 0.5").
    X = pd.DataFrame({0.5: np.arange(12.0), 1.5: list("ab") * 6})
    y = (np.arange(12) < 4).astype(int)
    clf = tiny().fit(X, y)
    buf = io.BytesIO()
    clf.save(buf)
    buf.seek(0)
    loaded = DVAANClassifier.load(buf)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.sample(2, random_state=0)[0].columns.tolist() == [0.5, 1.5]


def test_dtype_details_that_the_dtype_name_drops_are_kept():
    # str(dtype) is "category" whatever the categories' dtype, and "string"
    # whatever the storage: sample() gave int64 categories for int8 ones and
    # pyarrow strings for python ones, also after save and load.
    pytest.importorskip("pyarrow")
    n = 12
    X = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "c8": pd.Series(np.array([1, 2] * 6, dtype="int8")).astype("category"),
            "cf": pd.Series(np.array([0.5, 1.5] * 6, dtype="float32")).astype(
                "category"
            ),
            "co": pd.Categorical(
                list("ab") * 6, categories=pd.Index(["a", "b"], dtype=object)
            ),
            "sp": pd.array(list("uv") * 6, dtype=pd.StringDtype("python")),
            "sa": pd.array(list("uv") * 6, dtype=pd.StringDtype("pyarrow")),
        }
    )
    y = (np.arange(n) < 4).astype(int)
    clf = tiny().fit(X, y)
    buf = io.BytesIO()
    clf.save(buf)
    buf.seek(0)
    for model in (clf, DVAANClassifier.load(buf)):
        got = model.sample(3, random_state=0)[0]
        assert got.dtypes.tolist() == X.dtypes.tolist()


def test_integers_beyond_float64s_exact_range_are_refused(no_training):
    # Decoded in float64 and cast back, 2**63 - 1 came back as -2**63.
    y = (np.arange(12) < 4).astype(int)
    for col in (
        np.full(12, np.iinfo(np.int64).max),
        pd.array([2**60, None] * 6, dtype="Int64"),
    ):
        X = pd.DataFrame({"id": col, "c": list("ab") * 6})
        for fit in _fits():
            with pytest.raises(ValueError, match="'id' holds integers beyond 2"):
                fit(X, y)


def test_object_booleans_left_numeric_come_back_as_booleans():
    X = pd.DataFrame(
        {
            "x": np.arange(10.0),
            "flag": pd.Series([True, False, None, True, False] * 2, dtype=object),
        }
    )
    y = np.array([0] * 5 + [1] * 5)
    clf = tiny(categorical_features=[]).fit(X, y)
    got = clf.sample(40, kind="core", random_state=0)[0]["flag"]
    cells = got.dropna().tolist()
    assert cells and all(isinstance(v, bool) for v in cells)


def test_multiindex_columns_come_back_as_a_multiindex():
    X = pd.DataFrame({"num": np.arange(12.0), "cat": list("ab") * 6})
    X.columns = pd.MultiIndex.from_tuples([("g", "num"), ("g", "cat")])
    y = (np.arange(12) < 4).astype(int)
    got = tiny().fit(X, y).sample(3, random_state=0)[0]
    assert got.columns.equals(X.columns)
    assert got["g"].shape == (3, 2)
