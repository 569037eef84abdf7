"""Builders of a training run, each from the :class:`TrainConfig`, each returning what it built.

:func:`splashseg.train.run.train` calls them in this order (the model's random initialisation draws from
the RNG seeded before it, so a run is reproducible)::

    train_data, val_data = build_datasets(config)
    loader, sampler = build_loader(train_data, config, info, device)
    model, meta = build_model(config, class_names, device, weights, reporter)
    config = resolve_config(config, device, world_size, reporter, len(sampler))  # lr, weight decay, AMP, warm-up
    optimization = build_optimization(config, model, len(sampler))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ..console import Reporter
from ..data.torch_dataset import CocoInstances, collate
from ..data.transforms import build_transforms
from ..distributed import DistInfo
from ..errors import InputError
from ..models import load_model
from .config import WEIGHT_DECAY, TrainConfig, default_lr
from .optim import WARMUP_SHARE, build_optimizer, build_scheduler, capped_warmup, freeze
from .sampler import GroupedBatchSampler


def build_datasets(config: TrainConfig) -> tuple[CocoInstances, CocoInstances | None]:
    """The training split (augmented as ``config`` says) and the validation split (``None`` without one).

    Raises :class:`InputError` when the training split has no categories or the splits' classes differ.
    """
    augment = build_transforms(
        True,
        augment=config.augment,
        hflip_prob=config.hflip_prob,
        scale_range=tuple(config.scale_range),
        photometric=config.photometric,
    )
    train_data = CocoInstances(config.dataset, config.train_split, transforms=augment)
    if not train_data.class_names:
        raise InputError(f"{config.dataset}: the {config.train_split} split has no categories to train on")
    if not config.val_split:
        return train_data, None
    val_data = CocoInstances(config.dataset, config.val_split, transforms=build_transforms(False))
    if val_data.class_names != train_data.class_names:
        raise InputError(
            f"{config.dataset}: {config.val_split} classes {val_data.class_names} differ from "
            f"{config.train_split} classes {train_data.class_names}"
        )
    return train_data, val_data


def build_loader(
    dataset: CocoInstances, config: TrainConfig, info: DistInfo, device: torch.device
) -> tuple[DataLoader, GroupedBatchSampler]:
    """Batches of ``config.batch_size`` images grouped by aspect ratio (this rank's share when data-parallel).

    Call ``sampler.set_epoch(epoch)`` before each epoch: the order depends on ``(seed, epoch)`` alone.
    """
    distributed = None
    if info.enabled:
        distributed = DistributedSampler(
            dataset, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=config.seed
        )
    sampler = GroupedBatchSampler(dataset, config.batch_size, seed=config.seed, distributed=distributed)
    # Not persistent: each epoch's workers are seeded from the main RNG, so resuming is exact.
    loader = DataLoader(
        dataset,
        batch_sampler=sampler,
        num_workers=config.workers,
        collate_fn=collate,
        pin_memory=device.type == "cuda",
    )
    return loader, sampler


def build_model(
    config: TrainConfig, class_names: list[str], device: torch.device, weights: str, reporter: Reporter
) -> tuple[nn.Module, dict[str, Any]]:
    """``config.model`` with heads for ``class_names`` (background first), ``weights`` loaded, the
    ``config.freeze`` part frozen, on ``device``; and the checkpoint meta (model name, classes, sizes).

    weights: ``"coco"``, ``"none"`` or a checkpoint path (a resumed run passes ``"none"``: its checkpoint
    is loaded afterwards). A checkpoint whose class names differ is used with the dataset's names.
    """
    loaded = load_model(config.model, weights, class_names=class_names, min_size=config.min_size,
                        max_size=config.max_size, classes_from=f"dataset {config.dataset}")
    if loaded.class_names != class_names and weights not in ("coco", "none"):
        reporter.warn(
            f"{weights}: checkpoint classes {loaded.class_names[1:]} are renamed to the dataset's "
            f"{class_names[1:]}"
        )
    freeze(loaded.model, config.freeze)
    return loaded.model.to(device), {**loaded.meta, "class_names": class_names}


def wrap_distributed(model: nn.Module, device: torch.device, info: DistInfo) -> nn.Module:
    """``model`` in ``DistributedDataParallel`` when data-parallel (gradients averaged), else itself."""
    if not info.enabled:
        return model
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def resolve_config(config: TrainConfig, device: torch.device, world_size: int, reporter: Reporter,
                   iters_per_epoch: int) -> TrainConfig:
    """``config`` with AMP (on with CUDA; never on the CPU), learning rate, weight decay and warm-up
    (:func:`.optim.capped_warmup`, said when it is shorter than asked) decided."""
    amp = bool(config.amp if config.amp is not None else device.type == "cuda")
    if amp and device.type != "cuda":
        reporter.warn("--amp needs CUDA; training in float32 on the CPU")
        amp = False
    lr = config.lr or default_lr(config.optimizer, config.batch_size * world_size)
    weight_decay = config.weight_decay if config.weight_decay is not None else WEIGHT_DECAY[config.optimizer]
    warmup = capped_warmup(config.warmup_iters, iters_per_epoch, config.epochs)
    if warmup < config.warmup_iters:
        reporter.info(f"warm-up: {warmup} iteration{'s' * (warmup != 1)} (--warmup-iters {config.warmup_iters} "
                      f"capped to the first epoch and {WARMUP_SHARE:.0%} of this run's "
                      f"{config.epochs * iters_per_epoch} iterations)")
    return config.replace(amp=amp, lr=lr, weight_decay=weight_decay, warmup_iters=warmup)


@dataclass
class Optimization:
    """What changes the weights: optimizer, per-iteration schedule, AMP loss scaler (disabled without AMP)."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler

    @property
    def lr(self) -> float:
        """The learning rate now (of the first parameter group)."""
        return self.optimizer.param_groups[0]["lr"]


def build_optimization(config: TrainConfig, model: nn.Module, iters_per_epoch: int) -> Optimization:
    """Optimizer, schedule over ``config.epochs x iters_per_epoch`` iterations and scaler, from a
    :func:`resolve_config` config (``lr``, ``weight_decay`` and ``amp`` set)."""
    optimizer = build_optimizer(
        model, config.optimizer, lr=config.lr, weight_decay=config.weight_decay, momentum=config.momentum
    )
    scheduler = build_scheduler(
        optimizer,
        total_iters=config.epochs * iters_per_epoch,
        schedule=config.schedule,
        warmup_iters=config.warmup_iters,
        warmup_factor=config.warmup_factor,
        steps=tuple(config.lr_steps),
        gamma=config.gamma,
    )
    device_type = next(model.parameters()).device.type
    return Optimization(optimizer, scheduler, torch.amp.GradScaler(device_type, enabled=bool(config.amp)))
