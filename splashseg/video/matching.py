"""Overlap of masks and boxes, and the one-to-one assignment of tracks to detections (Hungarian).

Masks are float32 [N, H, W] in [0, 1] (bool accepted); a pixel belongs to a mask at >= 0.5. Boxes are
float [N, 4] ``x1, y1, x2, y2`` in pixels. Host NumPy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def mask_areas(masks: np.ndarray) -> np.ndarray:
    """int64 [N]: pixels at >= 0.5 in each of masks [N, H, W]."""
    return (np.asarray(masks) >= 0.5).sum(axis=(1, 2))


def _tight_boxes(binary: np.ndarray) -> np.ndarray:
    """int64 [N, 4] ``x1, y1, x2, y2`` (exclusive ends) around bool masks [N, H, W]; zeros when empty."""
    boxes = np.zeros((len(binary), 4), np.int64)
    for i, mask in enumerate(binary):
        cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
        if len(cols):
            boxes[i] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    return boxes


def mask_intersections(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(inter [N, M], area_a [N], area_b [M])`` in pixels for masks a [N, H, W] and b [M, H, W].

    Only pairs whose masks' boxes meet are compared, inside the boxes' intersection, so the cost does not
    grow with N * M * H * W.
    """
    bin_a, bin_b = np.asarray(a) >= 0.5, np.asarray(b) >= 0.5  # [N, H, W], [M, H, W] bool
    box_a, box_b = _tight_boxes(bin_a), _tight_boxes(bin_b)
    area_a, area_b = bin_a.sum(axis=(1, 2)), bin_b.sum(axis=(1, 2))
    inter = np.zeros((len(a), len(b)), np.float32)
    for i in np.flatnonzero(area_a):
        for j in np.flatnonzero(area_b):
            x1, y1 = max(box_a[i, 0], box_b[j, 0]), max(box_a[i, 1], box_b[j, 1])
            x2, y2 = min(box_a[i, 2], box_b[j, 2]), min(box_a[i, 3], box_b[j, 3])
            if x2 > x1 and y2 > y1:
                inter[i, j] = np.count_nonzero(bin_a[i, y1:y2, x1:x2] & bin_b[j, y1:y2, x1:x2])
    return inter, area_a, area_b


def mask_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float32 [N, M] intersection over union of masks a [N, H, W] and b [M, H, W] (0 where both are empty)."""
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


def overlap(masks_a: np.ndarray, boxes_a: np.ndarray, masks_b: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """float32 [N, M]: mask IoU, or box IoU for the pairs where either mask is empty (a model without masks,
    an object too small for its mask to survive the threshold)."""
    inter, area_a, area_b = mask_intersections(masks_a, masks_b)
    union = area_a[:, None] + area_b[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    empty = (area_a == 0)[:, None] | (area_b == 0)[None, :]  # [N, M]
    if empty.any():
        iou = np.where(empty, box_iou(boxes_a, boxes_b), iou)
    return iou


def match(guesses: Sequence[np.ndarray], boxes_a: np.ndarray, masks_b: np.ndarray, boxes_b: np.ndarray, *,
          iou_threshold: float, cover_threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (a, b) of N tracks and M detections.

    guesses: one or more float32 [N, H, W] stacks, each a guess of the tracks' masks on this frame (carried
    by optical flow, moved at the track's last speed...): a pair's overlap is its best over the guesses.
    Pairs are made first by IoU (:func:`overlap`) >= ``iou_threshold``; then, among what is left, by the
    share of b's mask that lies inside a's >= ``cover_threshold`` (a partly hidden object: what the model
    sees of it is a small part of the track's mask, so the IoU is low).
    """
    iou = np.max([overlap(g, boxes_a, masks_b, boxes_b) for g in guesses], axis=0)  # [N, M]
    pairs = assign(iou, iou_threshold)
    rest_a = [i for i in range(len(boxes_a)) if i not in {p[0] for p in pairs}]
    rest_b = [j for j in range(len(boxes_b)) if j not in {p[1] for p in pairs}]
    if rest_a and rest_b:
        cover = np.zeros((len(rest_a), len(rest_b)), np.float32)
        for guess in guesses:
            inter, _, area_b = mask_intersections(guess[rest_a], masks_b[rest_b])
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
        if dropped[i]:
            continue
        for j in order[rank + 1:]:
            if not dropped[j] and iou[i, j] >= threshold:
                dropped[j] = True
    return dropped
