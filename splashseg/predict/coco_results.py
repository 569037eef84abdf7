"""``coco_results``: one image's :class:`Detections` as COCO results entries (``detect``'s JSON, evaluation).

An entry::

    {"image_id": int, **image_fields, "category_id": int, "category_name": str,
     "bbox": [x, y, w, h] (pixels, float), "score": float in [0, 1],
     "segmentation": compressed RLE {"size": [h, w], "counts": str}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from .detections import Detections

BBOX_DECIMALS = 2  # rounded output: 1/100 pixel
SCORE_DECIMALS = 5


def masks_to_rles(masks: np.ndarray) -> list[dict[str, Any]]:
    """bool/uint8 ``[N, H, W]`` masks -> ``N`` compressed RLEs with ``counts`` as str (JSON-ready)."""
    if len(masks) == 0:
        return []
    masks = np.asarray(masks)
    as_bytes = masks.view(np.uint8) if masks.dtype == np.bool_ else masks.astype(np.uint8, copy=False)
    # pycocotools reads column by column (Fortran order [H, W, N]): each mask transposed into a C-order
    # [N, W, H] block is exactly that. OpenCV's blocked transpose is ~10x faster than NumPy's strided copy
    # of the whole stack (100 masks of 720p: 0.03 s against 0.4 s).
    columns = np.empty((len(masks), masks.shape[2], masks.shape[1]), np.uint8)
    for mask, column in zip(as_bytes, columns, strict=True):
        cv2.transpose(np.ascontiguousarray(mask), dst=column)
    rles = mask_utils.encode(columns.transpose(2, 1, 0))
    for rle in rles:
        rle["counts"] = rle["counts"].decode("ascii")
    return rles


def coco_results(
    det: Detections,
    image_id: int,
    *,
    category_of_label: Mapping[int, int] | None = None,
    image_fields: Mapping[str, Any] | None = None,
    rounded: bool = False,
) -> list[dict[str, Any]]:
    """COCO results entries for one image's detections (NumPy arrays, as ``Predictor`` returns them).

    category_of_label: model label -> dataset category id (``None``: the label is the category id, as
        for torchvision's COCO models and checkpoints trained on a canonical dataset).
    image_fields: extra keys written after ``image_id`` in every entry (e.g. file name and size).
    rounded: bbox to 1/100 pixel and score to 5 decimals (for files people read; evaluation keeps all).
    """
    boxes = np.asarray(det.boxes, dtype=np.float32).reshape(-1, 4).copy()  # [N, 4] x1, y1, x2, y2
    boxes[:, 2:] -= boxes[:, :2]  # -> x, y, w, h (in float32)
    entries = []
    for box, label, score, name, rle in zip(
        boxes.tolist(), np.asarray(det.labels).tolist(), np.asarray(det.scores).tolist(), det.names,
        masks_to_rles(det.masks), strict=True,
    ):
        if rounded:
            box, score = [round(v, BBOX_DECIMALS) for v in box], round(score, SCORE_DECIMALS)
        entries.append({
            "image_id": image_id,
            **(image_fields or {}),
            "category_id": category_of_label[label] if category_of_label is not None else label,
            "category_name": name,
            "bbox": box,
            "score": score,
            "segmentation": rle,
        })
    return entries
