"""OpenVINO finds what torch finds: the dense outputs of the COCO architecture agree within a tolerance per
precision, the example model finds the same objects, and evaluation scores the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from shapes_dataset import shapes_dataset

from splashseg.cli import main
from splashseg.models.registry import build_model
from splashseg.runtime import RuntimeChoice, apply_runtime

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHAPES = ["--weights", str(EXAMPLES / "shapes-small.pt"), "--device", "cpu"]
# max |openvino - torch| / max |torch| of each dense output: float32 is exact up to summation order;
# bfloat16 keeps 8 bits of mantissa (relative step 0.4 %), and the errors add up through ResNet-50.
TOLERANCE = {"fp32": 1e-3, "bf16": 6e-2}


def _relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    return float((got - want).abs().max() / want.abs().max().clamp_min(1e-12))


def _dense_outputs(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every dense part's output on a seeded 320 x 448 picture (not the size the parts were traced at)."""
    torch.manual_seed(1)
    images = torch.randn(1, 3, 320, 448)
    heads = model.roi_heads
    with torch.inference_mode():
        maps = model.backbone(images)
        logits, deltas = model.rpn.head(list(maps.values()))
        box_rois, mask_rois = torch.randn(7, 256, 7, 7), torch.randn(7, 256, 14, 14)
        scores, box_deltas = heads.box_predictor(heads.box_head(box_rois))
        masks = heads.mask_predictor(heads.mask_head(mask_rois))
    named = {f"fpn {k}": v for k, v in maps.items()}
    named |= {f"objectness {i}": v for i, v in enumerate(logits)} | {f"rpn deltas {i}": v for i, v in enumerate(deltas)}
    return named | {"class logits": scores, "box deltas": box_deltas, "mask logits": masks}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2"])
def test_coco_architecture_dense_outputs_agree(name: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_model(name, min_size=320, max_size=512).eval()
    want = _dense_outputs(model)
    for precision, tolerance in TOLERANCE.items():
        accelerated = apply_runtime(model, RuntimeChoice("openvino", precision), model_name=name, cache=tmp_path)
        got = _dense_outputs(accelerated)
        errors = {key: _relative_error(got[key], want[key]) for key in want}
        assert max(errors.values()) <= tolerance, (precision, errors)


def _box_iou(a: list[float], b: list[float]) -> float:
    """IoU of two COCO ``[x, y, w, h]`` boxes."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _detect(runtime: str, out: Path) -> tuple[dict, list[dict]]:
    pictures = sorted(str(p) for p in (EXAMPLES / "pictures").glob("*.png"))
    result = CliRunner().invoke(main, ["detect", *pictures, *SHAPES, "--runtime", runtime, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), json.loads((out / "detections.json").read_text())


@pytest.mark.slow
def test_example_model_finds_the_same_objects(tmp_path: Path) -> None:
    torch_summary, torch_found = _detect("torch", tmp_path / "torch")
    ov_summary, ov_found = _detect("openvino", tmp_path / "openvino")
    assert torch_summary["runtime"] == "torch-fp32" and ov_summary["runtime"].startswith("openvino-")
    assert ov_summary["model_seconds"] > 0 and ov_summary["model_seconds_per_image"] > 0
    assert len(torch_found) >= 4 and abs(len(ov_found) - len(torch_found)) <= max(1, len(torch_found) // 10)
    matched = 0
    for want in torch_found:
        key = (want["file_name"], want["category_name"])
        same = [d for d in ov_found if (d["file_name"], d["category_name"]) == key]
        matched += any(_box_iou(want["bbox"], d["bbox"]) >= 0.9 for d in same)
    assert matched >= 0.9 * len(torch_found), (matched, len(torch_found))


@pytest.mark.slow
def test_evaluate_auto_scores_as_torch(tmp_path: Path) -> None:
    dataset = shapes_dataset(tmp_path, count=15)
    scores = {}
    for runtime in ("torch", "auto"):
        args = ["evaluate", "--dataset", str(dataset), *SHAPES, "--runtime", runtime, "--json"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        scores[payload["runtime"]] = payload["metrics"]["segm"]["AP"]
    assert len(scores) == 2 and "torch-fp32" in scores, scores
    torch_ap, auto_ap = scores.pop("torch-fp32"), scores.popitem()[1]
    assert torch_ap > 0.3 and abs(auto_ap - torch_ap) <= 0.01, (torch_ap, auto_ap)
    assert np.isfinite(auto_ap)
