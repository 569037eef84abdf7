"""Optimizer, learning-rate schedule (per iteration, warm-up included) and freezing of the backbone."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable

import torch
from torch import nn

# What ``--freeze`` stops training, by name: "backbone" is the backbone's body (its FPN still trains, as
# Matterport's "heads"); "none" trains everything that torchvision left trainable.
FREEZE: dict[str, Callable[[nn.Module], Iterable[nn.Parameter]]] = {
    "none": lambda model: (),
    "backbone": lambda model: model.backbone.body.parameters(),
}


def freeze(model: nn.Module, part: str) -> None:
    """Stop training the parameters :data:`FREEZE` names for ``part`` (``requires_grad`` off, in place)."""
    for param in FREEZE[part](model):
        param.requires_grad_(False)


# Optimizers by ``--optimizer`` name: (parameters, lr, weight_decay, momentum) -> optimizer.
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
    """:data:`OPTIMIZERS` ``name`` (``sgd`` with momentum, or ``adamw``) over the parameters that train."""
    params = [p for p in model.parameters() if p.requires_grad]
    return OPTIMIZERS[name](params, lr=lr, weight_decay=weight_decay, momentum=momentum)


def _cosine_decay(progress: float, steps: tuple[float, ...], gamma: float) -> float:
    return 0.5 * (1 + math.cos(math.pi * progress))


def _step_decay(progress: float, steps: tuple[float, ...], gamma: float) -> float:
    return gamma ** bisect.bisect_right(list(steps), progress)


# Learning-rate decay by ``--schedule`` name: (fraction of the run done, step fractions, gamma) -> factor.
ScheduleDecay = Callable[[float, tuple[float, ...], float], float]
SCHEDULES: dict[str, ScheduleDecay] = {"cosine": _cosine_decay, "step": _step_decay}


WARMUP_SHARE = 0.25  # the most of a run that warm-up may take


def capped_warmup(requested: int, iters_per_epoch: int, epochs: int) -> int:
    """The warm-up iterations a run uses: ``requested``, but at most the first epoch (as torchvision's
    detection references) and at most :data:`WARMUP_SHARE` of the run, so that a short run reaches its
    peak learning rate."""
    return max(0, min(requested, iters_per_epoch, int(epochs * iters_per_epoch * WARMUP_SHARE)))


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

    Linear warm-up from ``warmup_factor`` to 1 over ``warmup_iters``, times the :data:`SCHEDULES` decay:
    ``cosine`` to 0, or ``step`` by ``gamma`` at each fraction in ``steps`` of the run.
    """
    warm = 1.0
    if iteration < warmup_iters:
        alpha = iteration / warmup_iters
        warm = warmup_factor * (1 - alpha) + alpha
    progress = min(iteration / max(total_iters, 1), 1.0)
    return warm * SCHEDULES[schedule](progress, tuple(steps), gamma)


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
