"""Boundary IoU (Cheng et al., CVPR 2021) of two instance masks.

The boundary region of a mask ``M`` is the set of its pixels within ``d`` pixels of its contour,
``M_d ∩ M``; here "within ``d``" is the chessboard distance that ``d`` erosions with a 3x3 square give
(as in the authors' reference code), and everything outside the picture counts as background, so a
mask that touches the border has a boundary along it. ``d`` is 2% of the image diagonal by default.

    boundary IoU = |(G_d ∩ G) ∩ (P_d ∩ P)| / |(G_d ∩ G) ∪ (P_d ∩ P)|

Unlike mask IoU it does not saturate for large objects: a blobby edge on a big object costs as much as
on a small one.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

DILATION_RATIO = 0.02  # d as a fraction of the image diagonal (Cheng et al.)


def boundary_width(height: int, width: int, ratio: float = DILATION_RATIO) -> int:
    """``d`` in pixels for an ``height x width`` image: ``round(ratio * diagonal)``, at least 1."""
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, got {height}x{width}")
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError(f"dilation ratio must be a positive number, got {ratio}")
    return max(1, round(ratio * math.hypot(height, width)))


def mask_boundary(mask: np.ndarray, width_px: int) -> np.ndarray:
    """``bool [H, W]``: the pixels of ``mask`` (bool ``[H, W]``) within ``width_px`` of its contour."""
    solid = np.ascontiguousarray(mask, dtype=np.uint8)
    if solid.size == 0:
        return solid.astype(bool)
    kernel = np.ones((2 * width_px + 1, 2 * width_px + 1), np.uint8)
    inner = cv2.erode(solid, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return solid > inner


def _crop_around(a: np.ndarray, b: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    """Rows and columns that hold both masks plus ``margin`` pixels (``None`` when both are empty)."""
    rows = np.flatnonzero(a.any(axis=1) | b.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(a[rows[0]:rows[-1] + 1].any(axis=0) | b[rows[0]:rows[-1] + 1].any(axis=0))
    height, width = a.shape
    return (slice(max(0, rows[0] - margin), min(height, rows[-1] + 1 + margin)),
            slice(max(0, cols[0] - margin), min(width, cols[-1] + 1 + margin)))


def boundary_iou(gt_mask: np.ndarray, pred_mask: np.ndarray, *, dilation_ratio: float = DILATION_RATIO) -> float:
    """Boundary IoU in ``[0, 1]`` of two ``bool [H, W]`` masks of one image.

    ``d = boundary_width(H, W, dilation_ratio)``. Two empty masks are identical: 1.0. The work is done on
    the crop that holds both masks (plus ``d + 1`` pixels), which gives the same answer as the full image.
    """
    gt_mask, pred_mask = np.asarray(gt_mask, dtype=bool), np.asarray(pred_mask, dtype=bool)
    if gt_mask.ndim != 2 or gt_mask.shape != pred_mask.shape:
        raise ValueError(f"masks must be two [H, W] arrays of one shape, got {gt_mask.shape} and {pred_mask.shape}")
    d = boundary_width(*gt_mask.shape, ratio=dilation_ratio)
    crop = _crop_around(gt_mask, pred_mask, d + 1)
    if crop is None:
        return 1.0
    gt_edge, pred_edge = mask_boundary(gt_mask[crop], d), mask_boundary(pred_mask[crop], d)
    union = np.count_nonzero(gt_edge | pred_edge)
    return float(np.count_nonzero(gt_edge & pred_edge) / union)
