"""``TrainConfig``: every setting of a training run, each default written once, here.

The CLI builds it from the options the user set; :func:`splashseg.train.run.train` resolves the
``None`` entries (device, AMP, learning rate, weight decay, output folder) and saves the result as
``RUN/config.json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .optim import FREEZE, OPTIMIZERS, SCHEDULES

# Learning rate per image in a batch (summed over all processes), and weight decay, by optimizer.
LR_PER_IMAGE = {"sgd": 0.0025, "adamw": 0.00005}
WEIGHT_DECAY = {"sgd": 1e-4, "adamw": 0.05}

# Settings a resumed run may change; the rest come from the interrupted run's config.json.
RESUMABLE = frozenset({"epochs", "workers", "device", "lr", "out", "eval_batch_size"})


@dataclass
class TrainConfig:
    """A training run. Paths are strings so the config is JSON as it stands.

    dataset: canonical dataset folder (``annotations/{train,val}.json``, ``images/``).
    model: architecture name; ``None``: maskrcnn_resnet50_fpn_v2, or the checkpoint's with ``weights=PATH``.
    weights: ``"coco"`` (fine-tune torchvision's COCO model with new heads), ``"none"`` (from scratch)
        or a checkpoint path.
    lr, weight_decay: ``None`` picks by optimizer (:data:`LR_PER_IMAGE` x total batch, :data:`WEIGHT_DECAY`).
    warmup_iters: linear warm-up from ``warmup_factor x lr`` over the first iterations.
    schedule: ``cosine`` (per iteration, to 0) or ``step`` (x ``gamma`` at ``lr_steps`` fractions of the run).
    clip_grad: maximum gradient norm (``0`` = no clipping).
    amp: mixed precision; ``None`` = on for CUDA, off on the CPU (where it is not supported here).
    out: the run folder; ``None`` = ``runs/<dataset name>-<n>``.
    resume: ``"last"`` (the run in ``out``), a run folder or a checkpoint file; ``None`` = a new run.
    eval_every: evaluate on ``val_split`` every N epochs (and after the last); ``val_split=None``: never.
    """

    dataset: str = ""
    model: str | None = None
    weights: str = "coco"
    min_size: int | None = None
    max_size: int | None = None
    epochs: int = 10
    batch_size: int = 2
    lr: float | None = None
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float | None = None
    schedule: str = "cosine"
    lr_steps: tuple[float, ...] = (0.67, 0.89)
    gamma: float = 0.1
    warmup_iters: int = 100
    warmup_factor: float = 0.001
    clip_grad: float = 0.0
    freeze: str = "none"
    augment: bool = True
    hflip_prob: float = 0.5
    scale_range: tuple[float, float] = (0.75, 1.25)
    photometric: float = 0.2
    amp: bool | None = None
    device: str = "auto"
    workers: int = 2
    seed: int = 0
    deterministic: bool = False
    train_split: str = "train"
    val_split: str | None = "val"
    eval_every: int = 1
    eval_batch_size: int = 2
    log_every: int = 10
    out: str | None = None
    resume: str | None = None
    force: bool = False

    def __post_init__(self) -> None:
        choices = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES, "freeze": FREEZE}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        self.lr_steps = tuple(self.lr_steps)
        self.scale_range = tuple(self.scale_range)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        """The inverse of :meth:`to_json`; unknown keys (from other versions) are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def default_lr(optimizer: str, total_batch: int) -> float:
    """Learning rate for ``optimizer`` scaled linearly with the images per step over all processes."""
    return LR_PER_IMAGE[optimizer] * total_batch
