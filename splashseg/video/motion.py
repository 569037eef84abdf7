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

from .soft_mask import SoftMask, as_soft

_SPEED_WEIGHT = 0.5  # weight of the newest speed measurement in the running estimate
_HIDDEN = 0.7  # a sighting smaller than this share of the usual area is taken for a partly hidden object
_AREA_DECAY = 0.9  # the usual area follows a growing object at once, a shrinking one by 10% a sighting


def mass_centre(mask: np.ndarray | SoftMask) -> tuple[float, float, float]:
    """``(area, cx, cy)`` of a float32 [H, W] soft mask (or a :class:`SoftMask`): its sum and the centre
    of its mass in pixel coordinates (pixel centres at ``i + 0.5``); ``(0, 0, 0)`` for an empty mask."""
    return as_soft(mask).mass_centre()


def move_soft(mask: SoftMask, fit: np.ndarray) -> SoftMask:
    """``mask`` moved by the [2, 3] affine ``fit`` (frame pixel coordinates; bilinear; what leaves the
    frame is lost). Only the region the object can reach is computed, so the cost follows its size."""
    height, width = mask.frame_size
    if mask.is_empty:
        return mask
    x1, y1 = mask.x, mask.y
    x2, y2 = x1 + mask.values.shape[1], y1 + mask.values.shape[0]
    corners = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]], np.float64) @ np.asarray(fit).T
    to_x1, to_y1 = (max(0, int(math.floor(v)) - 2) for v in corners.min(axis=0))
    to_x2 = min(width, int(math.ceil(corners[:, 0].max())) + 2)
    to_y2 = min(height, int(math.ceil(corners[:, 1].max())) + 2)
    if to_x2 <= to_x1 or to_y2 <= to_y1:
        return SoftMask.empty(mask.frame_size)
    local = np.array(fit, np.float64)  # maps the crop's pixels to the target region's pixels
    local[:, 2] += local[:, :2] @ (x1, y1) - (to_x1, to_y1)
    moved = cv2.warpAffine(np.ascontiguousarray(mask.values), local, (to_x2 - to_x1, to_y2 - to_y1),
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return SoftMask.placed(to_x1, to_y1, moved, mask.frame_size)


def move_mask(mask: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """float32 [H, W] mask moved by the [2, 3] affine ``fit`` (:func:`move_soft` on the whole frame)."""
    return move_soft(SoftMask.of(np.asarray(mask, np.float32)), fit).full()


def translate(mask: np.ndarray | SoftMask, dx: float, dy: float) -> np.ndarray | SoftMask:
    """``mask`` (float32 [H, W], or a :class:`SoftMask`, returned as the same kind) moved by ``(dx, dy)``
    pixels (bilinear; what leaves the frame is lost)."""
    fit = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return move_soft(mask, fit) if isinstance(mask, SoftMask) else move_mask(mask, fit)


@dataclass
class Sighting:
    """The model's last full view of a track: mask (a :class:`SoftMask`; the constructors also take a
    float32 [H, W] array), frame and centre ``(cx, cy)``; the track's usual area (soft pixels) and speed
    ``(vx, vy)`` in pixels per frame (None until the model has seen it twice)."""

    mask: SoftMask
    frame: int
    centre: tuple[float, float]
    area: float
    speed: tuple[float, float] | None = None

    @classmethod
    def first(cls, mask: np.ndarray | SoftMask, frame: int) -> Sighting:
        mask = as_soft(mask)
        area, cx, cy = mask.mass_centre()
        return cls(mask, frame, (cx, cy), area)

    def next(self, mask: np.ndarray | SoftMask, frame: int) -> Sighting:
        """The sighting after the model finds the track again on ``frame`` (later than this one).

        A much smaller mask is a partly hidden object: its centre says little about the motion, so the
        last full view is moved on at the same speed instead.
        """
        mask = as_soft(mask)
        area, cx, cy = mask.mass_centre()
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

    def guess(self, frame: int) -> SoftMask | None:
        """The mask moved at the track's speed to ``frame``; None without a speed or a later frame."""
        if self.speed is None or frame <= self.frame:
            return None
        steps = frame - self.frame
        return translate(self.mask, self.speed[0] * steps, self.speed[1] * steps)
