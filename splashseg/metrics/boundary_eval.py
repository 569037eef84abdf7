"""Mean boundary IoU of a detections list against COCO ground truth: one number per dataset.

A simpler measure than the authors' Boundary AP (which swaps mask IoU for boundary IoU inside COCOeval):

1. every ground-truth instance that is not ``iscrowd`` is matched to the prediction of the same image and
   category with the highest mask IoU (one prediction may serve several instances; scores are ignored
   beyond ``min_score``);
2. it counts as *matched* when that mask IoU is at least ``min_mask_iou`` (0.5);
3. the result is the mean boundary IoU (:func:`~splashseg.metrics.boundary.boundary_iou`, ``d`` = 2% of
   the image diagonal) over the matched instances.

So it measures how good the edges of the objects that were found are; how many were found is mask AP's
job (``matched`` / ``instances`` is reported beside it). Detections are in COCO results form, as
:mod:`splashseg.train.evaluate` makes them: ``image_id``, ``category_id``, ``score`` and a compressed RLE
``segmentation``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from ..data.coco import segmentation_to_rle
from .boundary import DILATION_RATIO, boundary_iou

MIN_MASK_IOU = 0.5


@dataclass
class BoundaryScore:
    """``boundary_iou``: mean over matched instances in ``[0, 1]`` (``None`` when none matched)."""

    boundary_iou: float | None
    matched: int
    instances: int

    def to_json(self) -> dict[str, Any]:
        return {"boundary_iou": self.boundary_iou, "matched": self.matched, "instances": self.instances}


def _rle(segmentation: Any, height: int, width: int) -> dict[str, Any]:
    rle = segmentation_to_rle(segmentation, height, width)
    if list(rle["size"]) != [height, width]:
        raise ValueError(f"segmentation of size {rle['size']} in an image of size {[height, width]}")
    return rle


def _image_scores(gt_anns: list[dict[str, Any]], dets: list[dict[str, Any]], height: int, width: int,
                  dilation_ratio: float, min_mask_iou: float) -> list[float]:
    """Boundary IoUs of the matched ground-truth instances of one image."""
    by_class: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for det in dets:
        by_class[det["category_id"]].append(_rle(det["segmentation"], height, width))
    scores = []
    for ann in gt_anns:
        candidates = by_class.get(ann["category_id"], [])
        if not candidates:
            continue
        gt_rle = _rle(ann["segmentation"], height, width)
        ious = np.asarray(mask_utils.iou(candidates, [gt_rle], [0])).reshape(-1)  # [D] mask IoU
        best = int(np.argmax(ious))
        if ious[best] >= min_mask_iou:
            gt_mask = mask_utils.decode(gt_rle).astype(bool)
            pred_mask = mask_utils.decode(candidates[best]).astype(bool)
            scores.append(boundary_iou(gt_mask, pred_mask, dilation_ratio=dilation_ratio))
    return scores


def mean_boundary_iou(gt: dict[str, Any], detections: list[dict[str, Any]], *,
                      dilation_ratio: float = DILATION_RATIO, min_mask_iou: float = MIN_MASK_IOU,
                      min_score: float = 0.0) -> BoundaryScore:
    """Score ``detections`` against the COCO instances dict ``gt`` (see the module docstring).

    The ground truth itself as detections gives 1.0 with every instance matched; no detections give
    ``boundary_iou=None`` and ``matched=0``.
    """
    gt_by_image: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ann in gt["annotations"]:
        if not ann.get("iscrowd", 0):
            gt_by_image[ann["image_id"]].append(ann)
    dets_by_image: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for det in detections:
        if float(det.get("score", 1.0)) >= min_score:
            dets_by_image[det["image_id"]].append(det)
    scores: list[float] = []
    for image in gt["images"]:
        anns = gt_by_image.get(image["id"], [])
        if anns:
            scores += _image_scores(anns, dets_by_image.get(image["id"], []), int(image["height"]),
                                    int(image["width"]), dilation_ratio, min_mask_iou)
    instances = sum(len(anns) for anns in gt_by_image.values())
    mean = float(np.mean(scores)) if scores else None
    return BoundaryScore(mean, len(scores), instances)
