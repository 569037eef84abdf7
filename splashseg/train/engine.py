"""``train_one_epoch``: one pass over the training data, as torchvision's detection reference trains.

Differences from the reference: the learning-rate schedule (warm-up included) steps every iteration
for the whole run, and losses stay on the device between log points (one host sync every
``log_every`` iterations instead of several per iteration). A loss that is not finite stops training.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..errors import RunFailure
from .distributed import mean_over_ranks

# Called after every iteration with (iterations done, images done, losses or None). Losses (a dict of
# floats, running means over the epoch) come only every ``log_every`` iterations: they cost a host sync.
StepCallback = Callable[[int, int, dict[str, float] | None], None]


class NonFiniteLoss(RunFailure):
    """The loss became NaN or infinite (exit 1)."""


@dataclass
class EpochStats:
    """Mean of each loss over the epoch (``loss`` = their sum), images seen by this process, wall time."""

    losses: dict[str, float]
    images: int
    seconds: float
    lr: float


def to_device(
    images: list[torch.Tensor], targets: list[dict[str, Any]], device: torch.device
) -> tuple[list[torch.Tensor], list[dict[str, Any]]]:
    """Move a batch to ``device`` as plain tensors (tv_tensors subclasses cost dispatch time in the model)."""
    images = [img.as_subclass(torch.Tensor).to(device, non_blocking=True) for img in images]
    targets = [
        {
            k: v.as_subclass(torch.Tensor).to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v
            for k, v in t.items()
        }
        for t in targets
    ]
    return images, targets


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: Iterable,
    *,
    device: torch.device,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    amp: bool = False,
    clip_grad: float = 0.0,
    log_every: int = 10,
    epoch: int = 1,
    on_step: StepCallback | None = None,
) -> EpochStats:
    """Train ``model`` for one pass over ``loader`` (batches of ``(images, targets)`` lists).

    The scheduler steps once per iteration. ``amp`` runs the forward pass under ``torch.autocast``;
    ``scaler`` (enabled with AMP on CUDA) scales the loss. ``clip_grad > 0`` clips the gradient norm.
    Raises :class:`NonFiniteLoss` naming the epoch, iteration and losses when any loss is NaN or infinite.
    """
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    names: list[str] = []
    sums: torch.Tensor | None = None  # [1 + number of losses] running sums on the device
    steps = images_seen = 0
    start = time.perf_counter()
    total_steps = len(loader) if hasattr(loader, "__len__") else -1
    for images, targets in loader:
        images, targets = to_device(images, targets, device)
        with torch.autocast(device.type, enabled=amp):
            loss_dict = model(images, targets)
        loss = sum(loss_dict.values())
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if clip_grad > 0:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(params, clip_grad)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        values = torch.stack([loss.detach().float(), *(v.detach().float() for v in loss_dict.values())])
        sums = values if sums is None else sums + values
        names = names or ["loss", *loss_dict]
        steps += 1
        images_seen += len(images)
        logged = None
        if steps % log_every == 0 or steps == total_steps:
            logged = _check_finite(sums, names, steps, epoch)
        if on_step is not None:
            on_step(steps, images_seen, logged)
    if sums is None:
        raise RunFailure("the training data yielded no batches")
    means = _check_finite(sums, names, steps, epoch)
    return EpochStats(means, images_seen, time.perf_counter() - start, optimizer.param_groups[0]["lr"])


def _check_finite(sums: torch.Tensor, names: list[str], steps: int, epoch: int) -> dict[str, float]:
    """Running means as floats (averaged over ranks); raise :class:`NonFiniteLoss` if any is not finite."""
    means = (mean_over_ranks(sums) / steps).tolist()
    if all(math.isfinite(v) for v in means):
        return dict(zip(names, means, strict=True))
    shown = ", ".join(f"{n}={v:.4g}" for n, v in zip(names, means, strict=True))
    raise NonFiniteLoss(
        f"loss is not finite in epoch {epoch} by iteration {steps} ({shown}); training "
        "stopped and the last good checkpoint was kept; try a lower --lr, --clip-grad 10, "
        "or check the annotations"
    )
