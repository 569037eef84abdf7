"""``Detections``: the instances found in one image."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


def _to_numpy(value: Any) -> np.ndarray:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


@dataclass
class Detections:
    """Instances of one image, sorted by descending score.

    boxes: float32 ``[N, 4]`` ``x1, y1, x2, y2`` in pixels of the original image.
    labels: int64 ``[N]`` class ids (index into the model's class names; 0 is background, never present).
    scores: float32 ``[N]`` in ``[0, 1]``.
    masks: bool ``[N, H, W]`` at the image's size.
    names: ``N`` class names.
    Arrays are NumPy, or torch tensors on the model's device (``Predictor.predict_tensors``).
    """

    boxes: Any
    labels: Any
    scores: Any
    masks: Any
    names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def image_size(self) -> tuple[int, int]:
        """``(height, width)`` of the image the masks belong to."""
        return int(self.masks.shape[-2]), int(self.masks.shape[-1])

    def union_mask(self) -> Any:
        """bool ``[H, W]``: pixels covered by any instance (same array type as ``masks``)."""
        if isinstance(self.masks, torch.Tensor):
            if len(self) == 0:
                return torch.zeros(self.image_size, dtype=torch.bool, device=self.masks.device)
            return self.masks.any(dim=0)
        if len(self) == 0:
            return np.zeros(self.image_size, dtype=bool)
        return np.logical_or.reduce(self.masks, axis=0)

    def to_numpy(self) -> Detections:
        """A copy with every array on the host as NumPy."""
        return Detections(_to_numpy(self.boxes).astype(np.float32), _to_numpy(self.labels).astype(np.int64),
                          _to_numpy(self.scores).astype(np.float32), _to_numpy(self.masks).astype(bool),
                          list(self.names))

    def select(self, keep: Any) -> Detections:
        """The instances where boolean ``keep [N]`` (array, tensor or list) is true."""
        if isinstance(self.labels, torch.Tensor):
            keep = torch.as_tensor(keep, dtype=torch.bool, device=self.labels.device).reshape(-1)
        else:
            keep = np.asarray(keep, dtype=bool).reshape(-1)
        idx = np.flatnonzero(_to_numpy(keep))
        names = [self.names[i] for i in idx]
        return Detections(self.boxes[keep], self.labels[keep], self.scores[keep], self.masks[keep], names)
