"""
==========
Quickstart
==========

Fit a :class:`~skdvaan.DVAANClassifier` on an imbalanced problem, score it
with ROC AUC on a held-out split, read class probabilities, and generate new
minority-class samples near the class boundary with
:meth:`~skdvaan.DVAANClassifier.sample`.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skdvaan import DVAANClassifier

# The documentation build sets this to shrink the work; the results are rougher.
FAST = os.environ.get("SKDVAAN_GALLERY_FAST") == "1"
if FAST:
    # Too few epochs to converge, on purpose.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# An imbalanced binary problem
# ----------------------------
# 5% of the samples belong to the positive (minority) class.
X, y = make_classification(
    n_samples=1500 if FAST else 3000,
    n_features=20,
    n_informative=6,
    weights=[0.95],
    class_sep=1.0,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print(f"training set: {len(y_train)} samples, {y_train.sum()} positive")

# %%
# Fit
# ---
# With 1,000 samples or more, the default ``early_stopping="auto"`` holds out
# a stratified 10% of the training data, stops when its ROC AUC stops
# improving, and restores the best epoch's weights.
clf = DVAANClassifier(max_iter=8 if FAST else 60, random_state=0)
clf.fit(X_train, y_train)
print(f"epochs run: {clf.n_iter_}")
print(f"best validation ROC AUC: {clf.best_validation_score_:.3f}")
print(f"mu after training: {clf.mu_curve_[-1]:.2f}")

# %%
# Predict
# -------
# :meth:`~skdvaan.DVAANClassifier.predict_proba` is the discriminator's
# softmax; its second column is the probability of ``classes_[1]``.
proba = clf.predict_proba(X_test)
print("first rows of predict_proba:")
print(np.round(proba[:3], 3))
print(f"test ROC AUC: {roc_auc_score(y_test, proba[:, 1]):.3f}")

# %%
# The training curves: the classifier's loss on the training data and the
# ROC AUC on the validation split, per epoch.
fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(9, 3.2))
ax_loss.plot(range(1, clf.n_iter_ + 1), clf.loss_curve_)
ax_loss.set(xlabel="epoch", ylabel="training loss (L_cls)")
ax_val.plot(range(1, clf.n_iter_ + 1), clf.validation_scores_)
ax_val.set(xlabel="epoch", ylabel="validation ROC AUC")
fig.tight_layout()

# %%
# Generate samples
# ----------------
# :meth:`~skdvaan.DVAANClassifier.sample` decodes latent codes drawn between
# the class means (``kind="boundary"``, the paper's rule) or around the
# class's own mean (``kind="core"``). The samples come back in the scale of
# ``X``. Below, the first two principal components of the data show where
# they fall.
X_boundary, y_boundary = clf.sample(100, target_class=1, random_state=0)
X_core, _ = clf.sample(100, target_class=1, kind="core", random_state=0)
print(f"generated: {X_boundary.shape}, labels {set(y_boundary.tolist())}")

pca = PCA(n_components=2).fit(X_train)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
for data, label, style in [
    (X_train[y_train == 0], "class 0 (real)", dict(c="tab:blue", s=6, alpha=0.3)),
    (X_train[y_train == 1], "class 1 (real)", dict(c="tab:orange", s=14)),
    (X_core, "class 1, core samples", dict(c="tab:green", marker="x", s=18)),
    (X_boundary, "class 1, boundary samples", dict(c="k", marker="+", s=30)),
]:
    P = pca.transform(data)
    ax.scatter(P[:, 0], P[:, 1], label=label, **style)
ax.set(xlabel="PC 1", ylabel="PC 2", title="Real and generated samples")
ax.legend(fontsize=8)
plt.show()
