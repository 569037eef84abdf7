"""COCO bbox and segm evaluation with pycocotools, from a model over a dataset or from a detections list.

A detection is a dict in COCO results form (:func:`splashseg.predict.coco_results.coco_results`)::

    {"image_id": int, "category_id": int, "score": float,
     "bbox": [x, y, w, h] (pixels), "segmentation": compressed RLE {"size": [h, w], "counts": str}}

Metric names: ``AP`` (IoU .50:.95), ``AP50``, ``AP75``, ``APs``, ``APm``, ``APl`` (area < 32², < 96²,
larger) in ``[0, 1]``; ``None`` where the ground truth has nothing to measure (pycocotools' ``-1``).
``evaluate`` also reports the mean boundary IoU of the masks (:mod:`splashseg.metrics.boundary_eval`).
With ``refine`` the masks are refined against the picture (``--refine``): ``segm`` scores the refined
masks and ``segm_plain`` the model's own, from the same forward pass.
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
from ..metrics import mean_boundary_iou
from ..models.loading import BACKGROUND
from ..predict import Predictor, coco_results, refine_step
from ..predict.coco_results import masks_to_rles
from ..render import build_refiner
from ..runtime import TORCH_FP32, RuntimeChoice, resolve_runtime

IOU_TYPES = ("bbox", "segm")
METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl")  # the first six of COCOeval.stats


@dataclass
class EvalResult:
    """``metrics[iou_type][name]`` and ``per_class[iou_type][class name]`` (AP at IoU .50:.95).

    iou_type: ``bbox``, ``segm`` and, when ``refined``, ``segm_plain`` (the masks before refinement).
    boundary: per mask kind (``segm``, ``segm_plain``) the :class:`~splashseg.metrics.BoundaryScore` as
    JSON (``boundary_iou`` in ``[0, 1]`` or None, ``matched``, ``instances``); empty when not measured.
    """

    metrics: dict[str, dict[str, float | None]]
    per_class: dict[str, dict[str, float | None]]
    images: int = 0
    detections: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    boundary: dict[str, dict[str, Any]] = field(default_factory=dict)
    refined: bool = False

    def flat(self) -> dict[str, float | None]:
        """``{"bbox_AP": ..., "segm_AP50": ..., ...}`` for ``metrics.jsonl``."""
        return {
            f"{iou}_{name}": value for iou, values in self.metrics.items() for name, value in values.items()
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "detections": self.detections,
            "refined": self.refined,
            "metrics": self.metrics,
            "per_class": self.per_class,
            "boundary": self.boundary,
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


def coco_evaluate(gt: dict[str, Any], detections: list[dict[str, Any]],
                  iou_types: tuple[str, ...] = IOU_TYPES) -> EvalResult:
    """Score ``detections`` against the COCO ground truth ``gt`` (a COCO instances dict).

    The ground truth itself as detections (score 1) gives AP 1.0; no detections give 0.
    """
    gt_api = _coco_api(gt)
    names = {c["id"]: c["name"] for c in gt["categories"]}
    metrics: dict[str, dict[str, float | None]] = {}
    per_class: dict[str, dict[str, float | None]] = {}
    for iou_type in iou_types:
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


def score_detections(gt: dict[str, Any], detections: list[dict[str, Any]], *, refined: bool = False,
                     boundary: bool = False) -> EvalResult:
    """:func:`coco_evaluate`, plus with ``refined`` the ``plain_segmentation`` of every detection scored as
    ``segm_plain``, and with ``boundary`` the mean boundary IoU of each mask kind."""
    result = coco_evaluate(gt, detections)
    result.refined = refined
    kinds = {"segm": detections}
    if refined:
        kinds["segm_plain"] = [{**d, "segmentation": d["plain_segmentation"]} for d in detections]
        plain = coco_evaluate(gt, kinds["segm_plain"], iou_types=("segm",))
        result.metrics["segm_plain"], result.per_class["segm_plain"] = plain.metrics["segm"], plain.per_class["segm"]
    if boundary:
        result.boundary = {kind: mean_boundary_iou(gt, dets).to_json() for kind, dets in kinds.items()}
    return result


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
    refine: bool = False,
    runtime: str | RuntimeChoice | None = TORCH_FP32,
    model_name: str = "model",
    speed: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run ``model`` over ``dataset`` (RGB images, uint8 or float in ``[0, 1]``) -> COCO detections.

    Inference goes through :class:`~splashseg.predict.Predictor` (mask threshold and all) with the
    model's own score threshold, so every detection the model reports is scored, as COCO AP wants.
    refine: ``segmentation`` is the refined mask (on the model's device) and ``plain_segmentation`` the
    model's own. runtime: see :class:`~splashseg.predict.Predictor` (torch by default: training evaluates
    the model it trains). speed: filled with :meth:`Predictor.speed` when given.
    """
    names = [BACKGROUND, *dataset.class_names]
    conf = float(model.roi_heads.score_thresh)
    predictor = Predictor(model, names, device=device, conf=conf, batch_size=batch_size, amp=amp,
                          soft_masks=refine, runtime=runtime, model_name=model_name)
    step = refine_step(predictor, build_refiner(predictor.device)) if refine else None  # on the model's device
    subset = Subset(dataset, indices if indices is not None else range(len(dataset)))
    loader = DataLoader(subset, batch_size=batch_size, shuffle=False, num_workers=workers, collate_fn=collate)
    detections: list[dict[str, Any]] = []
    for images, targets in loader:
        images = [img.as_subclass(torch.Tensor) for img in images]  # [3, H, W] float in [0, 1]
        for det, image, target in zip(predictor.predict_tensors(images), images, targets, strict=True):
            entries = coco_results(det.to_numpy(), int(target["image_id"]),
                                   category_of_label=dataset.category_of_label)
            if step is not None:
                for entry, rle in zip(entries, masks_to_rles(step(det, image).masks), strict=True):
                    entry["plain_segmentation"], entry["segmentation"] = entry["segmentation"], rle
            detections += entries
    if speed is not None:
        speed.update(predictor.speed())
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
    refine: bool = False,
    boundary: bool = False,
    runtime: str | RuntimeChoice | None = TORCH_FP32,
    model_name: str = "model",
) -> EvalResult:
    """Predict on ``dataset`` and score against its ground truth (see :func:`score_detections` for
    ``refine`` and ``boundary``).

    Data-parallel: each of ``world_size`` ranks predicts every ``world_size``-th image, rank 0 gathers
    and scores, and every rank returns rank 0's result. runtime: as :func:`predict_dataset`; the result's
    ``extra["speed"]`` holds this rank's ``runtime``, ``model_seconds`` and ``model_seconds_per_image``.
    """
    indices = list(range(rank, len(dataset), world_size))
    speed: dict[str, Any] = {}
    detections = predict_dataset(model, dataset, device, batch_size=batch_size, workers=workers, amp=amp,
                                 indices=indices, refine=refine, runtime=runtime, model_name=model_name,
                                 speed=speed)
    gathered = all_gather_objects(detections)
    result = score_detections(dataset.coco, [d for part in gathered for d in part], refined=refine,
                              boundary=boundary) if rank == 0 else None
    result = broadcast_object(result)
    result.extra["speed"] = speed
    return result


@dataclass
class EvaluateConfig:
    """What ``evaluate`` scores: the checkpoint ``weights`` on ``dataset``'s ``split``.

    device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; min_size/max_size/model_name ``None``: the checkpoint's.
    refine: score masks refined against the picture (``segm``) beside the model's own (``segm_plain``).
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
    refine: bool = False
    runtime: str | None = None  # torch|openvino|auto; None: $SPLASHSEG_RUNTIME, else auto


def evaluate_weights(config: EvaluateConfig) -> EvalResult:
    """Load the checkpoint ``config.weights`` for the dataset's classes and evaluate it on ``config.split``:
    COCO AP and the boundary IoU of the masks (of the refined masks too with ``config.refine``).

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
                        min_size=config.min_size, max_size=config.max_size,
                        classes_from=f"dataset {config.dataset} ({config.split} split)")
    model = loaded.model.to(device)
    result = evaluate_model(model, data, device, batch_size=config.batch_size, workers=config.workers,
                            refine=config.refine, boundary=True,
                            runtime=resolve_runtime(config.runtime, device), model_name=loaded.model_name)
    result.extra.update(
        weights=str(config.weights),
        split=config.split,
        model=loaded.model_name,
        checkpoint_classes=loaded.class_names[1:],
        dataset_classes=data.class_names,
    )
    return result
