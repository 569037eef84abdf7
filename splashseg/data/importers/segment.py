"""A parsed region on a known image size -> one COCO annotation body.

Polygons stay polygons (clipped to the image, flat ``[x0, y0, x1, y1, ...]`` lists in pixels); RLE stays
RLE (checked, compressed, ``counts`` as str). ``area`` is the rasterised pixel count, as COCO defines it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from ..coco import mask_to_rle
from .records import Region
from .rle import check_rle
from .shapes import ShapeError, clean_polygon


def _polygon_body(polygons: list[np.ndarray], width: int, height: int) -> dict[str, Any]:
    parts, error = [], ShapeError("no polygon")
    for polygon in polygons:
        try:
            parts.append(clean_polygon(polygon, width, height))
        except ShapeError as exc:
            error = exc
    if not parts:
        raise error
    flat = [[round(float(v), 2) for v in part.reshape(-1)] for part in parts]  # [x0, y0, x1, y1, ...]
    rle = mask_utils.merge(mask_utils.frPyObjects(flat, height, width))
    area = float(mask_utils.area(rle))
    points = np.concatenate(parts)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return {
        "segmentation": flat,
        "area": area,
        "bbox": [
            round(float(x0), 2),
            round(float(y0), 2),
            round(float(x1 - x0), 2),
            round(float(y1 - y0), 2),
        ],
    }


def _rle_body(rle: dict[str, Any], width: int, height: int) -> dict[str, Any]:
    checked = check_rle(rle, height, width)
    encoded = {"size": checked["size"], "counts": checked["counts"].encode("ascii")}
    return {
        "segmentation": checked,
        "area": float(mask_utils.area(encoded)),
        "bbox": [float(v) for v in mask_utils.toBbox(encoded)],
    }


def _bitmap_body(bitmap: tuple[np.ndarray, tuple[int, int]], width: int, height: int) -> dict[str, Any]:
    mask, (x, y) = bitmap
    full = np.zeros((height, width), dtype=bool)  # [H, W]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + mask.shape[1], width), min(y + mask.shape[0], height)
    if x1 <= x0 or y1 <= y0:
        raise ShapeError("outside the image")
    full[y0:y1, x0:x1] = mask[y0 - y : y1 - y, x0 - x : x1 - x]
    return _rle_body(mask_to_rle(full), width, height)


def annotation_body(region: Region, width: int, height: int) -> dict[str, Any]:
    """COCO ``segmentation``, ``area``, ``bbox`` [x, y, w, h] and ``iscrowd`` of ``region`` on a
    ``width x height`` image; raises :class:`ShapeError` when it covers no pixel of the image."""
    if region.rle is not None:
        body = _rle_body(region.rle, width, height)
    elif region.bitmap is not None:
        body = _bitmap_body(region.bitmap, width, height)
    else:
        body = _polygon_body(region.polygons, width, height)
    if body["area"] <= 0:
        raise ShapeError("covers no pixel")
    body["iscrowd"] = region.iscrowd
    return body
