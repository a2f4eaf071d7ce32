"""Checks that need a CUDA GPU; skipped on machines without one (CI)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from skdvaan import DVAANClassifier, DVAANSampler

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU"
)


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=400, weights=[0.85], random_state=0)


def _fit(device, X, y, **params):
    return DVAANClassifier(
        hidden_layer_sizes=(32,), max_iter=10, device=device, random_state=0, **params
    ).fit(X, y)


def test_auto_device_picks_the_gpu(data):
    clf = _fit("auto", *data)
    assert clf.device_.type == "cuda"
    assert next(clf.module_.parameters()).is_cuda


def test_gpu_model_pickles_to_cpu_tensors(data):
    X, y = data
    clf = _fit("cuda", X, y)
    state = pickle.loads(pickle.dumps(clf)).module_.state_dict()
    # The pickle itself holds CPU tensors, so a CPU-only machine can load it.
    raw = clf.__getstate__()["module_"]
    assert all(not t.is_cuda for t in raw.state_dict().values())
    assert set(state) == set(clf.module_.state_dict())
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(clf)).predict_proba(X),
        clf.predict_proba(X),
        atol=1e-6,
    )


def test_gpu_and_cpu_predictions_agree_for_the_same_weights(data):
    X, y = data
    clf = _fit("cuda", X, y)
    proba_gpu = clf.predict_proba(X)
    clf.module_.cpu()
    clf.device_ = torch.device("cpu")
    np.testing.assert_allclose(clf.predict_proba(X), proba_gpu, atol=1e-4)


def test_conv_backbone_and_sampler_on_gpu():
    rng = np.random.RandomState(0)
    X = rng.rand(120, 1, 12, 12).astype(np.float32)
    y = np.array([0] * 100 + [1] * 20)
    X[y == 1, :, :6] += 0.5
    X = np.clip(X, 0, 1)
    clf = _fit("cuda", X, y, backbone="paper")
    assert clf.predict_proba(X).shape == (120, 2)
    Xs, ys = clf.sample(7, target_class=1, random_state=0)
    assert Xs.shape == (7, 144) and np.all((Xs >= 0) & (Xs <= 1))
    X_res, y_res = DVAANSampler(
        estimator=DVAANClassifier(max_iter=3, input_shape=(1, 12, 12), device="cuda"),
        random_state=0,
    ).fit_resample(X.reshape(120, -1), y)
    assert np.bincount(y_res).tolist() == [100, 100]
