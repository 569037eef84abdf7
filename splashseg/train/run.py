"""``train(config, reporter)``: a whole training run, wired from this package's builders.

It reads as DETR's ``main.py`` or torchvision's ``references/detection/train.py``: find the run folder,
seed, build data, model and optimization (:mod:`.build`), restore a resumed run, :func:`.fit.fit`,
summarise. The run folder's files are listed in :mod:`.outputs`. Only rank 0 of a data-parallel run
writes files and prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .. import distributed as ddp
from ..console import Reporter
from ..device import resolve_device
from ..fsutil import ensure_dir, make_output_dir
from ..models.loading import BACKGROUND
from .build import (
    Optimization,
    build_datasets,
    build_loader,
    build_model,
    build_optimization,
    resolve_config,
    wrap_distributed,
)
from .config import TrainConfig
from .fit import EpochCallback, fit
from .optim import set_base_lr
from .outputs import RunFolder
from .resume import ResumePoint, find_resume_point, merge_resumed_config, new_run_dir
from .state import RunState, restore_training_checkpoint, seed_everything


@dataclass
class TrainSummary:
    """What a run produced: folder, completed epochs, best segm AP and the last epoch's record."""

    run_dir: Path
    epochs: int
    best_segm_AP: float | None
    last: dict[str, Any]
    class_names: list[str]
    seconds: float
    resumed_from: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    is_main: bool = True  # False on the other ranks of a data-parallel run (they print nothing)

    @property
    def best_checkpoint(self) -> Path:
        return self.run_dir / "checkpoints" / "best.pt"

    @property
    def last_checkpoint(self) -> Path:
        return self.run_dir / "checkpoints" / "last.pt"

    def to_json(self) -> dict[str, Any]:
        return {
            "run": str(self.run_dir),
            "epochs": self.epochs,
            "best_segm_AP": self.best_segm_AP,
            "best_checkpoint": str(self.best_checkpoint),
            "last_checkpoint": str(self.last_checkpoint),
            "resumed_from_epoch": self.resumed_from,
            "seconds": round(self.seconds, 2),
            "class_names": self.class_names,
            "last_epoch": self.last,
        }


def train(
    config: TrainConfig,
    reporter: Reporter | None = None,
    *,
    explicit: set[str] | frozenset[str] | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainSummary:
    """Train (or resume) a run described by ``config``; return its summary.

    explicit: the config fields the user set (for ``--resume``, which keeps the interrupted run's
    settings except these); ``None`` treats fields that differ from the defaults as set.
    on_epoch: called on every rank with each epoch's metrics record once its files are written;
    returning ``False`` stops the run there (as an interruption would: ``--resume`` continues it).
    Raises :class:`InputError` (bad dataset, weights or output folder) or :class:`RunFailure`
    (non-finite loss, out of memory).
    """
    device = resolve_device(config.device)
    info = ddp.init_distributed(device)
    try:
        device = ddp.local_device(device, info)
        reporter = reporter if (reporter is not None and info.is_main) else Reporter(quiet=True)
        return _train(config, reporter, device, info, explicit, on_epoch)
    finally:
        ddp.shutdown()


def _train(
    config: TrainConfig,
    reporter: Reporter,
    device: torch.device,
    info: ddp.DistInfo,
    explicit: set[str] | frozenset[str] | None,
    on_epoch: EpochCallback | None,
) -> TrainSummary:
    start = time.perf_counter()
    config, run_dir, resume = _locate_run(config, info, explicit, reporter)
    if info.is_main:
        ensure_dir(make_output_dir(run_dir, "run") / "checkpoints")
    seed_everything(config.seed + info.rank)
    if config.deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)

    train_data, val_data = build_datasets(config)
    loader, sampler = build_loader(train_data, config, info, device)
    class_names = [BACKGROUND, *train_data.class_names]
    model, meta = build_model(config, class_names, device, "none" if resume is not None else config.weights, reporter)
    train_model = wrap_distributed(model, device, info)
    lr_override = config.lr if (resume is not None and config.lr != resume.config.lr) else None
    config = resolve_config(config, device, info.world_size, reporter, len(sampler))
    optimization = build_optimization(config, model, len(sampler))

    state = RunState()
    if resume is not None:
        state = _restore(resume, model, optimization, lr_override)
        reporter.info(f"resuming {run_dir} after epoch {state.epoch} of {config.epochs}")
    resumed_from = state.epoch
    run = RunFolder(run_dir, meta, _saved_config(config, run_dir, meta, device, info)) if info.is_main else None
    if run is not None:
        run.write_config()
    fit(train_model, loader, sampler, val_data, optimization, state, config=config, device=device, info=info,
        run=run, reporter=reporter, on_epoch=on_epoch)
    if run is not None and state.epoch == config.epochs and not run.best_checkpoint.exists():
        run.save_best(model)
    last = state.history[-1] if state.history else {}
    seconds = time.perf_counter() - start
    return TrainSummary(run_dir, state.epoch, state.best, last, class_names, seconds, resumed_from,
                        list(state.history), info.is_main)


def _locate_run(
    config: TrainConfig, info: ddp.DistInfo, explicit: set[str] | frozenset[str] | None, reporter: Reporter
) -> tuple[TrainConfig, Path, ResumePoint | None]:
    """A new run: ``config``, its new folder, ``None``. A resumed run: the saved config with the settings
    the user may change, its folder, and the checkpoint to resume from (rank 0 reads, all ranks get it)."""
    if not config.resume:
        return config, ddp.broadcast_object(new_run_dir(config) if info.is_main else None), None
    resume = ddp.broadcast_object(find_resume_point(config) if info.is_main else None)
    return merge_resumed_config(resume.config, config, explicit, reporter), resume.run_dir, resume


def _restore(
    resume: ResumePoint, model: torch.nn.Module, optimization: Optimization, lr_override: float | None
) -> RunState:
    """Load the checkpoint's model, optimizer, schedule, scaler and RNG states; ``lr_override`` (``--lr``
    given on resume) changes the base learning rate at the same place in the schedule."""
    state = restore_training_checkpoint(
        resume.checkpoint,
        model=model,
        optimizer=optimization.optimizer,
        scheduler=optimization.scheduler,
        scaler=optimization.scaler,
    )
    if lr_override is not None:
        set_base_lr(optimization.optimizer, optimization.scheduler, lr_override)
    return state


def _saved_config(
    config: TrainConfig, run_dir: Path, meta: dict[str, Any], device: torch.device, info: ddp.DistInfo
) -> dict[str, Any]:
    """``config.json``: the resolved config with the folder and the model as built, and where it ran."""
    resolved = config.replace(
        out=str(run_dir), model=meta["model_name"], min_size=meta["min_size"], max_size=meta["max_size"]
    )
    return resolved.to_json() | {"device_resolved": str(device), "world_size": info.world_size}
