"""Every bad input is refused with a clear error, before any training.

Also the numerical guards (extreme scales, wide data, a NaN loss), Ctrl-C
during fit, and the bounded work of sample() and predict_proba().
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import skdvaan._base
import skdvaan._classifier
import skdvaan._engine
from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan.datasets import make_imbalance_pair
from skdvaan.diagnostics import boundary_report
from skdvaan.exceptions import BoundarySamplingWarning

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning"),
]


def tiny(**params):
    defaults = dict(
        hidden_layer_sizes=(8,),
        max_iter=2,
        pretrain_steps=20,
        device="cpu",
        random_state=0,
    )
    return DVAANClassifier(**{**defaults, **params})


def tiny_sampler(**params):
    return DVAANSampler(estimator=tiny(**params), random_state=0)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return rng.randn(40, 4), np.array([0] * 30 + [1] * 10)


@pytest.fixture
def fitted(data):
    return tiny().fit(*data)


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the training loop is entered."""

    def refuse(*args, **kwargs):
        raise AssertionError("training ran although the input was invalid")

    monkeypatch.setattr(skdvaan._classifier, "train", refuse)


def _with_nan(X):
    X = X.copy()
    X[3, 1] = np.nan
    return X


def _with_inf(X):
    X = X.copy()
    X[3, 1] = np.inf
    return X


BAD_X = {
    "nan": (_with_nan, "contains NaN"),
    "inf": (_with_inf, "contains infinity"),
    "empty": (lambda X: X[:0], "0 sample"),
    "no features": (lambda X: X[:, :0], "0 feature"),
    "1-D": (lambda X: X[:, 0], "Expected 2D array"),
    # The classifier names its image forms; the sampler takes 2-D only.
    "5-D": (lambda X: X.reshape(40, 1, 1, 2, 2), "dim 5|5 dimensions.*4-D array"),
    # Strings and object arrays are mixed-type tables now (tests/test_mixed.py);
    # a column with no value at all is still refused.
    "empty column": (
        lambda X: np.c_[X.astype(object), [None] * len(X)],
        "entirely missing",
    ),
    "complex": (lambda X: X.astype(complex), "Complex data not supported"),
}


def test_cell_that_is_no_value_refused_before_training(data, no_training):
    X, y = data
    X = X.astype(object)
    X[0, 0] = {"foo": "bar"}
    for est in (tiny(), tiny_sampler()):
        with pytest.raises(TypeError, match="argument must be a string or a real"):
            est.fit(X, y) if hasattr(est, "predict") else est.fit_resample(X, y)


@pytest.mark.parametrize("case", BAD_X, ids=list(BAD_X))
def test_bad_X_refused_before_training(case, data, no_training):
    make, match = BAD_X[case]
    X, y = data
    Xb = make(X)
    yb = y[: len(Xb)] if len(Xb) < len(y) else y
    with pytest.raises(ValueError, match=match):
        tiny().fit(Xb, yb)
    with pytest.raises(ValueError, match=match):
        tiny_sampler().fit_resample(Xb, yb)


BAD_Y = {
    "one class": (np.zeros(40), "at least two classes", "more than 1 class"),
    "continuous": (np.linspace(0, 1, 40), "Unknown label type: continuous", None),
    # Two labels on some rows (a one-hot y is valid for imbalanced-learn).
    "multilabel": (
        np.c_[np.r_[[1] * 30, [0] * 10], np.r_[[1] * 20, [0] * 20]],
        "y should be a 1d array",
        "Multilabel and multioutput targets are not supported",
    ),
    "nan label": (np.r_[np.zeros(39), np.nan], "y contains NaN", None),
    "mixed types": (
        np.array([1] * 30 + ["a"] * 10, dtype=object),
        "Unknown label",
        None,
    ),
    "too short": (np.r_[[0] * 29, [1] * 10], "inconsistent numbers of samples", None),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in numpy
@pytest.mark.parametrize("case", BAD_Y, ids=list(BAD_Y))
def test_bad_y_refused_before_training(case, data, no_training):
    yb, match, sampler_match = BAD_Y[case]
    X, _ = data
    with pytest.raises(ValueError, match=match):
        tiny().fit(X, yb)
    with pytest.raises(ValueError, match=sampler_match or match):
        tiny_sampler().fit_resample(X, yb)


BAD_PARAMS = {
    "negative max_iter": (dict(max_iter=-1), "'max_iter' parameter"),
    "mu zero": (dict(mu=0.0), "'mu' parameter"),
    "mu negative": (dict(mu=-1.0), "'mu' parameter"),
    "mu nan": (dict(mu=float("nan")), "'mu' parameter"),
    "mu_bounds floor 0": (dict(mu_bounds=(0, 1)), "mu_bounds must be"),
    "mu_bounds reversed": (dict(mu_bounds=(3, 1)), "mu_bounds must be"),
    "mu_bounds one value": (dict(mu_bounds=(1,)), "mu_bounds must be"),
    "hidden zero": (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes must be"),
    "hidden empty": (dict(hidden_layer_sizes=()), "hidden_layer_sizes must be"),
    "hidden float": (dict(hidden_layer_sizes=(8.5,)), "hidden_layer_sizes must be"),
    "backbone": (dict(backbone="resnet"), "'backbone' parameter"),
    "latent_dim 0": (dict(latent_dim=0), "'latent_dim' parameter"),
    "class_weight label": (dict(class_weight={5: 1.0}), "class_weight names labels"),
    "class_weight all 0": (
        dict(class_weight={0: 0, 1: 0.0}),
        r"gives every class in y \(\[0, 1\]\) weight 0",
    ),
    "augmentation_ratio above 10": (
        dict(augmentation_ratio=10.5),
        "'augmentation_ratio' parameter",
    ),
    "augmentation_ratio huge": (
        dict(augmentation_ratio=1e9),
        "'augmentation_ratio' parameter",
    ),
    "device tpu": (dict(device="tpu"), "device='tpu' is not a device"),
    "batch_size": (dict(batch_size=0), "'batch_size' parameter"),
    "validation_fraction": (dict(validation_fraction=1.0), "'validation_fraction'"),
    "learning_rate": (dict(learning_rate_init=0.0), "'learning_rate_init'"),
    "conv without shape": (dict(backbone="conv"), "needs input_shape"),
    "paper without shape": (dict(backbone="paper"), "needs input_shape"),
    "input_shape 2-D": (dict(input_shape=(2, 2)), "three positive integers"),
    "input_shape pixels": (dict(input_shape=(1, 2, 3)), "holds 6 pixels but X has 4"),
}


@pytest.mark.parametrize("case", BAD_PARAMS, ids=list(BAD_PARAMS))
def test_invalid_parameters_refused_before_training(case, data, no_training):
    params, match = BAD_PARAMS[case]
    with pytest.raises(ValueError, match=match):
        tiny(**params).fit(*data)


# Parameters that DVAANClassifier's own checks in fit() catch are refused by
# the sampler too; the declarative constraints are not (sklearn skips nested
# validation inside fit_resample).
SAMPLER_CAUGHT = [c for c in BAD_PARAMS if not BAD_PARAMS[c][1].startswith("'")]


@pytest.mark.parametrize("case", SAMPLER_CAUGHT)
def test_sampler_refuses_invalid_estimator_parameters(case, data, no_training):
    params, match = BAD_PARAMS[case]
    with pytest.raises(ValueError, match=match):
        tiny_sampler(**params).fit_resample(*data)


@pytest.mark.parametrize(
    "params", [dict(mu=-1.0), dict(max_iter=-1), dict(augmentation_ratio=1e9)]
)
def test_sampler_validates_estimator_constraints(params, data, no_training):
    with pytest.raises(ValueError, match="parameter of DVAANClassifier"):
        tiny_sampler(**params).fit_resample(*data)


def test_latent_dim_too_small_for_classes(data, no_training):
    X, _ = data
    with pytest.raises(ValueError, match="latent_dim=1 is too small for 3 classes"):
        tiny(latent_dim=1).fit(X, np.arange(40) % 3)


def test_cuda_device_without_that_gpu(data, no_training):
    # "cuda:7" is refused on a machine without CUDA and on one with < 8 GPUs.
    if torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(ValueError, match="no CUDA GPU is available|does not exist"):
        tiny(device="cuda:7").fit(*data)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_device_without_cuda(data, no_training):
    with pytest.raises(ValueError, match="no CUDA GPU is available"):
        tiny(device="cuda").fit(*data)


@pytest.mark.parametrize("weight", [-1.0, float("nan"), "heavy"])
def test_class_weight_values_checked(weight, data, no_training):
    with pytest.raises(ValueError, match="class_weight"):
        tiny(class_weight={0: weight}).fit(*data)


def test_augmentation_ratio_up_to_10_is_accepted(data):
    tiny(augmentation_ratio=10)._validate_params()
    # One class of weight 0 is fine while another has rows that count.
    tiny(class_weight={0: 0.0}, max_iter=1, pretrain_steps=0).fit(*data)


def test_early_stopping_split_too_small(data, no_training):
    X, _ = data
    # 10 + 3 samples: a 10 % split holds 1.3 samples for 2 classes.
    with pytest.raises(ValueError, match="early_stopping needs a stratified"):
        tiny(early_stopping=True, validation_fraction=0.1).fit(
            X[:13], np.r_[[0] * 10, [1] * 3]
        )
    # A class of one sample cannot be in both the training and validation set.
    with pytest.raises(ValueError, match="smallest class has 1 samples"):
        tiny(early_stopping=True).fit(X[:31], np.r_[[0] * 30, [1] * 1])


def test_batches_of_weight_0_rows_only_add_nothing():
    # Weight 0 for the large class: most batches of 8 hold none of the small
    # one, and their weighted means were 0 / 0 (a NaN loss in epoch 1).
    rng = np.random.RandomState(0)
    X, y = rng.randn(200, 3), np.r_[[0] * 196, [1] * 4]
    clf = tiny(class_weight={0: 0.0, 1: 1.0}, batch_size=8, max_iter=2)
    clf.fit(X, y)
    assert all(np.isfinite(h["loss_cls"]) for h in clf.history_)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_auto_early_stopping_without_a_possible_split_trains_without_one():
    # "auto" chose early stopping for 1,000 rows; a 1-row class makes the
    # stratified split impossible, so it says so and trains without one.
    rng = np.random.RandomState(0)
    X, y = rng.randn(1000, 3), np.r_[[0] * 999, [1]]
    with pytest.warns(UserWarning, match="trains without a validation split"):
        clf = tiny(max_iter=1, pretrain_steps=0).fit(X, y)
    assert "validation_score" not in clf.history_[0]
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize(
    "n_rows, fraction, match",
    [
        # 0 of 40 rows left for training: scikit-learn's own error said "the
        # resulting train set will be empty" (with 1 row: "The train_size = 1
        # should be greater or equal to the number of classes").
        (40, 0.99, "leave 0 of 40 samples for training, fewer than the 2 classes"),
        # 3 training rows of 34, allotted 3 to class 0 and 0 to class 1 (its 4
        # rows all held out): this trained without a row of class 1.
        (34, 0.9, r"leave 3 of 34 samples .* none of class 1 \(4 samples\)"),
    ],
)
def test_early_stopping_split_leaves_every_class_training_rows(
    n_rows, fraction, match, data, no_training
):
    X, y = data
    with pytest.raises(
        ValueError, match=f"validation_fraction={fraction} would {match}"
    ):
        tiny(early_stopping=True, validation_fraction=fraction).fit(
            X[:n_rows], y[:n_rows]
        )


def test_auto_early_stopping_without_training_rows_of_a_class_trains_without_split():
    # 5 of 1,000 rows left for training, all of class 0 (4.95 and 0.05 rows):
    # "auto" trains without the split instead of without class 1.
    rng = np.random.RandomState(0)
    X, y = rng.randn(1000, 3), np.r_[[0] * 990, [1] * 10]
    with pytest.warns(UserWarning, match=r"none of class 1 \(10 samples\)") as record:
        clf = tiny(max_iter=1, pretrain_steps=0, validation_fraction=0.995).fit(X, y)
    assert "validation_score" not in clf.history_[0]
    assert record[0].filename == __file__


def test_auto_early_stopping_warning_points_at_the_callers_line():
    # fit is wrapped by scikit-learn's _fit_context: the warning pointed there.
    rng = np.random.RandomState(0)
    X, y = rng.randn(1000, 3), np.r_[[0] * 999, [1]]
    with pytest.warns(UserWarning, match="trains without a validation split") as record:
        tiny(max_iter=1, pretrain_steps=0).fit(X, y)
    assert record[0].filename == __file__
    with pytest.warns(UserWarning, match="trains without a validation split") as record:
        tiny_sampler(max_iter=1, pretrain_steps=0).fit_resample(X, y)
    assert record[0].filename == __file__


# ------------------------------------------------------------------ images


def test_3d_X_is_single_channel_images(no_training):
    X = np.random.RandomState(0).rand(20, 4, 4)
    with pytest.raises(ValueError, match=r"images of shape \(1, 4, 4\)"):
        tiny(input_shape=(1, 2, 8)).fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match=r"images of shape \(3, 4, 4\)"):
        X4 = np.random.RandomState(0).rand(20, 3, 4, 4)
        tiny(input_shape=(1, 4, 4)).fit(X4, np.arange(20) % 2)


def test_3d_X_fits_and_predicts():
    X = np.random.RandomState(0).rand(20, 4, 4)
    clf = tiny().fit(X, np.arange(20) % 2)
    assert clf.input_shape_ == (1, 4, 4)
    assert np.array_equal(clf.predict_proba(X), clf.predict_proba(X.reshape(20, 16)))
    assert "(n_samples, H, W)" in DVAANClassifier.fit.__doc__  # documented input


def test_a_list_of_images_takes_the_image_forms():
    # A list of (H, W) arrays, or nested lists, has no ndim: check_array said
    # "dim <= 2 is required", although the same images as an array fit.
    X = np.random.RandomState(0).rand(20, 4, 4)
    y = np.arange(20) % 2
    clf = tiny().fit(list(X), y)
    assert clf.input_shape_ == (1, 4, 4)
    assert np.array_equal(clf.predict_proba(list(X)), tiny().fit(X, y).predict_proba(X))
    assert tiny().fit(X[:, None].tolist(), y).input_shape_ == (1, 4, 4)
    assert tiny().partial_fit(list(X), y).input_shape_ == (1, 4, 4)
    with pytest.raises(ValueError, match=r"takes 2-D X.*input_shape=\(1, 4, 4\)"):
        tiny_sampler().fit_resample(list(X), y)


@pytest.mark.parametrize("backbone", ["auto", "conv", "paper"])
def test_batch_size_1_refused_for_batch_norm_backbones(backbone, no_training):
    # Batch norm has no batch statistics for one image: torch used to fail
    # inside pretraining ("Expected more than 1 value per channel").
    rng = np.random.RandomState(0)
    X, y = rng.rand(61, 64), np.r_[[0] * 40, [1] * 21]
    clf = tiny(input_shape=(1, 8, 8), backbone=backbone, batch_size=1)
    with pytest.raises(ValueError, match=r"batch_size=1\) cannot train backbone"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="batch norm"):
        DVAANSampler(estimator=clf, random_state=0).fit_resample(X, y)


def test_batch_size_1_trains_on_every_row(data, monkeypatch):
    # An MLP has no batch norm: every one-row batch is a step (the engine
    # used to skip all but the first of each epoch).
    steps = []
    step = skdvaan._engine.train_step
    monkeypatch.setattr(
        skdvaan._engine, "train_step", lambda *a, **k: steps.append(1) or step(*a, **k)
    )
    X, y = data
    tiny(batch_size=1, max_iter=2, augmentation_ratio=0.0).fit(X, y)
    assert len(steps) == 2 * len(X)
    # Image networks with batch_size=1 but no batch norm train as well.
    tiny(input_shape=(1, 2, 2), backbone="mlp", batch_size=1).fit(np.abs(X) % 1, y)


@pytest.mark.parametrize("scale", [-1.0, 300.0])
def test_image_pixels_out_of_range(scale, no_training):
    X = np.random.RandomState(0).rand(20, 4) * scale
    with pytest.raises(
        ValueError, match=r"Image pixels must lie in \[0, 1\] or \[0, 255\]"
    ):
        tiny(input_shape=(1, 2, 2)).fit(X, np.arange(20) % 2)


# ------------------------------------------------------------------ sparse


def test_sparse_input_accepted(data):
    X, y = data
    clf = tiny().fit(sparse.csr_matrix(X), y)
    assert np.array_equal(clf.predict_proba(sparse.csr_matrix(X)), clf.predict_proba(X))
    X_res, y_res = tiny_sampler().fit_resample(sparse.csr_matrix(X), y)
    assert sparse.issparse(X_res) and X_res.shape == (60, 4) and len(y_res) == 60


def test_too_large_sparse_refused(data, monkeypatch):
    X, y = data
    clf = tiny().fit(X, y)
    monkeypatch.setattr(skdvaan._base, "MAX_DENSE_ENTRIES", 100)
    with pytest.raises(ValueError, match="Sparse input of shape .* TruncatedSVD"):
        tiny().fit(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="Sparse input of shape"):
        clf.encode(sparse.csr_matrix(X))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_prediction_is_densified_batch_by_batch(data, monkeypatch, fmt):
    # predict_proba densified all of X first: sparse input beyond the dense
    # limit was refused, although the networks see one batch at a time.
    X, y = data
    clf = tiny().fit(X, y)
    X_big = np.tile(X, (60, 1))  # 2,400 rows: 3 batches of at most 1,024
    expected = clf.predict_proba(X_big)
    monkeypatch.setattr(skdvaan._base, "MAX_DENSE_ENTRIES", 5000)  # one batch's
    Xs = sparse.csr_matrix(X_big).asformat(fmt)
    np.testing.assert_array_equal(clf.predict_proba(Xs), expected)
    np.testing.assert_array_equal(clf.predict(Xs), clf.predict(X_big))


def test_too_large_sparse_refused_by_sampler(data, monkeypatch):
    monkeypatch.setattr(skdvaan._base, "MAX_DENSE_ENTRIES", 100)
    with pytest.raises(ValueError, match="Sparse input of shape"):
        tiny_sampler().fit_resample(sparse.csr_matrix(data[0]), data[1])


# ----------------------------------------------------------------- predict


def test_predict_before_fit(data):
    with pytest.raises(NotFittedError):
        tiny().predict(data[0])
    with pytest.raises(NotFittedError):
        tiny().sample(3)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "decision_function", "encode"]
)
def test_wrong_feature_count(method, fitted, data):
    with pytest.raises(
        ValueError, match="X has 3 features, but DVAANClassifier is expecting 4"
    ):
        getattr(fitted, method)(data[0][:, :3])


def test_feature_names(data):
    X, y = data
    clf = tiny().fit(pd.DataFrame(X, columns=list("abcd")), y)
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(pd.DataFrame(X, columns=list("abce")))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        clf.predict(X)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in numpy
def test_predict_refuses_values_beyond_float32(fitted, data):
    with pytest.raises(ValueError, match="too large"):
        fitted.predict_proba(data[0] * 1e40)


# Parameters that the methods after fit read, set to bad values after fit:
# refused with fit's message (a misspelled class_prior was read as "fit",
# n_threads=0 failed in torch, a bad boundary_selection deep in _prior).
BAD_AFTER_FIT = {
    "class_prior misspelled": (dict(class_prior="Balanced"), "class_prior"),
    "class_prior empty": (dict(class_prior=""), "class_prior"),
    "n_threads negative": (dict(n_threads=-3), "n_threads"),
    "n_threads 0": (dict(n_threads=0), "n_threads"),
    "boundary_selection": (dict(boundary_selection="bogus"), "boundary_selection"),
    "boundary_sampling": (dict(boundary_sampling="bogus"), "boundary_sampling"),
}
READS = {
    "class_prior": ["predict", "predict_proba", "decision_function"],
    "n_threads": ["predict", "predict_proba", "decision_function", "encode", "sample"],
    "boundary_selection": ["sample", "iter_samples"],
    "boundary_sampling": ["sample", "iter_samples"],
}


@pytest.mark.parametrize("case", BAD_AFTER_FIT, ids=list(BAD_AFTER_FIT))
def test_parameters_set_after_fit_are_checked_where_read(case, fitted, data):
    params, name = BAD_AFTER_FIT[case]
    X = data[0]
    before = fitted.predict_proba(X)
    good = fitted.get_params()[name]
    fitted.set_params(**params)
    calls = {
        "sample": lambda: fitted.sample(3, random_state=0),
        "iter_samples": lambda: fitted.iter_samples(3),
    }
    for method in READS[name]:
        with pytest.raises(ValueError, match=f"The '{name}' parameter of DVAAN"):
            calls[method]() if method in calls else getattr(fitted, method)(X)
    fitted.set_params(**{name: good})
    np.testing.assert_array_equal(fitted.predict_proba(X), before)


# ------------------------------------------------------------------ sample


def test_sample_bad_arguments(fitted):
    with pytest.raises(ValueError, match=r"target_class=7 is not one of the classes"):
        fitted.sample(3, target_class=7)
    with pytest.raises(
        ValueError, match="n_samples must be a non-negative int, got -1"
    ):
        fitted.sample(-1)
    with pytest.raises(
        ValueError, match="n_samples must be a non-negative int, got 2.5"
    ):
        fitted.sample(2.5)
    # A bool is an int to Python, not a count to a user.
    with pytest.raises(ValueError, match="got True"):
        fitted.sample(True)
    with pytest.raises(ValueError, match="got True"):
        next(fitted.iter_samples(True))
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        next(fitted.iter_samples(3, chunk_size=True))
    with pytest.raises(
        ValueError, match="kind must be 'boundary' or 'core', got 'edge'"
    ):
        fitted.sample(3, kind="edge")


def test_sample_refuses_list_target(fitted):
    with pytest.raises(ValueError, match="target_class"):
        fitted.sample(2, target_class=[0, 1])


def test_sample_zero(fitted):
    X_new, y_new = fitted.sample(0)
    assert X_new.shape == (0, 4) and y_new.shape == (0,)


def test_sample_size_bounded(fitted, monkeypatch):
    monkeypatch.setattr(skdvaan._base, "MAX_DENSE_ENTRIES", 1000)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(10_000)


# ------------------------------------------------------------ numerics


@pytest.mark.parametrize(
    "transform",
    [
        lambda X: X * np.array([1e30, 1, 1, 1]),
        lambda X: X * np.array([1e-30, 1, 1, 1]),
        lambda X: np.c_[X[:, :3], np.full(len(X), 7.0)],
        lambda X: np.full_like(X, 3.0),
    ],
    ids=["1e30 column", "1e-30 column", "constant column", "all constant"],
)
def test_extreme_scales_train_without_nan(transform, data):
    X, y = data
    Xt = transform(X)
    clf = tiny().fit(Xt, y)
    proba = clf.predict_proba(Xt)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(clf.sample(5)[0]).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in numpy
def test_values_beyond_float32_refused_in_fit(data, no_training):
    X, y = data
    with pytest.raises(ValueError, match="too large to represent in float32"):
        tiny().fit(X * np.array([1e300, 1, 1, 1]), y)


def test_wide_data_trains_without_nan():
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 1000), np.r_[[0] * 40, [1] * 10]
    proba = tiny().fit(X, y).predict_proba(X)
    assert np.isfinite(proba).all()


def test_nan_loss_names_the_epoch(data, monkeypatch):
    original = skdvaan._engine.dvaan_losses

    def nan_losses(**kwargs):
        losses = original(**kwargs)
        losses.cls = losses.cls * float("nan")
        return losses

    monkeypatch.setattr(skdvaan._engine, "dvaan_losses", nan_losses)
    with pytest.raises(FloatingPointError, match="NaN or inf in epoch 1"):
        tiny().fit(*data)


@pytest.mark.parametrize("failure", ["nan loss", "refit with bad parameters"])
def test_failed_fit_leaves_no_fitted_model(failure, data):
    X, y = data
    if failure == "nan loss":
        clf = tiny(learning_rate_init=1e6, max_iter=5)
        with pytest.raises(FloatingPointError):
            clf.fit(X, y)
    else:
        # classes_ would be updated to 3 classes while module_ keeps 2 outputs.
        clf = tiny().fit(X, y)
        with pytest.raises(ValueError, match="latent_dim=1 is too small"):
            clf.set_params(latent_dim=1).fit(X, np.arange(40) % 3)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


# ------------------------------------------------------------- interrupt


@pytest.mark.parametrize("stop_at", [1, 4])
def test_keyboard_interrupt_keeps_a_usable_model(stop_at, data, monkeypatch):
    original = skdvaan._engine.train_step
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(skdvaan._engine, "train_step", interrupted)
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=Warning)  # no ConvergenceWarning
        with pytest.warns(UserWarning, match="interrupted"):
            clf = tiny(max_iter=20).fit(X, y)
    assert len(calls) == stop_at
    assert clf.n_iter_ < 20 and clf.n_iter_ == len(clf.history_)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    assert set(clf.predict(X)) <= {0, 1}


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_keyboard_interrupt_warning_points_at_the_callers_line(
    method, data, monkeypatch
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(skdvaan._engine, "train_step", interrupted)
    X, y = data
    with pytest.warns(UserWarning, match="interrupted") as record:
        getattr(tiny(max_iter=20), method)(X, y)
    assert [w.filename for w in record if "interrupted" in str(w.message)] == [__file__]


# --------------------------------------------------------------- bounded


def test_large_sample_request_is_filled(fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundarySamplingWarning)
        # The majority class keeps the test fast; the work is bounded for any
        # class (see sample_boundary), but a rarely accepted class takes ~3 s.
        X_new, y_new = fitted.sample(100_000, target_class=0)
    assert X_new.shape == (100_000, 4) and np.isfinite(X_new).all()
    assert (y_new == 0).all()


def test_predict_proba_in_batches(fitted):
    X = np.random.RandomState(1).randn(200_000, 4)
    proba = fitted.predict_proba(X)
    assert proba.shape == (200_000, 2) and np.isfinite(proba).all()
    # Batching does not change a row's prediction.
    assert np.array_equal(proba[-10:], fitted.predict_proba(X[-10:]))


# ------------------------------------------------- dtypes, layouts, images


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # check_array's float32 sum
def test_float32_features_near_float32_max_are_standardised(data):
    # StandardScaler subtracted the mean in float32: -3e38 - 1.5e38 overflowed,
    # and fit refused as "too large after scaling" values that standardise to
    # about 1 (and that the same fit in float64 took).
    X, y = data
    X32 = X.astype(np.float32)
    X32[:, 0] = np.where(np.arange(40) % 4 == 0, -3e38, 3e38)  # mean 1.5e38
    clf = tiny().fit(X32, y)
    proba = clf.predict_proba(X32)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba, clf.predict_proba(X32.astype(np.float64)))
    with sklearn.config_context(transform_output="pandas"):  # the scaler's output
        np.testing.assert_array_equal(clf.predict_proba(X32), proba)
    X_new, _ = clf.sample(5, random_state=0)
    assert np.isfinite(X_new).all() and np.abs(X_new[:, 0]).max() <= 3e38 * 1.0001
    # Only the rows that overflow are scaled again, in float64: a row's
    # prediction does not depend on the rows passed with it.
    calm = X.astype(np.float32)[:10]
    calm[:, 0] = 1e30
    alone = clf.predict_proba(calm)
    with_wild = clf.predict_proba(np.vstack([calm, X32[:1]]))
    np.testing.assert_array_equal(with_wild[:10], alone)


@pytest.mark.parametrize("value", [1e20, 1.6e18 + 12345, -1e30])
def test_a_large_constant_column_reaches_the_networks_as_zero(data, value):
    # StandardScaler's mean of a constant column is a few ulps off, and its
    # scale is 1: a constant 1e20 reached the networks as 720896.
    X, y = data
    Xc = np.c_[X, np.full(len(X), value)]
    clf = tiny().fit(Xc, y)
    assert (clf._scale(Xc)[:, -1] == 0).all()
    np.testing.assert_array_equal(
        clf.predict_proba(Xc),
        tiny()
        .fit(np.c_[X, np.zeros(len(X))], y)
        .predict_proba(np.c_[X, np.zeros(len(X))]),
    )
    stream = tiny()
    for block in (slice(0, 20), slice(20, 40)):
        stream.partial_fit(Xc[block], y[block], classes=[0, 1])
    assert (stream._scale(Xc)[:, -1] == 0).all()
    frame = pd.DataFrame(Xc, columns=list("abcde")).assign(g=np.where(y, "u", "v"))
    mixed = tiny().fit(frame, y)
    assert mixed.encoder_.scaler_.mean_[-1] == value
    # Nanosecond timestamps vary well within float64's resolution: kept.
    stamps = tiny().fit(np.c_[X, 1.6e18 + np.arange(len(X)) * 1e12], y)
    assert stamps.scaler_.scale_[-1] > 1e12


def test_a_feature_whose_variance_underflows_is_refused(data, no_training):
    # Its variance underflowed to 0, StandardScaler took it for a constant,
    # and the networks saw only zeros (a constant predict_proba, no error).
    X, y = data
    with pytest.raises(ValueError, match="Feature 0 varies .* variance underflows"):
        tiny().fit(X * 1e-200, y)
    frame = pd.DataFrame(X * [1e-200, 1, 1, 1], columns=list("abcd"))
    with pytest.raises(ValueError, match="Column 'a' varies"):
        tiny().fit(frame.assign(g=np.where(y, "u", "v")), y)
    # Varying by less than float64 resolves at its magnitude: StandardScaler
    # gave it a scale of 1 and the networks saw values up to 7e5.
    offset = np.c_[X, 1e20 + np.arange(len(X)) % 7 * 16384.0]
    with pytest.raises(ValueError, match="Feature 4 varies .* subtract an offset"):
        tiny().fit(offset, y)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in StandardScaler
@pytest.mark.parametrize("scale", [1e160, 1e200])
def test_a_feature_whose_variance_overflows_is_named(scale, data, no_training):
    # Its variance overflows float64: at 1e160 it was said to vary "by less
    # than float64 can resolve" (subtracting an offset, the advice, does not
    # help), beyond it "X holds values too large", no feature named.
    X, y = data
    Xs = X * [1, 1, scale, 1]
    match = r"Feature 2 holds values too large .* variance overflows float64"
    with pytest.raises(ValueError, match=match):
        tiny().fit(Xs, y)
    with pytest.raises(ValueError, match=match):
        tiny().partial_fit(Xs, y)


def test_a_feature_below_float64_resolution_shows_its_range_in_full(data):
    # The range was formatted with a width of 17, not 17 digits: "from
    # <spaces>1e+20 to <spaces>1e+20".
    X, y = data
    column = 1e20 + np.arange(len(X)) % 7 * 16384.0
    with pytest.raises(ValueError, match="subtract an offset") as excinfo:
        tiny().fit(np.c_[X, column], y)
    message = str(excinfo.value)
    assert f"from {column.min():.17g} to {column.max():.17g})" in message


def test_shared_scaler_treats_low_variance_features_as_standardscaler_does():
    # The data-parallel scaler took a feature of std 1e-20 for a constant
    # (an absolute threshold): the network then saw zeros only.
    from sklearn.preprocessing import StandardScaler

    from skdvaan._classifier import _shared_scaler

    X = np.random.RandomState(0).randn(100, 3) * [1, 1e-20, 0] + [0, 0, 1e20]

    class TwoShards:
        def gather(self, _):
            return [
                (p.shape[0], p.mean(0), ((p - p.mean(0)) ** 2).sum(0))
                for p in (X[:50], X[50:])
            ]

        def min(self, v):
            return np.minimum(X[:50].min(0), X[50:].min(0))

        def max(self, v):
            return np.maximum(X[:50].max(0), X[50:].max(0))

    shared = _shared_scaler(X, TwoShards())
    plain = StandardScaler().fit(X)
    np.testing.assert_allclose(shared.scale_, plain.scale_, rtol=1e-12)
    assert shared.mean_[2] == 1e20


def test_one_row_predicts_as_in_a_batch_to_the_last_bit():
    # float64 products of fewer than 4 rows (and of any size with wide
    # layers) rounded differently from the same rows in a larger batch.
    rng = np.random.RandomState(0)
    for n_features in (6, 800):
        X = rng.randn(300, n_features)
        y = (X[:, 0] + 0.5 * rng.randn(300) > 1).astype(int)
        clf = tiny(hidden_layer_sizes=(32,)).fit(X, y)
        batch = clf.predict_proba(X)
        alone = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(0, 300, 7)])
        np.testing.assert_array_equal(alone, batch[::7])
        np.testing.assert_array_equal(
            clf.decision_function(X[5:8]), clf.decision_function(X)[5:8]
        )


@pytest.mark.parametrize("shape", [(40, 1, 4), (40, 1, 1, 4), (40, 2, 2)])
def test_table_model_refuses_image_shaped_X(shape, fitted, data):
    # A table model flattened 3-D and 4-D X of the right size and predicted
    # from it; scikit-learn's estimators take 2-D X only.
    X, y = data
    Xn = X.reshape(shape)
    for method in ("predict", "predict_proba", "decision_function", "encode"):
        with pytest.raises(ValueError, match=f"Found array with dim {len(shape)}"):
            getattr(fitted, method)(Xn)
    before = fitted.predict_proba(X)
    with pytest.raises(ValueError, match=f"Found array with dim {len(shape)}"):
        fitted.partial_fit(Xn, y)
    np.testing.assert_array_equal(fitted.predict_proba(X), before)


@pytest.mark.parametrize(
    "pixels, match",
    [
        (lambda X: X * 255, r"\[0, 1\].* over \[.*\]\. .*\(divide them by 255\)"),
        (lambda X: -X, r"\[0, 1\].*\(rescale them\)"),
    ],
    ids=["0..255 to a [0, 1] model", "negative"],
)
def test_image_model_refuses_pixels_beyond_the_fit_scale(pixels, match):
    # predict_proba took 0..255 images on a model fitted on [0, 1] ones and
    # answered from pixels 255 times too bright; partial_fit failed in torch
    # ("all elements of target should be between 0 and 1").
    X = np.random.RandomState(0).rand(20, 1, 4, 4)
    y = np.arange(20) % 2
    clf = tiny(batch_size=10).fit(X, y)
    for method in ("predict", "predict_proba", "decision_function", "encode"):
        with pytest.raises(ValueError, match="Image pixels must lie in " + match):
            getattr(clf, method)(pixels(X))
    stream = tiny(batch_size=10).partial_fit(X, y)
    before = stream.predict_proba(X)
    with pytest.raises(ValueError, match="Image pixels must lie in " + match):
        stream.partial_fit(pixels(X), y)
    np.testing.assert_array_equal(stream.predict_proba(X), before)
    # Rounding overshoot (1e-5 of the scale at most) passes.
    assert np.isfinite(clf.predict_proba(np.clip(X + 5e-6, 0, 1 + 5e-6))).all()
    beyond = X.copy()
    beyond.flat[0] = 1.001
    with pytest.raises(ValueError, match="Image pixels must lie in"):
        clf.predict_proba(beyond)
    # A model fitted on 0..255 takes 0..255 and [0, 1] images.
    bright = tiny(batch_size=10).fit(X * 255, y)
    assert np.isfinite(bright.predict_proba(X)).all()
    with pytest.raises(ValueError, match=r"must lie in \[0, 255\]"):
        bright.predict_proba(X * 300)


@pytest.mark.parametrize("layout", ["4-D", "flat with input_shape"])
def test_channels_last_images_warn(layout, recwarn):
    # (n, H, W, C) images were read as H channels of W x C pixels, silently.
    X = np.random.RandomState(0).rand(20, 6, 6, 3)
    y = np.arange(20) % 2
    params = dict(batch_size=10)
    if layout != "4-D":
        X, params = X.reshape(20, -1), dict(params, input_shape=(6, 6, 3))
    with pytest.warns(UserWarning, match=r"look like channels-last .* np\.moveaxis"):
        tiny(**params).fit(X, y)
    with pytest.warns(UserWarning, match="look like channels-last") as record:
        tiny(**params).partial_fit(X, y)
    assert record[0].filename == __file__
    recwarn.clear()
    # Channels-first images, and ones whose width is no channel count, do not.
    tiny(batch_size=10).fit(np.moveaxis(X.reshape(20, 6, 6, 3), -1, 1), y)
    tiny(batch_size=10).fit(np.random.RandomState(0).rand(20, 6, 6, 5), y)
    assert not [w for w in recwarn if "channels-last" in str(w.message)]


def test_channels_last_warning_points_at_the_callers_line():
    X, y = np.random.RandomState(0).rand(20, 6, 6, 1), np.arange(20) % 2
    with pytest.warns(UserWarning, match="channels-last") as record:
        tiny(batch_size=10).fit(X, y)
    assert record[0].filename == __file__


def test_sample_refuses_a_max_move_that_overflows_float32(fitted):
    # t = max_move * U(0, 1) in float32 was inf: every sample came back NaN.
    with pytest.raises(ValueError, match=r"max_move=1e\+39 moved latent codes"):
        fitted.sample(5, target_class=1, max_move=1e39, random_state=0)
    X_new, _ = fitted.sample(5, target_class=1, max_move=10.0, random_state=0)
    assert np.isfinite(X_new).all()


@pytest.mark.parametrize("ceiling", [1e100, float("inf")])
def test_mu_ceiling_beyond_float32_bounds_nothing(ceiling, data):
    # mu's clamp refused 1e100 in torch ("value cannot be converted to type
    # float without overflow") after pretraining; inf worked.
    X, y = data
    clf = tiny(mu_bounds=(0.5, ceiling)).fit(X, y)
    reference = tiny(mu_bounds=(0.5, 10.0)).fit(X, y)
    assert clf.mu_curve_ == reference.mu_curve_


@pytest.mark.parametrize("seed", [2**40, -1, 1.5, np.random.default_rng(0)])
def test_sample_random_state_checked_with_fits_message(seed, fitted, data):
    # An int beyond 2**32 - 1 failed deep in NumPy ("Seed must be between 0
    # and 2**32 - 1"), named no argument, and was let through with n_samples=0.
    calls = {
        "DVAANClassifier.sample": lambda: fitted.sample(3, random_state=seed),
        "DVAANClassifier.iter_samples": lambda: fitted.iter_samples(
            3, random_state=seed
        ),
        "boundary_report": lambda: boundary_report(
            fitted, *data, n_samples=3, random_state=seed
        ),
    }
    for caller, call in calls.items():
        with pytest.raises(
            ValueError, match=f"The 'random_state' parameter of {caller} must be"
        ):
            call()
    with pytest.raises(ValueError, match="'random_state' parameter"):
        fitted.sample(0, random_state=seed)


@pytest.mark.parametrize("n", [np.int64(2**62), np.int32(2**30)])
def test_sample_size_bound_holds_for_numpy_counts(n, fitted, monkeypatch):
    # n_samples * n_features in NumPy's int64 (int32) wrapped round to 0, the
    # bound let the request through, and sample() ran for 2**62 rows.
    def refuse(*args, **kwargs):
        raise AssertionError("sampling ran although the request was too large")

    monkeypatch.setattr(skdvaan._classifier, "sample_anchored", refuse)
    with pytest.raises(ValueError, match=f"n_samples={int(n)} would return"):
        fitted.sample(n)
    with pytest.raises(ValueError, match="would return"):
        next(fitted.iter_samples(n, chunk_size=n))


@pytest.mark.parametrize("seed", [2**32, -1, np.int64(-5)])
def test_make_imbalance_pair_refuses_seeds_numpy_cannot_take(seed):
    # NumPy's "Seed must be between 0 and 2**32 - 1" named no argument.
    X, y = np.arange(60).reshape(30, 2), np.repeat([0, 1, 2], 10)
    with pytest.raises(ValueError, match=r"invalid random_state -?\d+: an int seed"):
        make_imbalance_pair(X, y, 0, [1, 2], ratio=0.2, random_state=seed)
    make_imbalance_pair(X, y, 0, [1, 2], ratio=0.2, random_state=2**32 - 1)


def test_image_arrays_with_no_rows_get_the_zero_samples_message():
    rng = np.random.default_rng(0)
    X = rng.random((20, 1, 4, 4))
    y = np.r_[np.zeros(15, int), np.ones(5, int)]
    clf = DVAANClassifier(
        hidden_layer_sizes=(8,),
        max_iter=2,
        pretrain_steps=1,
        batch_size=10,
        random_state=0,
    ).fit(X, y)
    with pytest.raises(ValueError, match="0 sample"):
        clf.predict_proba(np.empty((0, 1, 4, 4)))
    with pytest.raises(ValueError, match="0 sample"):
        DVAANClassifier().fit(np.empty((0, 4, 4)), y[:0])


@pytest.mark.parametrize(
    "params",
    [{"mu": 1e19}, {"lambda_adv": 1e39}, {"lambda_fea": 1e308}],
    ids=["mu", "lambda_adv", "lambda_fea"],
)
def test_loss_scales_that_overflow_float32_are_refused(data, no_training, params):
    # They passed the checks and failed in the first epoch, blaming the
    # learning rate.
    for fit in (tiny(**params).fit, tiny_sampler(**params).fit_resample):
        with pytest.raises(ValueError, match="range"):
            fit(*data)


def test_class_weight_dict_is_scale_free(data):
    # Only the ratios matter (weighted means): 1e37 overflowed float32 sums.
    X, y = data
    small = tiny(class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    huge = tiny(class_weight={0: 1e37, 1: 3e37}).fit(X, y)
    np.testing.assert_allclose(
        huge.predict_proba(X), small.predict_proba(X), rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize(
    "classes, match",
    [([0, 1, np.nan], "NaN"), ([0, 1, None], "Unknown label"), ([[0, 1]], "1-D")],
)
def test_partial_fit_refuses_classes_that_fit_refuses_in_y(data, classes, match):
    with pytest.raises(ValueError, match=match):
        tiny().partial_fit(*data, classes=classes)


def test_n_threads_above_the_cpus_is_capped(data, monkeypatch):
    seen = []
    monkeypatch.setattr(skdvaan._base, "usable_cpus", lambda: 2)
    # Recorded, not set: torch itself fails to start 10**6 threads.
    monkeypatch.setattr(torch, "set_num_threads", seen.append)
    tiny(n_threads=10**6).fit(*data)
    assert seen and max(seen) <= max(2, torch.get_num_threads())


def test_class_prior_of_strings_gets_the_librarys_message(data, no_training):
    with pytest.raises(ValueError, match="class_prior must be 'fit', 'balanced'"):
        tiny(class_prior=["a", "b"]).fit(*data)


@pytest.mark.parametrize(
    "strategy, match",
    [({1: 20.5}, "10.5 new samples"), ({1: 10**9}, "one array may hold")],
)
def test_sampler_refuses_counts_it_cannot_draw_before_training(
    data, no_training, strategy, match
):
    sampler = tiny_sampler().set_params(sampling_strategy=strategy)
    with pytest.raises(ValueError, match=match):
        sampler.fit_resample(*data)


def test_sampler_takes_whole_float_counts_from_a_callable(data):
    X, y = data
    sampler = tiny_sampler().set_params(sampling_strategy=lambda y: {1: 25.0})
    _, y_new = sampler.fit_resample(X, y)
    assert np.bincount(y_new).tolist() == [30, 25]
