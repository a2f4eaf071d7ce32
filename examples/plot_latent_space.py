"""
=================================================
The latent space: class priors vs a single prior
=================================================

Fig. 1 of the paper contrasts the latent codes of a conditional VAE, where
every class lives under one Gaussian prior, with those of DVAAN, where each
class has its own prior ``N(mu v_y, I)`` and the class means sit ``2 mu``
apart. This example draws both from the same data with
:meth:`~skdvaan.DVAANClassifier.encode`.

For the single-prior model we use :class:`~skdvaan.DVAANClassifier` itself
with the smallest allowed scale kept fixed: ``mu=1e-3``, ``learn_mu=False``
and ``mu_bounds=(1e-3, 1e-3)``. The two class means are then ``2e-3`` apart,
so the prior is in effect ``N(0, I)`` for both classes, as in a plain VAE.
Everything else is the same.
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
# Epochs are capped to keep the example quick.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# Data and the two models
# -----------------------
X, y = make_classification(
    n_samples=800 if FAST else 2000,
    n_features=20,
    n_informative=6,
    weights=[0.85],
    class_sep=0.8,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
common = dict(max_iter=8 if FAST else 60, early_stopping=False, random_state=0)
models = {
    "DVAAN: one prior per class": DVAANClassifier(**common),
    "single prior N(0, I)": DVAANClassifier(
        mu=1e-3, learn_mu=False, mu_bounds=(1e-3, 1e-3), **common
    ),
}
for name, model in models.items():
    model.fit(X_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    print(f"{name}: mu = {model.mu_curve_[-1]:.3g}, test ROC AUC = {auc:.3f}")

# %%
# Latent codes of the test set
# ----------------------------
# The horizontal axis is the direction ``u`` that joins the two class means
# (for two classes the means are ``+mu u`` and ``-mu u``); the vertical axis
# is the first principal component of what is left of the codes once that
# direction is removed. The crosses are the class means.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
for ax, (name, model) in zip(axes, models.items()):
    Z = model.encode(X_test)  # (n_test, latent_dim) posterior means
    means = model.latent_means_  # (2, latent_dim)
    u = means[1] - means[0]
    u /= np.linalg.norm(u)
    along = Z @ u
    rest = Z - np.outer(along, u)
    other = PCA(n_components=1).fit(rest)
    across = other.transform(rest)[:, 0]
    for k, color in [(0, "tab:blue"), (1, "tab:orange")]:
        sel = y_test == model.classes_[k]
        ax.scatter(along[sel], across[sel], s=8, c=color, alpha=0.6, label=f"class {k}")
    ax.scatter(
        means @ u,
        other.transform(means - np.outer(means @ u, u))[:, 0],
        marker="x",
        s=120,
        c="k",
        label="class means",
    )
    ax.set(title=name, xlabel="along u (class means axis)", ylabel="PC 1 of the rest")
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# With one prior per class, the KL term pulls the codes of one class towards
# ``+mu u`` and those of the other towards ``-mu u``, so with enough training
# they separate along ``u``, and the origin, between the means, is where the
# boundary samples are drawn. Under a single prior nothing in the latent
# space marks where one class ends and the other begins: the codes of the two
# classes are not pulled apart.
