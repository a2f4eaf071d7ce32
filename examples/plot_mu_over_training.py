r"""
============================
How ``mu`` moves in training
============================

DVAAN learns the distance between its class priors, ``N(mu v_y, I)``, while
it trains (Eq. 10 of the paper, Fig. 4). After each mini-batch,

.. math::

   \mu \leftarrow \operatorname{clip}\left(\mu + \eta
   \tanh(\gamma \mathcal{L}_{adv} - \mathcal{L}_{fea}),
   \mu_{\min}, \mu_{\max}\right).

``mu`` grows while the discriminator finds generated samples hard to classify
(``L_adv`` large) and shrinks while feature-wise reconstruction suffers
(``L_fea`` large). ``mu_curve_`` records ``mu``
at the end of every epoch. This example follows it for several starting
values of ``mu`` and several weights ``gamma``.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skdvaan import DVAANClassifier

# The documentation build sets this to shrink the work; the results are rougher.
FAST = os.environ.get("SKDVAAN_GALLERY_FAST") == "1"
# Every fit runs exactly max_iter epochs so that the curves line up.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
X, y = make_classification(
    n_samples=600 if FAST else 1000,
    n_features=20,
    n_informative=4,
    weights=[0.9],
    flip_y=0.03,
    random_state=0,
)
n_epochs = 6 if FAST else 40
# No early stopping, and a patience longer than the run: every fit runs all
# epochs.
common = dict(
    max_iter=n_epochs, early_stopping=False, n_iter_no_change=n_epochs, random_state=0
)

# %%
# Starting value of ``mu`` and weight ``gamma``
# ---------------------------------------------
fig, (ax_mu, ax_gamma) = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for mu0 in (1.0, 3.0, 6.0):
    clf = DVAANClassifier(mu=mu0, **common).fit(X, y)
    ax_mu.plot(range(1, clf.n_iter_ + 1), clf.mu_curve_, label=f"mu starts at {mu0:g}")
    print(f"mu from {mu0:g}: {clf.mu_curve_[-1]:.2f} after {clf.n_iter_} epochs")
for gamma in (0.5, 1.0, 2.0):
    clf = DVAANClassifier(gamma=gamma, **common).fit(X, y)
    ax_gamma.plot(range(1, clf.n_iter_ + 1), clf.mu_curve_, label=f"gamma = {gamma:g}")
    print(f"gamma {gamma:g}: mu {clf.mu_curve_[-1]:.2f} after {clf.n_iter_} epochs")
ax_mu.set(xlabel="epoch", ylabel="mu", title="gamma = 1, several starting mu")
ax_gamma.set(xlabel="epoch", title="mu starts at 3, several gamma")
for ax in (ax_mu, ax_gamma):
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# The step per mini-batch is at most ``mu_step`` (0.01 by default), and
# ``mu`` stays within ``mu_bounds`` (0.5 to 10 by default). A larger
# ``gamma`` gives ``L_adv`` more say in the update and so pushes ``mu`` up.
# ``learn_mu=False`` keeps ``mu`` fixed: the paper's ablation DVAAN_mu.
n_batches = -(-len(y) // min(200, len(y)))  # batch_size="auto" is min(200, n)
print(f"{n_batches} mini-batches per epoch: mu moves at most {0.01 * n_batches:.2f}")
