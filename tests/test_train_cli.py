"""``splashseg train`` through the CLI: outputs, resume, non-finite loss, bad input, SIGKILL, torchrun."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import torch
from click.testing import CliRunner
from test_train_data import make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.cli import main
from splashseg.cli.train_cmds import FIELD_OF_PARAM
from splashseg.cli.train_cmds import train as train_command
from splashseg.errors import RunFailure, is_out_of_memory
from splashseg.models import load_checkpoint
from splashseg.train import TrainConfig
from splashseg.train.oom import oom_guard
from splashseg.train.optim import FREEZE, OPTIMIZERS, SCHEDULES

SMALL = [
    "--model",
    "maskrcnn_small",
    "--weights",
    "none",
    "--min-size",
    "64",
    "--max-size",
    "96",
    "--device",
    "cpu",
    "--workers",
    "0",
    "--warmup-iters",
    "2",
    "--lr",
    "0.01",
]
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("cli") / "shapes", n_train=4, n_val=2)


def _train(*args: str) -> object:
    return CliRunner().invoke(main, ["train", *args])


def _epochs(run: Path) -> list[int]:
    return [json.loads(line)["epoch"] for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_train_resume_and_non_finite_loss(dataset: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = _train("--dataset", str(dataset), *SMALL, "--epochs", "1", "--out", str(run), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["epochs"] == 1 and summary["best_checkpoint"] == str(run / "checkpoints" / "best.pt")
    assert {p.name for p in run.iterdir()} == {".splashseg", "checkpoints", "config.json", "metrics.jsonl",
                                               "training.png"}

    again = _train("--dataset", str(dataset), *SMALL, "--epochs", "1", "--out", str(run))
    assert again.exit_code == 2 and "already holds a training run" in again.output

    resumed = _train("--resume", str(run), "--epochs", "2", "--seed", "5")
    assert resumed.exit_code == 0, resumed.output
    assert "--seed 5 ignored" in resumed.output and _epochs(run) == [1, 2]

    # a learning rate of 1e30 makes the loss overflow: exit 1, the epoch-2 checkpoint stays
    diverged = _train("--resume", "--out", str(run), "--epochs", "3", "--lr", "1e30")
    assert diverged.exit_code == 1, diverged.output
    assert "loss is not finite in epoch 3" in diverged.output and "last good checkpoint" in diverged.output
    last = load_checkpoint(run / "checkpoints" / "last.pt")
    assert last["epoch"] == 2 and all(
        torch.isfinite(v).all() for v in last["model"].values() if v.is_floating_point()
    )
    assert _epochs(run) == [1, 2]


def test_class_count_mismatch_with_weights_exits_2(
    dataset: Path, small_checkpoint: Path, tmp_path: Path
) -> None:
    args = [a if a != "none" else str(small_checkpoint) for a in SMALL]
    result = _train("--dataset", str(dataset), *args, "--out", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert f"checkpoint has 3 classes (balloon, kite, ball) but dataset {dataset} has 2 classes (" in result.output


def test_bad_input_exits_2_with_one_line(dataset: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = _train("--dataset", str(dataset), *SMALL, "--out", str(blocker / "run"))
    assert result.exit_code == 2 and "cannot create output folder" in result.output
    bare = tmp_path / "bare"
    (bare / "images").mkdir(parents=True)
    result = _train("--dataset", str(bare), *SMALL, "--out", str(tmp_path / "r1"))
    assert result.exit_code == 2 and "no annotations for split 'train'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    empty = make_dataset(tmp_path / "empty", n_train=0, n_val=1)
    result = _train("--dataset", str(empty), *SMALL, "--out", str(tmp_path / "r2"))
    assert result.exit_code == 2 and "split 'train' has no images" in result.output
    result = _train(*SMALL)
    assert result.exit_code == 2 and "--dataset is required" in result.output


def test_out_of_memory_names_a_smaller_batch_size() -> None:
    with pytest.raises(RunFailure, match="try --batch-size 4"), oom_guard(8):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    with pytest.raises(RunFailure, match="smaller --max-size"), oom_guard(1):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 bytes")
    with pytest.raises(ValueError, match="other"), oom_guard(8):
        raise ValueError("other")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), True),
        (torch.OutOfMemoryError("no phrase, but the type says it"), True),
        (MemoryError(), True),
        (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 bytes"), True),
        (RuntimeError("CUDA error: out of memory"), True),
        (RuntimeError("shape '[2, 3]' is invalid for input of size 5"), False),
        (ValueError("other"), False),
    ],
)
def test_one_out_of_memory_rule_for_training_and_the_cli(error: BaseException, expected: bool) -> None:
    assert is_out_of_memory(error) is expected  # cli/errors.py and train/oom.py both ask this


def test_train_options_take_choices_and_defaults_from_the_library() -> None:
    params = {p.name: p for p in train_command.params}
    choices = {name: list(p.type.choices) for name, p in params.items() if isinstance(p.type, click.Choice)}
    assert choices["optimizer"] == list(OPTIMIZERS) and choices["schedule"] == list(SCHEDULES)
    assert choices["freeze"] == list(FREEZE)
    defaults = TrainConfig()
    given = train_command.make_context("train", [], resilient_parsing=True).params  # nothing on the command line
    with_defaults = {name: value for name, value in given.items() if value is not None}
    assert {"epochs", "batch_size", "optimizer", "weights", "seed"} <= set(with_defaults)
    for name, default in with_defaults.items():
        field = FIELD_OF_PARAM.get(name, name)
        if hasattr(defaults, field):
            assert default == getattr(defaults, field), name
    shown = CliRunner().invoke(main, ["train", "--help"]).output
    assert f"[default: {defaults.epochs};" in shown and f"[default: {defaults.optimizer}]" in shown


@pytest.mark.slow
def test_run_killed_with_sigkill_resumes_from_its_last_epoch(dataset: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = [
        sys.executable,
        "-m",
        "splashseg",
        "train",
        "--dataset",
        str(dataset),
        *SMALL,
        "--epochs",
        "4",
        "--out",
        str(run),
    ]
    process = subprocess.Popen(args, env=ONE_THREAD, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while (
        not (run / "checkpoints" / "last.pt").exists()
        and process.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = load_checkpoint(run / "checkpoints" / "last.pt")["epoch"]
    assert 1 <= done < 4 and _epochs(run) == list(range(1, done + 1))
    result = _train("--resume", str(run))
    assert result.exit_code == 0, result.output
    assert f"resuming {run} after epoch {done} of 4" in result.output
    assert _epochs(run) == [1, 2, 3, 4]
    assert not list((run / "checkpoints").glob(".*"))  # no temporary files left by the kill


@pytest.mark.slow
def test_torchrun_two_cpu_processes_write_one_run(dataset: Path, tmp_path: Path) -> None:
    run = tmp_path / "ddp"
    args = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "splashseg",
        "train",
        "--dataset",
        str(dataset),
        *SMALL,
        "--epochs",
        "2",
        "--out",
        str(run),
    ]
    done = subprocess.run(args, env=ONE_THREAD, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    assert all(math.isfinite(r[k]) and 0 < r[k] < 50 for r in records for k in r if k.startswith("loss"))
    assert all(r["segm_AP"] is not None for r in records)
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["best.pt", "last.pt"]
    assert done.stdout.count("training run") == 1  # the summary table, printed by rank 0 only
    config = json.loads((run / "config.json").read_text())
    assert config["world_size"] == 2 and config["lr"] == 0.01
