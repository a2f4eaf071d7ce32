"""DVAANClassifier.partial_fit: training block by block (issue 12, item 2)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score

import skdvaan._classifier
import skdvaan._engine
from skdvaan import DVAANClassifier
from skdvaan._incremental import call_seed, reservoir_update

pytestmark = pytest.mark.filterwarnings(
    "ignore::skdvaan.exceptions.BoundarySamplingWarning"
)


def tiny(**kw):
    params = dict(hidden_layer_sizes=(16,), pretrain_steps=20, random_state=0)
    params.update(kw)
    return DVAANClassifier(**params)


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=900, n_features=6, n_informative=4, weights=[0.85], random_state=0
    )


def blocks(X, y, n=3):
    return list(zip(np.array_split(X, n), np.array_split(y, n)))


def stream(clf, X, y, n_epochs=1, n_blocks=3, **kw):
    for _ in range(n_epochs):
        for Xb, yb in blocks(X, y, n_blocks):
            clf.partial_fit(Xb, yb, classes=[0, 1], **kw)
    return clf


def test_blocks_train_one_epoch_each_and_count_every_row(data):
    X, y = data
    clf = stream(tiny(learning_rate_init=1e-2), X, y, n_epochs=6)
    assert clf.n_iter_ == 18 and len(clf.history_) == 18
    assert [h["epoch"] for h in clf.history_] == list(range(1, 19))
    # Counts, prior and scaler cover every block of every pass.
    assert clf.class_counts_.tolist() == (6 * np.bincount(y)).tolist()
    assert np.allclose(clf.class_prior_, np.bincount(y) / len(y))
    assert clf.scaler_.n_samples_seen_ == 6 * len(y)
    assert np.allclose(clf.scaler_.mean_, X.mean(0))
    assert clf.temperature_ == 1.0 and clf.validation_scores_ is None
    assert roc_auc_score(y, clf.predict_proba(X)[:, 1]) > 0.75  # it learns


def test_boundary_samples_follow_the_schedule_over_calls(data):
    X, y = data
    clf = stream(tiny(augmentation_warmup=2), X, y, n_epochs=2)
    n_boundary = [h["n_boundary"] for h in clf.history_]
    assert n_boundary[:2] == [0, 0] and max(n_boundary[2:]) > 0


def test_anchors_are_a_reservoir_of_every_block(data):
    X, y = data
    clf = stream(tiny(), X, y)
    ay = clf.module_.anchor_y.numpy()
    assert np.bincount(ay).tolist() == np.bincount(y).tolist()  # all kept (< 2000)
    X_back = clf._unscale(clf.module_.anchor_x.numpy())
    own = X_back[ay == 1]
    d = np.abs(own[:, None, :] - X[y == 1][None]).max(2).min(1)
    assert d.max() < 1e-4  # real rows, in input units
    x, _ = clf.sample(20, random_state=0)
    assert np.all(x >= X.min(0) - 1e-9) and np.all(x <= X.max(0) + 1e-9)


def test_reproducible_and_same_after_a_pickle_round_trip(data):
    X, y = data
    (X1, y1), (X2, y2), (X3, y3) = blocks(X, y)
    a, b = tiny(), tiny()
    for clf in (a, b):
        clf.partial_fit(X1, y1, classes=[0, 1]).partial_fit(X2, y2)
    b = pickle.loads(pickle.dumps(b))  # weights, mu, Adam state and anchors
    a.partial_fit(X3, y3)
    b.partial_fit(X3, y3)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    c = tiny(random_state=1)
    stream(c, X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_continues_a_model_fitted_by_fit(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = tiny(max_iter=3).fit(X, y)
    before = clf.predict_proba(X)
    clf.partial_fit(X[:300], y[:300])
    assert clf.n_iter_ == 4 and not np.array_equal(before, clf.predict_proba(X))
    assert clf.class_counts_.sum() == len(y) + 300


def test_fit_after_a_stream_starts_afresh(data):
    # fit kept the stream's Adam (bound to the old network's weights) and its
    # anchor pool: the next partial_fit moved no weight of the new model and
    # replaced fit's anchors by the old stream's rows.
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = tiny(max_iter=3).fit(X, y)
        fresh.partial_fit(X[:300], y[:300])
        clf = tiny(max_iter=3).partial_fit(X[:200], y[:200])
        clf.fit(X, y)
        clf.partial_fit(X[:300], y[:300])
    np.testing.assert_array_equal(clf.predict_proba(X), fresh.predict_proba(X))
    assert torch.equal(clf.module_.anchor_x, fresh.module_.anchor_x)
    # A refit on other features, then a block of them: no stale pool's shape.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X[:, :3], y)
        clf.partial_fit(X[:100, :3], y[:100])
    assert clf.n_features_in_ == 3


def test_a_block_may_hold_one_class(data):
    X, y = data
    clf = tiny().partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X[y == 0][:50], y[y == 0][:50])
    assert clf.n_iter_ == 2


def test_first_call_without_classes_takes_those_of_the_block(data):
    X, y = data
    assert tiny().partial_fit(X, y).classes_.tolist() == [0, 1]


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="at least two classes"):
        tiny().partial_fit(X[y == 0], y[y == 0])
    clf = tiny()
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, np.where(y == 1, 2, y), classes=[0, 1])
    assert not hasattr(clf, "module_")  # a failed first call leaves nothing
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :-1], y)
    frame = pd.DataFrame({"a": X[:, 0], "colour": np.where(y == 1, "red", "blue")})
    with pytest.raises(ValueError, match="mixed-type"):
        tiny().partial_fit(frame, y, classes=[0, 1])


def test_reservoir_keeps_each_row_with_equal_probability():
    rng = np.random.RandomState(0)
    capacity, n_rows, n_runs = 10, 40, 2000
    hits = np.zeros(n_rows)
    for _ in range(n_runs):
        pool = (np.empty((0, 1)), np.empty(0, dtype=np.int64))
        seen = np.zeros(1, dtype=np.int64)
        for start in range(0, n_rows, 8):  # five blocks of eight rows
            rows = np.arange(start, start + 8, dtype=float)[:, None]
            pool = reservoir_update(*pool, rows, np.zeros(8, int), seen, capacity, rng)
            seen += 8
        assert pool[0].shape == (capacity, 1)
        hits[pool[0][:, 0].astype(int)] += 1
    share = hits / n_runs
    assert np.allclose(share, capacity / n_rows, atol=0.04)


def test_call_seed_is_fixed_per_call_for_an_int():
    assert call_seed(3, 0) == call_seed(3, 0) != call_seed(3, 1)
    assert call_seed(np.random.RandomState(0), 0) == call_seed(
        np.random.RandomState(0), 5
    )


def test_a_saved_model_loads_and_continues(data, tmp_path):
    X, y = data
    clf = stream(tiny(), X, y)
    path = tmp_path / "model.skdvaan"
    clf.save(path)
    loaded = DVAANClassifier.load(path)
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.module_.anchor_x.shape == clf.module_.anchor_x.shape
    loaded.partial_fit(X[:300], y[:300])  # a fresh Adam, the same anchors
    assert loaded.n_iter_ == clf.n_iter_ + 1


def test_iter_samples_yields_chunks_reproducibly(data):
    X, y = data
    clf = stream(tiny(), X, y)
    chunks = list(clf.iter_samples(250, chunk_size=100, random_state=3))
    assert [len(Xc) for Xc, _ in chunks] == [100, 100, 50]
    assert all((yc == 1).all() for _, yc in chunks)  # the smallest class
    again = list(clf.iter_samples(250, chunk_size=100, random_state=3))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(chunks, again))
    assert list(clf.iter_samples(0)) == []
    with pytest.raises(ValueError, match="chunk_size"):
        next(clf.iter_samples(10, chunk_size=0))


def only_majority(X, y, n=40):
    return X[y == 0][:n], y[y == 0][:n]


@pytest.mark.parametrize("warmup", [0, 5])
def test_boundary_samples_skip_a_declared_class_without_rows(data, warmup):
    # D+ used to draw anchors of the unseen class from zero rows (a torch
    # RuntimeError) in the first epoch after the warm-up.
    X0, y0 = only_majority(*data)
    clf = tiny(pretrain_steps=5, hidden_layer_sizes=(8,), augmentation_warmup=warmup)
    for _ in range(warmup + 2):
        clf.partial_fit(X0, y0, classes=[0, 1])
    assert clf.n_iter_ == warmup + 2
    assert clf.class_counts_.tolist() == [40 * (warmup + 2), 0]
    assert all(h["n_boundary"] == 0 for h in clf.history_)


def test_a_failed_call_leaves_the_model_as_it_was(data, monkeypatch):
    X, y = data
    (X1, y1), (X2, y2), (X3, y3) = blocks(X, y)
    a, b = tiny(), tiny()
    for clf in (a, b):
        clf.partial_fit(X1, y1, classes=[0, 1]).partial_fit(X2, y2)
    before = b.predict_proba(X)
    real_train = skdvaan._classifier.train

    def train_then_fail(module, *args, **kwargs):
        real_train(module, *args, **kwargs)  # weights, mu and Adam move
        with torch.no_grad():
            module.x_min.fill_(7.0)
        raise skdvaan._engine.NonFiniteLossError("a loss became NaN")

    monkeypatch.setattr(skdvaan._classifier, "train", train_then_fail)
    with pytest.raises(FloatingPointError, match="NaN"):
        b.partial_fit(X3, y3)
    monkeypatch.undo()
    assert b.n_iter_ == 2 and len(b.history_) == 2
    assert b.class_counts_.tolist() == a.class_counts_.tolist()
    assert b.scaler_.n_samples_seen_ == a.scaler_.n_samples_seen_ == 600
    assert np.array_equal(b.predict_proba(X), before)
    assert torch.equal(b.module_.x_min, a.module_.x_min)
    assert b.module_.anchor_x.shape == a.module_.anchor_x.shape
    # The next call continues as if the failed one never happened (Adam too).
    a.partial_fit(X3, y3)
    b.partial_fit(X3, y3)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_a_class_without_rows_takes_no_prediction(data, tmp_path):
    X, y = data
    X0, y0 = only_majority(X, y)
    clf = tiny(pretrain_steps=5, hidden_layer_sizes=(8,), augmentation_ratio=0.0)
    clf.partial_fit(X0, y0, classes=[0, 1])
    logits = clf._raw_logits(X)
    # "fit": the class's frequency is 0, so is its probability (up to 1e-12).
    assert clf.predict_proba(X)[:, 1].max() < 1e-9
    assert (clf.predict(X) == 0).all()
    # Balanced or explicit priors: no shift for the class (it used to get
    # +27.6 and every row); here the network's own softmax.
    for prior in ("balanced", [0.5, 0.5], [0.2, 0.8]):
        clf.set_params(class_prior=prior)
        proba = clf.predict_proba(X)
        np.testing.assert_allclose(
            proba[:, 1], 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))
        )
    clf.set_params(class_prior="fit")
    assert clf.training_prior_.tolist() == [1.0, 0.0]
    # Model files keep the zero.
    clf.save(tmp_path / "model.skdvaan")
    loaded = DVAANClassifier.load(tmp_path / "model.skdvaan")
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_sample_refuses_a_class_without_rows(data):
    X, y = data
    X0, y0 = only_majority(X, y)
    clf = tiny(pretrain_steps=5, hidden_layer_sizes=(8,))
    clf.partial_fit(X0, y0, classes=[0, 1])
    for kind in ("boundary", "core"):
        with pytest.raises(ValueError, match="No rows of class 1 have been seen"):
            clf.sample(3, target_class=1, kind=kind)
    with pytest.raises(ValueError, match="No rows of class 1"):
        clf.iter_samples(3, target_class=1)
    # The default target is the smallest class among those seen.
    _, y_new = clf.sample(3, random_state=0)
    assert y_new.tolist() == [0, 0, 0]
    clf.partial_fit(X[:60], y[:60])
    assert clf.sample(3, random_state=0)[1].tolist() == [1, 1, 1]


def test_class_weight_of_0_for_every_class_in_a_block_is_refused(data):
    X, y = data
    X0, y0 = only_majority(X, y)
    clf = tiny(class_weight={0: 0.0, 1: 1.0})
    with pytest.raises(
        ValueError, match=r"every class in this block \(\[0\]\) weight 0"
    ):
        clf.partial_fit(X0, y0, classes=[0, 1])
    assert not hasattr(clf, "module_")
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="weight 0"):
        clf.partial_fit(X0, y0)
    assert clf.n_iter_ == 1 and clf.class_counts_.sum() == len(y)


def test_parameters_are_checked_on_every_call(data):
    X, y = data
    clf = tiny().partial_fit(X[:300], y[:300])
    clf.set_params(augmentation_ratio=1e9)
    with pytest.raises(ValueError, match="'augmentation_ratio' parameter"):
        clf.partial_fit(X[:300], y[:300])
    assert clf.n_iter_ == 1


def test_iter_samples_forwards_max_move(data):
    X, y = data
    clf = stream(tiny(), X, y)
    chunks = list(clf.iter_samples(5, chunk_size=2, max_move=0.2, random_state=3))
    rng = np.random.RandomState(3)
    for n, (Xc, _) in zip([2, 2, 1], chunks):
        seed = rng.randint(np.iinfo(np.int32).max)
        X_ref, _ = clf.sample(n, max_move=0.2, random_state=seed)
        assert np.array_equal(Xc, X_ref)
    X_default, _ = clf.sample(1, random_state=seed)  # the move matters here
    assert not np.array_equal(chunks[-1][0], X_default)
    # Checked on the call, before any chunk is drawn.
    with pytest.raises(ValueError, match="max_move"):
        clf.iter_samples(5, max_move=-1.0)
