"""COCO evaluation: known answers from constructed detections, and the ``evaluate`` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import save_small_checkpoint
from test_train_data import CLASSES, make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.cli import main
from splashseg.data.coco import annotation_mask, load_split, mask_to_rle
from splashseg.data.torch_dataset import CocoInstances
from splashseg.predict import Detections, coco_results
from splashseg.train import coco_evaluate


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("eval") / "shapes", n_train=6, n_val=4)


def _ground_truth_as_detections(coco: dict, category: int | None = None) -> list[dict]:
    sizes = {im["id"]: (im["height"], im["width"]) for im in coco["images"]}
    detections = []
    for ann in coco["annotations"]:
        if ann["iscrowd"] or (category is not None and ann["category_id"] != category):
            continue
        mask = annotation_mask(ann, *sizes[ann["image_id"]])
        detections.append(
            {
                "image_id": ann["image_id"],
                "category_id": ann["category_id"],
                "bbox": ann["bbox"],
                "score": 1.0,
                "segmentation": mask_to_rle(mask),
            }
        )
    return detections


def test_ground_truth_as_predictions_scores_one(dataset: Path) -> None:
    coco = load_split(dataset, "train")  # has a crowd region and an image without objects
    result = coco_evaluate(coco, _ground_truth_as_detections(coco))
    for iou_type in ("bbox", "segm"):
        assert result.metrics[iou_type]["AP"] == pytest.approx(1.0)
        assert result.metrics[iou_type]["AP50"] == pytest.approx(1.0)
        assert result.metrics[iou_type]["AP75"] == pytest.approx(1.0)
        assert result.per_class[iou_type] == pytest.approx({name: 1.0 for name in CLASSES})
    assert result.metrics["bbox"]["APl"] is None  # no large objects in 64 px pictures
    assert result.flat()["segm_AP"] == pytest.approx(1.0)


def test_no_predictions_score_zero(dataset: Path) -> None:
    result = coco_evaluate(load_split(dataset, "val"), [])
    assert result.detections == 0
    for iou_type in ("bbox", "segm"):
        assert result.metrics[iou_type]["AP"] == 0.0 and result.metrics[iou_type]["AP50"] == 0.0
        assert result.per_class[iou_type] == {name: 0.0 for name in CLASSES}


def test_one_class_of_two_found_gives_half(dataset: Path) -> None:
    coco = load_split(dataset, "val")
    result = coco_evaluate(coco, _ground_truth_as_detections(coco, category=1))
    assert result.per_class["segm"] == pytest.approx({"square": 1.0, "disc": 0.0})
    assert result.metrics["segm"]["AP"] == pytest.approx(0.5)


@pytest.mark.parametrize("rounded", [False, True])
def test_ground_truth_through_coco_results_scores_one(dataset: Path, rounded: bool) -> None:
    """The encoder detect and evaluate share: xyxy boxes -> xywh, bool masks -> RLE, labels -> category ids."""
    data = CocoInstances(dataset, "train")  # targets leave the crowd region out; image 0 has no objects
    detections = []
    for index in range(len(data)):
        _, target = data[index]
        masks = target["masks"].numpy().astype(bool)  # [N, H, W]
        det = Detections(target["boxes"].numpy(), target["labels"].numpy(), np.ones(len(masks), np.float32),
                         masks, [data.class_names[label - 1] for label in target["labels"].tolist()])
        entries = coco_results(det, target["image_id"], category_of_label=data.category_of_label, rounded=rounded)
        assert [e["category_name"] for e in entries] == det.names
        detections += entries
    assert len(detections) == sum(not a["iscrowd"] for a in data.coco["annotations"])
    result = coco_evaluate(data.coco, detections)
    for iou_type in ("bbox", "segm"):
        assert result.metrics[iou_type]["AP"] == pytest.approx(1.0)
        assert result.per_class[iou_type] == pytest.approx({name: 1.0 for name in CLASSES})


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_small_checkpoint(tmp_path_factory.mktemp("ckpt") / "shapes.pt", CLASSES)


def test_evaluate_command_prints_tables_and_json(dataset: Path, checkpoint: Path) -> None:
    args = ["evaluate", "--dataset", str(dataset), "--weights", str(checkpoint), "--device", "cpu"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "AP50" in result.output and "segm" in result.output and "disc" in result.output
    result = CliRunner().invoke(main, [*args, "--json", "--split", "train"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["images"] == 6 and set(payload["metrics"]) == {"bbox", "segm"}
    assert set(payload["per_class"]["segm"]) == set(CLASSES)
    assert all(0.0 <= v <= 1.0 for v in payload["metrics"]["segm"].values() if v is not None)


def test_evaluate_refuses_a_checkpoint_with_other_classes(dataset: Path, small_checkpoint: Path) -> None:
    args = ["evaluate", "--dataset", str(dataset), "--weights", str(small_checkpoint), "--device", "cpu"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {small_checkpoint}: checkpoint has 3 classes (balloon, kite, ball) "
                                     f"but dataset {dataset} (val split) has 2 classes (square, disc)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weights", "coco"], "needs a checkpoint PATH"),
        ([], "--weights PATH is required"),
        (["--weights", "nowhere.pt"], "no such checkpoint file"),
        (["--weights", "{ckpt}", "--split", "test"], "no annotations for split 'test'"),
    ],
)
def test_evaluate_bad_input_exits_2(dataset: Path, checkpoint: Path, args: list[str], message: str) -> None:
    args = [a.replace("{ckpt}", str(checkpoint)) for a in args]
    result = CliRunner().invoke(main, ["evaluate", "--dataset", str(dataset), "--device", "cpu", *args])
    assert result.exit_code == 2 and message in result.output
