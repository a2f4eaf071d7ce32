"""Test-session settings.

The networks in the tests are tiny, so torch's intra-op threads only add
synchronisation; on a shared 2-core runner two threads made single fits up to
10 times slower. One thread keeps the suite's time predictable.
"""

import torch

torch.set_num_threads(1)
