"""Where a run's files go: a new ``runs/<dataset>-<n>`` folder, or the run that ``--resume`` continues."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_dir
from .config import RESUMABLE, TrainConfig
from .state import read_training_checkpoint

RUNS_DIR = Path("runs")
RUN_FILES = ("checkpoints/last.pt", "checkpoints/best.pt", "metrics.jsonl", "training.png", "config.json")
NOT_COMPARED = frozenset({"resume", "force", "out"})


@dataclass
class ResumePoint:
    """The checkpoint a resumed run starts from: its folder, file, contents and saved configuration."""

    run_dir: Path
    path: Path
    checkpoint: dict[str, Any]
    config: TrainConfig


def _dataset_name(dataset: str) -> str:
    return Path(dataset).resolve().name or "dataset"


def _numbered_runs(dataset: str) -> list[tuple[int, Path]]:
    pattern = re.compile(rf"{re.escape(_dataset_name(dataset))}-(\d+)")
    found = [(int(m.group(1)), p) for p in RUNS_DIR.glob("*") if (m := pattern.fullmatch(p.name))]
    return sorted(found)


def new_run_dir(config: TrainConfig) -> Path:
    """``config.out``, or the first free ``runs/<dataset name>-<n>``; refuse a folder holding a run (unless
    ``force``), and always one that is, holds or lies inside the dataset or weights, or holds other files."""
    inputs = [config.dataset or None, config.weights if Path(config.weights).is_file() else None]
    if config.out is None:
        numbers = [n for n, _ in _numbered_runs(config.dataset)]
        run_dir = RUNS_DIR / f"{_dataset_name(config.dataset)}-{max(numbers, default=0) + 1}"
        return check_output_dir(run_dir, inputs, "run")
    run_dir = Path(config.out)
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError(f"{run_dir}: --out must be a folder, not a file")
    check_output_dir(run_dir, inputs, "run")
    holds_run = (run_dir / "checkpoints" / "last.pt").exists() or (run_dir / "metrics.jsonl").exists()
    if holds_run and not config.force:
        raise InputError(
            f"{run_dir}: already holds a training run; continue it with --resume {run_dir} "
            "or start over with --force"
        )
    if run_dir.is_dir():  # --force starts over: no stale best.pt, no last.pt that --resume would pick up
        for name in RUN_FILES:
            (run_dir / name).unlink(missing_ok=True)
    return run_dir


def find_resume_point(config: TrainConfig) -> ResumePoint:
    """Read the checkpoint ``config.resume`` names: ``"last"`` (``--out`` or this dataset's newest run),
    a run folder (its ``checkpoints/last.pt``) or a checkpoint file."""
    if config.resume == "last":
        if config.out:
            run_dir = Path(config.out)
        else:
            runs = [p for _, p in _numbered_runs(config.dataset) if (p / "checkpoints" / "last.pt").exists()]
            if not runs:
                raise InputError(
                    f"--resume: no earlier run of {config.dataset or 'this dataset'} under "
                    f"{RUNS_DIR}/; name one: --resume RUN"
                )
            run_dir = runs[-1]
        path = run_dir / "checkpoints" / "last.pt"
    else:
        target = Path(config.resume)
        if target.is_dir():
            run_dir, path = target, target / "checkpoints" / "last.pt"
        elif target.is_file():
            path = target
            run_dir = target.parent.parent if target.parent.name == "checkpoints" else target.parent
        else:
            raise InputError(f"{target}: no such run folder or checkpoint to resume")
        run_dir = Path(config.out) if config.out else run_dir
    if not path.is_file():
        raise InputError(f"{path}: no checkpoint to resume from (the run has not finished an epoch)")
    checkpoint = read_training_checkpoint(path)
    saved = TrainConfig.from_json(checkpoint["config"])
    check_output_dir(run_dir, [config.dataset or saved.dataset], "run")
    return ResumePoint(run_dir, path, checkpoint, saved)


def merge_resumed_config(
    saved: TrainConfig, given: TrainConfig, explicit: set[str] | frozenset[str] | None, reporter: Reporter
) -> TrainConfig:
    """The saved configuration, with the :data:`RESUMABLE` settings the user set; warn about others."""
    defaults = TrainConfig()
    if explicit is None:
        explicit = {
            f.name
            for f in dataclasses.fields(TrainConfig)
            if getattr(given, f.name) != getattr(defaults, f.name)
        }
    changes: dict[str, Any] = {}
    for name in sorted(set(explicit) - NOT_COMPARED):
        value, old = getattr(given, name), getattr(saved, name)
        if name == "dataset" and value and Path(value).resolve() == Path(old).resolve():
            continue
        if name in RESUMABLE or name == "dataset":
            changes[name] = value
        elif value != old:
            reporter.warn(
                f"--{name.replace('_', '-')} {value} ignored: a resumed run keeps its setting ({old})"
            )
    return saved.replace(**changes, resume=None, force=False)
