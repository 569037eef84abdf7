"""COCO bbox and segm evaluation with pycocotools, from a model over a dataset or from a detections list.

A detection is a dict in COCO results form (:func:`splashseg.predict.coco_results.coco_results`)::

    {"image_id": int, "category_id": int, "score": float,
     "bbox": [x, y, w, h] (pixels), "segmentation": compressed RLE {"size": [h, w], "counts": str}}

Metric names: ``AP`` (IoU .50:.95), ``AP50``, ``AP75``, ``APs``, ``APm``, ``APl`` (area < 32², < 96²,
larger) in ``[0, 1]``; ``None`` where the ground truth has nothing to measure (pycocotools' ``-1``).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from typing import Any

import torch
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from torch.utils.data import DataLoader, Subset

from ..data.torch_dataset import CocoInstances, collate
from ..distributed import all_gather_objects, broadcast_object
from ..errors import InputError
from ..models.loading import BACKGROUND
from ..predict import Predictor, coco_results

IOU_TYPES = ("bbox", "segm")
METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl")  # the first six of COCOeval.stats


@dataclass
class EvalResult:
    """``metrics[iou_type][name]`` and ``per_class[iou_type][class name]`` (AP at IoU .50:.95)."""

    metrics: dict[str, dict[str, float | None]]
    per_class: dict[str, dict[str, float | None]]
    images: int = 0
    detections: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def flat(self) -> dict[str, float | None]:
        """``{"bbox_AP": ..., "segm_AP50": ..., ...}`` for ``metrics.jsonl``."""
        return {
            f"{iou}_{name}": value for iou, values in self.metrics.items() for name, value in values.items()
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "detections": self.detections,
            "metrics": self.metrics,
            "per_class": self.per_class,
        }


def _coco_api(dataset: dict[str, Any]) -> COCO:
    api = COCO()
    api.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):
        api.createIndex()
    return api


def _results_for(detections: list[dict[str, Any]], iou_type: str, gt: dict[str, Any]) -> dict[str, Any]:
    """A COCO dataset of the detections for ``iou_type``, ``area`` set as ``COCO.loadRes`` would."""
    anns = []
    for i, det in enumerate(detections, start=1):
        ann = {
            "id": i,
            "image_id": det["image_id"],
            "category_id": det["category_id"],
            "score": float(det["score"]),
            "iscrowd": 0,
        }
        if iou_type == "bbox":
            x, y, w, h = det["bbox"]
            ann.update(bbox=[x, y, w, h], area=float(w * h))
        else:
            ann.update(
                segmentation=det["segmentation"],
                area=float(mask_utils.area(det["segmentation"])),
                bbox=mask_utils.toBbox(det["segmentation"]).tolist(),
            )
        anns.append(ann)
    return {"images": gt["images"], "categories": gt["categories"], "annotations": anns}


def _per_class_ap(evaluator: COCOeval) -> list[float | None]:
    """AP over IoU .50:.95 per category (area all, 100 detections), ``None`` without ground truth."""
    precision = evaluator.eval[
        "precision"
    ]  # [T iou thresholds, R recall points, K classes, A areas, M max dets]
    values = []
    for k in range(precision.shape[2]):
        p = precision[:, :, k, 0, -1]
        p = p[p > -1]
        values.append(float(p.mean()) if p.size else None)
    return values


def coco_evaluate(gt: dict[str, Any], detections: list[dict[str, Any]]) -> EvalResult:
    """Score ``detections`` against the COCO ground truth ``gt`` (a COCO instances dict).

    The ground truth itself as detections (score 1) gives AP 1.0; no detections give 0.
    """
    gt_api = _coco_api(gt)
    names = {c["id"]: c["name"] for c in gt["categories"]}
    metrics: dict[str, dict[str, float | None]] = {}
    per_class: dict[str, dict[str, float | None]] = {}
    for iou_type in IOU_TYPES:
        dt_api = _coco_api(_results_for(detections, iou_type, gt))
        evaluator = COCOeval(gt_api, dt_api, iouType=iou_type)
        with contextlib.redirect_stdout(io.StringIO()):
            evaluator.evaluate()
            evaluator.accumulate()
            evaluator.summarize()
        metrics[iou_type] = {
            m: (float(v) if v >= 0 else None) for m, v in zip(METRICS, evaluator.stats[:6], strict=True)
        }
        per_class[iou_type] = {
            names[c]: ap for c, ap in zip(evaluator.params.catIds, _per_class_ap(evaluator), strict=True)
        }
    return EvalResult(metrics, per_class, images=len(gt["images"]), detections=len(detections))


@torch.inference_mode()
def predict_dataset(
    model: torch.nn.Module,
    dataset: CocoInstances,
    device: torch.device,
    *,
    batch_size: int = 2,
    workers: int = 0,
    amp: bool = False,
    indices: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Run ``model`` over ``dataset`` (RGB images, uint8 or float in ``[0, 1]``) -> COCO detections.

    Inference goes through :class:`~splashseg.predict.Predictor` (mask threshold and all) with the
    model's own score threshold, so every detection the model reports is scored, as COCO AP wants.
    """
    names = [BACKGROUND, *dataset.class_names]
    conf = float(model.roi_heads.score_thresh)
    predictor = Predictor(model, names, device=device, conf=conf, batch_size=batch_size, amp=amp)
    subset = Subset(dataset, indices if indices is not None else range(len(dataset)))
    loader = DataLoader(subset, batch_size=batch_size, shuffle=False, num_workers=workers, collate_fn=collate)
    detections: list[dict[str, Any]] = []
    for images, targets in loader:
        found = predictor.predict_tensors([img.as_subclass(torch.Tensor) for img in images])
        for det, target in zip(found, targets, strict=True):
            image_id = int(target["image_id"])
            detections += coco_results(det.to_numpy(), image_id, category_of_label=dataset.category_of_label)
    return detections


def evaluate_model(
    model: torch.nn.Module,
    dataset: CocoInstances,
    device: torch.device,
    *,
    batch_size: int = 2,
    workers: int = 0,
    amp: bool = False,
    rank: int = 0,
    world_size: int = 1,
) -> EvalResult:
    """Predict on ``dataset`` and score against its ground truth.

    Data-parallel: each of ``world_size`` ranks predicts every ``world_size``-th image, rank 0 gathers
    and scores, and every rank returns rank 0's result.
    """
    indices = list(range(rank, len(dataset), world_size))
    detections = predict_dataset(
        model, dataset, device, batch_size=batch_size, workers=workers, amp=amp, indices=indices
    )
    gathered = all_gather_objects(detections)
    result = coco_evaluate(dataset.coco, [d for part in gathered for d in part]) if rank == 0 else None
    return broadcast_object(result)


@dataclass
class EvaluateConfig:
    """What ``evaluate`` scores: the checkpoint ``weights`` on ``dataset``'s ``split``.

    device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; min_size/max_size/model_name ``None``: the checkpoint's.
    """

    dataset: str
    weights: str
    split: str = "val"
    device: str = "auto"
    batch_size: int = 2
    workers: int = 0
    min_size: int | None = None
    max_size: int | None = None
    model_name: str | None = None


def evaluate_weights(config: EvaluateConfig) -> EvalResult:
    """Load the checkpoint ``config.weights`` for the dataset's classes and evaluate it on ``config.split``.

    ``result.extra`` holds the checkpoint's and the dataset's class names (the caller warns when they
    differ: classes are matched by position). Raises :class:`InputError` for ``coco``/``none`` weights or
    a checkpoint whose class count differs from the dataset's.
    """
    from ..data.transforms import build_transforms
    from ..device import resolve_device
    from ..models import load_model

    if config.weights in ("coco", "none"):
        raise InputError(
            f"--weights {config.weights}: evaluate needs a checkpoint PATH (e.g. RUN/checkpoints/best.pt)"
        )
    device = resolve_device(config.device)
    data = CocoInstances(config.dataset, config.split, transforms=build_transforms(train=False))
    loaded = load_model(config.model_name, config.weights, class_names=[BACKGROUND, *data.class_names],
                        min_size=config.min_size, max_size=config.max_size)
    model = loaded.model.to(device)
    result = evaluate_model(model, data, device, batch_size=config.batch_size, workers=config.workers)
    result.extra.update(
        weights=str(config.weights),
        split=config.split,
        model=loaded.model_name,
        checkpoint_classes=loaded.class_names[1:],
        dataset_classes=data.class_names,
    )
    return result
