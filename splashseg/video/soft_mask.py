"""``SoftMask``: one object's soft mask kept as the crop around its non-zero pixels.

A 1280x720 frame with a hundred small objects would otherwise hold a hundred full-frame float32 arrays
(3.7 MB each) per frame, and every step of the tracker (flow, matching, logging, storing, compositing)
would read them whole. Kept as a crop, each step costs what the object covers. ``full()`` gives the
[H, W] array where a caller needs one. Host NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matching import Crop


def nonzero_bounds(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x1, y1, x2, y2)`` (ends exclusive) around the non-zero pixels of a [H, W] mask; None if none."""
    cols = np.flatnonzero(mask.any(axis=0))
    if not len(cols):
        return None
    rows = np.flatnonzero(mask[:, cols[0]: cols[-1] + 1].any(axis=1))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


@dataclass(frozen=True, eq=False)
class SoftMask:
    """values: float32 [h, w] in [0, 1] placed with its top-left pixel at column x, row y of a frame of
    ``frame_size`` ``(H, W)``; zero everywhere else. Treat as read-only (snapshots share it)."""

    x: int
    y: int
    values: np.ndarray
    frame_size: tuple[int, int]

    @classmethod
    def of(cls, mask: np.ndarray) -> SoftMask:
        """The crop of a float (or bool) [H, W] mask around its non-zero pixels (a float32 copy)."""
        size = (int(mask.shape[0]), int(mask.shape[1]))
        bounds = nonzero_bounds(mask)
        if bounds is None:
            return cls.empty(size)
        x1, y1, x2, y2 = bounds
        return cls(x1, y1, np.array(mask[y1:y2, x1:x2], np.float32), size)

    @classmethod
    def placed(cls, x: int, y: int, values: np.ndarray, frame_size: tuple[int, int]) -> SoftMask:
        """float32 ``values`` at ``(x, y)``, trimmed to their non-zero pixels (empty when all are zero)."""
        bounds = nonzero_bounds(values)
        if bounds is None:
            return cls.empty(frame_size)
        x1, y1, x2, y2 = bounds
        return cls(x + x1, y + y1, values[y1:y2, x1:x2], frame_size)

    @classmethod
    def empty(cls, frame_size: tuple[int, int]) -> SoftMask:
        return cls(0, 0, np.zeros((0, 0), np.float32), frame_size)

    @property
    def is_empty(self) -> bool:
        return self.values.size == 0

    def full(self) -> np.ndarray:
        """float32 [H, W]: the mask on the whole frame."""
        out = np.zeros(self.frame_size, np.float32)
        out[self.y: self.y + self.values.shape[0], self.x: self.x + self.values.shape[1]] = self.values
        return out

    def region(self, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
        """float32 [y2 - y1, x2 - x1]: the frame's pixels from column x1, row y1 (ends exclusive)."""
        out = np.zeros((max(0, y2 - y1), max(0, x2 - x1)), np.float32)
        height, width = self.values.shape
        left, top = max(x1, self.x), max(y1, self.y)
        right, bottom = min(x2, self.x + width), min(y2, self.y + height)
        if right > left and bottom > top:
            out[top - y1: bottom - y1, left - x1: right - x1] = self.values[top - self.y: bottom - self.y,
                                                                            left - self.x: right - self.x]
        return out

    def binary(self) -> Crop:
        """The :class:`~.matching.Crop` of the pixels at >= 0.5 (empty when none is)."""
        bounds = nonzero_bounds(self.values >= 0.5) if self.values.size else None
        if bounds is None:
            return Crop(0, 0, np.zeros((0, 0), bool))
        x1, y1, x2, y2 = bounds
        return Crop(self.x + x1, self.y + y1, self.values[y1:y2, x1:x2] >= 0.5)

    def mass_centre(self) -> tuple[float, float, float]:
        """``(area, cx, cy)``: the sum of the values and their centre of mass in frame pixel coordinates
        (pixel centres at ``i + 0.5``); ``(0, 0, 0)`` when empty."""
        area = float(self.values.sum(dtype=np.float64)) if self.values.size else 0.0
        if area <= 0:
            return 0.0, 0.0, 0.0
        height, width = self.values.shape
        cx = float(self.values.sum(axis=0, dtype=np.float64) @ (np.arange(self.x, self.x + width) + 0.5)) / area
        cy = float(self.values.sum(axis=1, dtype=np.float64) @ (np.arange(self.y, self.y + height) + 0.5)) / area
        return area, cx, cy

    def clipped(self) -> SoftMask:
        """The same mask with its values clipped to [0, 1] (a copy)."""
        return SoftMask(self.x, self.y, np.clip(self.values, 0.0, 1.0), self.frame_size)

    def at(self, x: int, y: int) -> float:
        """The value at frame pixel ``(x, y)`` (0 outside the crop)."""
        row, col = y - self.y, x - self.x
        inside = 0 <= row < self.values.shape[0] and 0 <= col < self.values.shape[1]
        return float(self.values[row, col]) if inside else 0.0


def as_soft(mask: np.ndarray | SoftMask) -> SoftMask:
    """``mask`` as a :class:`SoftMask` (a float or bool [H, W] array is cropped; a SoftMask is kept)."""
    return mask if isinstance(mask, SoftMask) else SoftMask.of(np.asarray(mask))


def common_region(a: SoftMask, b: SoftMask) -> tuple[np.ndarray, np.ndarray]:
    """Two masks of one frame as float32 [h, w] arrays over the box around both (empty ``[0, 0]`` when both
    are): what compares them pixel by pixel (IoU, differences) sees the same as on the whole frame."""
    boxes = [(m.x, m.y, m.x + m.values.shape[1], m.y + m.values.shape[0]) for m in (a, b) if not m.is_empty]
    if not boxes:
        return np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32)
    x1, y1 = min(box[0] for box in boxes), min(box[1] for box in boxes)
    x2, y2 = max(box[2] for box in boxes), max(box[3] for box in boxes)
    return a.region(x1, y1, x2, y2), b.region(x1, y1, x2, y2)
