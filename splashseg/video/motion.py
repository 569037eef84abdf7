"""Where a track should be on a later frame, from where the model last saw it and how fast it moved.

Optical flow carries a mask well while the object is in plain view, but not through an occlusion: the
pixels under a partly hidden object's mask belong to whatever is in front, and carry its motion. So the
tracker also guesses each track's mask by moving the model's last mask of it at the track's last speed
(constant velocity), and matches a detection to whichever guess overlaps it more. Host NumPy/OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_SPEED_WEIGHT = 0.5  # weight of the newest speed measurement in the running estimate
_HIDDEN = 0.7  # a sighting smaller than this share of the usual area is taken for a partly hidden object
_AREA_DECAY = 0.9  # the usual area follows a growing object at once, a shrinking one by 10% a sighting


def mass_centre(mask: np.ndarray) -> tuple[float, float, float]:
    """``(area, cx, cy)`` of a float32 [H, W] soft mask: its sum and the centre of its mass in pixel
    coordinates (pixel centres at ``i + 0.5``); ``(0, 0, 0)`` for an empty mask."""
    area = float(mask.sum(dtype=np.float64))
    if area <= 0:
        return 0.0, 0.0, 0.0
    cx = float(mask.sum(axis=0, dtype=np.float64) @ (np.arange(mask.shape[1]) + 0.5)) / area
    cy = float(mask.sum(axis=1, dtype=np.float64) @ (np.arange(mask.shape[0]) + 0.5)) / area
    return area, cx, cy


def translate(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """float32 [H, W] mask moved by ``(dx, dy)`` pixels (bilinear; what leaves the frame is lost)."""
    height, width = mask.shape
    shift = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return cv2.warpAffine(mask, shift, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=0)


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
