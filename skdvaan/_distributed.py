"""Data-parallel fitting over ``torch.distributed``: one model, one shard per process.

When ``torch.distributed`` is initialised before ``fit`` (as under
``torchrun --nproc_per_node=N``) with more than one process, every process
passes its own shard of the data and they train one model together:

* what ``fit`` learns from the data before training (the classes, their
  counts, the scaler, the feature ranges, the rows that boundary samples
  are anchored on) is computed over all shards, so that every process
  starts from the same state;
* every step averages the three networks' gradients over the processes (one
  flat all-reduce after the single backward pass), and ``mu``'s update reads
  the averaged losses;
* early stopping and the temperature and bias of ``predict_proba`` read the
  validation logits of every shard (without a validation split the bias
  reads every shard's training logits), so every process takes the same
  decisions;
* every process runs the same number of steps per epoch (full batches of
  its smallest shard), so the collectives always match.

Every process ends with the same weights, and any one of them (rank 0, by
convention) can ``save()`` the model. :class:`Sync` holds the collectives;
``fit`` creates one only when :func:`active` is true.
"""

import numpy as np
import torch
import torch.distributed as dist


def active():
    """Whether ``fit`` runs data-parallel: a process group of two or more."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


class Sync:
    """The collectives of a data-parallel fit, over the default process group."""

    def __init__(self):
        self.world = dist.get_world_size()
        self.rank = dist.get_rank()
        backend = dist.get_backend()
        # gloo reduces CPU tensors, nccl CUDA ones.
        self.device = torch.device("cpu") if backend == "gloo" else None

    def _on(self, t):
        if self.device is not None:
            return t.to(self.device)
        return t.cuda() if t.device.type != "cuda" else t

    # ------------------------------------------------------------ arrays

    def _reduce(self, a, op, dtype):
        t = self._on(torch.as_tensor(np.array(a, dtype=dtype)))
        dist.all_reduce(t, op=op)
        return t.cpu().numpy()

    def sum(self, a):
        """Element-wise sum over the processes of a numpy array (float64)."""
        return self._reduce(a, dist.ReduceOp.SUM, np.float64)

    def min(self, a):
        return self._reduce(a, dist.ReduceOp.MIN, np.float64)

    def max(self, a):
        return self._reduce(a, dist.ReduceOp.MAX, np.float64)

    def gather(self, obj):
        """Every process's ``obj``, in rank order."""
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def broadcast(self, obj):
        """Rank 0's ``obj`` on every process."""
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    # ----------------------------------------------------------- training

    def gradients(self, module):
        """Average the gradients over the processes, in one flat all-reduce."""
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        dev = flat.device
        flat = self._on(flat)
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat = (flat / self.world).to(dev)
        offset = 0
        for g in grads:
            n = g.numel()
            g.copy_(flat[offset : offset + n].view_as(g))
            offset += n

    def mean(self, t):
        """The mean of a tensor over the processes (same shape and device)."""
        dev = t.device
        t = self._on(t.detach().clone())
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return (t / self.world).to(dev)

    def common_steps(self, n_steps):
        """The smallest step count of any process: every one runs that many."""
        return int(self.min(np.array([n_steps], dtype=np.float64))[0])

    def rows(self, a):
        """Row blocks of every process, stacked in rank order."""
        return np.concatenate(self.gather(np.asarray(a)))

    def same_state(self, module):
        """Rank 0's weights and buffers on every process."""
        for t in module.state_dict().values():
            buf = self._on(t.detach().clone())
            dist.broadcast(buf, src=0)
            with torch.no_grad():
                t.copy_(buf.to(t.device))
