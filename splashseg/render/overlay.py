"""The detection overlay: translucent masks, outlines, boxes and ``name score`` labels.

Labels sit on a filled box of the instance colour with black or white text chosen by that colour's
luma, so they stay readable on dark and light pictures alike. Instances without scores (ground truth,
:class:`Instances`) are drawn the same way with ``name`` labels.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

GOLDEN_RATIO = 0.618033988749895


@dataclass
class Instances:
    """Instances to draw without scores, e.g. a dataset's annotations (the first is drawn underneath).

    boxes: float ``[N, 4]`` ``x1, y1, x2, y2`` in pixels; masks: bool ``[N, H, W]``; names: ``N`` labels.
    """

    boxes: np.ndarray
    masks: np.ndarray
    names: list[str]
    scores: None = None

    def __len__(self) -> int:
        return len(self.names)


def instance_colors(count: int) -> np.ndarray:
    """``uint8 [count, 3]`` RGB colours, neighbours far apart in hue (golden-ratio steps)."""
    colors = [colorsys.hsv_to_rgb((0.1 + i * GOLDEN_RATIO) % 1.0, 0.85, 0.95) for i in range(count)]
    return np.round(np.asarray(colors, dtype=np.float64).reshape(-1, 3) * 255).astype(np.uint8)


def _text_color(rgb: np.ndarray) -> tuple[int, int, int]:
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (0, 0, 0) if luma > 140 else (255, 255, 255)


def _box_of(mask: np.ndarray, box: np.ndarray, height: int, width: int) -> tuple[int, int, int, int]:
    """Integer crop ``x1, y1, x2, y2`` that holds the box (masks of Mask R-CNN lie inside their box)."""
    x1, y1 = max(0, int(np.floor(box[0])) - 1), max(0, int(np.floor(box[1])) - 1)
    x2, y2 = min(width, int(np.ceil(box[2])) + 2), min(height, int(np.ceil(box[3])) + 2)
    return x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _draw_label(canvas: np.ndarray, text: str, x: int, y: int, color: np.ndarray, scale: float,
                thickness: int, taken: list[tuple[int, int, int, int]]) -> None:
    """Draw ``text`` on a filled box at the box corner ``(x, y)``, moved down past labels in ``taken``."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), baseline = cv2.getTextSize(text, font, scale, thickness)
    height, width = canvas.shape[:2]
    pad = max(2, thickness + 1)
    label_h = th + baseline + 2 * pad
    top = y - label_h
    if top < 0:  # no room above the box: put the label inside it
        top = y
    x = int(min(max(0, x), max(0, width - tw - 2 * pad)))
    for _ in range(len(taken)):  # two detections of one object share a corner: stack their labels
        rect = (x, top, x + tw + 2 * pad, top + label_h)
        if not any(_overlaps(rect, other) for other in taken) or top + 2 * label_h > height:
            break
        top += label_h
    taken.append((x, top, x + tw + 2 * pad, top + label_h))
    bottom = min(height - 1, top + label_h)
    cv2.rectangle(canvas, (x, top), (x + tw + 2 * pad, bottom), tuple(int(c) for c in color), cv2.FILLED)
    cv2.putText(canvas, text, (x + pad, bottom - baseline - pad + 1), font, scale, _text_color(color), thickness,
                cv2.LINE_AA)


def draw_detections(image_rgb: np.ndarray, detections: Any, *, mask_alpha: float = 0.45,
                    boxes: bool = True, labels: bool = True, colors: np.ndarray | None = None) -> np.ndarray:
    """Draw ``detections`` (see :class:`splashseg.predict.Detections`, NumPy) on a copy of the image.

    Args:
        image_rgb: RGB ``uint8 [H, W, 3]``.
        detections: boxes float ``[N, 4]`` xyxy, scores ``[N]``, masks bool ``[N, H, W]``, names; or
            :class:`Instances` (scores ``None``: drawn in their order, labelled with the name alone).
        mask_alpha: opacity of the mask fill in ``[0, 1]``.
        colors: RGB ``uint8 [N, 3]``, one per instance (default: :func:`instance_colors`, by position;
            video overlays pass one colour per track id so a track keeps its colour).

    Returns:
        RGB ``uint8 [H, W, 3]``; the input is not modified.
    """
    canvas = np.array(image_rgb, dtype=np.uint8, copy=True)
    height, width = canvas.shape[:2]
    count = len(detections)
    if count == 0:
        return canvas
    colors = instance_colors(count) if colors is None else np.asarray(colors, np.uint8).reshape(count, 3)
    line = max(1, round(min(height, width) / 300))
    scale = max(0.35, min(height, width) / 900)
    scores = detections.scores
    order = np.argsort(np.asarray(scores)) if scores is not None else np.arange(count)  # best last, on top
    for i in order:
        mask, color = detections.masks[i], colors[i]
        x1, y1, x2, y2 = _box_of(mask, detections.boxes[i], height, width)
        crop, sub = canvas[y1:y2, x1:x2], mask[y1:y2, x1:x2]
        crop[sub] = (crop[sub] * (1.0 - mask_alpha) + color * mask_alpha).astype(np.uint8)
        contours, _ = cv2.findContours(sub.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(crop, contours, -1, tuple(int(c) for c in color), line, cv2.LINE_AA)
    corners = np.round(np.asarray(detections.boxes, dtype=np.float64)).astype(int)  # [N, 4] x1, y1, x2, y2
    if boxes:
        for i in order:
            x1, y1, x2, y2 = corners[i]
            cv2.rectangle(canvas, (x1, y1), (x2, y2), tuple(int(c) for c in colors[i]), line, cv2.LINE_AA)
    taken: list[tuple[int, int, int, int]] = []
    for i in order[::-1] if labels else []:  # best first: its label keeps its place
        color = colors[i]
        bx1, by1 = int(corners[i][0]), int(corners[i][1])
        if labels:
            text = f"{detections.names[i]} {float(scores[i]):.2f}" if scores is not None else detections.names[i]
            _draw_label(canvas, text, bx1, by1, color, scale, max(1, line // 2 + (1 if scale > 0.7 else 0)), taken)
    return canvas
