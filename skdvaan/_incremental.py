"""State that ``DVAANClassifier.partial_fit`` carries from one block to the next.

Two pieces that ``fit`` computes once over all rows and a stream must build
up block by block: the real rows that boundary samples are anchored on (a
uniform reservoir sample of each class, Vitter's algorithm R), and a seed
per call that stays reproducible for an integer ``random_state``. And the
copy of a fitted model's state that a failed call restores
(:func:`snapshot`, :func:`restore`).
"""

import copy
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state


def call_seed(random_state, n_calls):
    """A seed for call number ``n_calls`` of ``partial_fit``.

    An integer ``random_state`` gives a fixed, different seed per call (so a
    block seen twice is not shuffled the same way twice); a RandomState
    instance is drawn from; None draws fresh entropy.
    """
    if isinstance(random_state, Integral):
        seq = np.random.SeedSequence([int(random_state), int(n_calls)])
        return int(seq.generate_state(1)[0] % np.iinfo(np.int32).max)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def reservoir_update(pool_x, pool_y, X, y, seen, capacity, rng):
    """Add a block's rows to a per-class reservoir of at most ``capacity`` rows.

    ``pool_x`` / ``pool_y`` hold the rows kept so far, ``seen[k]`` how many
    rows of class ``k`` came before this block. After the update, each row of
    class ``k`` seen so far is in the reservoir with the same probability
    (``capacity / rows seen``, or 1 while the class has fewer rows). Returns
    the new ``(pool_x, pool_y)``, sorted by class.
    """
    out_x, out_y = [], []
    for k in range(len(seen)):
        keep = pool_x[pool_y == k]
        new = X[y == k]
        n_free = max(capacity - keep.shape[0], 0)
        keep = np.concatenate([keep, new[:n_free]])
        rest = new[n_free:]
        if rest.shape[0]:
            # Row t (0-based over the class) replaces a random slot with
            # probability capacity / (t + 1).
            t = seen[k] + n_free + np.arange(rest.shape[0])
            slot = np.floor(rng.random_sample(rest.shape[0]) * (t + 1)).astype(int)
            hit = slot < capacity
            for s, row in zip(slot[hit], rest[hit]):
                keep[s] = row
        out_x.append(keep)
        out_y.append(np.full(keep.shape[0], k, dtype=np.int64))
    return np.concatenate(out_x), np.concatenate(out_y)


def snapshot(est):
    """What one ``partial_fit`` call may change, copied so it can be undone.

    The estimator's attributes (a shallow copy: the call replaces them,
    except the scaler, which ``partial_fit`` updates in place and is copied),
    the module's parameters and buffers (the anchors change size) and the
    Adam state. About three copies of the weights, for the length of a call.
    """
    attrs = dict(vars(est))
    if "scaler_" in attrs:
        attrs["scaler_"] = copy.deepcopy(attrs["scaler_"])
    module = est.module_
    tensors = {n: t.detach().clone() for n, t in module.state_dict().items()}
    opt = attrs.get("_optimizer")
    opt_state = None if opt is None else copy.deepcopy(opt.state_dict())
    return attrs, tensors, module.cfg.n_anchors, opt_state


def restore(est, saved):
    """Put back the state :func:`snapshot` copied: the call never happened."""
    attrs, tensors, n_anchors, opt_state = saved
    est.__dict__.clear()
    est.__dict__.update(attrs)
    module = est.module_
    with torch.no_grad():
        for name, value in tensors.items():
            owner_name, _, attr = name.rpartition(".")
            owner = module.get_submodule(owner_name)
            current = getattr(owner, attr)
            if isinstance(current, torch.nn.Parameter):
                current.copy_(value)
            else:  # a buffer, perhaps of another size now (the anchor rows)
                setattr(owner, attr, value)
    module.cfg.n_anchors = n_anchors
    module.eval()  # as train() leaves a fitted module
    if opt_state is not None:
        est._optimizer.load_state_dict(opt_state)
