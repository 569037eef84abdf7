"""What data-parallel training adds to the process-group helpers of :mod:`splashseg.distributed`.

``torchrun --nproc-per-node N -m splashseg train ...`` starts one process per GPU (or CPU processes with
gloo); without torchrun everything here is a no-op for a single process. Only rank 0 writes files and prints.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def mean_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """Element-wise mean of a float tensor over all ranks (the tensor itself for a single process)."""
    if not (dist.is_available() and dist.is_initialized()):
        return values
    values = values.clone()
    dist.all_reduce(values)
    return values / dist.get_world_size()


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a ``DistributedDataParallel`` wrapper (what is evaluated and saved), else ``model``."""
    if isinstance(model, torch.nn.parallel.DistributedDataParallel):
        return model.module
    return model
