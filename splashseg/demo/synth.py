"""Synthetic data the demo (and users' smoke tests) can make offline.

Pictures: coloured objects of three classes on textured backgrounds, annotated the way a person would
in the VGG Image Annotator 2.x: ``balloon`` as ellipses (rotated) or circles, ``box`` as rects, ``kite``
as polygons. Object colours are random, so the class is in the shape, not the colour.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..images import write_image

CLASSES = ("balloon", "box", "kite")


@dataclass
class SynthObject:
    """One object: its class and VIA ``shape_attributes`` (pixel coordinates)."""

    name: str
    shape: dict[str, Any]


def textured_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """RGB ``uint8 [H, W, 3]``: a colour gradient, soft blobs, stripes and noise."""
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    c0, c1 = rng.uniform(30, 225, 3), rng.uniform(30, 225, 3)
    t = (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1)) / (height + width) + 0.5
    img = c0 * (1 - t[..., None]) + c1 * t[..., None]
    period, angle = rng.uniform(8, 40), rng.uniform(0, math.pi)
    stripes = np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period)
    img += stripes[..., None] * rng.uniform(5, 25)
    img += rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def random_object(rng: np.random.Generator, name: str, height: int, width: int) -> SynthObject:
    size = rng.uniform(0.09, 0.2) * min(height, width)
    cx, cy = rng.uniform(size, width - size), rng.uniform(size, height - size)
    if name == "balloon":
        if rng.random() < 0.4:
            return SynthObject(name, {"name": "circle", "cx": round(cx), "cy": round(cy), "r": round(size)})
        return SynthObject(name, {"name": "ellipse", "cx": round(cx), "cy": round(cy), "rx": round(size),
                                  "ry": round(size * rng.uniform(0.55, 0.8)), "theta": float(rng.uniform(0, math.pi))})
    if name == "box":
        w, h = size * rng.uniform(1.2, 2.0), size * rng.uniform(1.2, 2.0)
        return SynthObject(name, {"name": "rect", "x": round(cx - w / 2), "y": round(cy - h / 2), "width": round(w),
                                  "height": round(h)})
    # kite: a diamond with a long tail side, slightly rotated
    angle = rng.uniform(-0.5, 0.5)
    points = [(0, -1.3), (0.75, -0.2), (0, 1.1), (-0.75, -0.2)]
    xs = [round(cx + size * (px * math.cos(angle) - py * math.sin(angle))) for px, py in points]
    ys = [round(cy + size * (px * math.sin(angle) + py * math.cos(angle))) for px, py in points]
    return SynthObject(name, {"name": "polygon", "all_points_x": xs, "all_points_y": ys})


def draw_object(img: np.ndarray, obj: SynthObject, color: tuple[int, int, int]) -> None:
    shape = obj.shape
    kind = shape["name"]
    if kind == "circle":
        cv2.circle(img, (shape["cx"], shape["cy"]), shape["r"], color, cv2.FILLED, cv2.LINE_AA)
    elif kind == "ellipse":
        cv2.ellipse(img, (shape["cx"], shape["cy"]), (shape["rx"], shape["ry"]), math.degrees(shape["theta"]), 0, 360,
                    color, cv2.FILLED, cv2.LINE_AA)
    elif kind == "rect":
        cv2.rectangle(img, (shape["x"], shape["y"]), (shape["x"] + shape["width"], shape["y"] + shape["height"]),
                      color, cv2.FILLED)
    else:
        pts = np.stack([shape["all_points_x"], shape["all_points_y"]], axis=1).astype(np.int32)
        cv2.fillPoly(img, [pts], color, cv2.LINE_AA)


def object_extent(obj: SynthObject) -> tuple[float, float, float]:
    """Centre ``(x, y)`` and radius of a circle that holds the object."""
    shape = obj.shape
    if shape["name"] in ("circle", "ellipse"):
        return shape["cx"], shape["cy"], shape.get("r", shape.get("rx", 0))
    if shape["name"] == "rect":
        return (shape["x"] + shape["width"] / 2, shape["y"] + shape["height"] / 2,
                math.hypot(shape["width"], shape["height"]) / 2)
    xs, ys = shape["all_points_x"], shape["all_points_y"]
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    return cx, cy, max(math.hypot(x - cx, y - cy) for x, y in zip(xs, ys, strict=True))


def objects_apart(a: SynthObject, b: SynthObject) -> bool:
    ax, ay, ar = object_extent(a)
    bx, by, br = object_extent(b)
    return math.hypot(ax - bx, ay - by) > (ar + br) * 1.05


def object_color(rng: np.random.Generator) -> tuple[int, int, int]:
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(150, 256), rng.integers(150, 256)]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])


def synth_picture(rng: np.random.Generator, height: int, width: int, max_objects: int = 4
                  ) -> tuple[np.ndarray, list[SynthObject]]:
    """One picture (RGB ``uint8 [H, W, 3]``) and its objects, later ones drawn over earlier ones."""
    img = textured_background(rng, height, width)
    objects: list[SynthObject] = []
    for _ in range(rng.integers(1, max_objects + 1)):
        for _attempt in range(20):  # place objects apart, so every annotation is what the picture shows
            candidate = random_object(rng, CLASSES[rng.integers(len(CLASSES))], height, width)
            if all(objects_apart(candidate, other) for other in objects):
                objects.append(candidate)
                break
    for obj in objects:
        draw_object(img, obj, object_color(rng))
    return img, objects


def via_project(entries: list[tuple[str, int, list[SynthObject]]]) -> dict[str, Any]:
    """A VIA 2.x project dict (``_via_img_metadata`` plus a ``class`` dropdown attribute)."""
    metadata = {}
    for file_name, size, objects in entries:
        regions = [{"shape_attributes": o.shape, "region_attributes": {"class": o.name}} for o in objects]
        metadata[f"{file_name}{size}"] = {"filename": file_name, "size": size, "regions": regions,
                                          "file_attributes": {}}
    options = {name: "" for name in CLASSES}
    return {
        "_via_settings": {"ui": {}, "core": {"buffer_size": 18, "filepath": {}, "default_filepath": ""},
                          "project": {"name": "splashseg-demo"}},
        "_via_img_metadata": metadata,
        "_via_attributes": {"region": {"class": {"type": "dropdown", "description": "object class",
                                                 "options": options, "default_options": {}}}, "file": {}},
        "_via_data_format_version": "2.0.10",
        "_via_image_id_list": list(metadata),
    }


def write_via_dataset(folder: Path, count: int, *, size: int = 192, seed: int = 0) -> Path:
    """Write ``count`` pictures and ``via_project.json`` into ``folder``; returns the project file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(count):
        img, objects = synth_picture(rng, size, size)
        name = f"scene_{i:03d}.png"
        write_image(folder / name, img)
        entries.append((name, (folder / name).stat().st_size, objects))
    project = folder / "via_project.json"
    project.write_text(json.dumps(via_project(entries), indent=1))
    return project
