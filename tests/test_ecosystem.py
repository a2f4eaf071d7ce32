"""Both estimators among scikit-learn's and imbalanced-learn's tools and settings.

Global configuration, meta-estimators' parameter handling, containers and
feature names as scikit-learn's own estimators treat them. Tiny networks and a
few epochs: these tests check the plumbing, not the quality of the model.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_predict

from skdvaan import DVAANClassifier, DVAANSampler

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning"),
]


def _small(**params):
    return DVAANClassifier(
        hidden_layer_sizes=(8,),
        max_iter=3,
        pretrain_steps=2,
        device="cpu",
        random_state=0,
        **params,
    )


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 60
    y = (rng.random(n) < 0.3).astype(int)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n) + y,
            "b": rng.normal(size=n),
            "s": rng.choice(["x", "y", "z"], n),
        }
    )
    frame.loc[3, "a"] = np.nan  # a missing cell: the indicator block too
    return frame, y


@pytest.fixture(scope="module")
def fitted(data):
    frame, y = data
    return _small().fit(frame, y)


def test_global_pandas_output_leaves_fits_unchanged(data, fitted):
    # set_config(transform_output="pandas") made the encoder's internal
    # StandardScaler return a DataFrame: fit crashed in a zip().
    frame, y = data
    numeric = frame[["b"]].to_numpy()
    ref = _small().fit(numeric, y)
    with sklearn.config_context(transform_output="pandas"):
        clf = _small().fit(frame, y)
        np.testing.assert_array_equal(
            clf.predict_proba(frame), fitted.predict_proba(frame)
        )
        X_res, _ = DVAANSampler(estimator=_small(), random_state=0).fit_resample(
            frame, y
        )
        num = _small().fit(numeric, y)  # the numeric path's scaler too
        np.testing.assert_array_equal(
            num.predict_proba(numeric), ref.predict_proba(numeric)
        )
        np.testing.assert_array_equal(
            num.sample(3, random_state=0)[0], ref.sample(3, random_state=0)[0]
        )
    X_ref, _ = DVAANSampler(estimator=_small(), random_state=0).fit_resample(frame, y)
    pd.testing.assert_frame_equal(X_res, X_ref)


@pytest.mark.parametrize("names", ["int", "numpy"])
def test_frame_without_string_names_is_read_by_position(data, fitted, names):
    # As scikit-learn's estimators: X without valid feature names warns and
    # its columns are taken in order (a NumPy array was; a DataFrame with
    # integer column names was refused).
    frame, _ = data
    X = frame.set_axis(range(frame.shape[1]), axis=1)
    if names == "numpy":
        X = X.to_numpy(dtype=object)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        proba = fitted.predict_proba(X)
    np.testing.assert_array_equal(proba, fitted.predict_proba(frame))


def test_frame_fitted_without_string_names_takes_any_names(data):
    frame, y = data
    X = frame.set_axis(range(frame.shape[1]), axis=1)
    clf = _small().fit(X, y)
    assert not hasattr(clf, "feature_names_in_")
    ref = clf.predict_proba(X)
    # Other integer names: no names to check, by position (as sklearn).
    np.testing.assert_array_equal(clf.predict_proba(X.set_axis([5, 6, 7], axis=1)), ref)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        np.testing.assert_array_equal(clf.predict_proba(frame), ref)


def test_string_names_are_still_checked(data, fitted):
    frame, _ = data
    with pytest.raises(ValueError, match="feature names should match"):
        fitted.predict(frame[["b", "a", "s"]])
    with pytest.raises(ValueError, match="feature names should match"):
        fitted.predict(frame.rename(columns={"a": "A"}))


@pytest.mark.parametrize(
    "make",
    [
        lambda f: f.iloc[0],  # a row as a Series
        lambda f: f.iloc[0].to_numpy(),  # a 1-D object array
        lambda f: [1.0, 2.0, "x"],  # a flat list
        lambda f: 1.0,  # a scalar
    ],
    ids=["series", "1d-array", "flat-list", "scalar"],
)
def test_non_2d_input_to_a_mixed_model_says_so(fitted, data, make):
    # It said "X does not contain any features, but ... is expecting 3".
    frame, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # feature-name warnings
        with pytest.raises(ValueError, match="Expected 2D|2-dimensional"):
            fitted.predict(make(frame))


def test_string_array_keeps_its_dtype_when_sampled_and_resampled():
    # A NumPy array of strings came back as an object array (RandomOverSampler
    # and SMOTEN keep '<U2').
    rng = np.random.default_rng(0)
    y = (rng.random(60) < 0.3).astype(int)
    X = np.c_[rng.choice(["a", "b"], 60), rng.choice(["x", "yy", "z"], 60)]
    clf = _small().fit(X, y)
    X_new, _ = clf.sample(4, random_state=0)
    assert X_new.dtype == X.dtype
    assert set(X_new[:, 1]) <= set(X[:, 1])
    X_res, y_res = DVAANSampler(estimator=_small(), random_state=0).fit_resample(X, y)
    X_ros, _ = RandomOverSampler(random_state=0).fit_resample(X, y)
    assert X_res.dtype == X_ros.dtype == X.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)
    assert len(y_res) == len(X_ros)


def test_estimator_parameters_are_settable_with_the_default_estimator():
    # estimator=None stands for DVAANClassifier(): estimator__<name> raised
    # AttributeError ('NoneType' object has no attribute 'set_params').
    sampler = DVAANSampler().set_params(estimator__mu=2.0)
    assert isinstance(sampler.estimator, DVAANClassifier)
    assert sampler.estimator.get_params() == DVAANClassifier(mu=2.0).get_params()
    # Other parameters leave estimator=None as it is.
    assert DVAANSampler().set_params(random_state=1).get_params()["estimator"] is None
    own = DVAANClassifier(max_iter=3)
    sampler = DVAANSampler(estimator=own).set_params(estimator__mu=2.0)
    assert sampler.estimator is own and own.mu == 2.0
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        DVAANSampler().set_params(estimator__foo=1)


def test_grid_search_over_the_default_estimators_parameters():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=80) > 0.8).astype(int)
    pipe = Pipeline(
        [("dvaan", DVAANSampler(random_state=0)), ("clf", LogisticRegression())]
    )
    # The search's own parameters on the default estimator (kept tiny).
    grid = {
        "dvaan__estimator__mu": [2.0, 3.0],
        "dvaan__estimator__hidden_layer_sizes": [(8,)],
        "dvaan__estimator__max_iter": [2],
        "dvaan__estimator__pretrain_steps": [2],
        "dvaan__estimator__device": ["cpu"],
    }
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(X, y)
    assert search.best_params_["dvaan__estimator__mu"] in (2.0, 3.0)


def test_predict_log_proba_as_scikit_learns_classifiers(data, fitted):
    # MLPClassifier and LogisticRegression have it; cross_val_predict(method=
    # "predict_log_proba") raised AttributeError.
    frame, y = data
    log_proba = fitted.predict_log_proba(frame)
    np.testing.assert_array_equal(np.exp(log_proba), fitted.predict_proba(frame))
    assert np.isfinite(log_proba).all()
    out = cross_val_predict(_small(), frame, y, cv=2, method="predict_log_proba")
    assert out.shape == (len(y), 2) and np.allclose(np.exp(out).sum(1), 1.0)


def test_predict_log_proba_is_finite_where_predict_proba_underflows():
    X, y = make_classification(
        n_samples=200, n_features=4, weights=[0.8], random_state=0
    )
    clf = DVAANClassifier(
        hidden_layer_sizes=(8,), max_iter=5, pretrain_steps=2, random_state=0
    ).fit(X, y)
    far = X[:5] * 1e5  # logits far apart: one probability underflows to 0
    assert (clf.predict_proba(far) == 0).any()
    log_proba = clf.predict_log_proba(far)
    assert np.isfinite(log_proba).all() and log_proba.min() < -1000
