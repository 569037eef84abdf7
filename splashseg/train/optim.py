"""Optimizer, learning-rate schedule (per iteration, warm-up included) and freezing of the backbone."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

import torch
from torch import nn


def freeze(model: nn.Module, part: str) -> int:
    """``part="backbone"``: stop training the backbone's body (its FPN still trains, as Matterport's
    "heads"); ``"none"``: train everything that torchvision left trainable. Returns frozen tensor count."""
    if part == "none":
        return 0
    body = model.backbone.body
    count = 0
    for param in body.parameters():
        if param.requires_grad:
            param.requires_grad_(False)
            count += 1
    return count


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "sgd": lambda params, lr, weight_decay, momentum: torch.optim.SGD(
        params, lr=lr, momentum=momentum, weight_decay=weight_decay
    ),
    "adamw": lambda params, lr, weight_decay, momentum: torch.optim.AdamW(
        params, lr=lr, weight_decay=weight_decay
    ),
}


def build_optimizer(
    model: nn.Module, name: str, *, lr: float, weight_decay: float, momentum: float = 0.9
) -> torch.optim.Optimizer:
    """``name`` (``sgd`` with momentum, or ``adamw``) over the parameters that require gradients."""
    params = [p for p in model.parameters() if p.requires_grad]
    return OPTIMIZERS[name](params, lr=lr, weight_decay=weight_decay, momentum=momentum)


def lr_factor(
    iteration: int,
    *,
    total_iters: int,
    schedule: str,
    warmup_iters: int = 0,
    warmup_factor: float = 0.001,
    steps: tuple[float, ...] = (0.67, 0.89),
    gamma: float = 0.1,
) -> float:
    """Multiplier of the base learning rate at ``iteration`` (0-based) of ``total_iters``.

    Linear warm-up from ``warmup_factor`` to 1 over ``warmup_iters``, times ``cosine`` decay to 0 or a
    ``step`` decay by ``gamma`` at each fraction in ``steps`` of the run.
    """
    warm = 1.0
    if iteration < warmup_iters:
        alpha = iteration / warmup_iters
        warm = warmup_factor * (1 - alpha) + alpha
    progress = min(iteration / max(total_iters, 1), 1.0)
    if schedule == "cosine":
        decay = 0.5 * (1 + math.cos(math.pi * progress))
    else:
        decay = gamma ** bisect.bisect_right(list(steps), progress)
    return warm * decay


def build_scheduler(
    optimizer: torch.optim.Optimizer,
    *,
    total_iters: int,
    schedule: str,
    warmup_iters: int,
    warmup_factor: float,
    steps: tuple[float, ...],
    gamma: float,
) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` over :func:`lr_factor`; step it once per iteration. Its state dict is plain data."""

    def factor(iteration: int) -> float:
        return lr_factor(
            iteration,
            total_iters=total_iters,
            schedule=schedule,
            warmup_iters=warmup_iters,
            warmup_factor=warmup_factor,
            steps=steps,
            gamma=gamma,
        )

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def set_base_lr(
    optimizer: torch.optim.Optimizer, scheduler: torch.optim.lr_scheduler.LambdaLR, lr: float
) -> None:
    """Change the base learning rate of a restored run (``--lr`` on resume), same place in the schedule."""
    scheduler.base_lrs = [lr for _ in optimizer.param_groups]
    factor = scheduler.lr_lambdas[0](scheduler.last_epoch)
    for group in optimizer.param_groups:
        group["initial_lr"] = lr
        group["lr"] = lr * factor
