"""Made pictures with a known object edge, and the blocky soft mask Mask R-CNN would paste for them.

Shared by the refine tests and ``benchmarks/bench_refine.py``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

GRID = 28  # Mask R-CNN's mask resolution
SUPERSAMPLE = 4


def shape_coverage(shape: str, height: int, width: int, center: tuple[float, float], size: float) -> np.ndarray:
    """float32 ``[H, W]`` in ``[0, 1]``: how much of each pixel a ``disc``, ``star`` or ``ellipse`` covers."""
    big = np.zeros((height * SUPERSAMPLE, width * SUPERSAMPLE), np.uint8)
    cx, cy, s = center[0] * SUPERSAMPLE, center[1] * SUPERSAMPLE, size * SUPERSAMPLE
    if shape == "disc":
        cv2.circle(big, (round(cx), round(cy)), round(s), 255, -1)
    elif shape == "ellipse":
        cv2.ellipse(big, (round(cx), round(cy)), (round(s), round(0.6 * s)), 30, 0, 360, 255, -1)
    elif shape == "star":
        angles = np.arange(10) * math.pi / 5 - math.pi / 2
        radii = np.where(np.arange(10) % 2 == 0, s, 0.5 * s)
        points = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1)
        cv2.fillPoly(big, [np.round(points).astype(np.int32)], 255)
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def texture(rng: np.random.Generator, height: int, width: int, base: np.ndarray, strength: float) -> np.ndarray:
    """float32 ``[H, W, 3]``: ``base`` colour with a gradient, stripes and pixel noise."""
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    gradient = (xx / max(width, 1) - 0.5) * rng.uniform(-30, 30) + (yy / max(height, 1) - 0.5) * rng.uniform(-30, 30)
    period, angle = rng.uniform(6, 30), rng.uniform(0, math.pi)
    stripes = np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period) * strength
    noise = rng.normal(0, strength / 2, (height, width, 3))
    return base.astype(np.float32) + (gradient + stripes)[..., None] + noise.astype(np.float32)


def edge_scene(height: int = 240, width: int = 320, *, shape: str = "disc", size: float | None = None,
               center: tuple[float, float] | None = None, seed: int = 0,
               colors: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None,
               strength: float = 12.0, clutter: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An object on a textured background: (RGB ``uint8 [H, W, 3]``, true mask ``bool [H, W]``).

    The edge is anti-aliased (drawn at 4x and reduced); the true mask is where the object covers at
    least half a pixel. ``colors``: (object, background) RGB; random, well apart, by default.
    ``clutter``: that many rectangles of random colours in the background (edges that are not the object's).
    """
    rng = np.random.default_rng(seed)
    size = size if size is not None else 0.3 * min(height, width)
    center = center if center is not None else (width / 2, height / 2)
    if colors is None:
        inside = rng.uniform(40, 215, 3)
        outside = np.clip(255 - inside + rng.uniform(-40, 40, 3), 20, 235)
    else:
        inside, outside = np.asarray(colors[0], float), np.asarray(colors[1], float)
    coverage = shape_coverage(shape, height, width, center, size)[..., None]
    background = texture(rng, height, width, outside, strength)
    for _ in range(clutter):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        x1, y1 = x0 + rng.integers(4, max(5, width // 4)), y0 + rng.integers(4, max(5, height // 4))
        background[y0:y1, x0:x1] += rng.uniform(-90, 90, 3).astype(np.float32)
    picture = texture(rng, height, width, inside, strength) * coverage + background * (1 - coverage)
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8), coverage[..., 0] >= 0.5


def blocky_soft_mask(true_mask: np.ndarray, *, grid: int = GRID, blur: float = 0.0,
                     offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """float32 ``[H, W]`` in ``[0, 1]``: the true mask seen at ``grid x grid`` in its box, pasted back.

    As torchvision's ``paste_masks_in_image``: the grid mask (area average of the truth, optionally
    Gaussian-blurred by ``blur`` grid cells to look like a network's output) gets a 1-cell zero border,
    its box grows by ``(grid + 2) / grid``, and it is resized bilinearly to the (integer) box.
    ``offset``: ``(dx, dy)`` pixels to move the result by (a prediction that is off).
    """
    height, width = true_mask.shape
    rows, cols = np.flatnonzero(true_mask.any(axis=1)), np.flatnonzero(true_mask.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    small = cv2.resize(true_mask[y0:y1, x0:x1].astype(np.float32), (grid, grid), interpolation=cv2.INTER_AREA)
    if blur > 0:
        small = cv2.GaussianBlur(small, (0, 0), blur)
    small = np.pad(small, 1)
    scale = (grid + 2) / grid
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * scale, (y1 - y0) / 2 * scale
    bx0, by0, bx1, by1 = int(cx - hw), int(cy - hh), int(cx + hw), int(cy + hh)
    w, h = max(1, bx1 - bx0 + 1), max(1, by1 - by0 + 1)
    pasted = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    out = np.zeros((height, width), np.float32)
    ox0, oy0, ox1, oy1 = max(bx0, 0), max(by0, 0), min(bx1 + 1, width), min(by1 + 1, height)
    out[oy0:oy1, ox0:ox1] = pasted[oy0 - by0:oy1 - by0, ox0 - bx0:ox1 - bx0]
    if offset != (0.0, 0.0):
        shift = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
        out = cv2.warpAffine(out, shift, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.clip(out, 0.0, 1.0)
