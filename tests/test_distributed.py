"""Search and cross-validation on Dask and Ray workers give the serial results.

Each fit depends on its ``random_state`` only, so running the fits of
``GridSearchCV`` and ``cross_validate`` in other processes, through joblib's
Dask or Ray backend, must change nothing: same scores, same best parameters,
same fitted models, bit for bit on the CPU. Skipped, with the reason, when
the extra is not installed (``pip install "skdvaan[dask]"`` or ``[ray]``).
"""

import joblib
import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from skdvaan import DVAANClassifier, DVAANSampler

pytestmark = [
    pytest.mark.slow,  # starts worker processes that import torch
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning"),
]

N_WORKERS = 2


def tiny():
    return DVAANClassifier(
        hidden_layer_sizes=(8,),
        max_iter=3,
        early_stopping=False,
        device="cpu",
        random_state=0,
    )


def sampler_pipeline():
    return Pipeline(
        [
            ("dvaan", DVAANSampler(estimator=tiny(), random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )


# Each case: the estimator and a 4-point grid (12 fits with 3 folds).
CASES = {
    "classifier": (tiny, {"learning_rate_init": [1e-3, 1e-2], "mu": [2.0, 3.0]}),
    "sampler pipeline": (
        sampler_pipeline,
        {"dvaan__sampling_strategy": ["auto", 0.5], "clf__C": [0.1, 1.0]},
    ),
}
CV = StratifiedKFold(3, shuffle=True, random_state=0)
SCORING = ("roc_auc", "average_precision")


def run_search(case, X, y):
    make, grid = CASES[case]
    search = GridSearchCV(make(), grid, cv=CV, scoring=SCORING, refit="roc_auc")
    return search.fit(X, y)


def run_cv(case, X, y):
    make, _ = CASES[case]
    return cross_validate(make(), X, y, cv=CV, scoring=SCORING, return_estimator=True)


RUNS = {"search": run_search, "cv": run_cv}


def assert_same_search(expected, got):
    results_a, results_b = expected.cv_results_, got.cv_results_
    assert results_a.keys() == results_b.keys()
    for key in results_a:
        if key.endswith("_time"):  # wall times, the only thing allowed to differ
            continue
        assert list(results_a[key]) == list(results_b[key]), key
    assert expected.best_params_ == got.best_params_
    assert expected.best_score_ == got.best_score_


def assert_same_cv(expected, got, X):
    for key in expected:
        if key.startswith("test_"):
            assert np.array_equal(expected[key], got[key]), key
    for model_a, model_b in zip(expected["estimator"], got["estimator"]):
        assert np.array_equal(model_a.predict_proba(X), model_b.predict_proba(X))


def assert_same(run, expected, got, X):
    if run == "search":
        assert_same_search(expected, got)
    else:
        assert_same_cv(expected, got, X)


def worker_threads(backend):
    """torch's intra-op thread count in each task that ``backend`` runs."""
    with joblib.parallel_backend(backend):
        return joblib.Parallel()(
            joblib.delayed(torch.get_num_threads)() for _ in range(2 * N_WORKERS)
        )


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    y = np.r_[[0] * 90, [1] * 30]
    return rng.randn(120, 5) + y[:, None], y


@pytest.fixture(scope="module")
def serial(data):
    return {(case, run): RUNS[run](case, *data) for case in CASES for run in RUNS}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip(
        "distributed", reason='the Dask tests need: pip install "skdvaan[dask]"'
    )
    # Worker processes, as on a real cluster. The nannies set OMP_NUM_THREADS=1
    # (distributed's default), which test_dask_workers_use_one_thread checks.
    with distributed.LocalCluster(
        n_workers=N_WORKERS,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def ray_backend():
    ray = pytest.importorskip(
        "ray", reason='the Ray tests need: pip install "skdvaan[ray]"'
    )
    from ray.util.joblib import register_ray

    ray.init(
        num_cpus=N_WORKERS,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    register_ray()
    yield
    ray.shutdown()


def test_dask_workers_use_one_thread(dask_client):
    # N fits on N one-thread workers: no oversubscription of the cores.
    assert worker_threads("dask") == [1] * (2 * N_WORKERS)


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("case", CASES)
def test_dask_matches_serial(dask_client, data, serial, case, run):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as tasks, joblib.parallel_backend("dask"):
        got = RUNS[run](case, *data)
    # The fits ran on the cluster's workers (which of them is the scheduler's
    # choice: three quick folds may all land on one).
    assert tasks.data
    assert_same(run, serial[case, run], got, data[0])


def test_ray_workers_use_one_thread(ray_backend):
    assert worker_threads("ray") == [1] * (2 * N_WORKERS)


# Ray starts new worker processes for each search (each imports torch, seconds
# on 2 cores): two runs cover the search, the cross-validation and both cases.
@pytest.mark.parametrize(
    "case, run", [("classifier", "search"), ("sampler pipeline", "cv")]
)
def test_ray_matches_serial(ray_backend, data, serial, case, run):
    with joblib.parallel_backend("ray"):
        got = RUNS[run](case, *data)
    assert_same(run, serial[case, run], got, data[0])


def test_dask_ml_incremental_trains_block_by_block_as_partial_fit_does(data):
    pytest.importorskip(
        "dask_ml", reason='dask-ml is not installed (pip install "skdvaan[dask]")'
    )
    import dask.array as da
    from dask_ml.wrappers import Incremental

    X, y = data
    dX, dy = da.from_array(X, chunks=40), da.from_array(y, chunks=40)
    inc = Incremental(tiny(), shuffle_blocks=False)
    inc.partial_fit(dX, dy, classes=[0, 1])
    manual = tiny()
    for start in range(0, len(y), 40):
        manual.partial_fit(X[start : start + 40], y[start : start + 40], [0, 1])
    est = inc.estimator_
    assert est.n_iter_ == manual.n_iter_ == 3
    assert np.array_equal(est.predict_proba(X), manual.predict_proba(X))
    assert np.array_equal(inc.predict_proba(dX).compute(), manual.predict_proba(X))
