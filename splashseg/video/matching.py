"""Overlap of masks and boxes, and the one-to-one assignment of tracks to detections (Hungarian).

Masks are float32 [H, W] in [0, 1] (bool accepted), N of them as an [N, H, W] array or a list (of
arrays, or of :class:`Crop` cut once beforehand); a pixel belongs to a mask at >= 0.5. Boxes are float
[N, 4] ``x1, y1, x2, y2`` in pixels. Host NumPy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment


class Crop(NamedTuple):
    """A mask as the bool crop ``bits`` [h, w] of its pixels at >= 0.5, placed at column x, row y (the
    matching functions take these in place of [H, W] masks, so a mask is cut once per frame)."""

    x: int
    y: int
    bits: np.ndarray

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.bits))


def binary_crop(mask: np.ndarray) -> Crop:
    """The :class:`Crop` of a float [H, W] mask (empty for an empty mask). Reads the mask twice at most
    and makes no full-size temporaries."""
    if isinstance(mask, Crop):
        return mask
    cols = np.flatnonzero(mask.max(axis=0) >= 0.5)
    if not len(cols):
        return Crop(0, 0, np.zeros((0, 0), bool))
    band = mask[:, cols[0]: cols[-1] + 1]
    rows = np.flatnonzero(band.max(axis=1) >= 0.5)
    return Crop(int(cols[0]), int(rows[0]), band[rows[0]: rows[-1] + 1] >= 0.5)


def mask_intersections(a: Sequence[Any], b: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(inter [N, M], area_a [N], area_b [M])`` in pixels for N masks a and M masks b ([H, W] arrays or
    :class:`Crop`). Only masks whose boxes meet are compared, inside their crops, so the cost grows with
    the objects' areas, not with N * M * H * W."""
    crops_a, crops_b = [binary_crop(m) for m in a], [binary_crop(m) for m in b]
    area_a = np.array([c.area for c in crops_a], np.int64).reshape(-1)
    area_b = np.array([c.area for c in crops_b], np.int64).reshape(-1)
    inter = np.zeros((len(crops_a), len(crops_b)), np.float32)
    box_a, box_b = _crop_boxes(crops_a), _crop_boxes(crops_b)  # int64 [N, 4], [M, 4] xyxy
    top_left = np.maximum(box_a[:, None, :2], box_b[None, :, :2])  # [N, M, 2]
    bottom_right = np.minimum(box_a[:, None, 2:], box_b[None, :, 2:])  # [N, M, 2]
    meet = (bottom_right > top_left).all(axis=2)  # [N, M]: the crops' boxes overlap
    for i, j in zip(*np.nonzero(meet), strict=True):  # only pairs whose boxes meet are read
        (ax, ay, ca), (bx, by, cb) = crops_a[i], crops_b[j]
        (x1, y1), (x2, y2) = top_left[i, j], bottom_right[i, j]
        inter[i, j] = np.count_nonzero(ca[y1 - ay: y2 - ay, x1 - ax: x2 - ax] & cb[y1 - by: y2 - by, x1 - bx: x2 - bx])
    return inter, area_a, area_b


def _crop_boxes(crops: Sequence[Crop]) -> np.ndarray:
    """int64 [N, 4] ``x1, y1, x2, y2`` of each crop (ends exclusive; an empty crop meets nothing)."""
    boxes = np.array([(c.x, c.y, c.x + c.bits.shape[1], c.y + c.bits.shape[0]) for c in crops], np.int64)
    return boxes.reshape(-1, 4)


def mask_iou(a: Sequence[Any], b: Sequence[Any]) -> np.ndarray:
    """float32 [N, M] intersection over union of masks a [N, H, W] and b [M, H, W] (arrays or lists of
    [H, W]; 0 where both are empty)."""
    inter, area_a, area_b = mask_intersections(a, b)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float32 [N, M] intersection over union of boxes a [N, 4] and b [M, 4] (xyxy)."""
    a, b = np.asarray(a, np.float32).reshape(-1, 4), np.asarray(b, np.float32).reshape(-1, 4)
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])  # [N, M, 2]
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])  # [N, M, 2]
    inter = np.clip(bottom_right - top_left, 0, None).prod(axis=2)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def overlap(masks_a: Sequence[Any], boxes_a: np.ndarray, masks_b: Sequence[Any], boxes_b: np.ndarray) -> np.ndarray:
    """float32 [N, M]: mask IoU, or box IoU for the pairs where either mask is empty (a model without masks,
    an object too small for its mask to survive the threshold)."""
    inter, area_a, area_b = mask_intersections(masks_a, masks_b)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    empty = (area_a == 0)[:, None] | (area_b == 0)[None, :]  # [N, M]
    if empty.any():
        iou = np.where(empty, box_iou(boxes_a, boxes_b), iou)
    return iou


def match(guesses: Sequence[Sequence[Any]], boxes_a: np.ndarray, masks_b: Sequence[Any], boxes_b: np.ndarray, *,
          iou_threshold: float, cover_threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (a, b) of N tracks and M detections.

    guesses: one or more lists of N masks ([H, W] or :class:`Crop`), each a guess of the tracks' masks (carried
    by optical flow, moved at the track's last speed...): a pair's overlap is its best over the guesses.
    Pairs are made first by IoU (:func:`overlap`) >= ``iou_threshold``; then, among what is left, by the
    share of b's mask that lies inside a's >= ``cover_threshold`` (a partly hidden object: what the model
    sees of it is a small part of the track's mask, so the IoU is low).
    """
    guesses = [[binary_crop(m) for m in guess] for guess in guesses]
    masks_b = [binary_crop(m) for m in masks_b]
    iou = np.max([overlap(g, boxes_a, masks_b, boxes_b) for g in guesses], axis=0)  # [N, M]
    pairs = assign(iou, iou_threshold)
    rest_a = [i for i in range(len(boxes_a)) if i not in {p[0] for p in pairs}]
    rest_b = [j for j in range(len(boxes_b)) if j not in {p[1] for p in pairs}]
    if rest_a and rest_b:
        cover = np.zeros((len(rest_a), len(rest_b)), np.float32)
        for guess in guesses:
            inter, _, area_b = mask_intersections([guess[i] for i in rest_a], [masks_b[j] for j in rest_b])
            share = np.divide(inter, area_b[None, :], out=np.zeros_like(inter), where=area_b[None, :] > 0)
            np.maximum(cover, share, out=cover)
        pairs += [(rest_a[i], rest_b[j]) for i, j in assign(cover, cover_threshold)]
    return pairs


def assign(iou: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs (row, column) of the one-to-one assignment with the largest total IoU (Hungarian, on
    ``1 - iou``), keeping only pairs that overlap by at least ``threshold`` (> 0)."""
    if iou.size == 0:
        return []
    rows, cols = linear_sum_assignment(1.0 - iou)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if iou[r, c] >= threshold and iou[r, c] > 0]


def duplicates(iou: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """bool [M]: detections that overlap a better-scoring kept detection by at least ``threshold``.

    iou: [M, M] overlap of one frame's detections with each other; scores: [M]. Greedy, best score first
    (non-maximum suppression across classes: one object the model names twice is one object).
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    dropped = np.zeros(len(order), bool)
    for rank, i in enumerate(order):
        if not dropped[i]:
            later = order[rank + 1:]
            dropped[later] |= iou[i, later] >= threshold
    return dropped
