"""Behaviour of DVAANSampler in imbalanced-learn pipelines."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdvaan import DVAANClassifier, DVAANSampler

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::skdvaan.exceptions.BoundarySamplingWarning",
)


def sampler(max_iter=4, **params):
    est = DVAANClassifier(
        hidden_layer_sizes=(16,), max_iter=max_iter, pretrain_steps=20, device="cpu"
    )
    return DVAANSampler(estimator=est, random_state=0, **params)


@pytest.fixture(scope="module")
def multiclass():
    return make_classification(
        n_samples=300,
        n_classes=3,
        n_informative=4,
        weights=[0.7, 0.2, 0.1],
        random_state=0,
    )


@pytest.mark.parametrize(
    "strategy",
    ["auto", "minority", "not minority", "not majority", "all"],
)
def test_string_strategies_give_the_counts_imblearn_asks(multiclass, strategy):
    X, y = multiclass
    s = sampler(sampling_strategy=strategy)
    X_res, y_res = s.fit_resample(X, y)
    before, after = Counter(y), Counter(y_res)
    for label, n_new in s.sampling_strategy_.items():
        assert after[label] == before[label] + n_new
    # Original rows come first, unchanged.
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)


def test_float_dict_and_callable_strategies():
    X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    n0, n1 = np.bincount(y)
    _, y_res = sampler(sampling_strategy=0.5).fit_resample(X, y)
    assert Counter(y_res)[1] == int(0.5 * n0)
    _, y_res = sampler(sampling_strategy={1: n1 + 7}).fit_resample(X, y)
    assert Counter(y_res)[1] == n1 + 7
    _, y_res = sampler(sampling_strategy=lambda y: {1: n1 + 3}).fit_resample(X, y)
    assert Counter(y_res)[1] == n1 + 3


def test_invalid_strategy_uses_imblearns_error():
    X, y = make_classification(n_samples=100, weights=[0.9], random_state=0)
    with pytest.raises(ValueError, match="greater or equal to the original"):
        sampler(sampling_strategy={1: 2}).fit_resample(X, y)


def test_dtype_pandas_and_string_labels_are_kept():
    X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    df = pd.DataFrame(X.astype(np.float32), columns=[f"c{i}" for i in range(20)])
    labels = pd.Series(np.where(y == 1, "fraud", "ok"), name="label")
    X_res, y_res = sampler().fit_resample(df, labels)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(df.columns)
    assert (X_res.dtypes == np.float32).all()
    assert isinstance(y_res, pd.Series) and y_res.name == "label"
    assert Counter(y_res) == {"ok": 180, "fraud": 180}


def test_estimator_is_fitted_and_searchable():
    X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    s = sampler()
    s.fit_resample(X, y)
    assert isinstance(s.estimator_, DVAANClassifier)
    assert s.estimator.random_state is None  # the parameter itself is untouched
    assert s.estimator_.random_state is not None
    pipe = Pipeline([("dvaan", sampler()), ("clf", LogisticRegression())])
    grid = GridSearchCV(
        pipe, {"dvaan__estimator__lambda_adv": [0.5, 1.0]}, cv=2, scoring="roc_auc"
    )
    grid.fit(X, y)
    assert "dvaan__estimator__lambda_adv" in grid.best_params_


def test_pipeline_cross_val_on_dataframe_with_string_labels_and_n_jobs():
    X, y = make_classification(
        n_samples=240,
        n_features=5,
        n_informative=3,
        weights=[0.85],
        class_sep=2.0,
        random_state=0,
    )
    df = pd.DataFrame(X, columns=list("abcde"))
    df["colour"] = np.random.RandomState(0).choice(["red", "blue"], size=240)
    labels = np.where(y == 1, "yes", "no")
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), list("abcde")),
            ("cat", OneHotEncoder(sparse_output=False), ["colour"]),
        ]
    )
    pipe = Pipeline(
        [("pre", pre), ("dvaan", sampler(max_iter=30)), ("clf", LogisticRegression())]
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    one = cross_val_score(pipe, df, labels, scoring="roc_auc", cv=cv)
    two = cross_val_score(pipe, df, labels, scoring="roc_auc", cv=cv, n_jobs=2)
    # Plumbing, not quality (that is benchmarks/bench_sampler.py): the
    # samples must still carry the classes' signal.
    assert one.mean() > 0.6
    np.testing.assert_allclose(one, two)


def test_generated_rows_are_not_copies_of_training_rows():
    X, y = make_classification(n_samples=200, weights=[0.9], random_state=0)
    X_res, _ = sampler().fit_resample(X, y)
    new = X_res[len(X) :]
    d = np.linalg.norm(new[:, None, :] - X[None, :, :], axis=2).min(1)
    assert np.all(d > 1e-6)


def test_boundary_window_is_the_samplers_unless_none(multiclass):
    X, y = multiclass
    wide = sampler()
    wide.fit_resample(X, y)
    assert wide.estimator_.boundary_window == (0.5, 1.0)
    assert wide.estimator.boundary_window == (0.5, 0.9)  # the parameter is kept
    own = DVAANSampler(
        estimator=DVAANClassifier(
            hidden_layer_sizes=(16,),
            max_iter=2,
            pretrain_steps=5,
            boundary_window=(0.6, 0.8),
        ),
        boundary_window=None,
        random_state=0,
    )
    own.fit_resample(X, y)
    assert own.estimator_.boundary_window == (0.6, 0.8)
    with pytest.raises(ValueError, match="boundary_window"):
        sampler(boundary_window=(0.9, 0.5)).fit_resample(X, y)


@pytest.mark.parametrize("shape", [(12, 1, 4, 4), (12, 4, 4)])
def test_image_arrays_are_refused_with_the_flat_recipe(shape):
    X = np.random.default_rng(0).random(shape)
    y = np.r_[np.zeros(9, int), np.ones(3, int)]
    with pytest.raises(ValueError, match=r"input_shape=\(1, 4, 4\)"):
        DVAANSampler().fit_resample(X, y)
