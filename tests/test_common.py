"""scikit-learn's and imbalanced-learn's estimator checks on both estimators.

Small networks and few epochs keep the run short; every check must pass.
"""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdvaan import DVAANClassifier, DVAANSampler


def _small_classifier(**params):
    return DVAANClassifier(
        hidden_layer_sizes=(16,),
        max_iter=20,
        learning_rate_init=1e-2,
        pretrain_steps=20,
        device="cpu",
        random_state=0,
        **params,
    )


CLASSIFIER = _small_classifier()
SAMPLER = DVAANSampler(
    estimator=DVAANClassifier(
        hidden_layer_sizes=(16,),
        max_iter=3,
        pretrain_steps=20,
        device="cpu",
        random_state=0,
    ),
    random_state=0,
)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning")
@parametrize_with_checks([CLASSIFIER, SAMPLER])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning")
@imblearn_parametrize_with_checks([SAMPLER])
def test_imblearn_compatible_estimator(estimator, check):
    check(estimator)
