"""LabelMe per-image JSON: ``shapes`` (polygon, rectangle, circle, linestrip, line, point, mask...),
``imagePath``, ``imageData`` (the image file itself, base64, when it is embedded), image size.

Shapes sharing a ``group_id`` and label form one instance (LabelMe's way to draw an occluded object
in several parts).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .records import ImageRecord, ParsedFile, Region, claimed_size
from .report import ImportReport
from .shapes import ShapeError, ellipse_polygon, number, rect_polygon

SKIPPED_SHAPES = {
    "point": "point shape (no area)",
    "points": "point shape (no area)",
    "line": "line shape (no area)",
}


def looks_like_labelme(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("shapes"), list)
        and ("imagePath" in data or "imageData" in data)
    )


def _points(shape: dict[str, Any]) -> np.ndarray:
    points = shape.get("points")
    if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 2 for p in points):
        raise ShapeError("shape without a list of [x, y] points")
    return np.array([[number(x), number(y)] for x, y in points], dtype=np.float64).reshape(-1, 2)


def _rectangle(points: np.ndarray) -> np.ndarray:
    if len(points) != 2:
        raise ShapeError("rectangle without 2 corner points")
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return rect_polygon(x0, y0, x1 - x0, y1 - y0)


def _circle(points: np.ndarray) -> np.ndarray:
    if len(points) != 2:
        raise ShapeError("circle without centre and edge points")
    radius = math.dist(points[0], points[1])
    return ellipse_polygon(points[0][0], points[0][1], radius, radius)


SHAPES = {"polygon": lambda p: p, "linestrip": lambda p: p, "rectangle": _rectangle, "circle": _circle}


def _mask_bitmap(shape: dict[str, Any], points: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """LabelMe 5 ``mask`` shape: a base64 PNG of the box between the two points -> bool mask + offset."""
    try:
        data = base64.b64decode(str(shape.get("mask")), validate=False)
        with Image.open(io.BytesIO(data)) as img:
            mask = np.asarray(img.convert("L")) > 0
    except (binascii.Error, ValueError, OSError, UnidentifiedImageError):
        raise ShapeError("mask shape without a readable PNG") from None
    if len(points) < 1:
        raise ShapeError("mask shape without a position")
    return mask, (int(round(points[0][0])), int(round(points[0][1])))


def shape_region(shape: Any, where: str) -> Region:
    """One LabelMe shape -> :class:`Region` (``class_name`` is the stripped label)."""
    if not isinstance(shape, dict):
        raise ShapeError("shape is not an object")
    kind = shape.get("shape_type") or "polygon"
    if not isinstance(kind, str):
        raise ShapeError(f"shape_type is not a name ({type(kind).__name__})")
    if not isinstance(shape.get("label"), str):
        raise ShapeError("shape without a label")
    if kind in SKIPPED_SHAPES:
        raise ShapeError(SKIPPED_SHAPES[kind])
    points = _points(shape)
    region = Region(where=where, class_name=shape["label"])
    if kind == "mask":
        region.bitmap = _mask_bitmap(shape, points)
        return region
    if kind not in SHAPES:
        raise ShapeError(f"unknown shape {str(kind)[:40]!r}")
    region.polygons = [SHAPES[kind](points)]
    return region


def _embedded(data: dict[str, Any], path: Path, report: ImportReport) -> bytes | None:
    value = data.get("imageData")
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        report.note(f"{path.name}: imageData is not base64; looking for the image file instead")
        return None


def parse_labelme(data: Any, path: Path, base_dir: Path, report: ImportReport) -> ParsedFile:
    """One LabelMe file -> one image record."""
    image_path = data.get("imagePath") if isinstance(data.get("imagePath"), str) else ""
    width, height = data.get("imageWidth"), data.get("imageHeight")
    claimed = claimed_size(width, height)
    record = ImageRecord(
        file_name=image_path or f"{path.stem}.png",
        base_dir=base_dir,
        source=path,
        claimed_size=claimed,
        embedded=_embedded(data, path, report),
    )
    groups: dict[tuple[str, Any], Region] = {}
    for index, shape in enumerate(data["shapes"]):
        where = f"{path.name}: shape {index}"
        try:
            region = shape_region(shape, where)
        except ShapeError as exc:
            record.drop(report, str(exc), where)
            continue
        group = shape.get("group_id")
        key = (region.class_name or "", group)
        if group is not None and not isinstance(group, (dict, list)) and region.polygons and key in groups:
            groups[key].polygons.extend(region.polygons)
            continue
        if group is not None and not isinstance(group, (dict, list)) and region.polygons:
            groups[key] = region
        record.regions.append(region)
    return ParsedFile(path=path, format="labelme", images=[record])
