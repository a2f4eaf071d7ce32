"""skdvaan: DVAAN deep imbalanced learning for scikit-learn and imbalanced-learn."""

from ._classifier import DVAANClassifier
from ._sampler import DVAANSampler

__version__ = "0.1.0"

__all__ = ["DVAANClassifier", "DVAANSampler", "__version__"]
