"""The canonical dataset: COCO instances JSON under ``DATASET/annotations/{split}.json``.

Layout of a dataset folder written by ``annotate-import``::

    DATASET/annotations/train.json   COCO instances (images, annotations, categories 1..K)
    DATASET/annotations/val.json
    DATASET/images/                  image files; ``file_name`` is relative to this folder
    DATASET/import-report.json

Every annotation has ``segmentation`` (polygons ``[[x0, y0, x1, y1, ...], ...]`` or RLE
``{"size": [h, w], "counts": ...}``), ``bbox`` ``[x, y, w, h]``, ``area``, ``iscrowd``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from ..errors import InputError
from .validate import validate_coco

SPLITS = ("train", "val", "test")


def annotation_path(dataset: Path, split: str) -> Path:
    """``DATASET/annotations/{split}.json``."""
    return Path(dataset) / "annotations" / f"{split}.json"


def images_dir(dataset: Path) -> Path:
    """``DATASET/images``: the folder ``file_name`` entries are relative to."""
    return Path(dataset) / "images"


def load_split(dataset: Path, split: str) -> dict[str, Any]:
    """Read one split of a canonical dataset as a COCO dict.

    Raises :class:`InputError` when the dataset or the split file is missing, or the file breaks an
    invariant the readers rely on (:func:`splashseg.data.validate.validate_coco`: unknown category or
    image ids, duplicate ids, bad boxes or segmentations, NaN...).
    """
    dataset = Path(dataset)
    if not dataset.is_dir():
        raise InputError(f"{dataset}: no such dataset folder")
    path = annotation_path(dataset, split)
    if not path.is_file():
        found = sorted(p.stem for p in (dataset / "annotations").glob("*.json"))
        hint = f" (splits present: {', '.join(found)})" if found else " (run `splashseg annotate-import` first)"
        raise InputError(f"{path}: no annotations for split '{split}'{hint}")
    try:
        coco = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not a readable JSON file ({str(exc)[:120]})") from None
    validate_coco(coco, path)
    return coco


def category_names(coco: dict[str, Any]) -> list[str]:
    """Class names in category-id order (ids are 1..K in a canonical dataset)."""
    return [c["name"] for c in sorted(coco["categories"], key=lambda c: c["id"])]


def segmentation_to_rle(segmentation: Any, height: int, width: int) -> dict[str, Any]:
    """Polygons, uncompressed RLE or compressed RLE -> one compressed RLE for an ``height x width`` image."""
    if isinstance(segmentation, list):
        polygons = [p for p in segmentation if len(p) >= 6]
        if not polygons:
            return mask_utils.encode(np.zeros((height, width, 1), dtype=np.uint8, order="F"))[0]
        return mask_utils.merge(mask_utils.frPyObjects(polygons, height, width))
    if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), list):
        return mask_utils.frPyObjects(segmentation, height, width)
    if isinstance(segmentation, dict):
        rle = dict(segmentation)
        if isinstance(rle["counts"], str):
            rle["counts"] = rle["counts"].encode("ascii")
        return rle
    raise ValueError(f"unknown segmentation type {type(segmentation).__name__}")


def annotation_mask(annotation: dict[str, Any], height: int, width: int) -> np.ndarray:
    """Rasterise one annotation's segmentation to a ``bool [height, width]`` mask."""
    rle = segmentation_to_rle(annotation["segmentation"], height, width)
    return mask_utils.decode(rle).astype(bool)


def mask_to_rle(mask: np.ndarray) -> dict[str, Any]:
    """``bool/uint8 [H, W]`` mask -> compressed RLE with ``counts`` as a str (JSON-ready)."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def write_coco(path: Path, coco: dict[str, Any]) -> None:
    """Write a COCO dict as UTF-8 JSON atomically (non-ASCII names kept readable)."""
    from ..fsutil import write_text_atomic

    write_text_atomic(Path(path), json.dumps(coco, ensure_ascii=False))
