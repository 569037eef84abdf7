"""Training runs on the CPU: outputs, resume equivalence, non-finite loss, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from test_train_data import CLASSES, make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.console import Reporter
from splashseg.models import load_checkpoint, load_model
from splashseg.train import TrainConfig, train

SMALL = dict(
    model="maskrcnn_small",
    weights="none",
    min_size=64,
    max_size=96,
    device="cpu",
    workers=0,
    batch_size=2,
    warmup_iters=2,
    lr=0.01,
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("data") / "shapes")


def _config(dataset: Path, out: Path, **changes: object) -> TrainConfig:
    return TrainConfig(dataset=str(dataset), out=str(out), **{**SMALL, **changes})


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["model"]


def test_run_writes_its_files_and_best_checkpoint_needs_no_flags(dataset: Path, tmp_path: Path) -> None:
    summary = train(_config(dataset, tmp_path / "run", epochs=2), Reporter(quiet=True))
    run = tmp_path / "run"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    for key in ("loss", "loss_mask", "loss_classifier", "lr", "seconds", "bbox_AP", "segm_AP", "segm_AP50"):
        assert key in records[0], key
    assert summary.epochs == 2 and summary.best_segm_AP is not None
    assert (run / "training.png").read_bytes()[:4] == b"\x89PNG"
    config = json.loads((run / "config.json").read_text())
    assert config["lr"] == 0.01 and config["model"] == "maskrcnn_small" and config["amp"] is False
    last = load_checkpoint(run / "checkpoints" / "last.pt")
    assert last["epoch"] == 2 and {"optimizer", "scheduler", "scaler", "rng"} <= set(last)
    loaded = load_model(None, str(run / "checkpoints" / "best.pt"))
    assert loaded.model_name == "maskrcnn_small" and loaded.class_names == ["__background__", *CLASSES]
    assert (loaded.min_size, loaded.max_size) == (64, 96)


def test_resume_finishes_exactly_where_an_uninterrupted_run_would(dataset: Path, tmp_path: Path) -> None:
    straight = train(_config(dataset, tmp_path / "a", epochs=2), Reporter(quiet=True))
    train(_config(dataset, tmp_path / "b", epochs=2), Reporter(quiet=True), on_epoch=lambda record: False)
    assert load_checkpoint(tmp_path / "b/checkpoints/last.pt")["epoch"] == 1
    resumed = train(
        _config(dataset, tmp_path / "b", resume="last"), Reporter(quiet=True), explicit={"resume", "out"}
    )
    assert resumed.resumed_from == 1 and resumed.epochs == 2
    a, b = _weights(tmp_path / "a/checkpoints/last.pt"), _weights(tmp_path / "b/checkpoints/last.pt")
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    assert straight.last["loss"] == resumed.last["loss"]
    assert straight.last["segm_AP"] == resumed.last["segm_AP"]
    assert len((tmp_path / "b/metrics.jsonl").read_text().splitlines()) == 2
