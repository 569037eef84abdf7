"""``inspect``: statistics of a canonical dataset and pictures of annotated samples.

Pictures are RGB ``uint8 [H, W, 3]`` with each instance's mask tinted in its own colour and outlined,
its box drawn, and its class name on an opaque label (readable on light and dark images).
"""

from __future__ import annotations

import colorsys
import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from rich.table import Table

from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, make_output_dir
from ..images import read_image, write_image
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


def instance_colors(count: int) -> list[tuple[int, int, int]]:
    """``count`` distinct bright RGB colours (hues spread by the golden ratio)."""
    hues = [(i * 0.618033988749895) % 1.0 for i in range(count)]
    return [tuple(int(255 * c) for c in colorsys.hsv_to_rgb(h, 0.85, 0.95)) for h in hues]


def _draw_label(
    canvas: np.ndarray, text: str, x: int, y: int, color: tuple[int, int, int], scale: float
) -> None:
    """Opaque label box in ``color`` with black or white text, whichever contrasts (canvas is RGB)."""
    thickness = max(1, round(scale * 2))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    height, width = canvas.shape[:2]
    x = min(max(0, x), max(0, width - tw - 4))
    y = max(th + base + 4, y)  # keep the label inside the picture
    cv2.rectangle(canvas, (x, y - th - base - 4), (x + tw + 4, y), color, -1)
    luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
    cv2.putText(
        canvas, text, (x + 2, y - base - 2), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, thickness, cv2.LINE_AA
    )


def render_sample(rgb: np.ndarray, annotations: list[dict[str, Any]], names: dict[int, str]) -> np.ndarray:
    """Draw masks (tinted, outlined), boxes and class names on an RGB ``uint8 [H, W, 3]`` image.

    Images whose longer side is under ``MIN_PICTURE_SIDE`` are enlarged (nearest neighbour) first.
    Returns a new RGB ``uint8`` array.
    """
    height, width = rgb.shape[:2]
    zoom = max(1, math.ceil(MIN_PICTURE_SIDE / max(height, width)))
    canvas = (
        cv2.resize(rgb, (width * zoom, height * zoom), interpolation=cv2.INTER_NEAREST) if zoom > 1 else rgb
    )
    canvas = canvas.copy()
    line = max(1, round(max(canvas.shape[:2]) / 300))
    scale = max(0.4, max(canvas.shape[:2]) / 900)
    for annotation, color in zip(annotations, instance_colors(len(annotations)), strict=True):
        mask = annotation_mask(annotation, height, width).astype(np.uint8)  # [H, W]
        if zoom > 1:
            mask = cv2.resize(mask, (width * zoom, height * zoom), interpolation=cv2.INTER_NEAREST)
        tint = np.array(color, dtype=np.float32)
        region = mask.astype(bool)
        canvas[region] = (canvas[region] * (1 - MASK_OPACITY) + tint * MASK_OPACITY).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(canvas, contours, -1, color, line)
        x, y, w, h = (float(v) * zoom for v in annotation["bbox"])
        cv2.rectangle(canvas, (round(x), round(y)), (round(x + w), round(y + h)), color, line)
        _draw_label(canvas, names.get(annotation["category_id"], "?"), round(x), round(y), color, scale)
    return canvas


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
        make_output_dir(out, "inspect")
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


def statistics_table(stats: dict[str, Any]) -> Table:
    """A rich table: one column per split, rows for counts, sizes and instances per class."""
    table = Table(title="dataset statistics")
    table.add_column("")
    for split in stats:
        table.add_column(split, justify="right")
    rows = [
        ("images", lambda s: s["images"]),
        ("images without objects", lambda s: s["images_without_objects"]),
        ("instances", lambda s: s["instances"]),
        (
            "instances per image (mean / max)",
            lambda s: f"{s['instances_per_image']['mean']:.2f} / {s['instances_per_image']['max']}",
        ),
    ]
    rows += [(f"size {b}", lambda s, b=b: s["sizes"].get(b, 0)) for b in ("small", "medium", "large")]
    names = dict.fromkeys(n for s in stats.values() for n in s["instances_per_class"])
    rows += [(f"class {n}", lambda s, n=n: s["instances_per_class"].get(n, 0)) for n in names]
    for label, value in rows:
        table.add_row(label, *(str(value(s)) for s in stats.values()))
    return table


def inspect_dataset(config: InspectConfig) -> InspectResult:
    """Statistics per split (and ``"all"``) plus sample pictures in ``config.out`` (``DATASET/inspect``)."""
    present = [s for s in SPLITS if annotation_path(config.dataset, s).is_file()]
    splits = config.splits or present
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
