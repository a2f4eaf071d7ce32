"""One model trained by two processes over torch.distributed (gloo, CPU).

Each process passes its shard of the data to ``fit``; they must end with the
same weights, the same decisions (epochs run, temperature) and what ``fit``
learns from the data computed over both shards (counts, scaler). Issue 12,
item 3.
"""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch.distributed as dist
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score

pytestmark = [
    pytest.mark.slow,  # starts two processes that import torch
    pytest.mark.skipif(
        not dist.is_available() or not dist.is_gloo_available(),
        reason="this torch build has no gloo backend for torch.distributed",
    ),
]

WORKER = textwrap.dedent(
    """
    import datetime, pickle, sys, warnings
    import numpy as np, torch, torch.distributed as dist
    from skdvaan import DVAANClassifier

    rank, world, init, data, out, params = sys.argv[1:7]
    rank, world = int(rank), int(world)
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method="file://" + init, rank=rank, world_size=world,
        timeout=datetime.timedelta(seconds=120),
    )
    try:
        with open(data, "rb") as fh:
            X, y = pickle.load(fh)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = DVAANClassifier(**eval(params)).fit(X[rank::world], y[rank::world])
        result = {
            "state": {k: v.numpy().copy() for k, v in clf.module_.state_dict().items()},
            "proba": clf.predict_proba(X),
            "n_iter": clf.n_iter_,
            "temperature": clf.temperature_,
            "bias": clf.logit_bias_,
            "counts": clf.class_counts_,
            "mean": clf.scaler_.mean_,
            "var": clf.scaler_.var_,
        }
        try:
            clf.partial_fit(X[:10], y[:10])
            result["partial_fit"] = "no error"
        except ValueError as exc:
            result["partial_fit"] = str(exc)
        with open(out, "wb") as fh:
            pickle.dump(result, fh)
    finally:
        dist.destroy_process_group()
    """
)


def run_two(tmp_path, X, y, params):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    data = tmp_path / "data.pkl"
    data.write_bytes(pickle.dumps((X, y)))
    init = tmp_path / "init"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(rank),
                "2",
                str(init),
                str(data),
                str(tmp_path / f"rank{rank}.pkl"),
                repr(params),
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(2)
    ]
    errors = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("a data-parallel fit did not finish in 240 s")
        if p.returncode != 0:
            errors.append(err[-3000:])
    assert not errors, "\n".join(errors)
    return [pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes()) for r in range(2)]


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=1200, n_features=8, n_informative=5, weights=[0.85], random_state=0
    )


BASE = dict(hidden_layer_sizes=(16,), max_iter=8, pretrain_steps=20, random_state=0)


def test_two_processes_train_one_model(tmp_path, data):
    X, y = data
    a, b = run_two(tmp_path, X, y, dict(BASE, early_stopping=False))
    assert a["state"].keys() == b["state"].keys()
    for key in a["state"]:
        assert np.array_equal(a["state"][key], b["state"][key]), key
    assert np.array_equal(a["proba"], b["proba"])
    # What fit learns from the data covers both shards.
    assert a["counts"].tolist() == np.bincount(y).tolist()
    assert np.allclose(a["mean"], X.mean(0)) and np.allclose(a["var"], X.var(0))
    assert roc_auc_score(y, a["proba"][:, 1]) > 0.8
    assert "does not train data-parallel" in a["partial_fit"]


def test_early_stopping_and_temperature_read_every_shard(tmp_path, data):
    X, y = data
    a, b = run_two(tmp_path, X, y, dict(BASE, max_iter=30, early_stopping=True))
    assert a["n_iter"] == b["n_iter"] and a["temperature"] == b["temperature"]
    assert a["temperature"] != 1.0  # fitted on the gathered validation logits
    assert np.array_equal(a["bias"], b["bias"]) and a["bias"][1] != 0.0
    assert np.array_equal(a["proba"], b["proba"])
