"""``Instances``: what the tracker needs of one frame's detections, as plain host NumPy arrays.

Tracking runs on the host (CPU) even when the model runs on CUDA: :func:`host_instances` copies a
prediction's arrays to the host once per model frame (masks as float32). The video package knows a
prediction only by duck typing (``boxes``, ``scores``, ``masks``, ``names``, optional ``to_numpy()``),
so it never imports the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Instances:
    """The instances of one frame.

    masks: float32 [N, H, W] in [0, 1] (soft masks; a pixel belongs to the instance at >= 0.5), or bool
    [N, H, W] (the model's hard masks, kept as they are: a float copy of a hundred 720p masks is 370 MB).
    boxes: float32 [N, 4] ``x1, y1, x2, y2`` in pixels of the frame.
    scores: float32 [N] in [0, 1].
    names: N class names.
    """

    masks: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    names: list[str]

    def __post_init__(self) -> None:
        count = len(self.names)
        if self.masks.ndim != 3 or len(self.masks) != count or self.boxes.shape != (count, 4) or \
                self.scores.shape != (count,):
            raise ValueError(f"instances disagree: masks {self.masks.shape}, boxes {self.boxes.shape}, "
                             f"scores {self.scores.shape}, {count} names")

    def __len__(self) -> int:
        return len(self.names)

    @property
    def frame_size(self) -> tuple[int, int]:
        """``(H, W)`` of the frame the masks belong to."""
        return int(self.masks.shape[1]), int(self.masks.shape[2])

    def take(self, indices: Any) -> Instances:
        """The instances at ``indices`` (a sequence of ints), in that order."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        return Instances(self.masks[idx], self.boxes[idx], self.scores[idx], [self.names[i] for i in idx])


def _host(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, on any device
        return value.detach().cpu().numpy()
    return np.asarray(value)


def host_instances(result: Any) -> Instances:
    """An :class:`Instances` of host arrays from a prediction (``splashseg.predict.Detections``, NumPy or
    torch on any device, or an :class:`Instances`). Bool masks stay bool; others become float32."""
    if isinstance(result, Instances):
        return result
    masks = _host(result.masks)  # [N, H, W] bool or float
    count = len(result.names)
    masks = masks if masks.dtype == np.bool_ else masks.astype(np.float32, copy=False)
    return Instances(masks.reshape(count, *masks.shape[-2:]),
                     _host(result.boxes).astype(np.float32, copy=False).reshape(count, 4),
                     _host(result.scores).astype(np.float32, copy=False).reshape(count), list(result.names))


def empty_instances(height: int, width: int) -> Instances:
    """No instances on an ``H x W`` frame."""
    return Instances(np.zeros((0, height, width), np.float32), np.zeros((0, 4), np.float32),
                     np.zeros(0, np.float32), [])
