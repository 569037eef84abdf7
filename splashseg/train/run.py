"""``train(config, reporter)``: a whole training run, wired from the pieces of this package.

RUN folder::

    RUN/config.json               the resolved TrainConfig
    RUN/metrics.jsonl             one JSON object per epoch (losses, lr, seconds, bbox_AP, segm_AP, ...)
    RUN/training.png              losses and AP per epoch
    RUN/checkpoints/last.pt       everything needed to resume (written atomically after every epoch)
    RUN/checkpoints/best.pt       the model with the best segm AP so far (model and meta only)

Only rank 0 of a data-parallel run writes files and prints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ..console import Reporter
from ..data.torch_dataset import CocoInstances, collate
from ..data.transforms import build_transforms
from ..device import resolve_device
from ..errors import InputError
from ..fsutil import ensure_dir, make_output_dir, write_text_atomic
from ..models import load_model, save_checkpoint
from ..models.loading import BACKGROUND
from . import distributed as ddp
from .config import WEIGHT_DECAY, TrainConfig, default_lr
from .engine import train_one_epoch
from .evaluate import EvalResult, evaluate_model
from .oom import oom_guard
from .optim import build_optimizer, build_scheduler, freeze, set_base_lr
from .plot import plot_history
from .progress import EpochProgress
from .resume import ResumePoint, find_resume_point, merge_resumed_config, new_run_dir
from .sampler import GroupedBatchSampler
from .state import RunState, restore_training_checkpoint, save_training_checkpoint, seed_everything

EpochCallback = Callable[[dict[str, Any]], "bool | None"]


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
        return _Run(config, reporter, device, info, explicit).run(on_epoch)
    finally:
        ddp.shutdown()


class _Run:
    """One run's objects; :meth:`run` trains it. Split into steps to keep each one short."""

    def __init__(
        self,
        config: TrainConfig,
        reporter: Reporter,
        device: torch.device,
        info: ddp.DistInfo,
        explicit: set[str] | frozenset[str] | None,
    ) -> None:
        self.reporter, self.device, self.info = reporter, device, info
        self.resume: ResumePoint | None = None
        if config.resume:
            self.resume = ddp.broadcast_object(find_resume_point(config) if info.is_main else None)
            config = merge_resumed_config(self.resume.config, config, explicit, reporter)
            self.run_dir = self.resume.run_dir
        else:
            self.run_dir = ddp.broadcast_object(new_run_dir(config) if info.is_main else None)
        self.config = config

    def run(self, on_epoch: EpochCallback | None = None) -> TrainSummary:
        start = time.perf_counter()
        config = self.config
        if self.info.is_main:
            ensure_dir(make_output_dir(self.run_dir, "run") / "checkpoints")
        seed_everything(config.seed + self.info.rank)
        if config.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        self._build_data()
        self._build_model()
        self._build_optimization()
        state = RunState(history=[])
        if self.resume is not None:
            state = restore_training_checkpoint(
                self.resume.checkpoint,
                model=self.model,
                optimizer=self.optimizer,
                scheduler=self.scheduler,
                scaler=self.scaler,
            )
            if self.lr_override is not None:
                set_base_lr(self.optimizer, self.scheduler, self.lr_override)
            self.reporter.info(f"resuming {self.run_dir} after epoch {state.epoch} of {config.epochs}")
        resumed_from = state.epoch
        self._write_config()
        for epoch in range(state.epoch + 1, config.epochs + 1):
            self._epoch(epoch, state)
            if on_epoch is not None and on_epoch(state.history[-1]) is False:
                break
        if (
            self.info.is_main
            and state.epoch == config.epochs
            and not (self.run_dir / "checkpoints" / "best.pt").exists()
        ):
            self._save_best()
        last = state.history[-1] if state.history else {}
        return TrainSummary(
            self.run_dir,
            state.epoch,
            state.best,
            last,
            self.class_names,
            time.perf_counter() - start,
            resumed_from,
            list(state.history),
            self.info.is_main,
        )

    # -- building ------------------------------------------------------------------------------------
    def _build_data(self) -> None:
        c = self.config
        augment = build_transforms(
            True,
            augment=c.augment,
            hflip_prob=c.hflip_prob,
            scale_range=tuple(c.scale_range),
            photometric=c.photometric,
        )
        self.train_data = CocoInstances(c.dataset, c.train_split, transforms=augment)
        if not self.train_data.class_names:
            raise InputError(f"{c.dataset}: the {c.train_split} split has no categories to train on")
        self.val_data = None
        if c.val_split:
            self.val_data = CocoInstances(c.dataset, c.val_split, transforms=build_transforms(False))
            if self.val_data.class_names != self.train_data.class_names:
                raise InputError(
                    f"{c.dataset}: {c.val_split} classes {self.val_data.class_names} differ from "
                    f"{c.train_split} classes {self.train_data.class_names}"
                )
        distributed = None
        if self.info.enabled:
            distributed = DistributedSampler(
                self.train_data,
                num_replicas=self.info.world_size,
                rank=self.info.rank,
                shuffle=True,
                seed=c.seed,
            )
        self.sampler = GroupedBatchSampler(self.train_data, c.batch_size, seed=c.seed, distributed=distributed)
        # Not persistent: each epoch's workers are seeded from the main RNG, so resuming is exact.
        self.loader = DataLoader(
            self.train_data,
            batch_sampler=self.sampler,
            num_workers=c.workers,
            collate_fn=collate,
            pin_memory=self.device.type == "cuda",
        )

    def _build_model(self) -> None:
        c = self.config
        names = [BACKGROUND, *self.train_data.class_names]
        weights = "none" if self.resume is not None else c.weights
        loaded = load_model(c.model, weights, class_names=names, min_size=c.min_size, max_size=c.max_size)
        if loaded.class_names != names and weights not in ("coco", "none"):
            self.reporter.warn(
                f"{weights}: checkpoint classes {loaded.class_names[1:]} are renamed to the dataset's {names[1:]}"
            )
        self.class_names = names
        self.meta = {**loaded.meta, "class_names": names}
        self.frozen = freeze(loaded.model, c.freeze)
        self.model = loaded.model.to(self.device)
        self.ddp_model: torch.nn.Module = self.model
        if self.info.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddp_model = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)

    def _build_optimization(self) -> None:
        c = self.config
        self.amp = bool(c.amp if c.amp is not None else self.device.type == "cuda")
        if self.amp and self.device.type != "cuda":
            self.reporter.warn("--amp needs CUDA; training in float32 on the CPU")
            self.amp = False
        self.lr_override = c.lr if (self.resume is not None and c.lr != self.resume.config.lr) else None
        self.lr = c.lr or default_lr(c.optimizer, c.batch_size * self.info.world_size)
        self.weight_decay = c.weight_decay if c.weight_decay is not None else WEIGHT_DECAY[c.optimizer]
        self.optimizer = build_optimizer(
            self.model, c.optimizer, lr=self.lr, weight_decay=self.weight_decay, momentum=c.momentum
        )
        self.scheduler = build_scheduler(
            self.optimizer,
            total_iters=c.epochs * len(self.sampler),
            schedule=c.schedule,
            warmup_iters=c.warmup_iters,
            warmup_factor=c.warmup_factor,
            steps=tuple(c.lr_steps),
            gamma=c.gamma,
        )
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp)

    def _resolved_config(self) -> dict[str, Any]:
        resolved = self.config.replace(
            lr=self.lr,
            weight_decay=self.weight_decay,
            amp=self.amp,
            out=str(self.run_dir),
            model=self.meta["model_name"],
            min_size=self.meta["min_size"],
            max_size=self.meta["max_size"],
        )
        return resolved.to_json() | {"device_resolved": str(self.device), "world_size": self.info.world_size}

    def _write_config(self) -> None:
        if self.info.is_main:
            write_text_atomic(self.run_dir / "config.json", json.dumps(self._resolved_config(), indent=2) + "\n")

    # -- one epoch -----------------------------------------------------------------------------------
    def _epoch(self, epoch: int, state: RunState) -> None:
        c = self.config
        self.sampler.set_epoch(epoch)
        with (
            EpochProgress(
                self.reporter,
                epoch,
                c.epochs,
                len(self.sampler),
                lr=lambda: self.optimizer.param_groups[0]["lr"],
            ) as progress,
            oom_guard(c.batch_size),
        ):
            stats = train_one_epoch(
                self.ddp_model,
                self.optimizer,
                self.loader,
                device=self.device,
                scheduler=self.scheduler,
                scaler=self.scaler,
                amp=self.amp,
                clip_grad=c.clip_grad,
                log_every=c.log_every,
                epoch=epoch,
                on_step=progress.step,
            )
        record: dict[str, Any] = {
            "epoch": epoch,
            **{k: round(v, 6) for k, v in stats.losses.items()},
            "lr": stats.lr,
            "seconds": round(stats.seconds, 3),
            "images_per_s": round(stats.images * self.info.world_size / stats.seconds, 3),
        }
        result = self._evaluate(epoch)
        if result is not None:
            record.update(result.flat(), eval_seconds=result.extra["seconds"])
        state.epoch = epoch
        state.history.append(record)
        improved = result is not None and (state.best is None or (record["segm_AP"] or 0.0) > state.best)
        if improved:
            state.best = record["segm_AP"] or 0.0
        if self.info.is_main:
            self._write_epoch_outputs(state, improved)
        self.reporter.info(_epoch_line(record, c.epochs))

    def _evaluate(self, epoch: int) -> EvalResult | None:
        c = self.config
        if self.val_data is None or not (epoch % c.eval_every == 0 or epoch == c.epochs):
            return None
        start = time.perf_counter()
        result = evaluate_model(
            self.model,
            self.val_data,
            self.device,
            batch_size=c.eval_batch_size,
            workers=min(c.workers, 2),
            amp=self.amp,
            rank=self.info.rank,
            world_size=self.info.world_size,
        )
        result.extra["seconds"] = round(time.perf_counter() - start, 3)
        return result

    def _write_epoch_outputs(self, state: RunState, improved: bool) -> None:
        """best.pt first, then last.pt (which records the best), then the metrics file and the plot."""
        if improved:
            self._save_best()
        save_training_checkpoint(
            self.run_dir / "checkpoints" / "last.pt",
            model=self.model,
            meta=self.meta,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            scaler=self.scaler,
            state=state,
            config=self._resolved_config(),
        )
        lines = "".join(json.dumps(r) + "\n" for r in state.history)
        write_text_atomic(self.run_dir / "metrics.jsonl", lines)
        plot_history(state.history, self.run_dir / "training.png")

    def _save_best(self) -> None:
        save_checkpoint(self.run_dir / "checkpoints" / "best.pt", self.model.state_dict(), self.meta)


def _epoch_line(record: dict[str, Any], epochs: int) -> str:
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
