"""Where a track should be on a later frame, from where the model last saw it and how fast it moved.

Optical flow carries a mask well while the object is in plain view, but not through an occlusion: the
pixels under a partly hidden object's mask belong to whatever is in front, and carry its motion. So the
tracker also guesses each track's mask by moving the model's last mask of it at the track's last speed
(constant velocity), and matches a detection to whichever guess overlaps it more. Host NumPy/OpenCV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

_SPEED_WEIGHT = 0.5  # weight of the newest speed measurement in the running estimate
_HIDDEN = 0.7  # a sighting smaller than this share of the usual area is taken for a partly hidden object
_AREA_DECAY = 0.9  # the usual area follows a growing object at once, a shrinking one by 10% a sighting


def nonzero_bounds(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x1, y1, x2, y2)`` (ends exclusive) around the non-zero pixels of a [H, W] mask; None if none."""
    cols = np.flatnonzero(mask.max(axis=0) > 0)
    if not len(cols):
        return None
    rows = np.flatnonzero(mask[:, cols[0]: cols[-1] + 1].max(axis=1) > 0)
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def mass_centre(mask: np.ndarray) -> tuple[float, float, float]:
    """``(area, cx, cy)`` of a float32 [H, W] soft mask: its sum and the centre of its mass in pixel
    coordinates (pixel centres at ``i + 0.5``); ``(0, 0, 0)`` for an empty mask."""
    bounds = nonzero_bounds(mask)
    if bounds is None:
        return 0.0, 0.0, 0.0
    x1, y1, x2, y2 = bounds
    part = mask[y1:y2, x1:x2]
    area = float(part.sum(dtype=np.float64))
    if area <= 0:
        return 0.0, 0.0, 0.0
    cx = float(part.sum(axis=0, dtype=np.float64) @ (np.arange(x1, x2) + 0.5)) / area
    cy = float(part.sum(axis=1, dtype=np.float64) @ (np.arange(y1, y2) + 0.5)) / area
    return area, cx, cy


def move_mask(mask: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """float32 [H, W] mask moved by the [2, 3] affine ``fit`` (pixel coordinates; bilinear; what leaves
    the frame is lost). Only the region the object can reach is computed, so the cost follows its size."""
    height, width = mask.shape
    out = np.zeros((height, width), np.float32)
    bounds = nonzero_bounds(mask)
    if bounds is None:
        return out
    x1, y1, x2, y2 = bounds
    corners = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]], np.float64) @ np.asarray(fit).T
    to_x1, to_y1 = (max(0, int(math.floor(v)) - 2) for v in corners.min(axis=0))
    to_x2 = min(width, int(math.ceil(corners[:, 0].max())) + 2)
    to_y2 = min(height, int(math.ceil(corners[:, 1].max())) + 2)
    if to_x2 <= to_x1 or to_y2 <= to_y1:
        return out
    local = np.array(fit, np.float64)  # maps the crop's pixels to the target region's pixels
    local[:, 2] += local[:, :2] @ (x1, y1) - (to_x1, to_y1)
    out[to_y1:to_y2, to_x1:to_x2] = cv2.warpAffine(np.ascontiguousarray(mask[y1:y2, x1:x2]), local,
                                                   (to_x2 - to_x1, to_y2 - to_y1), flags=cv2.INTER_LINEAR,
                                                   borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def translate(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """float32 [H, W] mask moved by ``(dx, dy)`` pixels (bilinear; what leaves the frame is lost)."""
    return move_mask(mask, np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]]))


@dataclass
class Sighting:
    """The model's last full view of a track: mask (float32 [H, W]), frame and centre ``(cx, cy)``; the
    track's usual area (soft pixels) and speed ``(vx, vy)`` in pixels per frame (None until the model
    has seen it twice)."""

    mask: np.ndarray
    frame: int
    centre: tuple[float, float]
    area: float
    speed: tuple[float, float] | None = None

    @classmethod
    def first(cls, mask: np.ndarray, frame: int) -> Sighting:
        area, cx, cy = mass_centre(mask)
        return cls(mask, frame, (cx, cy), area)

    def next(self, mask: np.ndarray, frame: int) -> Sighting:
        """The sighting after the model finds the track again on ``frame`` (later than this one).

        A much smaller mask is a partly hidden object: its centre says little about the motion, so the
        last full view is moved on at the same speed instead.
        """
        area, cx, cy = mass_centre(mask)
        if frame <= self.frame:
            return Sighting(mask, frame, (cx, cy), area, self.speed)
        if area < _HIDDEN * self.area and self.speed is not None:
            steps = frame - self.frame
            vx, vy = self.speed
            return Sighting(self.guess(frame), frame, (self.centre[0] + vx * steps, self.centre[1] + vy * steps),
                            self.area, self.speed)
        steps = frame - self.frame
        measured = ((cx - self.centre[0]) / steps, (cy - self.centre[1]) / steps)
        if self.speed is not None:
            measured = tuple(_SPEED_WEIGHT * m + (1 - _SPEED_WEIGHT) * s
                             for m, s in zip(measured, self.speed, strict=True))
        return Sighting(mask, frame, (cx, cy), max(area, _AREA_DECAY * self.area), measured)

    def guess(self, frame: int) -> np.ndarray | None:
        """The mask moved at the track's speed to ``frame``; None without a speed or a later frame."""
        if self.speed is None or frame <= self.frame:
            return None
        steps = frame - self.frame
        return translate(self.mask, self.speed[0] * steps, self.speed[1] * steps)
