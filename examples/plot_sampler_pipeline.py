"""
============================================
DVAANSampler in an imbalanced-learn pipeline
============================================

:class:`~skdvaan.DVAANSampler` is an imbalanced-learn over-sampler: it fits a
:class:`~skdvaan.DVAANClassifier` and adds generated boundary samples to the
smaller classes, for any downstream classifier. Inside an
``imblearn.pipeline.Pipeline``, resampling happens on the training folds
only, so cross-validation scores are not inflated by synthetic test samples.

Here a logistic regression is trained after DVAAN over-sampling, after SMOTE,
and on the data as it is, and the three are compared by cross-validated ROC
AUC.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from skdvaan import DVAANClassifier, DVAANSampler

# The documentation build sets this to shrink the work; the results are rougher.
FAST = os.environ.get("SKDVAAN_GALLERY_FAST") == "1"
# Epochs are capped to keep the example quick.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# Data: 10% positives, with label noise so the classes overlap.
X, y = make_classification(
    n_samples=600 if FAST else 1500,
    n_features=10,
    n_informative=4,
    weights=[0.9],
    flip_y=0.02,
    random_state=0,
)
print(f"{len(y)} samples, {y.sum()} positive")

# %%
# Three pipelines. The sampler's model is searchable as
# ``dvaansampler__estimator__<name>`` in a grid search.
dvaan = DVAANClassifier(hidden_layer_sizes=(64, 32), max_iter=5 if FAST else 40)
models = {
    "DVAAN + LR": make_pipeline(
        DVAANSampler(estimator=dvaan, random_state=0), LogisticRegression()
    ),
    "SMOTE + LR": make_pipeline(SMOTE(random_state=0), LogisticRegression()),
    "LR alone": LogisticRegression(),
}

# %%
# Stratified cross-validation keeps the class ratio in every fold.
cv = StratifiedKFold(n_splits=3 if FAST else 5, shuffle=True, random_state=0)
scores = {
    name: cross_val_score(model, X, y, scoring="roc_auc", cv=cv)
    for name, model in models.items()
}
for name, s in scores.items():
    print(f"{name:12s} ROC AUC {s.mean():.3f} +/- {s.std():.3f}")

# %%
# Mean and standard deviation over the folds.
names = list(scores)
means = np.array([scores[n].mean() for n in names])
stds = np.array([scores[n].std() for n in names])
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.barh(names, means, xerr=stds, color=["tab:green", "tab:blue", "tab:gray"])
ax.set(xlabel="ROC AUC (cross-validated)", xlim=(max(0.5, means.min() - 0.1), 1.0))
ax.invert_yaxis()
fig.tight_layout()
plt.show()

# %%
# Which over-sampler helps, if any, depends on the data and on the classifier
# that follows it; cross-validate the candidates on your data, as above.

# %%
# What the sampler adds
# ---------------------
# One ``fit_resample`` on all the data: the original rows come first and
# unchanged, then the generated ones. By default (``sampling_strategy="auto"``)
# every class is brought up to the size of the largest.
X_res, y_res = DVAANSampler(estimator=dvaan, random_state=0).fit_resample(X, y)
print(f"before: {np.bincount(y)}, after: {np.bincount(y_res)}")
