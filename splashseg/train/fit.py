"""``fit``: the epoch loop of a run (train, evaluate, write the run's files), as DETR's ``main.py`` runs it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from ..console import Reporter
from ..data.torch_dataset import CocoInstances
from ..distributed import DistInfo
from .build import Optimization
from .config import TrainConfig
from .distributed import unwrap
from .engine import EpochStats, train_one_epoch
from .evaluate import EvalResult, evaluate_model
from .oom import oom_guard
from .outputs import RunFolder
from .progress import EpochProgress
from .sampler import GroupedBatchSampler
from .state import RunState

# Called on every rank with each epoch's metrics record once its files are written; ``False`` stops the run.
EpochCallback = Callable[[dict[str, Any]], "bool | None"]


def fit(
    model: nn.Module,
    loader: DataLoader,
    sampler: GroupedBatchSampler,
    val_data: CocoInstances | None,
    optimization: Optimization,
    state: RunState,
    *,
    config: TrainConfig,
    device: torch.device,
    info: DistInfo,
    run: RunFolder | None,
    reporter: Reporter,
    on_epoch: EpochCallback | None = None,
) -> None:
    """Train epochs ``state.epoch + 1 .. config.epochs`` and update ``state`` after each.

    model: the model that trains (``DistributedDataParallel``-wrapped when data-parallel); the bare model
    inside is evaluated and saved. config: resolved (``amp``, ``lr`` set). run: where to write after every
    epoch (``None`` on the ranks other than 0, which write nothing). Raises :class:`RunFailure` when the
    loss is not finite or memory runs out; the last completed epoch's files stay.
    """
    for epoch in range(state.epoch + 1, config.epochs + 1):
        sampler.set_epoch(epoch)
        stats = _train_epoch(model, loader, optimization, epoch, config=config, device=device, reporter=reporter)
        result = None
        if val_data is not None and (epoch % config.eval_every == 0 or epoch == config.epochs):
            result = _evaluate(unwrap(model), val_data, config=config, device=device, info=info)
        record = epoch_record(epoch, stats, result, info.world_size)
        improved = state.add_epoch(record)
        if run is not None:
            run.save_epoch(unwrap(model), optimization, state, improved)
        reporter.info(epoch_line(record, config.epochs))
        if on_epoch is not None and on_epoch(record) is False:
            break


def _train_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimization: Optimization,
    epoch: int,
    *,
    config: TrainConfig,
    device: torch.device,
    reporter: Reporter,
) -> EpochStats:
    """One pass over ``loader`` with a progress bar; out of memory becomes a :class:`RunFailure`."""
    with (
        EpochProgress(reporter, epoch, config.epochs, len(loader), lr=lambda: optimization.lr) as progress,
        oom_guard(config.batch_size),
    ):
        return train_one_epoch(
            model,
            optimization.optimizer,
            loader,
            device=device,
            scheduler=optimization.scheduler,
            scaler=optimization.scaler,
            amp=bool(config.amp),
            clip_grad=config.clip_grad,
            log_every=config.log_every,
            epoch=epoch,
            on_step=progress.step,
        )


def _evaluate(
    model: nn.Module, val_data: CocoInstances, *, config: TrainConfig, device: torch.device, info: DistInfo
) -> EvalResult:
    """COCO AP on the validation split (shared between ranks), with its wall time in ``extra["seconds"]``."""
    start = time.perf_counter()
    result = evaluate_model(
        model,
        val_data,
        device,
        batch_size=config.eval_batch_size,
        workers=min(config.workers, 2),
        amp=bool(config.amp),
        rank=info.rank,
        world_size=info.world_size,
    )
    result.extra["seconds"] = round(time.perf_counter() - start, 3)
    return result


def epoch_record(epoch: int, stats: EpochStats, result: EvalResult | None, world_size: int) -> dict[str, Any]:
    """One line of ``metrics.jsonl``: epoch, mean losses, lr, seconds, images/s (all ranks), and the
    evaluation's ``bbox_AP``, ``segm_AP``, ... and ``eval_seconds`` when the epoch was evaluated."""
    record: dict[str, Any] = {
        "epoch": epoch,
        **{k: round(v, 6) for k, v in stats.losses.items()},
        "lr": stats.lr,
        "seconds": round(stats.seconds, 3),
        "images_per_s": round(stats.images * world_size / stats.seconds, 3),
    }
    if result is not None:
        record.update(result.flat(), eval_seconds=result.extra["seconds"])
    return record


def epoch_line(record: dict[str, Any], epochs: int) -> str:
    """The line printed after each epoch: ``epoch 2/10  loss 0.8123  lr 2.50e-03  ...  segm AP 0.412``."""
    parts = [
        f"epoch {record['epoch']}/{epochs}",
        f"loss {record['loss']:.4f}",
        f"lr {record['lr']:.2e}",
        f"{record['images_per_s']:.1f} img/s",
        f"{record['seconds']:.1f} s",
    ]
    for key in ("bbox_AP", "segm_AP"):
        if key in record:
            value = record[key]
            parts.append(f"{key.replace('_', ' ')} {value:.3f}" if value is not None else f"{key} n/a")
    return "  ".join(parts)
