"""``Instances``: what the tracker needs of one frame's detections, as plain host NumPy arrays.

Tracking runs on the host (CPU) even when the model runs on CUDA: :func:`host_instances` copies a
prediction to the host once per model frame, each mask as the crop around its object
(:class:`~.soft_mask.SoftMask`): a hundred 720p masks as full frames would be 92 MB (bool) or 370 MB
(float32) per model frame, read whole by every step after. The video package knows a prediction only by
duck typing (``boxes``, ``scores``, ``names``, and either ``masks`` [N, H, W] or ``crops`` with
``image_size``, optional ``to_numpy()``), so it never imports the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .soft_mask import SoftMask


@dataclass
class Instances:
    """The instances of one frame.

    softs: each instance's mask in [0, 1] (a pixel belongs to the instance at >= 0.5) as the crop around
    it, every one on a frame of ``frame_size``. boxes: float32 [N, 4] ``x1, y1, x2, y2`` in pixels of the
    frame. scores: float32 [N] in [0, 1]. names: N class names. frame_size: ``(H, W)``.
    """

    softs: list[SoftMask]
    boxes: np.ndarray
    scores: np.ndarray
    names: list[str]
    frame_size: tuple[int, int]

    def __post_init__(self) -> None:
        count = len(self.names)
        if len(self.softs) != count or self.boxes.shape != (count, 4) or self.scores.shape != (count,):
            raise ValueError(f"instances disagree: {len(self.softs)} masks, boxes {self.boxes.shape}, "
                             f"scores {self.scores.shape}, {count} names")
        sizes = {soft.frame_size for soft in self.softs} - {self.frame_size}
        if sizes:
            raise ValueError(f"instances disagree: masks of size {sorted(sizes)[0]} on a frame of {self.frame_size}")

    @classmethod
    def of_masks(cls, masks: np.ndarray, boxes: np.ndarray, scores: np.ndarray, names: Sequence[str]) -> Instances:
        """From full-frame masks: bool or float [N, H, W] in [0, 1] (each cut once to its crop)."""
        masks = np.asarray(masks)
        if masks.ndim != 3:
            raise ValueError(f"instances disagree: masks {masks.shape}, not [N, H, W]")
        return cls([SoftMask.of(mask) for mask in masks], np.asarray(boxes, np.float32),
                   np.asarray(scores, np.float32), list(names), (int(masks.shape[1]), int(masks.shape[2])))

    def __len__(self) -> int:
        return len(self.names)

    def take(self, indices: Any) -> Instances:
        """The instances at ``indices`` (a sequence of ints), in that order."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        return Instances([self.softs[i] for i in idx], self.boxes[idx], self.scores[idx],
                         [self.names[i] for i in idx], self.frame_size)


def _host(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, on any device
        return value.detach().cpu().numpy()
    return np.asarray(value)


def host_instances(result: Any) -> Instances:
    """An :class:`Instances` of host arrays from a prediction: a ``splashseg.predict.Detections`` (NumPy or
    torch on any device; masks bool or float [N, H, W]), a ``CroppedDetections`` (``crops``: per instance
    ``x``, ``y`` and ``bits`` bool [h, w] placed at column x, row y of an ``image_size`` frame), or an
    :class:`Instances`."""
    if isinstance(result, Instances):
        return result
    count = len(result.names)
    boxes = _host(result.boxes).astype(np.float32, copy=False).reshape(count, 4)
    scores = _host(result.scores).astype(np.float32, copy=False).reshape(count)
    if hasattr(result, "crops"):
        size = (int(result.image_size[0]), int(result.image_size[1]))
        softs = [SoftMask.placed(int(c.x), int(c.y), np.asarray(c.bits, np.float32), size) for c in result.crops]
        return Instances(softs, boxes, scores, list(result.names), size)
    masks = _host(result.masks)  # [N, H, W] bool or float
    return Instances.of_masks(masks.reshape(count, *masks.shape[-2:]), boxes, scores, result.names)


def empty_instances(height: int, width: int) -> Instances:
    """No instances on an ``H x W`` frame."""
    return Instances([], np.zeros((0, 4), np.float32), np.zeros(0, np.float32), [], (int(height), int(width)))
