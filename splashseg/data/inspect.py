"""``inspect``: statistics of a canonical dataset and pictures of annotated samples.

Pictures are drawn with detect's overlay (:func:`splashseg.render.draw_detections`): each instance's mask
tinted in its own colour and outlined, its box drawn, and its class name on an opaque label. Statistics
are plain dicts; the CLI renders them as a table.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, make_output_dir
from ..images import read_image, write_image
from ..render.overlay import Instances, draw_detections
from .coco import SPLITS, annotation_mask, annotation_path, images_dir, load_split

SMALL_AREA, LARGE_AREA = 32**2, 96**2  # COCO's object-size thresholds in pixels
MIN_PICTURE_SIDE = 320  # tiny images are enlarged so labels stay legible
MASK_OPACITY = 0.45


@dataclass
class InspectConfig:
    """Options of ``inspect`` (defaults live here only). ``out`` defaults to ``DATASET/inspect``."""

    dataset: Path
    out: Path | None = None
    count: int = 8
    splits: list[str] | None = None
    seed: int = 0
    force: bool = False


@dataclass
class InspectResult:
    statistics: dict[str, Any]
    pictures: list[Path] = field(default_factory=list)


def size_bucket(area: float) -> str:
    """COCO's size class of an instance of ``area`` pixels."""
    return "small" if area < SMALL_AREA else "medium" if area < LARGE_AREA else "large"


def split_statistics(coco: dict[str, Any]) -> dict[str, Any]:
    """Counts for one COCO dict: instances per class, sizes, instances per image, images without objects."""
    names = {c["id"]: c["name"] for c in coco["categories"]}
    per_image = Counter(a["image_id"] for a in coco["annotations"])
    counts = [per_image.get(image["id"], 0) for image in coco["images"]]
    per_class = Counter(names.get(a["category_id"], str(a["category_id"])) for a in coco["annotations"])
    return {
        "images": len(coco["images"]),
        "instances": len(coco["annotations"]),
        "images_without_objects": counts.count(0),
        "instances_per_class": {name: per_class.get(name, 0) for name in names.values()},
        "sizes": dict(Counter(size_bucket(float(a.get("area", 0))) for a in coco["annotations"])),
        "instances_per_image": {
            "mean": round(statistics.fmean(counts), 3) if counts else 0.0,
            "median": statistics.median(counts) if counts else 0,
            "max": max(counts, default=0),
            "histogram": {str(k): v for k, v in sorted(Counter(counts).items())},
        },
        "crowd": sum(1 for a in coco["annotations"] if a.get("iscrowd")),
    }


def render_sample(rgb: np.ndarray, annotations: list[dict[str, Any]], names: dict[int, str]) -> np.ndarray:
    """Draw annotations on an RGB ``uint8 [H, W, 3]`` image with detect's overlay (masks, boxes, names).

    Images whose longer side is under ``MIN_PICTURE_SIDE`` are enlarged (nearest neighbour) first, so
    labels stay legible. Returns a new RGB ``uint8`` array.
    """
    height, width = rgb.shape[:2]
    zoom = max(1, math.ceil(MIN_PICTURE_SIDE / max(height, width)))
    masks = np.zeros((len(annotations), height, width), dtype=bool)  # [N, H, W]
    for i, annotation in enumerate(annotations):
        masks[i] = annotation_mask(annotation, height, width)
    boxes = np.array([a["bbox"] for a in annotations], dtype=np.float64).reshape(-1, 4)  # [N, 4] x, y, w, h
    boxes[:, 2:] += boxes[:, :2]  # -> x1, y1, x2, y2
    if zoom > 1:
        rgb = rgb.repeat(zoom, axis=0).repeat(zoom, axis=1)
        masks = masks.repeat(zoom, axis=1).repeat(zoom, axis=2)
        boxes *= zoom
    labels = [names.get(a["category_id"], "?") for a in annotations]
    return draw_detections(rgb, Instances(boxes=boxes, masks=masks, names=labels), mask_alpha=MASK_OPACITY)


def choose_samples(
    cocos: dict[str, dict[str, Any]], count: int, seed: int
) -> list[tuple[str, dict[str, Any]]]:
    """``count`` (split, image entry) pairs drawn with ``seed``, images with objects first."""
    annotated = {(s, a["image_id"]) for s, coco in cocos.items() for a in coco["annotations"]}
    pool = [(split, image) for split, coco in cocos.items() for image in coco["images"]]
    random.Random(seed).shuffle(pool)
    pool.sort(key=lambda item: (item[0], item[1]["id"]) not in annotated)
    return pool[:count]


def picture_path(out: Path, split: str, image: dict[str, Any]) -> Path:
    return out / f"{split}-{image['id']:05d}-{Path(image['file_name']).stem}.jpg"


def render_pictures(config: InspectConfig, cocos: dict[str, dict[str, Any]], out: Path) -> list[Path]:
    """Write one picture per chosen sample into ``out``; raises :class:`InputError` for unreadable images."""
    samples = choose_samples(cocos, config.count, config.seed)
    targets = [picture_path(out, split, image) for split, image in samples]
    inputs = [images_dir(config.dataset), *(annotation_path(config.dataset, split) for split in cocos)]
    check_output_dir(out, inputs, "inspect")
    check_output_files(targets, inputs, config.force)
    if targets:
        make_output_dir(out, "inspect", force=config.force)
    for (split, image), target in zip(samples, targets, strict=True):
        loaded = read_image(images_dir(config.dataset) / image["file_name"])
        if (loaded.width, loaded.height) != (image["width"], image["height"]):
            raise InputError(
                f"{loaded.path}: image is {loaded.width}x{loaded.height} but {split}.json says "
                f"{image['width']}x{image['height']}"
            )
        annotations = [a for a in cocos[split]["annotations"] if a["image_id"] == image["id"]]
        names = {c["id"]: c["name"] for c in cocos[split]["categories"]}
        write_image(target, render_sample(loaded.rgb, annotations, names))
    return targets


def present_splits(dataset: Path) -> list[str]:
    """The splits of ``dataset`` that have an annotation file; :class:`InputError` when there is none."""
    present = [s for s in SPLITS if annotation_path(dataset, s).is_file()]
    if present:
        return present
    others = sorted(p.name for p in (dataset / "annotations").glob("*.json"))
    if others:
        raise InputError(
            f"{dataset / 'annotations'}: no {', '.join(f'{s}.json' for s in SPLITS)} (found {', '.join(others)})"
        )
    raise InputError(f"not a dataset: {dataset} (no annotations/*.json; make one with splashseg annotate-import)")


def inspect_dataset(config: InspectConfig) -> InspectResult:
    """Statistics per split (and ``"all"``) plus sample pictures in ``config.out`` (``DATASET/inspect``)."""
    splits = config.splits or present_splits(Path(config.dataset))
    cocos = {split: load_split(config.dataset, split) for split in splits}
    stats = {split: split_statistics(coco) for split, coco in cocos.items()}
    if len(cocos) > 1:
        merged = {"images": [], "annotations": [], "categories": next(iter(cocos.values()))["categories"]}
        for split, coco in cocos.items():
            merged["images"] += [{**im, "id": (split, im["id"])} for im in coco["images"]]
            merged["annotations"] += [{**a, "image_id": (split, a["image_id"])} for a in coco["annotations"]]
        stats["all"] = split_statistics(merged)
    out = Path(config.out) if config.out is not None else Path(config.dataset) / "inspect"
    pictures = render_pictures(config, cocos, out) if config.count > 0 else []
    return InspectResult(statistics=stats, pictures=pictures)
