"""The three DVAAN networks: encoder, decoder (= generator) and discriminator.

Torch only: nothing here knows about scikit-learn or about training. Two
backbones are provided, an MLP for tabular data and a conv stack for images.
The conv stack follows Sec. 4.2 of the paper when built with the paper's
channels and kernels, and defaults to a lighter two-layer version that trains
on a CPU.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

# The paper's image stack (Sec. 4.2): 4 conv layers, 64/92/128/256 kernels of
# 5x5, 5x5, 3x3 and 3x3.
PAPER_CHANNELS = (64, 92, 128, 256)
PAPER_KERNELS = (5, 5, 3, 3)


@dataclass
class NetworkConfig:
    n_features: int  # flattened input size, C*H*W for images
    n_classes: int
    latent_dim: int = 8
    hidden: tuple = (128, 64)  # MLP widths, or the dense widths after the convs
    input_shape: tuple | None = None  # (C, H, W) selects the conv backbone
    channels: tuple = (32, 64)  # conv widths; PAPER_CHANNELS for the paper
    kernels: tuple = (3, 3)  # conv kernel sizes, one per channel entry
    output: str = "linear"  # "linear" (standardised tabular) or "sigmoid" (pixels)
    # "learned": a per-feature Gaussian variance of the decoder, learned with
    # the networks; "unit": the fixed unit variance of plain MSE. Only for
    # linear outputs (pixels use a Bernoulli likelihood).
    decoder_variance: str = "learned"
    n_anchors: int = 0  # real rows kept to anchor boundary samples on (buffers)


def _mlp(sizes, *, last_activation):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or last_activation:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


def _conv_stack(in_channels, channels, kernels):
    """Stride-2 convs with batch norm; returns the stack and its output shape."""
    layers = []
    c_prev = in_channels
    for c, k in zip(channels, kernels):
        layers += [
            nn.Conv2d(c_prev, c, k, stride=2, padding=k // 2),
            nn.BatchNorm2d(c),
            nn.LeakyReLU(0.2),
        ]
        c_prev = c
    return nn.Sequential(*layers)


def _conv_out_hw(hw, kernels):
    h, w = hw
    sizes = [(h, w)]
    for k in kernels:
        p = k // 2
        h = (h + 2 * p - k) // 2 + 1
        w = (w + 2 * p - k) // 2 + 1
        sizes.append((h, w))
    return sizes  # sizes[0] is the input, sizes[-1] the last conv's output


class _Features(nn.Module):
    """Input -> flat feature vector, shared by the encoder and discriminator."""

    def __init__(self, cfg: NetworkConfig):
        super().__init__()
        if cfg.input_shape is None:
            self.conv = None
            self.mlp = _mlp((cfg.n_features, *cfg.hidden), last_activation=True)
        else:
            c, h, w = cfg.input_shape
            self.input_shape = tuple(cfg.input_shape)
            self.conv = _conv_stack(c, cfg.channels, cfg.kernels)
            hl, wl = _conv_out_hw((h, w), cfg.kernels)[-1]
            flat = cfg.channels[-1] * hl * wl
            self.mlp = _mlp((flat, *cfg.hidden), last_activation=True)
        self.out_dim = cfg.hidden[-1]

    def forward(self, x):  # x: (B, n_features)
        if self.conv is not None:
            x = self.conv(x.view(x.shape[0], *self.input_shape)).flatten(1)
        return self.mlp(x)  # (B, hidden[-1])

    def forward_detached(self, x):
        """The MLP backbone's forward with every weight cut from the graph.

        Gradients reach ``x`` only, never the weights: what ``L_fea`` needs
        of the discriminator. The same arithmetic as :meth:`forward`, without
        ``torch.func.functional_call``'s per-call reparametrisation, which
        cost more than the pass itself for the small tabular networks. Conv
        backbones (batch norm, buffers) are not handled here.
        """
        if self.conv is not None:
            raise ValueError("forward_detached handles the MLP backbone only")
        for layer in self.mlp:
            if isinstance(layer, nn.Linear):
                x = F.linear(x, layer.weight.detach(), layer.bias.detach())
            else:  # the activations hold no parameters
                x = layer(x)
        return x


class Encoder(nn.Module):
    """``E(x) -> (m, log s2)``, the amortised posterior ``Q(z | x, y)``."""

    def __init__(self, cfg: NetworkConfig):
        super().__init__()
        self.features = _Features(cfg)
        self.head = nn.Linear(self.features.out_dim, 2 * cfg.latent_dim)

    def forward(self, x):
        m, logvar = self.head(self.features(x)).chunk(2, dim=1)  # (B, d) each
        # Bounded log-variance keeps exp() finite on extreme inputs.
        return m, logvar.clamp(-12.0, 8.0)


class Decoder(nn.Module):
    """``G(z) -> x~``: the reconstruction network and the generator in one."""

    def __init__(self, cfg: NetworkConfig):
        super().__init__()
        self.sigmoid = cfg.output == "sigmoid"
        if not self.sigmoid and cfg.decoder_variance == "learned":
            # log sigma^2 per feature: lets the reconstruction term weigh what
            # the data support instead of a unit variance that the KL outweighs.
            self.log_var = nn.Parameter(torch.zeros(cfg.n_features))
        else:
            self.log_var = None
        hidden = tuple(reversed(cfg.hidden))
        if cfg.input_shape is None:
            self.dense = _mlp((cfg.latent_dim, *hidden), last_activation=True)
            self.out = nn.Linear(hidden[-1], cfg.n_features)
            self.deconv = None
            return
        c, h, w = cfg.input_shape
        sizes = _conv_out_hw((h, w), cfg.kernels)
        self.start_shape = (cfg.channels[-1], *sizes[-1])
        flat = cfg.channels[-1] * sizes[-1][0] * sizes[-1][1]
        self.dense = _mlp((cfg.latent_dim, *hidden, flat), last_activation=True)
        # Mirror of the encoder: stride-2 transposed convs ("deconv layers with
        # 2-by-2 upsampling", Sec. 4.2) computed at the low resolution, with
        # output_padding picked so each layer hits the size its conv saw.
        layers = []
        chans = list(reversed(cfg.channels))
        kerns = list(reversed(cfg.kernels))
        targets = list(reversed(sizes[:-1]))
        prev = sizes[-1]
        for i, (k, size) in enumerate(zip(kerns, targets)):
            last = i == len(kerns) - 1
            c_out = c if last else chans[i + 1]
            pad = tuple(
                (t - ((p - 1) * 2 - 2 * (k // 2) + k)) for t, p in zip(size, prev)
            )
            layers.append(
                nn.ConvTranspose2d(
                    chans[i], c_out, k, stride=2, padding=k // 2, output_padding=pad
                )
            )
            if not last:
                layers += [nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2)]
            prev = size
        self.deconv = nn.Sequential(*layers)
        self.out = None

    def forward(self, z):  # z: (B, d)
        if self.deconv is None:
            x = self.out(self.dense(z))
        else:
            x = self.dense(z).view(z.shape[0], *self.start_shape)
            x = self.deconv(x).flatten(1)
        return torch.sigmoid(x) if self.sigmoid else x  # (B, n_features)


class Discriminator(nn.Module):
    """``D(x) -> (logits, h(x))``: the classifier; ``h`` feeds ``L_fea``."""

    def __init__(self, cfg: NetworkConfig):
        super().__init__()
        self.features = _Features(cfg)
        self.head = nn.Linear(self.features.out_dim, cfg.n_classes)

    def forward(self, x):
        h = self.features(x)  # (B, hidden[-1])
        return self.head(h), h  # (B, K), (B, hidden[-1])


class DVAANModule(nn.Module):
    """The three networks and the latent prior's scale ``mu`` in one module.

    ``mu`` is a buffer, not a parameter: it is moved by the rule of Eq. 10,
    never by an optimiser.
    """

    def __init__(self, cfg: NetworkConfig, mu: float):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.discriminator = Discriminator(cfg)
        self.register_buffer("mu", torch.tensor(float(mu)))
        # Scaled training rows that boundary samples are anchored on, their
        # class indices, and the observed range that generated rows stay in.
        self.register_buffer("anchor_x", torch.zeros(cfg.n_anchors, cfg.n_features))
        self.register_buffer("anchor_y", torch.zeros(cfg.n_anchors, dtype=torch.long))
        # (set from the training data by the estimator before training)
        self.register_buffer("x_min", torch.zeros(cfg.n_features))
        self.register_buffer("x_max", torch.ones(cfg.n_features))

    @property
    def has_batchnorm(self):
        return any(
            isinstance(m, nn.modules.batchnorm._BatchNorm) for m in self.modules()
        )
