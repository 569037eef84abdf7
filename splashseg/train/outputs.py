"""``RunFolder``: the files of a training run, each written atomically (only rank 0 writes them).

RUN folder::

    RUN/config.json               the resolved TrainConfig (+ device_resolved, world_size)
    RUN/metrics.jsonl             one JSON object per epoch (losses, lr, seconds, bbox_AP, segm_AP, ...)
    RUN/training.png              losses and AP per epoch
    RUN/checkpoints/last.pt       everything needed to resume (written after every epoch)
    RUN/checkpoints/best.pt       the model with the best segm AP so far (model and meta only)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from ..fsutil import write_text_atomic
from ..models import save_checkpoint
from .build import Optimization
from .plot import plot_history
from .state import RunState, save_training_checkpoint


@dataclass
class RunFolder:
    """Where a run writes. meta: the checkpoint meta (model name, class names, input sizes);
    config: the resolved configuration as JSON (stored in ``config.json`` and in ``last.pt``)."""

    path: Path
    meta: dict[str, Any]
    config: dict[str, Any]

    @property
    def best_checkpoint(self) -> Path:
        return self.path / "checkpoints" / "best.pt"

    @property
    def last_checkpoint(self) -> Path:
        return self.path / "checkpoints" / "last.pt"

    def write_config(self) -> None:
        write_text_atomic(self.path / "config.json", json.dumps(self.config, indent=2) + "\n")

    def save_best(self, model: nn.Module) -> None:
        save_checkpoint(self.best_checkpoint, model.state_dict(), self.meta)

    def save_epoch(self, model: nn.Module, optimization: Optimization, state: RunState, improved: bool) -> None:
        """After an epoch: best.pt first (if ``improved``), then last.pt (which records the best), then
        the metrics file and the plot, so a crash between two writes leaves a consistent run."""
        if improved:
            self.save_best(model)
        save_training_checkpoint(
            self.last_checkpoint,
            model=model,
            meta=self.meta,
            optimizer=optimization.optimizer,
            scheduler=optimization.scheduler,
            scaler=optimization.scaler,
            state=state,
            config=self.config,
        )
        write_text_atomic(self.path / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in state.history))
        plot_history(state.history, self.path / "training.png")
