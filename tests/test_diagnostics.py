"""Tests for skdvaan.diagnostics: the boundary report, its plot, the column report."""

import copy
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import DataConversionWarning, NotFittedError

from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan.diagnostics import (
    _nearest_distances,
    boundary_report,
    column_report,
    plot_boundary_report,
)
from skdvaan.exceptions import BoundarySamplingWarning

matplotlib.use("Agg")

COLUMNS = [
    "n_samples",
    "proba_mean",
    "proba_q10",
    "proba_median",
    "proba_q90",
    "mean_abs_proba_minus_half",
    "nn_dist_min",
    "nn_dist_median",
    "frac_closer_than_real_median",
    "n_exact_copies",
]


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(
        n_samples=150, n_features=6, weights=[0.8], flip_y=0, random_state=0
    )
    clf = DVAANClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter=5
        clf.fit(X, y)
    return clf, X, y


def _report(clf, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundarySamplingWarning)  # tiny model
        return boundary_report(clf, X, y, **kwargs)


def test_report_reads_the_balanced_view_whatever_class_prior_is(fitted):
    # The report read predict_proba under the model's class_prior: under
    # the default "fit", boundary samples (selected on the balanced view)
    # looked deep in the majority.
    clf, X, y = fitted
    balanced = copy.deepcopy(clf).set_params(class_prior="balanced")
    k = int(np.flatnonzero(clf.classes_ == 1)[0])
    gen = {"g": X[y == 1][:10]}
    for model in (clf, balanced):
        report = _report(model, X, y, generated=gen)
        want = np.median(balanced.predict_proba(gen["g"])[:, k])
        assert report.loc["g", "proba_median"] == pytest.approx(want, abs=1e-12)
    assert clf.class_prior == "fit"


def test_a_large_class_is_measured_on_a_subset_of_queries(fitted, monkeypatch):
    # The real rows' self-distances were an exact search over all of them:
    # quadratic (7 s at 50,000 rows). Past the cap, a fixed subset of queries
    # is searched against every real row.
    from skdvaan import diagnostics

    clf, X, y = fitted
    full = _report(clf, X, y, n_samples=20, random_state=0)
    monkeypatch.setattr(diagnostics, "MAX_REAL_QUERIES", 10)
    part = _report(clf, X, y, n_samples=20, random_state=0)
    again = _report(clf, X, y, n_samples=20, random_state=0)
    pd.testing.assert_frame_equal(part, again)  # the subset is fixed
    assert part.loc["real", "proba_median"] == full.loc["real", "proba_median"]
    assert part.loc["real", "nn_dist_min"] >= full.loc["real", "nn_dist_min"]
    cols = ["boundary", "core"]
    pd.testing.assert_frame_equal(
        part.loc[cols, ["n_samples"]], full.loc[cols, ["n_samples"]]
    )
    # A subset's own distances are those of the full search for its rows.
    Z = clf._transform(X[y == 1])
    d_all, _ = diagnostics._nearest_distances(Z, Z, exclude_self=True)
    q = np.array([1, 4, 7])
    d_q, _ = diagnostics._nearest_distances(Z[q], Z, exclude_self=True, query_index=q)
    np.testing.assert_allclose(d_q, d_all[q])


def test_report_rows_columns_and_values(fitted):
    clf, X, y = fitted
    report = _report(clf, X, y, n_samples=40, random_state=0)
    assert report.index.tolist() == ["real", "boundary", "core"]
    assert report.columns.tolist() == COLUMNS
    assert np.all(np.isfinite(report.to_numpy(dtype=float)))
    assert report.loc["real", "n_samples"] == np.sum(y == 1)
    assert report.loc["boundary", "n_samples"] == 40
    probas = report[["proba_q10", "proba_median", "proba_q90"]].to_numpy()
    assert np.all((probas >= 0) & (probas <= 1))
    assert np.all(np.diff(probas, axis=1) >= 0)  # quantiles are ordered
    assert report.attrs["target_class"] == 1
    assert type(report.attrs["target_class"]) is int  # not np.int64: shown to people
    assert report.attrs["real_nn_dist_median"] > 0


def test_report_is_reproducible(fitted):
    clf, X, y = fitted
    a = _report(clf, X, y, n_samples=30, random_state=3)
    b = _report(clf, X, y, n_samples=30, random_state=3)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_training_rows_passed_as_generated_are_exact_copies(fitted):
    clf, X, y = fitted
    X_min = X[y == 1]
    noisy = X_min + 0.5 * np.random.RandomState(0).standard_normal(X_min.shape)
    report = _report(clf, X, y, generated={"copies": X_min[:10], "noisy": noisy})
    assert report.index.tolist() == ["real", "copies", "noisy"]
    assert report.loc["copies", "n_exact_copies"] == 10
    assert report.loc["copies", "nn_dist_min"] == 0.0
    assert report.loc["copies", "frac_closer_than_real_median"] == 1.0
    assert report.loc["noisy", "n_exact_copies"] == 0
    assert report.loc["real", "n_exact_copies"] == 0  # no duplicated rows in X


def test_nearest_distances_matches_brute_force():
    rng = np.random.RandomState(0)
    A, B = rng.standard_normal((30, 5)), rng.standard_normal((40, 5))
    dist, idx = _nearest_distances(A, B)
    full = np.linalg.norm(A[:, None, :] - B[None, :, :], axis=2)
    np.testing.assert_allclose(dist, full.min(axis=1))
    np.testing.assert_array_equal(idx, full.argmin(axis=1))


def test_nearest_distances_exclude_self_skips_own_row_only():
    X = np.array([[0.0, 0.0], [3.0, 0.0], [3.0, 0.0], [10.0, 0.0]])
    dist, idx = _nearest_distances(X, X, exclude_self=True)
    np.testing.assert_allclose(dist, [3.0, 0.0, 0.0, 7.0])
    assert idx[1] == 2 and idx[2] == 1  # a duplicate elsewhere still counts


def test_sampler_is_accepted(fitted):
    clf, X, y = fitted
    sampler = DVAANSampler(estimator=clf, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler.fit_resample(X, y)
    report = _report(sampler, X, y, n_samples=20, random_state=0)
    assert report.loc["core", "n_samples"] == 20


def test_errors(fitted):
    clf, X, y = fitted
    with pytest.raises(NotFittedError):
        boundary_report(DVAANClassifier(), X, y)
    with pytest.raises(ValueError, match="target_class=7"):
        boundary_report(clf, X, y, target_class=7)
    y_one = np.where(np.arange(len(y)) == 0, 1, 0)
    with pytest.raises(ValueError, match="at least 2"):
        boundary_report(clf, X, y_one, generated={"g": X[:2]})
    with pytest.raises(ValueError, match="no samples"):
        boundary_report(clf, X, y, generated={"g": X[:0]})


def test_bad_y_n_samples_and_generated(fitted):
    clf, X, y = fitted
    # Each was an IndexError from the boolean mask, far from the cause.
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        boundary_report(clf, X, y[:50], n_samples=5)
    with pytest.raises(ValueError, match="1d array"):
        boundary_report(clf, X, np.c_[y, y], n_samples=5)
    with pytest.warns(DataConversionWarning):  # a column vector, as in fit
        report = _report(clf, X, y.reshape(-1, 1), n_samples=5, random_state=0)
    assert report.loc["real", "n_samples"] == np.sum(y == 1)
    # Was "generated['boundary'] holds no samples" with no generated passed.
    for n in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n_samples must be a positive integer"):
            boundary_report(clf, X, y, n_samples=n)
    assert len(_report(clf, X, y, n_samples=0, generated={"g": X[:3]})) == 2
    with pytest.raises(ValueError, match="generated must be a dict"):
        boundary_report(clf, X, y, generated=[X[:3]])


def test_messages_show_plain_labels(fitted):
    clf, X, y = fitted
    y_one = np.where(np.arange(len(y)) == 0, 1, 0)
    # target_class=None picks clf.classes_[1], an np.int64.
    with pytest.raises(ValueError, match=r"sample\(s\) of class 1;"):
        boundary_report(clf, X, y_one, generated={"g": X[:2]})
    with pytest.raises(ValueError, match="target_class=7 is"):
        boundary_report(clf, X, y, target_class=np.int64(7))


def test_plot_boundary_report(fitted):
    import matplotlib.pyplot as plt

    clf, X, y = fitted
    report = _report(clf, X, y, n_samples=20, random_state=0)
    ax = plot_boundary_report(report)
    assert len(ax.get_yticklabels()) == 3
    assert ax.get_xlim() == (0.0, 1.0)
    fig, ax2 = plt.subplots()
    assert plot_boundary_report(report, ax=ax2) is ax2
    plt.close("all")


# ----------------------------------------------------------------- columns


def _frames():
    real = pd.DataFrame(
        {
            "colour": pd.Categorical(["red"] * 6 + ["blue"] * 2 + [None] * 2),
            "flag": [True] * 5 + [False] * 5,
            "size": np.arange(10, dtype=float),
            "count": np.arange(10),
        }
    )
    return real, real.copy()


def test_column_report_is_zero_for_identical_columns():
    real, same = _frames()
    report = column_report(real, same)
    assert report.index.tolist() == ["colour", "flag", "size", "count"]
    assert report["kind"].tolist() == ["categorical"] * 2 + ["numeric"] * 2
    assert report["statistic"].tolist() == ["tvd", "tvd", "ks", "ks"]
    assert np.allclose(report["value"], 0.0)
    assert report.loc["colour", "missing_real"] == 0.2
    assert report.loc["colour", "unseen_generated"] == 0.0
    assert np.isnan(report.loc["size", "unseen_generated"])


def test_column_report_values_match_their_definitions():
    real, _ = _frames()
    gen = pd.DataFrame(
        {
            "colour": pd.Categorical(["red", "green", "green", "blue"]),
            "flag": [True, True, True, True],
            "size": [100.0, 101.0, np.nan, np.nan],
            "count": [0, 1, 2, 3],
        }
    )
    report = column_report(real, gen)
    # red 0.6 vs 0.25, blue 0.2 vs 0.25, missing 0.2 vs 0, green 0 vs 0.5
    assert np.isclose(report.loc["colour", "value"], 0.5 * (0.35 + 0.05 + 0.2 + 0.5))
    assert report.loc["colour", "unseen_generated"] == 0.5
    assert np.isclose(report.loc["flag", "value"], 0.5)
    assert report.loc["size", "value"] == 1.0  # disjoint ranges
    assert report.loc["size", "missing_generated"] == 0.5
    assert np.isclose(report.loc["count", "value"], 0.6)  # max CDF gap at 3


def test_column_report_takes_arrays_and_a_categorical_override():
    real, gen = _frames()
    A, B = real[["size", "count"]].to_numpy(), gen[["size", "count"]].to_numpy()
    report = column_report(A, B, categorical_features=[1])
    assert report.index.tolist() == [0, 1]
    assert report["kind"].tolist() == ["numeric", "categorical"]


def test_column_report_on_a_sampler_run_keeps_categories():
    real, _ = _frames()
    X = pd.concat([real] * 6, ignore_index=True)
    y = np.r_[np.zeros(50, dtype=int), np.ones(10, dtype=int)]
    est = DVAANClassifier(hidden_layer_sizes=(8,), max_iter=3, pretrain_steps=5)
    sampler = DVAANSampler(estimator=est, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, _ = sampler.fit_resample(X, y)
    report = column_report(X[y == 1], X_res.iloc[len(y) :])
    assert (report.loc[["colour", "flag"], "unseen_generated"] == 0).all()
    assert ((report["value"] >= 0) & (report["value"] <= 1)).all()


@pytest.mark.parametrize(
    "gen, match",
    [
        (pd.DataFrame({"a": [1.0]}), "same columns"),
        (pd.DataFrame({"x": [1.0], "z": [2.0]}), "different column names"),
        (pd.DataFrame({"x": [], "y": []}), "no rows"),
    ],
)
def test_column_report_errors(gen, match):
    real = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(ValueError, match=match):
        column_report(real, gen)


def test_column_report_names_a_numeric_column_holding_text():
    # pandas' "Unable to parse string" named no column.
    real = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(ValueError, match="Column 'y' .*X_generated .*'oops'"):
        column_report(real, pd.DataFrame({"x": [1.0], "y": ["oops"]}))
    A = np.array([[1.0, "a"], [2.0, "b"]], dtype=object)
    with pytest.raises(ValueError, match="Column at position 1 .*X_real"):
        column_report(A, A, categorical_features=[])


def test_report_takes_sparse_input_as_the_classifier_does(fitted):
    # np.asarray on a sparse matrix is a 0-d object array: an IndexError.
    from scipy import sparse

    clf, X, y = fitted
    dense = _report(clf, X, y, generated={"g": X[:7]})
    for fmt in ("csr", "coo"):
        rows = getattr(sparse, f"{fmt}_matrix")
        got = _report(clf, rows(X), y, generated={"g": rows(X[:7])})
        pd.testing.assert_frame_equal(got, dense)


def test_column_report_missing_cells_never_match_a_real_category():
    real = pd.DataFrame({"c": ["<missing>", "<missing>", "a", "a"]})
    gen = pd.DataFrame({"c": [None, None, "a", "a"]})
    row = column_report(real, gen).loc["c"]
    assert row["value"] == pytest.approx(0.5)
    assert row["unseen_generated"] == pytest.approx(0.5)
