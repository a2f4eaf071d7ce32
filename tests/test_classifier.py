"""Behaviour of DVAANClassifier beyond the common estimator checks."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan._networks import PAPER_CHANNELS
from skdvaan._prior import class_directions
from skdvaan.exceptions import BoundarySamplingWarning

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::skdvaan.exceptions.BoundarySamplingWarning",
)


def tiny(**params):
    base = dict(
        hidden_layer_sizes=(16,),
        max_iter=8,
        pretrain_steps=20,
        device="cpu",
        random_state=0,
    )
    return DVAANClassifier(**{**base, **params})


@pytest.fixture(scope="module")
def binary():
    return make_classification(
        n_samples=300, n_features=6, weights=[0.85], random_state=0
    )


def test_learns_a_separable_problem(binary):
    X, y = binary
    clf = tiny(max_iter=60, learning_rate_init=1e-2).fit(X, y)
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    # decision_function is the log-odds of classes_[1].
    logit = np.log(proba[:, 1]) - np.log(proba[:, 0])
    np.testing.assert_allclose(clf.decision_function(X), logit, atol=1e-6)


def test_history_records_every_epoch(binary):
    X, y = binary
    clf = tiny(max_iter=5, n_iter_no_change=100).fit(X, y)
    assert clf.n_iter_ == 5 == len(clf.history_) == len(clf.mu_curve_)
    keys = {"loss_cls", "loss_real", "loss_adv", "loss_ele", "loss_kl", "loss_fea"}
    keys |= {"mu", "n_boundary", "epoch", "time"}
    assert keys <= set(clf.history_[0])
    assert clf.validation_scores_ is None
    assert clf.loss_curve_ == [h["loss_real"] for h in clf.history_]


def test_max_iter_without_convergence_warns(binary):
    X, y = binary
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        tiny(max_iter=2).fit(X, y)


def test_mu_moves_only_when_learned_and_stays_in_bounds(binary):
    X, y = binary
    fixed = tiny(learn_mu=False, mu=3.0).fit(X, y)
    assert set(fixed.mu_curve_) == {3.0}
    learned = tiny(mu_step=0.5, mu_bounds=(1.0, 4.0)).fit(X, y)
    assert all(1.0 <= m <= 4.0 for m in learned.mu_curve_)
    assert learned.mu_curve_[-1] != 3.0


def test_prior_means_binary_and_simplex():
    v = class_directions(2, 4, positive=0)
    np.testing.assert_allclose(v[0], 0.5 * np.ones(4))
    np.testing.assert_allclose(v[1], -v[0])
    v = class_directions(4, 5)
    np.testing.assert_allclose(torch.linalg.norm(v, dim=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(v.sum(0), 0.0, atol=1e-6)
    gram = (v @ v.T).numpy()
    off = gram[~np.eye(4, dtype=bool)]
    np.testing.assert_allclose(off, -1 / 3, atol=1e-6)  # a regular simplex


def test_minority_class_gets_the_positive_mean(binary):
    X, y = binary  # class 1 is the minority
    clf = tiny().fit(X, y)
    assert np.all(clf.latent_means_[1] > 0) and np.all(clf.latent_means_[0] < 0)
    codes = clf.encode(X)
    assert codes.shape == (300, 8)


def test_early_stopping_restores_the_best_epoch():
    X, y = make_classification(n_samples=1200, weights=[0.8], random_state=1)
    clf = tiny(max_iter=30, n_iter_no_change=3).fit(X, y)  # "auto": >= 1000 rows
    assert clf.validation_scores_ is not None
    best = int(np.argmax(clf.validation_scores_))
    assert clf.best_validation_score_ == pytest.approx(clf.validation_scores_[best])
    assert clf.n_iter_ <= 30


def test_multiclass_string_labels_and_pandas():
    X, y = make_classification(
        n_samples=240, n_classes=3, n_informative=4, weights=[0.6, 0.3], random_state=0
    )
    labels = np.array(["cat", "dog", "emu"])[y]
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = tiny().fit(df, labels)
    assert clf.classes_.tolist() == ["cat", "dog", "emu"]
    assert clf.feature_names_in_.tolist() == list(df.columns)
    assert set(clf.predict(df)) <= {"cat", "dog", "emu"}
    assert clf.decision_function(df).shape == (240, 3)
    Xs, ys = clf.sample(4, target_class="emu", random_state=0)
    assert Xs.shape == (4, 20) and ys.tolist() == ["emu"] * 4


def test_sample_is_in_input_scale_and_reproducible(binary):
    X, y = binary
    X = X * 100 + 50  # far from standardised
    clf = tiny().fit(X, y)
    a, ya = clf.sample(20, kind="core", random_state=3)
    b, _ = clf.sample(20, kind="core", random_state=3)
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - X.mean()) < 5 * X.std()
    assert ya.tolist() == [1] * 20  # target_class=None: the smallest class


def test_boundary_sampling_falls_back_with_a_warning_but_meets_the_request(binary):
    X, y = binary
    # A window no candidate can reach: the anchored rule fills from the nearest.
    clf = tiny(
        max_iter=20, boundary_window=(0.0, 1e-9), boundary_selection="window"
    ).fit(X, y)
    with pytest.warns(BoundarySamplingWarning, match="nearest to that"):
        Xs, _ = clf.sample(500, target_class=1, random_state=0)
    assert Xs.shape == (500, 6)
    # A discriminator that hardly predicts class 1 accepts few of the paper's
    # boundary samples: its rule falls back towards the class mean.
    clf = tiny(
        max_iter=20, class_weight={0: 1.0, 1: 0.0}, boundary_sampling="paper"
    ).fit(X, y)
    with pytest.warns(BoundarySamplingWarning, match="closer to the class mean"):
        Xs, _ = clf.sample(500, target_class=1, random_state=0)
    assert Xs.shape == (500, 6)


def test_images_flat_and_4d_and_paper_backbone():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, 1, 10, 10)).astype(np.float64)
    y = np.array([0] * 50 + [1] * 10)
    X[y == 1, :, :5] = 255
    clf4 = tiny(max_iter=2).fit(X, y)
    assert clf4.input_shape_ == (1, 10, 10) and clf4.pixel_scale_ == 255.0
    flat = tiny(max_iter=2, input_shape=(1, 10, 10)).fit(X.reshape(60, -1), y)
    np.testing.assert_allclose(
        flat.predict_proba(X.reshape(60, -1)), clf4.predict_proba(X)
    )
    Xs, _ = flat.sample(3, target_class=1, random_state=0)
    assert Xs.shape == (3, 100) and Xs.min() >= 0 and Xs.max() <= 255
    paper = tiny(max_iter=1, input_shape=(1, 10, 10), backbone="paper")
    paper.fit(X.reshape(60, -1), y)
    conv = paper.module_.encoder.features.conv
    widths = [m.out_channels for m in conv if isinstance(m, torch.nn.Conv2d)]
    assert tuple(widths) == PAPER_CHANNELS


def test_augmentation_adds_boundary_samples(binary):
    X, y = binary
    clf = tiny(augmentation_ratio=0.5, max_iter=6, n_iter_no_change=100).fit(X, y)
    assert clf.history_[0]["n_boundary"] == 0  # no generator to draw from yet
    gap = np.bincount(y).max() - np.bincount(y).min()
    assert all(h["n_boundary"] <= 0.5 * gap for h in clf.history_)
    assert any(h["n_boundary"] > 0 for h in clf.history_[1:])


def test_verbose_shows_a_progress_bar(binary, capsys):
    X, y = binary
    tiny(max_iter=2, verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "DVAAN" in err and "epoch" in err
    assert "2/2" in err and "max_iter=2 reached" in err


def test_progress_bar_ends_on_the_epochs_run_and_says_why(binary, capsys):
    X, y = binary
    clf = tiny(max_iter=200, n_iter_no_change=2, verbose=True).fit(X, y)
    assert clf.n_iter_ < 200
    final = capsys.readouterr().err.split("\r")[-1]
    assert f"{clf.n_iter_}/{clf.n_iter_}" in final
    assert f"epoch {clf.n_iter_}" in final and "stalled" in final


def test_sampler_verbose_shows_the_estimators_bar(binary, capsys):
    X, y = binary
    DVAANSampler(estimator=tiny(max_iter=2), verbose=True).fit_resample(X, y)
    assert "DVAAN" in capsys.readouterr().err
    DVAANSampler(estimator=tiny(max_iter=2)).fit_resample(X, y)
    assert "DVAAN" not in capsys.readouterr().err


def test_cross_val_score_roc_auc_grid_search_and_pipeline(binary):
    X, y = binary
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(tiny(), X, y, scoring="roc_auc", cv=cv)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    pipe = make_pipeline(StandardScaler(), tiny())
    grid = GridSearchCV(
        pipe, {"dvaanclassifier__lambda_adv": [0.5, 1.0]}, cv=cv, scoring="roc_auc"
    )
    grid.fit(X, y)
    assert grid.best_params_["dvaanclassifier__lambda_adv"] in (0.5, 1.0)


def test_early_stopping_reason_names_the_restored_epoch():
    from skdvaan._engine import TrainConfig, _stop_reason

    text = _stop_reason(TrainConfig(early_stopping=True, n_iter_no_change=10), 23, 12)
    assert text.startswith("early stopping at epoch 23") and "best epoch 12" in text
