"""Training state in checkpoints: RNG states as plain tensors, and saving/restoring a whole run.

Everything stored loads with ``torch.load(weights_only=True)``: tensors, dicts, lists, str, int,
float, bool, None (NumPy's and Python's RNG states are converted to tensors and lists).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..models import load_checkpoint, save_checkpoint


def rng_state() -> dict[str, Any]:
    """The states of torch (CPU and every CUDA device), NumPy and Python's ``random``."""
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "name": np_name,
            "keys": torch.from_numpy(np_keys.astype(np.int64)),
            "pos": int(np_pos),
            "has_gauss": int(np_has_gauss),
            "gauss": float(np_gauss),
        },
        "python": {
            "version": py_version,
            "state": torch.tensor(py_state, dtype=torch.int64),
            "gauss": py_gauss,
        },
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned (CUDA states only where the devices exist)."""
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    n = state["numpy"]
    np.random.set_state(
        (n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"])
    )
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["state"].tolist()), p["gauss"]))


def seed_everything(seed: int) -> None:
    """Seed torch (all devices), NumPy and Python's ``random``."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


@dataclass
class RunState:
    """Where a run stands after ``epoch`` completed epochs.

    history: one metrics record per epoch (what ``metrics.jsonl`` holds), so the file can be rewritten
    from the checkpoint after a crash. best: the best segm AP measured so far (``None`` when none was).
    """

    epoch: int = 0
    best: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def add_epoch(self, record: dict[str, Any]) -> bool:
        """Count the epoch whose metrics ``record`` is; return whether its segm AP is the best so far.

        An epoch without evaluation never improves; the first evaluated epoch always does, also when its
        AP could not be measured (``None``: ``best`` stays ``None``, never a made-up 0)."""
        self.epoch = record["epoch"]
        self.history.append(record)
        if "segm_AP" not in record:
            return False
        ap = record["segm_AP"]
        if ap is None:  # evaluated, but nothing to measure (no annotated val picture): best stays None
            return not any("segm_AP" in earlier for earlier in self.history[:-1])
        improved = self.best is None or ap > self.best
        if improved:
            self.best = ap
        return improved


def save_training_checkpoint(
    path: Path,
    *,
    model: torch.nn.Module,
    meta: dict[str, Any],
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
    state: RunState,
    config: dict[str, Any],
) -> None:
    """Write ``last.pt``: model, meta and everything :func:`restore_training_checkpoint` needs (atomic)."""
    save_checkpoint(
        path,
        model.state_dict(),
        meta,
        optimizer=optimizer.state_dict(),
        scheduler=scheduler.state_dict(),
        scaler=scaler.state_dict(),
        epoch=state.epoch,
        best=state.best,
        history=state.history,
        rng=rng_state(),
        config=config,
    )


def read_training_checkpoint(path: Path) -> dict[str, Any]:
    """Load a checkpoint and check it holds training state (not just weights)."""
    ckpt = load_checkpoint(path)
    missing = [k for k in ("optimizer", "scheduler", "epoch", "rng", "config") if k not in ckpt]
    if missing:
        raise InputError(
            f"{path}: holds weights but no training state ({', '.join(missing)} missing); "
            "to start a new run from it use --weights instead of --resume"
        )
    return ckpt


def restore_training_checkpoint(
    ckpt: dict[str, Any],
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    scaler: torch.amp.GradScaler,
) -> RunState:
    """Load model, optimizer, scheduler and scaler states and the RNG states; return the run's state."""
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    scheduler.load_state_dict(ckpt["scheduler"])
    if ckpt.get("scaler"):
        scaler.load_state_dict(ckpt["scaler"])
    set_rng_state(ckpt["rng"])
    return RunState(epoch=int(ckpt["epoch"]), best=ckpt.get("best"), history=list(ckpt.get("history") or []))
