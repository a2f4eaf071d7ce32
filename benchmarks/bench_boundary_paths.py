"""Why boundary samples fall back: the anchored rule's tests, and two variants.

Issue 9, item 1. ``sample(kind="boundary")`` fills a shortfall with the
rejected candidates nearest to the rule, and on most tables most samples
come from that fill. This script asks which test rejects them. On every
offline tabular task of ``_common.tabular_datasets`` (80/20 split, seed per
run, features standardised on the training part) it fits
``DVAANSampler(boundary_window=None, boundary_move=None, random_state=seed)``
(the classifier's
defaults, window 0.5-0.9), then decodes candidates
of the minority class from the fitted networks, as the anchored rule's
``boundary_move="pull"`` does (real minority row ``x_i``, posterior draw
``z_i``, moved towards the code ``m_j`` of one of its 5 nearest rows of the
other class), by three paths:

* ``anchored``: the default rule, ``t ~ U(0, 1)`` and the anchor's residual
  kept, ``x = x_i + G(z_t) - G(m_i)``;
* ``blend``: both ends' residuals blended, ``x = G(z_t) + (1 - t) r_i +
  t r_j`` with ``r = x - G(m)``: the path runs from the anchor to the real
  row ``x_j`` itself, so it must cross the discriminator's boundary even
  where the decoder moves little;
* ``blend+bisect``: the blended path, ``t`` found by 8 bisection steps so
  that the discriminator's probability of the class is a target drawn from
  ``U(boundary_window)``.

For each it reports the share of candidates that pass the window test (the
discriminator's probability of the class in ``boundary_window``), the
neighbour test (one of the 5 nearest real rows is of the class), and both;
``too_sure`` is the share above the window. A variant would have to raise
``both`` to be worth its cost.

    python benchmarks/bench_boundary_paths.py --quick
"""

import warnings

import _common
import numpy as np
import torch

from skdvaan import DVAANSampler
from skdvaan._prior import (
    N_TARGETS,
    _has_own_neighbour,
    _isolated,
    clip_to_range,
)

N_CANDIDATES = 20_000
BISECT_STEPS = 8


@torch.no_grad()
def candidates(module, k, window, variant, generator, n=N_CANDIDATES):
    """Decoded candidates of class ``k`` and the discriminator's probabilities."""
    ref_x, ref_y = module.anchor_x, module.anchor_y
    own = ref_y == k
    own &= ~_isolated(ref_x, ref_y, own, k)
    m_ref, logvar_ref = module.encoder(ref_x)
    m_own, sd_own = m_ref[own], (0.5 * logvar_ref[own]).exp()
    m_other = m_ref[ref_y != k]
    res_own = ref_x[own] - module.decoder(m_own)
    res_other = ref_x[ref_y != k] - module.decoder(m_other)
    targets = torch.cdist(m_own, m_other).topk(N_TARGETS, largest=False).indices
    i = torch.randint(m_own.shape[0], (n,), generator=generator)
    j = targets[i, torch.randint(N_TARGETS, (n,), generator=generator)]
    z = m_own[i] + sd_own[i] * torch.randn(n, m_own.shape[1], generator=generator)
    u = torch.rand(n, 1, generator=generator)

    def point(t, blend):
        x = module.decoder(z + t * (m_other[j] - z))
        w = t if blend else torch.zeros_like(t)
        x = clip_to_range(module, x + (1 - w) * res_own[i] + w * res_other[j])
        return x, torch.softmax(module.discriminator(x)[0], 1)[:, k]

    if variant != "blend+bisect":
        return point(u, variant == "blend")
    lo_w, hi_w = window
    goal = lo_w + (hi_w - lo_w) * torch.rand(n, generator=generator)
    lo, hi = torch.zeros_like(u), torch.ones_like(u)
    for _ in range(BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        above = (point(mid, True)[1] > goal)[:, None]
        lo, hi = torch.where(above, mid, lo), torch.where(above, hi, mid)
    return point(0.5 * (lo + hi), True)


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()
    records, rows = [], []
    for name, seed, X_tr, y_tr in _common.standardised_training_parts(args):
        sampler = DVAANSampler(  # D+'s rule
            boundary_window=None, boundary_move=None, random_state=seed
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler.fit_resample(X_tr, y_tr)
        clf = sampler.estimator_
        module = clf.module_.eval()
        k = int(np.flatnonzero(clf.classes_ == 1)[0])
        window = clf._check_window()
        for variant in ("anchored", "blend", "blend+bisect"):
            g = torch.Generator().manual_seed(seed)
            x, p = candidates(module, k, window, variant, g)
            in_window = (p >= window[0]) & (p <= window[1])
            safe = _has_own_neighbour(x, module.anchor_x, module.anchor_y, k)
            rec = {
                "dataset": name,
                "seed": seed,
                "variant": variant,
                "window": float(in_window.float().mean()),
                "too_sure": float((p > window[1]).float().mean()),
                "neighbour": float(safe.float().mean()),
                "both": float((in_window & safe).float().mean()),
                "p_median": float(p.median()),
            }
            records.append(rec)
            rows.append(
                {
                    key: f"{v:.3f}" if isinstance(v, float) else v
                    for key, v in rec.items()
                }
            )
            print(rows[-1], flush=True)
    means = []
    for variant in ("anchored", "blend", "blend+bisect"):
        sel = [r for r in records if r["variant"] == variant]
        means.append(
            {
                "variant": variant,
                **{
                    key: f"{np.mean([r[key] for r in sel]):.3f}"
                    for key in ("window", "too_sure", "neighbour", "both")
                },
            }
        )
    _common.write_results(
        args.name,
        args,
        tables=[
            ("Share of candidates that pass each test", _common.markdown_table(rows)),
            ("Mean over data sets and seeds", _common.markdown_table(means)),
        ],
        records=records,
        machine=machine,
        wall_time=timer(),
        notes=[
            f"{N_CANDIDATES:,} candidates per variant, decoded from the networks "
            "of one fitted DVAANSampler (defaults) per data set and seed. "
            "`p_median` is the median probability of the minority class over "
            "all candidates, raw discriminator (the balanced prior it trains "
            "with), as the window test sees it.",
        ],
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="*", type=int)
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--name", default="bench_boundary_paths")
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
