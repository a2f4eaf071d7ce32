"""
==============================================
Generated digits: class cores and the boundary
==============================================

Fig. 6 of the paper decodes latent codes of MNIST 5 (minority) vs 6: codes
drawn around each class's own mean give clear digits of that class, while
codes drawn between the means, where the boundary samples come from, give
digits that share features of both classes.

This example trains :class:`~skdvaan.DVAANClassifier` on a 1:5 imbalanced
subset of MNIST 5 vs 6 and shows both kinds of samples with
:meth:`~skdvaan.DVAANClassifier.sample`. To stay quick on a CPU it uses a
subsample of the training images, few epochs, and the dense backbone
(``backbone="mlp"``) on the flattened pixels; the convolutional backbones
(``"conv"``, ``"paper"``) suit a GPU better.

The MNIST files are looked up by :func:`skdvaan.datasets.load_mnist`. Where
they are not found, the example says so, trains nothing and draws no figure:
scikit-learn's bundled 8x8 digits are too small for the decoder to draw
recognisable digits, and a figure of grey squares would contradict the text
below.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score

from skdvaan import DVAANClassifier
from skdvaan.datasets import PAPER_PAIRS, load_paper_pair

# The documentation build sets this to shrink the work; the results are rougher.
FAST = os.environ.get("SKDVAAN_GALLERY_FAST") == "1"
# Few epochs on purpose; the model is not fully trained.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# Data: 5 (positive, minority) vs 6, one 5 for every five 6s
# ------------------------------------------------------------
n_train = 600 if FAST else 2000
try:
    X_train, y_train = load_paper_pair("mnist", ratio=0.2, random_state=0)
    X_test, y_test = load_paper_pair("mnist", subset="test")
except FileNotFoundError:
    HAVE_MNIST = False
    print(
        "MNIST was not found, so this example trains no model and draws no "
        "figure. To run it, put MNIST's IDX files in a folder named mnist, set "
        "SKDVAAN_DATA to the folder above it, or call "
        "skdvaan.datasets.load_mnist(download=True) once."
    )
else:
    HAVE_MNIST = True
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    shape = PAPER_PAIRS["mnist"]["input_shape"]  # (1, 28, 28)
    print(f"MNIST 5 vs 6: {len(y_train)} training images, {y_train.sum()} fives")

# %%
# Train
# -----
# ``input_shape`` tells the model that the features are pixels in [0, 1]:
# the decoder ends in a sigmoid and ``L_ele`` is the binary cross-entropy.
if HAVE_MNIST:
    clf = DVAANClassifier(
        input_shape=shape,
        backbone="mlp",
        hidden_layer_sizes=(256, 64),
        latent_dim=8,
        max_iter=8 if FAST else 25,
        early_stopping=False,
        random_state=0,
    )
    clf.fit(X_train, y_train)
    auc = roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])
    print(f"{clf.n_iter_} epochs, mu = {clf.mu_curve_[-1]:.2f}, ROC AUC = {auc:.3f}")

# %%
# Samples from the class cores and from the boundary
# --------------------------------------------------
# Rows, top to bottom: ``kind="core"`` for the 5s (codes around the 5s'
# mean), ``kind="boundary"`` for the 5s and for the 6s (codes between the
# means, kept where the nearest mean and the discriminator agree on the
# class), and ``kind="core"`` for the 6s.
n_cols = 8


def draw(clf):
    # (row label, class, kind of sample)
    rows = [
        ("5", 1, "core"),
        ("5", 1, "boundary"),
        ("6", 0, "boundary"),
        ("6", 0, "core"),
    ]
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(n_cols, len(rows) + 0.4))
    for seed, ((digit, target, kind), ax_row) in enumerate(zip(rows, axes)):
        images, _ = clf.sample(
            n_cols, target_class=target, kind=kind, random_state=seed
        )
        for image, ax in zip(images, ax_row):
            ax.imshow(image.reshape(shape[1:]), cmap="gray_r", vmin=0, vmax=1)
            ax.set(xticks=[], yticks=[])
        ax_row[0].set_ylabel(f"{digit}, {kind}", rotation=0, ha="right", va="center")
    fig.suptitle("Decoded from the class means (core) and from between them")
    fig.tight_layout()
    plt.show()


if HAVE_MNIST:
    draw(clf)
else:
    print("No figure: MNIST was not found (see above).")

# %%
# The boundary rows are the kind of sample DVAAN adds to the minority class
# during training (``augmentation_ratio``). The paper's Fig. 6 shows them as
# digits of their class that carry features of the other class. Whether this
# run shows that depends on how long it trained: the documentation is built
# with ``SKDVAAN_GALLERY_FAST=1`` (600 images, 8 epochs), far from a trained
# model, so judge the rows above for yourself rather than take the paper's
# description as a caption. Raise ``max_iter`` and ``n_train`` to train
# longer; a GPU and ``backbone="conv"`` suit full MNIST.
