"""Same-backbone baselines for the tabular benchmarks.

``PlainNet`` is DVAAN's discriminator alone (``skdvaan._networks.Discriminator``
with DVAANClassifier's default widths), trained with DVAAN's optimiser, batch
size and stopping rule, and one of the treatments a practitioner would reach
for instead of generated boundary samples:

* ``"weighted"``: class-weighted cross-entropy ("balanced" weights);
* ``"balanced_batches"``: unweighted cross-entropy, mini-batches drawn with
  replacement so that both classes are equally likely;
* ``"ros"`` / ``"smote"``: unweighted cross-entropy on the training part
  over-sampled by imbalanced-learn's RandomOverSampler / SMOTE.

Every treatment takes the same number of gradient steps per epoch as DVAAN
(one pass over the real training rows): over-sampled sets are subsampled to
that size each epoch. Not part of the ``skdvaan`` package.
"""

import copy
import math

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdvaan._networks import Discriminator, NetworkConfig


class PlainNet(ClassifierMixin, BaseEstimator):
    def __init__(self, treatment="weighted", max_iter=200, random_state=0):
        self.treatment = treatment
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.RandomState(self.random_state)
        self.classes_, y = np.unique(y, return_inverse=True)
        X = np.asarray(X, dtype=np.float64)
        val = None
        if len(y) >= 1000:  # DVAANClassifier's early_stopping="auto"
            X, X_val, y, y_val = train_test_split(
                X, y, test_size=0.2, stratify=y, random_state=rng
            )
            val = (X_val, y_val)
        self.scaler_ = StandardScaler().fit(X)
        X = self.scaler_.transform(X).astype(np.float32)
        n_real = len(y)
        if self.treatment in ("ros", "smote"):
            sampler = (
                RandomOverSampler(random_state=self.random_state)
                if self.treatment == "ros"
                else SMOTE(
                    random_state=self.random_state,
                    k_neighbors=min(5, int(np.bincount(y).min()) - 1),
                )
            )
            X, y = sampler.fit_resample(X, y)
            X = X.astype(np.float32)
        torch.manual_seed(self.random_state)
        cfg = NetworkConfig(n_features=X.shape[1], n_classes=len(self.classes_))
        net = Discriminator(cfg).train()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        counts = np.bincount(y, minlength=len(self.classes_))
        weight = None
        if self.treatment == "weighted":
            w = counts.sum() / (len(counts) * counts)
            weight = torch.as_tensor(w, dtype=torch.float32)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
        X_t, y_t = torch.as_tensor(X), torch.as_tensor(y)
        gen = torch.Generator().manual_seed(self.random_state)
        probs = torch.as_tensor((1.0 / counts)[y], dtype=torch.float64)
        batch = min(200, n_real)
        best, best_state, best_loss, no_improve = -math.inf, None, math.inf, 0
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            self.n_iter_ += 1
            if self.treatment == "balanced_batches":
                order = torch.multinomial(
                    probs, n_real, replacement=True, generator=gen
                )
            else:
                order = torch.randperm(len(y), generator=gen)[:n_real]
            total, steps = 0.0, 0
            for start in range(0, n_real, batch):
                idx = order[start : start + batch]
                if idx.shape[0] < 2:
                    continue
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(net(X_t[idx])[0], y_t[idx])
                loss.backward()
                opt.step()
                total, steps = total + loss.item(), steps + 1
            if val is not None:
                self.net_ = net
                score = roc_auc_score(val[1], self._scores(val[0]))
                no_improve = 0 if score > best + 1e-4 else no_improve + 1
                if score > best:
                    best, best_state = score, copy.deepcopy(net.state_dict())
            else:
                loss = total / max(steps, 1)
                no_improve = 0 if loss < best_loss - 1e-4 else no_improve + 1
                best_loss = min(best_loss, loss)
            if no_improve > 10:
                break
        if best_state is not None:
            net.load_state_dict(best_state)
        self.net_ = net.eval()
        return self

    @torch.no_grad()
    def _logits(self, X):
        Xs = self.scaler_.transform(np.asarray(X, dtype=np.float64))
        return self.net_.eval()(torch.as_tensor(Xs, dtype=torch.float32))[0].numpy()

    def _scores(self, X):
        logits = self._logits(X)
        self.net_.train()
        return logits[:, 1] - logits[:, 0]

    def decision_function(self, X):
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0]

    def predict_proba(self, X):
        logits = self._logits(X).astype(np.float64)
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict(self, X):
        return self.classes_[self._logits(X).argmax(1)]
