"""Boundary samples, D+ training, calibration and thread control (issues 9, 10)."""

import copy
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan import _classifier as classifier_module
from skdvaan._calibration import (
    balanced_shift,
    calibrated_log_proba,
    fit_platt,
    prior_shift,
    training_prior,
)
from skdvaan._engine import TrainConfig, augmentation_schedule, train_step
from skdvaan._networks import DVAANModule, NetworkConfig
from skdvaan._prior import (
    _anchor_geometry,
    _anchor_kth,
    _has_own_neighbour,
    class_directions,
    sample_anchored,
)
from skdvaan.exceptions import BoundarySamplingWarning


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=400, n_features=6, n_informative=4, weights=[0.85], random_state=0
    )


def tiny(**kw):
    params = dict(
        hidden_layer_sizes=(16,), max_iter=12, pretrain_steps=20, random_state=0
    )
    params.update(kw)
    return DVAANClassifier(**params)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tiny(augmentation_warmup=2).fit(X, y)


# ------------------------------------------------------------ warm-up, ramp


def test_schedule_warmup_then_linear_ramp():
    got = [augmentation_schedule(e, 0.5, 2) for e in range(6)]
    assert got == [0.0, 0.0, 0.25, 0.5, 0.5, 0.5]
    # No warm-up: full ratio from the second epoch (the first has no generator).
    assert [augmentation_schedule(e, 0.5, 0) for e in range(3)] == [0.0, 0.5, 0.5]
    assert augmentation_schedule(10, 0.0, 2) == 0.0


def test_boundary_samples_start_after_warmup(fitted):
    n_boundary = [h["n_boundary"] for h in fitted.history_]
    assert n_boundary[:2] == [0, 0]
    assert all(n > 0 for n in n_boundary[2:])
    # The ramp: the first D+ round asks for half of the full one.
    assert n_boundary[2] < n_boundary[4]


@pytest.mark.parametrize(
    ("batch_size", "expected"),
    [
        # 400 rows in 2 batches: a round of REFRESH_STEPS = 8 steps is 4
        # epochs. Draws in the ramp's epochs 2 and 3 (0-based), then every 4.
        (200, [2, 3, 7, 11]),
        # 8 batches or more per epoch: a new D+ in every epoch.
        (50, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    ],
)
def test_boundary_redrawn_on_ramp_and_every_round(
    data, monkeypatch, batch_size, expected
):
    from skdvaan import _engine

    steps, drawn_at = [0], []
    real_draw, real_step = _engine.refresh_boundary, _engine.train_step

    def counting_draw(*args, **kwargs):
        drawn_at.append(steps[0])
        return real_draw(*args, **kwargs)

    def counting_step(*args, **kwargs):
        steps[0] += 1
        return real_step(*args, **kwargs)

    monkeypatch.setattr(_engine, "refresh_boundary", counting_draw)
    monkeypatch.setattr(_engine, "train_step", counting_step)
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(
            augmentation_warmup=2,
            batch_size=batch_size,
            early_stopping=False,
            n_iter_no_change=50,
        ).fit(X, y)
    assert _engine.REFRESH_STEPS == 8 and clf.n_iter_ == 12
    per_epoch = steps[0] // clf.n_iter_
    assert per_epoch == 400 // batch_size
    # Draws happen at the start of an epoch: the epoch is the steps before it.
    assert [s // per_epoch for s in drawn_at] == expected
    assert all(s % per_epoch == 0 for s in drawn_at)
    # Between draws D+ is reused, at its full size.
    assert all(h["n_boundary"] > 0 for h in clf.history_[2:])


def test_no_boundary_samples_without_augmentation(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(augmentation_ratio=0.0, max_iter=4).fit(X, y)
    assert all(h["n_boundary"] == 0 for h in clf.history_)
    np.testing.assert_allclose(clf.training_prior_, [0.5, 0.5])


def test_a_split_that_may_leave_validation_without_a_class_is_refused():
    # 2 rows of class 1 in 1,200: training's allotment (1.6, rounded up by
    # the larger remainder) took both, the validation part had none, and
    # Platt's temperature was fitted on one class (pinned at 20).
    X = np.random.RandomState(0).randn(1200, 4)
    y = np.r_[np.zeros(1198, int), [1, 1]]
    with pytest.warns(UserWarning, match="for validation, which may hold none of"):
        clf = tiny(max_iter=2, early_stopping="auto").fit(X, y)
    assert "validation_score" not in clf.history_[0]
    with pytest.raises(ValueError, match="would hold 240 of 1200 samples for valid"):
        tiny(early_stopping=True).fit(X, y)
    # The message counts the rows the split holds (ceil), not a fraction.
    with pytest.raises(ValueError, match="would hold 2 samples for 3 classes"):
        tiny(early_stopping=True, validation_fraction=0.05).fit(
            X[:30], np.r_[np.zeros(10, int), np.ones(10, int), np.full(10, 2)]
        )


def test_validation_split_fits_platts_bias(data):
    """With a validation split, Platt's method fits a logit bias (and a
    temperature), and the mean probability of the minority in fit lands near
    its frequency; without one the bias alone is fitted on the training
    rows, at temperature 1. The weights' prior stays."""
    X, y = data
    kw = dict(augmentation_ratio=0.0, max_iter=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = tiny(early_stopping=False, **kw).fit(X, y)
        split = tiny(early_stopping=True, **kw).fit(X, y)
    for clf in (plain, split):
        np.testing.assert_allclose(clf.training_prior_, [0.5, 0.5])
    assert plain.temperature_ == 1.0
    assert plain.logit_bias_[0] == 0.0 and plain.logit_bias_[1] != 0.0
    assert split.logit_bias_[0] == 0.0 and split.logit_bias_[1] != 0.0
    ratio = split.predict_proba(X)[:, 1].mean() / y.mean()
    assert 0.7 < ratio < 1.4, ratio


def test_validation_bias_keeps_the_costs_of_a_class_weight_dict(data):
    """A dict states costs: Platt's bias is fitted on cost-weighted rows, so
    the minority's probabilities stay tilted by its weight of 5 instead of
    being calibrated back to its frequency."""
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(
            augmentation_ratio=0.0,
            max_iter=8,
            early_stopping=True,
            class_weight={0: 1.0, 1: 5.0},
        ).fit(X, y)
    ratio = clf.predict_proba(X)[:, 1].mean() / y.mean()
    assert ratio > 2.0, ratio


def test_augmentation_weight_auto_is_a_quarter_on_tables_and_half_on_images(data):
    assert DVAANClassifier()._augmentation_weight(None) == 0.25
    assert DVAANClassifier()._augmentation_weight((1, 8, 8)) == 0.5
    assert DVAANClassifier(augmentation_weight=0.7)._augmentation_weight(None) == 0.7
    # What the engine and the calibration use: "auto" fits as 0.25 does on a
    # table, bit for bit, and not as 0.5 does.
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {
            w: tiny(augmentation_warmup=1, augmentation_weight=w).fit(X, y)
            for w in ("auto", 0.25, 0.5)
        }
    proba = {w: clf.predict_proba(X) for w, clf in fits.items()}
    np.testing.assert_array_equal(proba["auto"], proba[0.25])
    assert not np.array_equal(proba["auto"], proba[0.5])
    assert fits["auto"].training_prior_[1] == pytest.approx(
        fits[0.25].training_prior_[1]
    )


def test_patience_restarts_after_the_ramp(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(augmentation_warmup=3, n_iter_no_change=1, tol=1e9, max_iter=50).fit(
            X, y
        )
    # tol=1e9: nothing ever improves, so training stops as early as allowed:
    # the ramp ends after epoch 6, then n_iter_no_change + 1 epochs.
    assert clf.n_iter_ == 6 + 2


def _stall_epoch(losses, tol, patience, ramp_end):
    """The epoch at which the engine's stall rule stops on ``losses``, or None."""
    best, no_improve = float("inf"), 0
    for epoch, loss in enumerate(losses, 1):
        no_improve = 0 if loss < best - tol else no_improve + 1
        best = min(best, loss)
        if epoch == ramp_end:
            no_improve = 0
        if no_improve > patience and epoch > ramp_end:
            return epoch
    return None


def test_stall_rule_reads_the_real_rows_loss_not_d_plus(data):
    # Without early stopping, training stops when the class loss on the real
    # rows stalls. D+ is redrawn near the boundary every round, so the loss
    # with its term (loss_cls) stays high and stalled long before.
    X, y = data
    params = dict(early_stopping=False, n_iter_no_change=3, tol=1e-3, max_iter=150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(augmentation_warmup=2, **params).fit(X, y)
    real = [h["loss_real"] for h in clf.history_]
    full = [h["loss_cls"] for h in clf.history_]
    assert clf.loss_curve_ == real
    assert all(f > r for f, r in zip(full[3:], real[3:]))  # D+ adds its term
    ramp_end = 2 + 2
    assert clf.n_iter_ == _stall_epoch(real, 1e-3, 3, ramp_end) < 150
    # On the loss with D+'s term, the same rule would have stopped sooner.
    assert _stall_epoch(full, 1e-3, 3, ramp_end) < clf.n_iter_


# --------------------------------------------------------------- D+ routing


def _module_and_batch(seed=0):
    cfg = NetworkConfig(n_features=5, n_classes=2, latent_dim=4, hidden=(8,))
    torch.manual_seed(seed)
    module = DVAANModule(cfg, 3.0)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(16, 5, generator=g)
    y = torch.tensor([0] * 12 + [1] * 4)
    x_aug = torch.randn(6, 5, generator=g)
    y_aug = torch.ones(6, dtype=torch.long)
    return module, x, y, x_aug, y_aug


def test_boundary_samples_train_only_the_discriminator():
    module, x, y, x_aug, y_aug = _module_and_batch()
    directions = class_directions(2, 4)
    cfg = TrainConfig()
    after = {}
    for name, aug in (("without", None), ("with", (x_aug, y_aug))):
        m = copy.deepcopy(module)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        g = torch.Generator().manual_seed(1)
        xa, ya = aug if aug else (None, None)
        train_step(m, opt, x, y, directions, cfg, g, None, x_aug=xa, y_aug=ya)
        after[name] = m
    for net in ("encoder", "decoder"):
        a = dict(getattr(after["with"], net).named_parameters())
        b = dict(getattr(after["without"], net).named_parameters())
        for key in a:
            torch.testing.assert_close(a[key], b[key])
    a = after["with"].discriminator.head.weight
    b = after["without"].discriminator.head.weight
    assert not torch.allclose(a, b)


def test_feature_matching_trains_the_generator_never_the_discriminator():
    # L_fea reads D's hidden layer through weights cut from the graph: its
    # weight changes E's and G's step, never D's.
    module, x, y, _, _ = _module_and_batch()
    directions = class_directions(2, 4)
    after = {}
    for lam in (0.0, 5.0):
        m = copy.deepcopy(module)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        g = torch.Generator().manual_seed(1)
        cfg = TrainConfig(lambda_fea=lam, learn_mu=False)
        train_step(m, opt, x, y, directions, cfg, g, None)
        after[lam] = m
    for a, b in zip(
        after[0.0].discriminator.parameters(), after[5.0].discriminator.parameters()
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    pairs = zip(after[0.0].decoder.parameters(), after[5.0].decoder.parameters())
    assert any(not torch.equal(a, b) for a, b in pairs)


def test_forward_detached_is_forward_without_the_weights_in_the_graph():
    module, x, _, _, _ = _module_and_batch()
    features = module.discriminator.features
    x = x.clone().requires_grad_(True)
    h = features.forward_detached(x)
    torch.testing.assert_close(h, features(x))
    h.sum().backward()
    assert x.grad is not None and bool(x.grad.abs().sum() > 0)
    assert all(p.grad is None for p in features.parameters())


def test_training_prior_counts_weights_and_boundary_share():
    counts = np.array([80, 20])
    w = np.array([0.625, 2.5])  # balanced
    np.testing.assert_allclose(training_prior(counts, w, [0, 0], 0.5), [0.5, 0.5])
    # D+ of the minority at weight 0.5: minority mass 0.5 + 0.5 of 1.5.
    np.testing.assert_allclose(training_prior(counts, w, [0, 30], 0.5), [1 / 3, 2 / 3])


def test_training_prior_of_a_dict_undoes_dplus_as_the_loss_weighted_it():
    # A class_weight dict keeps its costs (unit weights on the real part),
    # but D+'s rows were weighted by the dict in the loss: a class of weight
    # 0 had D+ that carried nothing, and its share must not be undone.
    counts, aug = np.array([60, 30, 10]), np.array([0, 15, 25])
    ones, costs = np.ones(3), np.array([1.0, 1.0, 0.0])
    got = training_prior(counts, ones, aug, 0.5, aug_weights=costs)
    np.testing.assert_allclose(got, (counts / 100 + 0.5 * np.r_[0, 1, 0]) / 1.5)
    # Without aug_weights, both parts take ``weights``, as before.
    np.testing.assert_allclose(
        training_prior(counts, ones, aug, 0.5),
        training_prior(counts, ones, aug, 0.5, aug_weights=ones),
    )


def test_anchors_are_capped_in_all_with_many_classes(monkeypatch):
    # 2,000 kept rows of each of K classes made a round of D+ grow as K**2.
    from skdvaan import _classifier

    assert [_classifier._anchor_cap(k) for k in (2, 10, 20, 50, 1000)] == [
        2000,
        2000,
        1000,
        400,
        100,
    ]
    monkeypatch.setattr(_classifier, "MAX_ANCHORS_PER_CLASS", 30)
    monkeypatch.setattr(_classifier, "MAX_ANCHORS", 80)
    monkeypatch.setattr(_classifier, "MIN_ANCHORS_PER_CLASS", 5)
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), [60, 50, 40, 12])
    X = rng.randn(len(y), 3) + y[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(max_iter=2, early_stopping=False).fit(X, y)
        stream = tiny()
        for part in np.array_split(rng.permutation(len(y)), 3):
            stream.partial_fit(X[part], y[part], classes=[0, 1, 2, 3])
    for model in (clf, stream):
        kept = np.bincount(model.module_.anchor_y.cpu().numpy(), minlength=4)
        np.testing.assert_array_equal(kept, [20, 20, 20, 12])


@pytest.mark.parametrize("zero_weight", [False, True])
def test_platt_analytic_gradient_reaches_the_numerical_optimum(zero_weight):
    # fit_platt passes its own gradient (a numerical one took K + 1 loss
    # evaluations per step: 18 s for 2,000 rows of 100 classes). A wrong
    # gradient would stop elsewhere than a gradient-free minimiser.
    from scipy.optimize import minimize

    rng = np.random.RandomState(1)
    k = 5
    y = rng.randint(0, k, 400)
    logits = rng.randn(400, k) + 2.0 * np.eye(k)[y]
    shift = 0.3 * rng.randn(k)
    costs = (np.arange(k) != 2).astype(float)[y] if zero_weight else None
    T, b = fit_platt(logits, y, shift, costs)
    w = np.ones(400) if costs is None else costs
    w = w / w.sum()
    eps = 1.0 / (np.bincount(y, minlength=k) + 2.0)
    target = np.repeat((eps[y] / (k - 1))[:, None], k, axis=1)
    target[np.arange(400), y] = 1 - eps[y]
    weighed = np.bincount(y, weights=w, minlength=k) > 0

    def nll(theta):
        bb = np.zeros(k)
        bb[weighed] = theta[1:][weighed] - theta[1:][weighed].mean()
        logp = calibrated_log_proba(logits, np.exp(theta[0]), shift + bb)
        return -(w * (target * logp).sum(1)).sum()

    ref = minimize(
        nll,
        np.zeros(k + 1),
        method="Nelder-Mead",
        options=dict(xatol=1e-9, fatol=1e-12, maxiter=40000, maxfev=40000),
    )
    theta = np.r_[np.log(T), b]
    assert nll(theta) <= ref.fun + 1e-7
    assert T == pytest.approx(np.exp(ref.x[0]), rel=1e-3)


def test_platt_with_a_class_of_weight_0_does_not_depend_on_label_order():
    # The first class was always the fixed reference: a class of weight 0
    # sorted first had every other bias fitted against it (pushed to ~0).
    rng = np.random.RandomState(0)
    logits = rng.randn(200, 3)
    y = rng.randint(0, 3, 200)
    costs = np.array([0.0, 1.0, 2.0])
    shift = np.array([0.1, -0.2, 0.3])
    T, b = fit_platt(logits, y, shift, costs[y])
    order = np.array([2, 0, 1])  # new class j is old class order[j]
    inv = np.argsort(order)
    T2, b2 = fit_platt(logits[:, order], inv[y], shift[order], costs[y])
    p = calibrated_log_proba(logits, T, shift + b)
    p2 = calibrated_log_proba(logits[:, order], T2, shift[order] + b2)
    assert T2 == pytest.approx(T, rel=1e-4)
    np.testing.assert_allclose(p2, p[:, order], atol=1e-4)
    # Relative to the classes with weight (biases summing to 0), it stays 0.
    assert b[0] == 0.0 and b[1] + b[2] == pytest.approx(0.0, abs=1e-9)


def test_a_class_without_rows_is_never_shifted_up():
    # Declared to partial_fit, no rows yet: training prior 0, not 1e-12.
    counts = np.array([60, 20, 0])
    w = counts.sum() / (3 * np.maximum(counts, 1.0))  # balanced
    pi_train = training_prior(counts, w, [0, 0, 0], 0.5)
    np.testing.assert_allclose(pi_train, [0.5, 0.5, 0.0])
    # Balanced or explicit priors: no shift for it, and the seen classes
    # keep their trained proportions of the rest (here, no shift at all).
    np.testing.assert_allclose(balanced_shift(pi_train), [0.0, 0.0, 0.0], atol=1e-12)
    shift = prior_shift([0.2, 0.2, 0.6], pi_train)
    assert shift[2] == 0.0 and shift[2] - shift[0] <= 0.0
    np.testing.assert_allclose(shift[0], shift[1])
    # Its frequency in fit, 0: probability 0 up to the floor of 1e-12.
    shift = prior_shift(counts / counts.sum(), pi_train)
    proba = np.exp(calibrated_log_proba(np.zeros((1, 3)), 1.0, shift))[0]
    np.testing.assert_allclose(proba[:2], [0.75, 0.25])
    assert proba[2] < 1e-11
    # Every class seen: as before, log pi - log pi'.
    np.testing.assert_allclose(prior_shift([0.8, 0.2], [0.5, 0.5]), np.log([1.6, 0.4]))


def test_fit_platt_recovers_a_known_scale_and_bias():
    rng = np.random.default_rng(0)
    true = rng.normal(scale=2.0, size=(4000, 1)) * np.array([[-1.0, 1.0]]) / 2
    # The minority's logit sits 1.5 below what the logits say: a prior miss.
    p1 = 1 / (1 + np.exp(-(true[:, 1] - true[:, 0] - 1.5)))
    y = (rng.random(4000) < p1).astype(int)
    t, b = fit_platt(3.0 * true, y, np.zeros(2))
    assert 2.5 < t < 3.6
    assert b[0] == 0.0 and -1.9 < b[1] < -1.1


def test_fit_platt_matches_the_mean_probability_of_each_class():
    """Calibration in the large: the bias moves the mean probability of a
    class to its (smoothed) share of the rows, which a temperature cannot."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(600, 3))
    y = rng.choice(3, size=600, p=[0.8, 0.15, 0.05])
    shift = np.array([0.0, 1.0, 2.0])  # a prior that over-states classes 1, 2
    t, b = fit_platt(logits, y, shift)
    mean_p = np.exp(calibrated_log_proba(logits, t, shift + b)).mean(0)
    np.testing.assert_allclose(mean_p, np.bincount(y) / 600, atol=0.02)
    # Without the bias the shift keeps over-stating them.
    uncorrected = np.exp(calibrated_log_proba(logits, t, shift)).mean(0)
    assert uncorrected[2] > 2 * mean_p[2]


def test_fit_platt_without_temperature_matches_the_mean_probability():
    """``fit_temperature=False``: T stays exactly 1 and the bias alone moves
    the mean probability of each class to its smoothed share of the rows."""
    rng = np.random.default_rng(2)
    logits = 4.0 * rng.normal(size=(500, 3))
    y = rng.choice(3, size=500, p=[0.7, 0.2, 0.1])
    shift = np.array([0.0, 1.5, -1.0])
    t, b = fit_platt(logits, y, shift, fit_temperature=False)
    assert t == 1.0 and b[0] == 0.0
    mean_p = np.exp(calibrated_log_proba(logits, 1.0, shift + b)).mean(0)
    # Platt's targets: a row of class j keeps 1 - eps_j for its own class and
    # gives eps_j / (K - 1) to each other class, eps_j = 1 / (n_j + 2).
    counts = np.bincount(y)
    give = counts / (counts + 2.0) / 2  # n_j eps_j / (K - 1), K = 3
    smoothed = (counts * (1 - 1 / (counts + 2.0)) + give.sum() - give) / 500
    np.testing.assert_allclose(mean_p, smoothed, atol=1e-4)


def test_fit_without_a_split_matches_the_training_rows_mean_probability():
    """Without a validation split, D+ tilts the minority's probabilities up
    beyond what the prior shift undoes; the bias fitted on the training rows
    brings their mean back to the minority's (smoothed) share, and a
    class_weight dict's costs still tilt it."""
    X, y = make_classification(
        n_samples=400, n_features=5, weights=[0.85], class_sep=1.0, random_state=3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(max_iter=30, early_stopping=False).fit(X, y)
    assert clf.temperature_ == 1.0 and clf.logit_bias_[1] != 0.0
    n1 = y.sum()
    eps1, eps0 = 1 / (n1 + 2), 1 / (len(y) - n1 + 2)
    share = (n1 * (1 - eps1) + (len(y) - n1) * eps0) / len(y)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1].mean(), share, atol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        costly = tiny(
            max_iter=30, early_stopping=False, class_weight={0: 1.0, 1: 5.0}
        ).fit(X, y)
    assert costly.predict_proba(X)[:, 1].mean() > share + 0.05
    assert np.isfinite(costly.logit_bias_).all()


def test_partial_fit_fits_no_bias(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny().partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
        fitted = tiny(early_stopping=False).fit(X, y)
        assert fitted.logit_bias_[1] != 0.0
        fitted.partial_fit(X[:100], y[:100])  # continues it: bias reset
    for model in (clf, fitted):
        np.testing.assert_array_equal(model.logit_bias_, [0.0, 0.0])
        assert model.temperature_ == 1.0


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_class_of_weight_zero_keeps_a_bias_of_zero(early_stopping):
    """Its rows weigh nothing in the bias fit: fitted, the other rows'
    smoothed targets alone drove its bias (and probability) to about 0."""
    X, y = make_classification(
        n_samples=1200,
        n_features=5,
        n_informative=3,
        n_classes=3,
        weights=[0.5, 0.2, 0.3],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(
            max_iter=5,
            early_stopping=early_stopping,
            class_weight={0: 1.0, 1: 0.0, 2: 1.0},
        ).fit(X, y)
    assert clf.logit_bias_[1] == 0.0 and clf.logit_bias_[2] != 0.0
    assert clf.logit_bias_[0] + clf.logit_bias_[2] == pytest.approx(0.0, abs=1e-9)
    assert clf.predict_proba(X)[:, 1].mean() > 0.05


# ------------------------------------------------------- the anchored rule


def test_anchored_samples_satisfy_the_rule(fitted):
    module = fitted.module_
    g = torch.Generator().manual_seed(0)
    k = 1
    x, n_fallback = sample_anchored(
        module,
        k,
        40,
        generator=g,
        reference_x=module.anchor_x,
        reference_y=module.anchor_y,
        window=(0.5, 0.9),
        fill=False,
    )
    assert n_fallback == 0 and 0 < x.shape[0] <= 40
    with torch.no_grad():
        p = torch.softmax(module.discriminator(x)[0], 1)[:, k]
    assert torch.all((p >= 0.5) & (p <= 0.9))
    assert torch.all(x >= module.x_min) and torch.all(x <= module.x_max)
    d = torch.cdist(x, module.anchor_x)
    assert d.min() > 1e-6  # never a copy of a real row
    nn_y = module.anchor_y[d.topk(5, largest=False).indices]
    assert torch.all((nn_y == k).any(1))  # a real neighbour of its class


def test_uncertain_selection_keeps_the_least_sure_candidates(fitted):
    module = fitted.module_
    k, n, budget = 1, 30, 2000
    common = dict(
        generator=None,
        reference_x=module.anchor_x,
        reference_y=module.anchor_y,
        max_candidates=budget,
        batch_size=500,
    )

    def proba(x):
        with torch.no_grad():
            return torch.softmax(module.discriminator(x)[0], 1)[:, k]

    # One budget, ranked: the kept rows are the lowest-probability candidates
    # of all that pass the rule with the window's upper end at 1.
    every, _ = sample_anchored(
        module,
        k,
        budget,
        window=(0.5, 1.0),
        **{**common, "generator": torch.Generator().manual_seed(3)},
    )
    x, n_fallback = sample_anchored(
        module,
        k,
        n,
        window=(0.5, 0.9),
        selection="uncertain",
        **{**common, "generator": torch.Generator().manual_seed(3)},
    )
    assert n_fallback == 0 and x.shape[0] == min(n, every.shape[0]) > 0
    p, p_every = proba(x), proba(every)
    assert torch.all(p >= 0.5)
    torch.testing.assert_close(p.sort().values, p_every.sort().values[: x.shape[0]])
    with pytest.raises(ValueError, match="selection"):
        sample_anchored(module, k, n, window=(0.5, 0.9), selection="x", **common)


def test_uncertain_selection_bound_drops_no_row_that_would_be_kept(fitted, monkeypatch):
    # Once n rows are ranked, candidates less sure than the n-th are dropped
    # untested; with that bound switched off, every row is ranked: the same
    # rows must come back, in the same order (a stable ranking).
    from skdvaan import _prior

    module = fitted.module_
    kw = dict(
        reference_x=module.anchor_x,
        reference_y=module.anchor_y,
        window=(0.5, 0.9),
        selection="uncertain",
        max_candidates=3000,
        batch_size=250,
        fill=True,
    )
    x, _ = sample_anchored(
        module, 1, 40, generator=torch.Generator().manual_seed(5), **kw
    )
    compact = _prior._Spares._compact

    def compact_unbounded(self, keep):
        compact(self, keep)
        self.bound = float("inf")

    monkeypatch.setattr(_prior._Spares, "_compact", compact_unbounded)
    x_all, _ = sample_anchored(
        module, 1, 40, generator=torch.Generator().manual_seed(5), **kw
    )
    assert x.shape[0] == 40
    assert torch.equal(x, x_all)


def test_spares_rank_as_one_stable_sort_of_every_row():
    # The ranking of rejected (or accepted) candidates compacts now and then
    # and drops rows past its bound unstored; with ties and a keep that
    # shrinks between batches, as n_kept grows, the rows it returns must be
    # those of one stable sort of every row added, under the last keep.
    from skdvaan._prior import _Spares

    gen = torch.Generator().manual_seed(0)
    spares, xs, gaps = _Spares(), [], []
    keep = 60
    for _ in range(12):
        gap = torch.randint(0, 20, (25,), generator=gen).float() / 4  # ties
        x = torch.randn(25, 3, generator=gen)
        spares.add(x, gap, keep=keep)
        xs.append(x)
        gaps.append(gap)
        keep -= 3
    assert spares.bound < float("inf")  # the bound was used
    order = torch.cat(gaps).argsort(stable=True)[:keep]
    assert torch.equal(spares.best(keep), torch.cat(xs)[order])


def test_uncertain_selection_keeps_d_plus_at_its_size(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(augmentation_warmup=1, boundary_selection="uncertain").fit(X, y)
    counts = np.bincount(y)
    full = int(0.5 * (counts.max() - counts.min()))
    # After the one-epoch warm-up and one-epoch ramp, D+ holds its full share.
    assert [h["n_boundary"] for h in clf.history_[2:]] == [full] * (clf.n_iter_ - 2)
    X_new, _ = clf.sample(20, random_state=0)
    assert X_new.shape == (20, X.shape[1])


def test_window_is_read_with_the_given_logit_shift(fitted):
    module = fitted.module_
    k = 1
    common = dict(
        reference_x=module.anchor_x,
        reference_y=module.anchor_y,
        window=(0.5, 0.9),
        max_candidates=2000,
    )
    shift = torch.tensor([0.0, 0.7])  # the class made twice as likely a priori
    x, _ = sample_anchored(
        module,
        k,
        40,
        generator=torch.Generator().manual_seed(0),
        **common,
        logit_shift=shift,
    )
    assert x.shape[0] > 0
    with torch.no_grad():
        logits = module.discriminator(x)[0] + shift
    p = torch.softmax(logits, 1)[:, k]
    assert torch.all((p >= 0.5) & (p <= 0.9))
    # A prior that rules the class out leaves no candidate in the window.
    none, _ = sample_anchored(
        module,
        k,
        40,
        generator=torch.Generator().manual_seed(0),
        **common,
        logit_shift=torch.tensor([0.0, -50.0]),
    )
    assert none.shape[0] == 0


def _decoder_inputs(module, k, t_maxes, n=50, move="translate"):
    """The candidates' latent codes (the decoder's inputs) for each ``t_max``.

    Same generator seed for each, so the anchors, noise, targets and t agree.
    """
    codes = []  # the decoder's inputs: the anchors' means, then the candidates
    hook = module.decoder.register_forward_hook(
        lambda mod, inputs, out: codes.append(inputs[0].detach().clone())
    )
    moved = {}
    try:
        for t_max in t_maxes:
            codes.clear()
            sample_anchored(
                module,
                k,
                n,
                generator=torch.Generator().manual_seed(0),
                reference_x=module.anchor_x,
                reference_y=module.anchor_y,
                window=(0.0, 1.0),
                max_candidates=n,
                t_max=t_max,
                move=move,
            )
            moved[t_max] = codes[-1]
    finally:
        hook.remove()
    return moved


def test_t_max_scales_the_move_of_every_candidate(fitted):
    moved = _decoder_inputs(fitted.module_, 1, (0.0, 0.5, 1.0))
    # Same anchors, noise, targets and t ~ U(0, 1): the move is t_max * t of
    # the way, so from the unmoved codes it is exactly twice as long at 1.
    half = (moved[0.5] - moved[0.0]).norm(dim=1)
    whole = (moved[1.0] - moved[0.0]).norm(dim=1)
    assert float(half.max()) > 0.0
    torch.testing.assert_close(whole, 2.0 * half, rtol=1e-4, atol=1e-5)


def _moves(module, k, n=60, move="translate", start=False):
    """Each candidate's latent move (decoder input at max_move 1 minus at 0).

    With ``start``, also the codes before the move.
    """
    moved = _decoder_inputs(module, k, (0.0, 1.0), n=n, move=move)
    step = moved[1.0] - moved[0.0]
    return (step, moved[0.0]) if start else step


def _class_shifts(module, k):
    """Mean code of each class minus the mean code of class ``k``'s anchors."""
    with torch.no_grad():
        m = module.encoder(module.anchor_x)[0]
    own, _ = _anchor_geometry(module, module.anchor_x, module.anchor_y, k)
    return {
        int(c): m[module.anchor_y == c].mean(0) - m[own].mean(0)
        for c in module.anchor_y.unique()
        if int(c) != k
    }


def test_the_move_is_one_translation_for_a_pair_of_classes(fitted):
    # Every candidate moves along the same vector, the difference of the class
    # means of the codes, by its own share t <= 1: a translation, which keeps
    # the anchors' spread. (A move towards each anchor's own nearest code of
    # the other class points a different way for every anchor.)
    module = fitted.module_
    step = _moves(module, 1)
    (shift,) = _class_shifts(module, 1).values()
    cos = torch.nn.functional.cosine_similarity(step, shift.expand_as(step), dim=1)
    assert float(cos.min()) > 0.999
    assert bool((step.norm(dim=1) <= shift.norm() * (1 + 1e-4)).all())


def test_pull_moves_each_code_towards_a_code_of_the_other_class(fitted):
    # move="pull" (the sampler's): a share of the way from the drawn code to
    # the code of one real row of the other class, a different way for each.
    module = fitted.module_
    step, z = _moves(module, 1, move="pull", start=True)
    with torch.no_grad():
        m_other = module.encoder(module.anchor_x[module.anchor_y == 0])[0]
    to_target = m_other.unsqueeze(0) - z.unsqueeze(1)  # (n, n_other, d)
    cos = torch.nn.functional.cosine_similarity(step.unsqueeze(1), to_target, dim=2)
    assert float(cos.max(1).values.min()) > 0.999
    (shift,) = _class_shifts(module, 1).values()
    along = torch.nn.functional.cosine_similarity(step, shift.expand_as(step), dim=1)
    assert float(along.min()) < 0.99  # not one translation


def test_sampler_pulls_unless_told_otherwise(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pulled = DVAANSampler(estimator=tiny(), random_state=0)
        X_pull, _ = pulled.fit_resample(X, y)
        kept = DVAANSampler(
            estimator=tiny(), boundary_move=None, random_state=0
        ).fit_resample(X, y)[0]
        moved = DVAANSampler(
            estimator=tiny(boundary_move="pull"), boundary_move=None, random_state=0
        ).fit_resample(X, y)[0]
    assert pulled.estimator_.boundary_move == "pull"
    assert pulled.estimator.boundary_move == "translate"  # the user's, untouched
    np.testing.assert_array_equal(moved, X_pull)
    assert not np.array_equal(kept, X_pull)


def test_multiclass_moves_go_towards_a_nearest_class():
    X, y = make_classification(
        n_samples=300,
        n_features=6,
        n_informative=4,
        n_classes=3,
        n_clusters_per_class=1,
        weights=[0.2, 0.4, 0.4],
        random_state=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = tiny(max_iter=3).fit(X, y).module_
    step = _moves(module, 0)
    shifts = _class_shifts(module, 0)
    cos = torch.stack(
        [
            torch.nn.functional.cosine_similarity(step, s.expand_as(step), dim=1)
            for s in shifts.values()
        ]
    )
    # each move is along the shift to one of the other two classes
    assert float(cos.max(0).values.min()) > 0.999


def test_max_move_reaches_the_rule_and_the_sampler_halves_it(fitted, data, monkeypatch):
    X, y = data
    seen = []
    real = classifier_module.sample_anchored

    def spy(*args, **kwargs):
        seen.append(kwargs["t_max"])
        return real(*args, **kwargs)

    monkeypatch.setattr(classifier_module, "sample_anchored", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted.sample(5, random_state=0)
        fitted.sample(5, max_move=0.25, random_state=0)
        est = tiny(max_iter=2, augmentation_ratio=0.0)
        DVAANSampler(estimator=est, random_state=0).fit_resample(X, y)
        DVAANSampler(estimator=est, max_move=0.0, random_state=0).fit_resample(X, y)
    assert seen == [1.0, 0.25, 0.5, 0.0]  # sample() as D+; the sampler half way
    for bad in (-0.1, float("nan"), float("inf"), "half", True):
        with pytest.raises(ValueError, match="max_move"):
            fitted.sample(5, max_move=bad)
    for bad in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="max_move"):
            DVAANSampler(estimator=est, max_move=bad).fit_resample(X, y)


def test_balanced_shift_undoes_the_training_prior():
    prior = training_prior([300, 100], np.array([2 / 3, 2.0]), [0, 100], 0.5)
    np.testing.assert_allclose(prior, [1 / 3, 2 / 3])
    shift = balanced_shift(prior)
    np.testing.assert_allclose(shift[1] - shift[0], np.log(0.5))
    np.testing.assert_allclose(balanced_shift([0.5, 0.5]), [0.0, 0.0])


@pytest.mark.parametrize("early_stopping", [False, True])
def test_sample_window_agrees_with_balanced_predict_proba(early_stopping):
    # Float features and a D+-tilted training prior: the rows sample() keeps
    # (no fill warning) have predict_proba(class_prior="balanced") in the
    # window, the scale the window is documented on, also when a validation
    # split calibrates the other views.
    X, y = make_classification(
        n_samples=600,
        n_features=5,
        n_informative=3,
        weights=[0.85],
        class_sep=1.5,
        random_state=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(
            max_iter=30, boundary_selection="window", early_stopping=early_stopping
        ).fit(X, y)
    assert clf.training_prior_[1] > 0.5  # D+ tilted it towards the minority
    assert np.any(clf.logit_bias_ != 0)  # Platt's, or the training rows'
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fill
        X_new, _ = clf.sample(20, random_state=0)
    clf.set_params(class_prior="balanced")
    p = clf.predict_proba(X_new)[:, 1]
    assert np.all((p >= 0.5 - 1e-4) & (p <= 0.9 + 1e-4))


def test_sample_window_ignores_the_validation_calibration(data):
    """sample() reads the discriminator under the balanced prior, not through
    Platt's temperature and bias: changing them leaves its rows as they are,
    while predict_proba moves."""
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(early_stopping=True, max_iter=8).fit(X, y)
        a, _ = clf.sample(30, random_state=0)
        p = clf.predict_proba(X[:20])
        clf.temperature_, clf.logit_bias_ = 0.5, np.array([0.0, 2.0])
        b, _ = clf.sample(30, random_state=0)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(p, clf.predict_proba(X[:20]))
    # The balanced view is the discriminator's own: no temperature or bias.
    clf.set_params(class_prior="balanced")
    p_bal = clf.predict_proba(X[:20])
    clf.temperature_, clf.logit_bias_ = 3.0, np.array([0.0, -1.0])
    np.testing.assert_array_equal(p_bal, clf.predict_proba(X[:20]))


def test_anchor_geometry_is_kept_until_the_references_change(fitted):
    import copy

    module = copy.deepcopy(fitted.module_)
    ref_x, ref_y = module.anchor_x, module.anchor_y
    own, kth = _anchor_geometry(module, ref_x, ref_y, 1)
    again = _anchor_geometry(module, ref_x, ref_y, 1)
    assert again[0] is own and again[1] is kth  # the kept copy
    with torch.no_grad():
        ref_x.mul_(2.0)  # in place, as a refit's copy_ would
    own2, kth2 = _anchor_geometry(module, ref_x, ref_y, 1)
    torch.testing.assert_close(kth2, 2.0 * kth)
    # A new reference tensor (partial_fit's pool) is not mistaken for the old.
    module.anchor_x = ref_x[:-1].clone()
    module.anchor_y = ref_y[:-1].clone()
    own3, _ = _anchor_geometry(module, module.anchor_x, module.anchor_y, 1)
    assert own3.shape[0] == ref_x.shape[0] - 1


@pytest.mark.parametrize("n_other", [3, 40])
def test_neighbour_test_counts_nearer_rows_of_other_classes(n_other):
    g = torch.Generator().manual_seed(1)
    ref = torch.randn(10 + n_other, 3, generator=g)
    ref_y = torch.cat([torch.ones(10), torch.zeros(n_other)]).long()
    x = torch.randn(200, 3, generator=g)
    d = torch.cdist(x, ref)
    d_own = d[:, ref_y == 1].min(1, keepdim=True).values
    expected = (d[:, ref_y == 0] < d_own).sum(1) < 5  # the rule, by counting
    got = _has_own_neighbour(x, ref, ref_y, 1)
    assert torch.equal(got, expected)
    # With an anchor of the class per row (a bound on the nearest own row).
    anchor = ref[:10][torch.randint(10, (200,), generator=g)]
    assert torch.equal(_has_own_neighbour(x, ref, ref_y, 1, anchor), expected)
    # With the anchors' own distances to the other class as well (the
    # triangle-inequality pass): the same decisions, and it must be used.
    kth = _anchor_kth(anchor, ref, ref_y, 1)
    assert (kth is None) == (n_other < 5)
    assert torch.equal(_has_own_neighbour(x, ref, ref_y, 1, anchor, kth), expected)
    near = anchor + 0.01 * torch.randn(200, 3, generator=g)  # within the bound
    d = torch.cdist(near, ref)
    d_own = d[:, ref_y == 1].min(1, keepdim=True).values
    expected_near = (d[:, ref_y == 0] < d_own).sum(1) < 5
    got_near = _has_own_neighbour(near, ref, ref_y, 1, anchor, kth)
    assert torch.equal(got_near, expected_near)
    if kth is not None:  # some rows of `near` pass by the bound alone
        assert bool((2 * (near - anchor).norm(dim=1) < kth).any())
    assert 0 < int(got.sum()) < 200 or n_other < 5


def test_sample_stays_in_range_and_keeps_integers(data):
    X, y = data
    X = X.copy()
    X[:, 0] = np.round(X[:, 0] * 3)  # an integer-valued feature
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny().fit(X, y)
        Xs, ys = clf.sample(200, random_state=0)
    assert clf.integer_features_.tolist() == [True] + [False] * 5
    np.testing.assert_array_equal(Xs[:, 0], np.round(Xs[:, 0]))
    assert np.all(Xs >= X.min(0)) and np.all(Xs <= X.max(0))
    assert (ys == 1).all()


def test_sample_puts_values_exactly_on_the_range_bounds(data):
    # A float feature whose minority rows all sit on its smallest value, as
    # blank pixels or zero measurements do after standardising: the network
    # computes in float32, so a sample on that bound came back a rounding
    # off it (-0.0295 + 6.7e-10 on digits), never equal to a real value.
    X, y = data
    X = X.copy()
    X[:, 0] = np.where(y == 1, -0.1234567, np.abs(X[:, 0]) - 0.0234567)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny().fit(X, y)
        Xs, _ = clf.sample(300, random_state=0)
    lo = X[:, 0].min()
    near = np.abs(Xs[:, 0] - lo) < 1e-5
    assert near.mean() > 0.2
    np.testing.assert_array_equal(Xs[near, 0], lo)


def test_clip_to_bounds_snaps_only_float32_rounding():
    from skdvaan._base import clip_to_bounds

    lo, hi = np.array([-0.5, 10.0]), np.array([2.0, 1e6])
    X = np.array(
        [
            [-0.5 + 1e-9, 1e6 - 1e-3],  # rounding: on the bounds
            [-0.5 + 1e-4, 1e6 - 10.0],  # real differences: kept
            [-0.6, 2e6],  # beyond: clipped
        ]
    )
    got = clip_to_bounds(X, lo, hi)
    np.testing.assert_array_equal(got[0], [-0.5, 1e6])
    np.testing.assert_array_equal(got[1], X[1])
    np.testing.assert_array_equal(got[2], [-0.5, 1e6])


def test_clip_to_bounds_in_place_gives_the_same_values():
    from skdvaan._base import clip_to_bounds

    rng = np.random.RandomState(0)
    lo, hi = np.array([0.0, -1.0, 5.0]), np.array([1.0, 1.0, 5.0])
    X = rng.randn(50, 3) * 2
    X[0] = lo + 1e-12  # rounding onto the bounds
    expected = clip_to_bounds(X, lo, hi)
    assert not np.shares_memory(expected, X)
    got = clip_to_bounds(X, lo, hi, inplace=True)
    assert got is X
    np.testing.assert_array_equal(got, expected)
    assert (got[:, 2] == 5.0).all() and (got[0, :2] == lo[:2]).all()


def test_clip_to_bounds_tolerance_follows_the_width_not_the_magnitude():
    # A column between 1e6 and 1e6 + 1: a tolerance of 16 float32 eps of
    # 1e6 (1.9) was wider than the column, and every value went on a bound.
    from skdvaan._base import clip_to_bounds

    lo, hi = np.array([1e6]), np.array([1e6 + 1.0])
    X = 1e6 + np.linspace(0.01, 0.99, 50)[:, None]
    np.testing.assert_array_equal(clip_to_bounds(X, lo, hi), X)
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    X[:, 5] = 1e6 + np.random.RandomState(0).rand(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(max_iter=3).fit(X, y)
    Xs, _ = clf.sample(200, random_state=0)
    assert len(np.unique(Xs[:, 5])) > 100
    assert ((Xs[:, 5] >= X[:, 5].min()) & (Xs[:, 5] <= X[:, 5].max())).all()


def test_paper_rule_is_still_reachable(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(boundary_sampling="paper", max_iter=4).fit(X, y)
        Xs, _ = clf.sample(10, random_state=0)
    assert Xs.shape == (10, 6)


@pytest.mark.parametrize("window", [(0.9, 0.5), (0.5,), (-0.1, 0.5), (0.5, 1.2)])
def test_bad_boundary_window_is_refused(data, window):
    X, y = data
    with pytest.raises(ValueError, match="boundary_window"):
        tiny(boundary_window=window).fit(X, y)


def test_decoder_variance_option(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learned = tiny(max_iter=3).fit(X, y)
        unit = tiny(max_iter=3, decoder_variance="unit").fit(X, y)
    assert learned.module_.decoder.log_var is not None
    assert unit.module_.decoder.log_var is None


# ------------------------------------------------------------- calibration


def test_probabilities_follow_the_prior_seen_in_fit():
    X, y = make_classification(
        n_samples=1500, n_features=8, weights=[0.95], flip_y=0.02, random_state=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(max_iter=30).fit(X, y)
    p = clf.predict_proba(X)[:, 1]
    assert 0.5 * y.mean() <= p.mean() <= 1.5 * y.mean()
    clf.set_params(class_prior="balanced")
    p_bal = clf.predict_proba(X)[:, 1]
    assert p_bal.mean() > 2 * p.mean()
    # Same ranking under either prior.
    assert np.array_equal(
        np.argsort(p, kind="stable"), np.argsort(p_bal, kind="stable")
    )


@pytest.mark.parametrize("prior", ["fit", "balanced", [0.3, 0.7]])
def test_predict_agrees_with_proba_and_decision(fitted, data, prior):
    X, _ = data
    clf = copy.deepcopy(fitted).set_params(class_prior=prior)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
    dec = clf.decision_function(X)
    np.testing.assert_array_equal(dec > 0, proba[:, 1] > proba[:, 0])
    np.testing.assert_allclose(proba.sum(1), 1.0)


@pytest.mark.parametrize("prior", [[0.5], [0.2, 0.2], [-0.5, 1.5], "other"])
def test_bad_class_prior_is_refused(data, prior):
    X, y = data
    with pytest.raises(ValueError, match="class_prior"):
        tiny(class_prior=prior).fit(X, y)


def test_scaler_is_fitted_on_the_training_part_only():
    X, y = make_classification(n_samples=1000, weights=[0.8], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(max_iter=2, early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert clf.scaler_.n_samples_seen_ == 800


# ------------------------------------------------------------------ threads


def test_threads_are_limited_during_fit_and_restored(data, monkeypatch):
    X, y = data
    seen = []
    real_train = classifier_module.train

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real_train(*args, **kwargs)

    monkeypatch.setattr(classifier_module, "train", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tiny(max_iter=2).fit(X, y)
            assert seen == [1]  # the default for a tabular network
            assert torch.get_num_threads() == 3
            tiny(max_iter=2, n_threads=2).fit(X, y)
            assert seen == [1, 2]
            assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_threads_are_restored_after_an_error(data, monkeypatch):
    X, y = data

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(classifier_module, "train", boom)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            tiny(max_iter=2).fit(X, y)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


# -------------------------------------------------------------- the sampler


def test_sampler_warnings_point_at_the_callers_line(data):
    X, y = data
    sampler = DVAANSampler(estimator=tiny(max_iter=2), random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sampler.fit_resample(X, y)
    files = {w.filename for w in caught}
    assert files == {__file__}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_boundary_sampling_warnings_point_at_the_caller_and_name_the_label(data):
    # fit_resample re-raised only its fit's warnings: those of its sample()
    # calls pointed at _sampler.py (iter_samples' at _classifier.py), and they
    # named "class index 1".
    X, y = data
    y = np.where(y == 1, "rare", "common")
    no_window = (0.0, 1e-9)  # no candidate falls in it: every sample is fill
    est = tiny(max_iter=2, boundary_window=no_window, boundary_selection="window")
    sampler = DVAANSampler(estimator=tiny(max_iter=2), boundary_window=no_window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    calls = {
        "fit_resample": lambda: sampler.fit_resample(X, y),
        "sample": lambda: est.sample(20, random_state=0),
        "iter_samples": lambda: list(est.iter_samples(20, chunk_size=10)),
    }
    for name, call in calls.items():
        with pytest.warns(BoundarySamplingWarning, match="of class 'rare'") as record:
            call()
        ours = [w for w in record if w.category is BoundarySamplingWarning]
        assert ours and {w.filename for w in ours} == {__file__}, name


# ------------------------------------------------------------- pretraining


def test_pretraining_trains_the_autoencoder_only():
    from skdvaan._engine import pretrain

    module, x, y, _, _ = _module_and_batch()
    directions = class_directions(2, 4)
    cfg = TrainConfig(pretrain_steps=7, batch_size=8)
    before = copy.deepcopy(module)
    opt = torch.optim.Adam(module.parameters(), lr=1e-2)
    pretrain(module, opt, x, y, directions, cfg, torch.Generator().manual_seed(0), None)
    for a, b in zip(
        module.discriminator.parameters(), before.discriminator.parameters()
    ):
        torch.testing.assert_close(a, b)
    moved = [
        not torch.equal(a, b)
        for a, b in zip(module.decoder.parameters(), before.decoder.parameters())
    ]
    assert all(moved)
    assert int(opt.state[next(module.encoder.parameters())]["step"]) == 7


def test_pretrain_steps_parameter(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = tiny(max_iter=2, pretrain_steps=0).fit(X, y)
        b = tiny(max_iter=2, pretrain_steps=50).fit(X, y)
    assert a._pretrain_steps(None) == 0 and b._pretrain_steps(None) == 50
    assert DVAANClassifier()._pretrain_steps(None) == 300
    assert DVAANClassifier()._pretrain_steps((1, 8, 8)) == 100
    assert not np.allclose(a.predict_proba(X), b.predict_proba(X))


def test_boundary_selection_auto_and_the_samplers_window(data):
    assert DVAANClassifier()._selection(None) == "uncertain"  # tables
    assert DVAANClassifier()._selection((1, 8, 8)) == "window"  # images
    assert DVAANClassifier(boundary_selection="window")._selection(None) == "window"
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = DVAANSampler(estimator=tiny(max_iter=2), random_state=0)
        sampler.fit_resample(X, y)
    est = sampler.estimator_
    assert est.boundary_window == (0.5, 1.0)
    assert est.boundary_selection == "window"
    # boundary_window=None keeps the estimator's own window and selection.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = DVAANSampler(
            estimator=tiny(max_iter=2), boundary_window=None, random_state=0
        )
        sampler.fit_resample(X, y)
    assert sampler.estimator_.boundary_selection == "auto"


def test_boundary_samples_come_in_random_order(fitted):
    # The uncertain selection ranks its rows and the fill comes last; sample()
    # shuffles them, so the first rows are not the least sure ones.
    X, _ = fitted.set_params(boundary_selection="uncertain").sample(200, random_state=0)
    p = fitted.set_params(class_prior="balanced").predict_proba(X)[:, 1]
    fitted.set_params(class_prior="fit", boundary_selection="auto")
    assert not np.all(np.diff(p) >= 0)
    again, _ = fitted.sample(200, random_state=0)
    np.testing.assert_array_equal(X, again)  # still reproducible
