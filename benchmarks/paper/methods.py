"""The seven methods of Sec. 4.2 and four practitioner baselines.

Every method is built from the library's own networks
(``skdvaan._networks.Encoder``, ``Decoder``, ``Discriminator``) with the same
backbone, latent size, batch size, learning rate and number of epochs, so the
tables compare training objectives, not architectures. Each exposes
``fit(X, y)``, ``decision_function(X)`` (a score for class 1, for ROC AUC)
and, for the VAE-type methods, ``reconstruct(X, y)`` (Table 3).

Inputs are flattened images in [0, 1] (float32) with ``y`` in {0, 1}, 1 the
minority (positive) class.

* ``DVAAN`` (``augmentation_ratio=0.5``: the library's default is 0),
  ``DVAAN_mu`` (the same with ``learn_mu=False, mu=3``), ``DVAAN_a``
  (``augmentation_ratio=0``): :class:`skdvaan.DVAANClassifier` with the
  library's other defaults (balanced class weights included).
* ``VAE-GAN``: Larsen et al. (2016) as the paper adapts it: one ``N(0, I)``
  prior; the discriminator classifies real samples and reconstructions as
  positive or negative (its class head is the classifier); ``L_fea`` in its
  hidden layer trains E and G; no imbalance treatment. It is DVAAN with
  ``mu = 0``, without prior samples, class weights or augmentation.
* ``VAE-GAN_b``: the same with class-balanced mini-batches (the minority is
  over-sampled when batches are drawn; an epoch keeps its number of batches).
* ``AC-GAN``: Odena et al. (2016). G gets ``[z, onehot(c)]`` with ``c`` drawn
  uniformly over the classes; D has ``K`` class logits and one real/fake
  logit on one trunk; both maximise the class log-likelihood on real and
  generated samples. The class head is the classifier.
* ``CVAE-GAN``: Bao et al. (2017). E and G are conditioned on the label; a
  real/fake network D and a classifier C (trained on real samples only, as
  in the paper); E and G lower the pixel loss, the pairwise feature loss in
  the hidden layers of D and C, and G also the mean feature matching of
  prior samples to real ones in D and, per class, in C. C is the classifier.
  The encoder sees the label as ``K`` constant extra input channels (one
  one-hot plane per class), or as ``K`` extra features with the MLP
  backbone; the decoder gets ``[z, onehot(y)]``.
* ``Plain``, ``Weighted``, ``ROS``, ``SMOTE``: the discriminator network alone
  trained with cross-entropy: unweighted; with balanced class weights; on
  imbalanced-learn's ``RandomOverSampler`` output; on ``SMOTE`` output
  (interpolating flattened pixels).

Each network gets its own objective, as in Alg. 1, inside one backward pass:
a network that must not learn from a term sees it through detached inputs
(``x.detach()``) or through a frozen copy of the other network's weights.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.exceptions import ConvergenceWarning
from torch import nn
from torch.func import functional_call

from skdvaan import DVAANClassifier
from skdvaan._base import build_seeded, resolve_device, torch_generator
from skdvaan._losses import element_loss, feature_loss
from skdvaan._networks import (
    PAPER_CHANNELS,
    PAPER_KERNELS,
    Decoder,
    Discriminator,
    Encoder,
    NetworkConfig,
)
from skdvaan._prior import kl_to_prior


@dataclass
class Setup:
    """What every method shares: data shape, backbone and training budget."""

    input_shape: tuple  # (C, H, W) of one image
    backbone: str = "conv"  # "conv" (light), "paper" (Sec. 4.2) or "mlp"
    hidden: tuple = (128, 64)  # dense widths after the convs; last one is h
    latent_dim: int = 32
    batch_size: int = 128
    epochs: int = 10
    learning_rate: float = 1e-3
    lambda_fea: float = 1.0  # lambda_1 of Alg. 1, for every VAE-type method
    lambda_adv: float = 1.0  # lambda_2 of Alg. 1, for every generator
    device: str = "cpu"


def network_config(setup, *, n_classes=2, extra_channels=0, extra_latent=0):
    """The library's ``NetworkConfig`` for ``setup``, optionally widened.

    ``extra_channels`` adds input planes (the encoder's label planes);
    ``extra_latent`` widens the decoder's input (``[z, onehot]``).
    """
    c, h, w = setup.input_shape
    conv = setup.backbone != "mlp"
    cfg = NetworkConfig(
        n_features=(c + extra_channels) * h * w if conv else c * h * w + extra_channels,
        n_classes=n_classes,
        latent_dim=setup.latent_dim + extra_latent,
        hidden=tuple(setup.hidden),
        input_shape=(c + extra_channels, h, w) if conv else None,
        output="sigmoid",
    )
    if setup.backbone == "paper":
        cfg.channels, cfg.kernels = PAPER_CHANNELS, PAPER_KERNELS
    return cfg


def _grad_scaled(t, factor):
    """Identity forward; the gradient flowing back through it is multiplied."""
    return t.detach() + factor * (t - t.detach())


def _frozen(net, x):
    """``net(x)`` through a copy of the weights cut from the graph.

    The output still depends on ``x`` (so E and G learn through it) but no
    gradient reaches ``net``'s own parameters.
    """
    params = {n: p.detach() for n, p in net.named_parameters()}
    return functional_call(net, params, (x,))


def _reparam(m, logvar, gen):
    eps = torch.randn(m.shape, generator=gen, device=m.device)
    return m + (0.5 * logvar).exp() * eps


def _mean_match(h_real, h_gen, weight=None):
    """Bao et al.'s mean feature matching: generated batch mean to the real one.

    ``weight`` (B,) selects rows (one class) without a host sync; a class
    absent from the batch contributes 0.
    """
    if weight is None:
        return 0.5 * (h_real.detach().mean(0) - h_gen.mean(0)).pow(2).mean()
    w = weight[:, None]
    n = w.sum().clamp(min=1.0)
    diff = (h_real.detach() * w).sum(0) / n - (h_gen * w).sum(0) / n
    return 0.5 * diff.pow(2).mean()


#: Weight of the mean feature matching terms L_GD and L_GC (Bao et al.).
BAO_MEAN_MATCH_WEIGHT = 1e-3


def _balanced_weight(y, n_classes=2):
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return counts.sum() / (n_classes * np.maximum(counts, 1.0))


class _TorchMethod:
    """Shared fit loop: seeded networks, one Adam, epochs of mini-batches."""

    name = ""
    balanced_batches = False  # draw class-balanced mini-batches (VAE-GAN_b)
    generative = False  # has reconstruct() (Table 3)

    def __init__(self, setup, random_state=0):
        self.setup = setup
        self.random_state = random_state

    # Subclasses define _build() -> nn.ModuleDict, _step(nets, x, y, gen) ->
    # (loss, {name: value}), and _classifier_logits(nets, x) -> (B, 2).

    def _prepare(self, X, y, seed):
        return X, y

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y, dtype=np.int64)
        seed = int(np.random.RandomState(self.random_state).randint(2**31 - 1))
        device = resolve_device(self.setup.device)
        self.device_ = device
        X, y = self._prepare(X, y, seed)
        self.nets_ = build_seeded(self._build, seed).to(device).train()
        gen = torch_generator(seed, device)
        opt = torch.optim.Adam(self.nets_.parameters(), lr=self.setup.learning_rate)
        X_t, y_t = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
        n, bs = len(X), min(self.setup.batch_size, len(X))
        draw_w = torch.as_tensor(_balanced_weight(y)[y], device=device)
        self.history_ = []
        for _ in range(self.setup.epochs):
            if self.balanced_batches:
                order = torch.multinomial(draw_w, n, replacement=True, generator=gen)
            else:
                order = torch.randperm(n, generator=gen, device=device)
            sums, steps = {}, 0
            for start in range(0, n, bs):
                idx = order[start : start + bs]
                if idx.shape[0] < 2:
                    continue  # batch norm needs two rows
                loss, parts = self._step(self.nets_, X_t[idx], y_t[idx], gen)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                for k, v in parts.items():  # kept on the device: no sync per step
                    sums[k] = sums.get(k, 0.0) + v.detach()
                steps += 1
            record = {k: float(v) / max(steps, 1) for k, v in sums.items()}
            if not all(np.isfinite(v) for v in record.values()):
                raise FloatingPointError(f"{self.name}: non-finite loss {record}")
            self.history_.append(record)
        self.nets_.eval()
        return self

    @torch.no_grad()
    def _batched(self, fn, X, batch_size=2048):
        out = []
        for start in range(0, len(X), batch_size):
            xb = torch.as_tensor(
                np.asarray(X[start : start + batch_size], dtype=np.float32),
                device=self.device_,
            )
            out.append(fn(xb).float().cpu())
        return torch.cat(out).numpy()

    def decision_function(self, X):
        """Log-odds of class 1 from the classifier network, shape (n,)."""
        logits = self._batched(lambda x: self._classifier_logits(self.nets_, x), X)
        return logits[:, 1] - logits[:, 0]


class VAEGAN(_TorchMethod):
    """Larsen et al.'s VAE/GAN, adapted by the paper to classify pos vs neg."""

    name = "VAE-GAN"
    generative = True

    def _build(self):
        cfg = network_config(self.setup)
        return nn.ModuleDict(
            {"enc": Encoder(cfg), "dec": Decoder(cfg), "dis": Discriminator(cfg)}
        )

    def _step(self, nets, x, y, gen):
        s, b = self.setup, x.shape[0]
        m, logvar = nets["enc"](x)
        z = _reparam(m, logvar, gen)
        # The second copy decodes a detached z: D's class loss on it trains D
        # and (scaled by lambda_adv) G, never E, as in the library's engine.
        x_gen = nets["dec"](torch.cat([z, z.detach()]))
        x_rec, x_adv = x_gen[:b], _grad_scaled(x_gen[b:], s.lambda_adv)
        logits, h = nets["dis"](torch.cat([x, x_adv]))
        _, h_rec = _frozen(nets["dis"], x_rec)
        cls = F.cross_entropy(logits[:b], y)
        adv = F.cross_entropy(logits[b:], y)
        ele = element_loss(x_rec, x, "bce").mean()
        kl = kl_to_prior(m, logvar, torch.zeros_like(m)).mean() / x.shape[1]
        fea = feature_loss(h_rec, h[:b])
        loss = cls + adv + ele + kl + s.lambda_fea * fea
        return loss, {"cls": cls, "adv": adv, "ele": ele, "kl": kl, "fea": fea}

    def _classifier_logits(self, nets, x):
        return nets["dis"](x)[0]

    def reconstruct(self, X, y=None):
        """Decoded posterior means ``G(m(x))``, in [0, 1]."""
        nets = self.nets_
        return self._batched(lambda x: nets["dec"](nets["enc"](x)[0]), X)


class VAEGANBalanced(VAEGAN):
    """VAE-GAN trained on class-balanced (over-sampled) mini-batches."""

    name = "VAE-GAN_b"
    balanced_batches = True


class ACGAN(_TorchMethod):
    """Odena et al.'s AC-GAN; the discriminator's class head classifies."""

    name = "AC-GAN"

    def _build(self):
        cfg_d = network_config(self.setup, n_classes=3)  # 2 class logits + real/fake
        cfg_g = network_config(self.setup, extra_latent=2)
        return nn.ModuleDict({"dec": Decoder(cfg_g), "dis": Discriminator(cfg_d)})

    def _step(self, nets, x, y, gen):
        s, b = self.setup, x.shape[0]
        c = torch.randint(0, 2, (b,), generator=gen, device=x.device)
        z = torch.randn(b, s.latent_dim, generator=gen, device=x.device)
        x_fake = nets["dec"](torch.cat([z, F.one_hot(c, 2).float()], 1))
        logits = nets["dis"](torch.cat([x, x_fake.detach()]))[0]
        rf = logits[:, 2]
        ones, zeros = torch.ones_like(rf[:b]), torch.zeros_like(rf[:b])
        d_rf = F.binary_cross_entropy_with_logits(
            rf[:b], ones
        ) + F.binary_cross_entropy_with_logits(rf[b:], zeros)
        cls = F.cross_entropy(logits[:b, :2], y)
        cls_fake = F.cross_entropy(logits[b:, :2], c)
        # Same batch composition as D's own pass, so batch norm agrees.
        g_logits = _frozen(nets["dis"], torch.cat([x, x_fake]))[0][b:]
        g_rf = F.binary_cross_entropy_with_logits(g_logits[:, 2], ones)
        g_cls = F.cross_entropy(g_logits[:, :2], c)
        loss = d_rf + cls + cls_fake + s.lambda_adv * (g_rf + g_cls)
        return loss, {"d_rf": d_rf, "cls": cls, "g_rf": g_rf, "g_cls": g_cls}

    def _classifier_logits(self, nets, x):
        return nets["dis"](x)[0][:, :2]


class CVAEGAN(_TorchMethod):
    """Bao et al.'s CVAE-GAN; the separate classifier network C classifies."""

    name = "CVAE-GAN"
    generative = True

    def _build(self):
        s = self.setup
        return nn.ModuleDict(
            {
                "enc": Encoder(network_config(s, extra_channels=2)),
                "dec": Decoder(network_config(s, extra_latent=2)),
                "dis": Discriminator(network_config(s, n_classes=1)),
                "cls": Discriminator(network_config(s)),
            }
        )

    def _enc_input(self, x, onehot):
        if self.setup.backbone == "mlp":
            return torch.cat([x, onehot], 1)
        c, h, w = self.setup.input_shape
        planes = onehot[:, :, None, None].expand(-1, -1, h, w)
        return torch.cat([x.view(-1, c, h, w), planes], 1).flatten(1)

    def _step(self, nets, x, y, gen):
        s, b = self.setup, x.shape[0]
        onehot = F.one_hot(y, 2).float()
        m, logvar = nets["enc"](self._enc_input(x, onehot))
        z = _reparam(m, logvar, gen)
        z_p = torch.randn(m.shape, generator=gen, device=m.device)
        x_gen = nets["dec"](torch.cat([torch.cat([z, z_p]), onehot.repeat(2, 1)], 1))
        x_rec = x_gen[:b]
        # D: real vs (reconstructed, generated); C: classes of real samples.
        rf = nets["dis"](torch.cat([x, x_gen.detach()]))[0][:, 0]
        d_loss = F.binary_cross_entropy_with_logits(
            rf[:b], torch.ones_like(rf[:b])
        ) + F.binary_cross_entropy_with_logits(rf[b:], torch.zeros_like(rf[b:]))
        logits_c, h_c = nets["cls"](x)
        cls = F.cross_entropy(logits_c, y)
        # E and G: pixels and the pairwise feature loss of reconstructions in
        # C's hidden layer; G also matches the mean features of prior samples
        # to the real ones in D and, per class, in C (Bao et al.'s L_GD and
        # L_GC, with their weight 1e-3). The frozen passes see real and
        # generated samples together, as the networks' own passes do, so batch
        # norm treats both alike. Bao et al.'s pairwise loss in D's features
        # is left out: those features grow without bound as D wins, and the
        # term drowned the pixel loss (test MSE about 3x VAE-GAN's).
        hd_all = _frozen(nets["dis"], torch.cat([x, x_gen]))[1]
        hc_gen = _frozen(nets["cls"], torch.cat([x, x_gen]))[1][b:]
        fea = feature_loss(hc_gen[:b], h_c)
        gd = _mean_match(hd_all[:b], hd_all[2 * b :])
        gc = sum(_mean_match(h_c, hc_gen[b:], (y == k).float()) for k in (0, 1))
        ele = element_loss(x_rec, x, "bce").mean()
        kl = kl_to_prior(m, logvar, torch.zeros_like(m)).mean() / x.shape[1]
        g_mean = BAO_MEAN_MATCH_WEIGHT * s.lambda_adv * (gd + gc)
        loss = d_loss + cls + ele + kl + s.lambda_fea * fea + g_mean
        parts = {"d": d_loss, "cls": cls, "ele": ele, "kl": kl, "fea": fea}
        return loss, parts

    def _classifier_logits(self, nets, x):
        return nets["cls"](x)[0]

    def reconstruct(self, X, y):
        """Decoded posterior means ``G(m(x, y), y)`` given the true labels."""
        nets, y = self.nets_, np.asarray(y, dtype=np.int64)
        out = []
        with torch.no_grad():
            for start in range(0, len(X), 2048):
                xb = torch.as_tensor(
                    np.asarray(X[start : start + 2048], dtype=np.float32),
                    device=self.device_,
                )
                yb = torch.as_tensor(y[start : start + 2048], device=self.device_)
                onehot = F.one_hot(yb, 2).float()
                m = nets["enc"](self._enc_input(xb, onehot))[0]
                out.append(nets["dec"](torch.cat([m, onehot], 1)).float().cpu())
        return torch.cat(out).numpy()


class PlainNet(_TorchMethod):
    """The discriminator network alone, with a practitioner's imbalance fix.

    ``kind``: ``"plain"`` (nothing), ``"weighted"`` (balanced class weights),
    ``"ros"`` (``RandomOverSampler``) or ``"smote"`` (``SMOTE`` on pixels).
    """

    def __init__(self, setup, random_state=0, *, kind="plain"):
        super().__init__(setup, random_state)
        self.kind = kind
        self.name = {"plain": "Plain", "weighted": "Weighted"}.get(kind, kind.upper())

    def _prepare(self, X, y, seed):
        self._weight = None
        if self.kind == "weighted":
            self._weight = torch.as_tensor(
                _balanced_weight(y), dtype=torch.float32, device=self.device_
            )
        elif self.kind == "ros":
            X, y = RandomOverSampler(random_state=seed).fit_resample(X, y)
        elif self.kind == "smote":
            k = int(min(5, np.bincount(y).min() - 1))
            X, y = SMOTE(k_neighbors=max(k, 1), random_state=seed).fit_resample(X, y)
        return X.astype(np.float32), y.astype(np.int64)

    def _build(self):
        return nn.ModuleDict({"dis": Discriminator(network_config(self.setup))})

    def _step(self, nets, x, y, gen):
        loss = F.cross_entropy(nets["dis"](x)[0], y, weight=self._weight)
        return loss, {"cls": loss}

    def _classifier_logits(self, nets, x):
        return nets["dis"](x)[0]


class DVAANMethod:
    """:class:`skdvaan.DVAANClassifier` with the shared budget and no early stop.

    ``params`` override the classifier's defaults (the ablations).
    """

    generative = True

    def __init__(self, setup, random_state=0, *, name="DVAAN", **params):
        self.setup = setup
        self.random_state = random_state
        self.name = name
        self.params = params

    def fit(self, X, y):
        s = self.setup
        self.clf_ = DVAANClassifier(
            input_shape=s.input_shape,
            backbone=s.backbone,
            hidden_layer_sizes=s.hidden,
            latent_dim=s.latent_dim,
            batch_size=s.batch_size,
            learning_rate_init=s.learning_rate,
            lambda_fea=s.lambda_fea,
            lambda_adv=s.lambda_adv,
            max_iter=s.epochs,
            # Same fixed number of epochs as every other method: no held-out
            # split, and the loss-stall rule can never fire.
            early_stopping=False,
            n_iter_no_change=s.epochs,
            device=s.device,
            random_state=self.random_state,
            **self.params,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.clf_.fit(X, y)
        self.history_ = self.clf_.history_
        return self

    def decision_function(self, X):
        return self.clf_.decision_function(X)

    @torch.no_grad()
    def reconstruct(self, X, y=None):
        """``G(m(x))`` on the classifier's scaled input (``X / pixel_scale_``)."""
        clf = self.clf_
        module = clf.module_.eval()
        out = []
        for start in range(0, len(X), 2048):
            xb = np.asarray(X[start : start + 2048], dtype=np.float32)
            xb = torch.as_tensor(xb / clf.pixel_scale_, device=clf.device_)
            out.append(module.decoder(module.encoder(xb)[0]).float().cpu())
        return torch.cat(out).numpy()


#: The paper's seven methods (Tables 1 and 2), in the paper's row order.
PAPER_METHODS = (
    "VAE-GAN",
    "VAE-GAN_b",
    "AC-GAN",
    "CVAE-GAN",
    "DVAAN_mu",
    "DVAAN_a",
    "DVAAN",
)
#: What a practitioner would try first, on the same classifier network.
PRACTITIONER_METHODS = ("Plain", "Weighted", "ROS", "SMOTE")
#: ``augmentation_ratio`` of DVAAN and DVAAN_mu: each epoch, up to half the
#: class gap in boundary samples (``DVAAN_a`` sets it to 0).
DVAAN_AUGMENTATION = 0.5
#: Methods with an encoder and decoder (Table 3).
VAE_METHODS = ("VAE-GAN", "VAE-GAN_b", "CVAE-GAN", "DVAAN_mu", "DVAAN_a", "DVAAN")


def make_method(name, setup, random_state=0):
    """A fresh, unfitted method by its table name."""
    factories = {
        "VAE-GAN": lambda: VAEGAN(setup, random_state),
        "VAE-GAN_b": lambda: VAEGANBalanced(setup, random_state),
        "AC-GAN": lambda: ACGAN(setup, random_state),
        "CVAE-GAN": lambda: CVAEGAN(setup, random_state),
        # The library turns augmentation off by default; the paper's DVAAN
        # has it (D+ of Alg. 1), at the library's former default ratio.
        "DVAAN": lambda: DVAANMethod(
            setup, random_state, augmentation_ratio=DVAAN_AUGMENTATION
        ),
        "DVAAN_mu": lambda: DVAANMethod(
            setup,
            random_state,
            name="DVAAN_mu",
            learn_mu=False,
            mu=3.0,
            augmentation_ratio=DVAAN_AUGMENTATION,
        ),
        "DVAAN_a": lambda: DVAANMethod(
            setup, random_state, name="DVAAN_a", augmentation_ratio=0.0
        ),
        "Plain": lambda: PlainNet(setup, random_state, kind="plain"),
        "Weighted": lambda: PlainNet(setup, random_state, kind="weighted"),
        "ROS": lambda: PlainNet(setup, random_state, kind="ros"),
        "SMOTE": lambda: PlainNet(setup, random_state, kind="smote"),
    }
    if name not in factories:
        raise ValueError(f"unknown method {name!r}; choose from {sorted(factories)}")
    return factories[name]()
