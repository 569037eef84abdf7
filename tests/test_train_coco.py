"""The balloon workflow's first step: fine-tune from COCO weights (seeded in a temporary torchvision cache)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from test_train_data import CLASSES, make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.console import Reporter
from splashseg.models import build_model, load_checkpoint
from splashseg.models.registry import MODELS
from splashseg.models.weights import cache_path
from splashseg.train import TrainConfig, train


@pytest.mark.slow
def test_fine_tune_from_coco_with_frozen_backbone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    coco_file = cache_path(MODELS["maskrcnn_resnet50_fpn"].coco_weights)
    coco_file.parent.mkdir(parents=True)
    torch.manual_seed(0)
    coco = build_model("maskrcnn_resnet50_fpn").state_dict()  # 91 classes, as torchvision ships it
    torch.save(coco, coco_file)
    dataset = make_dataset(tmp_path / "shapes", n_train=4, n_val=2)
    config = TrainConfig(dataset=str(dataset), model="maskrcnn_resnet50_fpn", weights="coco", freeze="backbone",
                         min_size=64, max_size=96, epochs=1, batch_size=2, lr=0.005, warmup_iters=0, workers=0,
                         device="cpu", augment=False, out=str(tmp_path / "run"))
    summary = train(config, Reporter(quiet=True))
    assert summary.epochs == 1 and summary.class_names == ["__background__", *CLASSES]
    best = load_checkpoint(tmp_path / "run" / "checkpoints" / "best.pt")
    weights, meta = best["model"], best["meta"]
    assert meta["model_name"] == "maskrcnn_resnet50_fpn" and meta["class_names"][1:] == CLASSES
    # new heads for K + 1 classes; the frozen backbone body is COCO's; the FPN and heads were trained
    assert weights["roi_heads.box_predictor.cls_score.weight"].shape[0] == len(CLASSES) + 1
    def same(key: str) -> bool:
        return torch.equal(weights[key], coco[key])

    assert same("backbone.body.layer3.0.conv1.weight")
    assert not same("backbone.fpn.layer_blocks.0.0.weight")
    assert not same("roi_heads.mask_head.0.0.weight")
