"""``Detections``: the instances found in one image, on the host (NumPy) or on the model's device (torch).

Two classes with the same fields and methods, so a job that chose its backend once never has to ask
which one it holds: :class:`Detections` (NumPy, from ``Predictor.__call__``) and
:class:`DeviceDetections` (torch tensors on the model's device, from ``Predictor.predict_tensors``).
:class:`CroppedDetections` (``crops=True``) holds each mask only around its object, for a caller that
never needs them as whole pictures (video's tracker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch


@dataclass
class Detections:
    """Instances of one image, sorted by descending score (NumPy arrays on the host).

    boxes: float32 ``[N, 4]`` ``x1, y1, x2, y2`` in pixels of the original image.
    labels: int64 ``[N]`` class ids (index into the model's class names; 0 is background, never present).
    scores: float32 ``[N]`` in ``[0, 1]``.
    masks: bool ``[N, H, W]`` at the image's size.
    names: ``N`` class names.
    soft_masks: float32 ``[N, H, W]`` mask probabilities in ``[0, 1]`` when the predictor keeps them, else None.
    """

    boxes: np.ndarray
    labels: np.ndarray
    scores: np.ndarray
    masks: np.ndarray
    names: list[str] = field(default_factory=list)
    soft_masks: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def image_size(self) -> tuple[int, int]:
        """``(height, width)`` of the image the masks belong to."""
        return int(self.masks.shape[-2]), int(self.masks.shape[-1])

    def union_mask(self) -> np.ndarray:
        """bool ``[H, W]``: pixels covered by any instance."""
        if len(self) == 0:
            return np.zeros(self.image_size, dtype=bool)
        return np.logical_or.reduce(self.masks, axis=0)

    def select(self, keep: Sequence[bool] | np.ndarray) -> Detections:
        """The instances where boolean ``keep [N]`` is true."""
        keep = np.asarray(keep, dtype=bool).reshape(-1)
        soft = None if self.soft_masks is None else self.soft_masks[keep]
        return Detections(self.boxes[keep], self.labels[keep], self.scores[keep], self.masks[keep],
                          [self.names[i] for i in np.flatnonzero(keep)], soft)

    def to_numpy(self) -> Detections:
        """Already on the host: itself (so code written for :class:`DeviceDetections` works on both)."""
        return self


@dataclass
class DeviceDetections:
    """The same instances as :class:`Detections`, as torch tensors on the model's device (video on a GPU).

    boxes float32 ``[N, 4]``, labels int64 ``[N]``, scores float32 ``[N]``, masks bool ``[N, H, W]``,
    soft_masks float32 ``[N, H, W]`` or None.
    """

    boxes: torch.Tensor
    labels: torch.Tensor
    scores: torch.Tensor
    masks: torch.Tensor
    names: list[str] = field(default_factory=list)
    soft_masks: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.masks.shape[-2]), int(self.masks.shape[-1])

    def union_mask(self) -> torch.Tensor:
        """bool ``[H, W]`` on the device."""
        if len(self) == 0:
            return torch.zeros(self.image_size, dtype=torch.bool, device=self.masks.device)
        return self.masks.any(dim=0)

    def select(self, keep: Sequence[bool] | torch.Tensor) -> DeviceDetections:
        keep = torch.as_tensor(keep, dtype=torch.bool, device=self.labels.device).reshape(-1)
        idx = keep.nonzero()[:, 0].tolist()
        soft = None if self.soft_masks is None else self.soft_masks[keep]
        return DeviceDetections(self.boxes[keep], self.labels[keep], self.scores[keep], self.masks[keep],
                                [self.names[i] for i in idx], soft)

    def to_numpy(self) -> Detections:
        """Every array on the host as NumPy. On the CPU the arrays share the tensors' memory (no copy of
        ``N`` full-size masks: 92 MB for 100 objects in a 720p picture); the tensors are not used after."""
        soft = None if self.soft_masks is None else self.soft_masks.detach().float().cpu().numpy()
        return Detections(self.boxes.detach().cpu().numpy().astype(np.float32, copy=False),
                          self.labels.detach().cpu().numpy().astype(np.int64, copy=False),
                          self.scores.detach().cpu().numpy().astype(np.float32, copy=False),
                          self.masks.detach().cpu().numpy().astype(bool, copy=False), list(self.names), soft)


class MaskCrop(NamedTuple):
    """One instance's hard mask around its object: ``bits`` bool ``[h, w]`` with its top-left pixel at
    column ``x``, row ``y`` of the picture; the mask is False everywhere else."""

    x: int
    y: int
    bits: np.ndarray


@dataclass
class CroppedDetections:
    """The instances of one image with each mask as a :class:`MaskCrop` (host NumPy): the same pixels as
    :class:`Detections` ``masks``, without ``N`` whole pictures (100 instances on a 720p frame: 92 MB).

    boxes float32 ``[N, 4]``, labels int64 ``[N]``, scores float32 ``[N]``, crops ``N`` :class:`MaskCrop`,
    names ``N`` class names, image_size ``(H, W)``.
    """

    boxes: np.ndarray
    labels: np.ndarray
    scores: np.ndarray
    crops: list[MaskCrop]
    names: list[str]
    image_size: tuple[int, int]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def full_masks(self) -> np.ndarray:
        """bool ``[N, H, W]``: the masks on the whole picture (as :class:`Detections` holds them)."""
        out = np.zeros((len(self), *self.image_size), bool)
        for full, (x, y, bits) in zip(out, self.crops, strict=True):
            full[y:y + bits.shape[0], x:x + bits.shape[1]] = bits
        return out

    def as_detections(self) -> Detections:
        """The same instances as :class:`Detections` (masks on the whole picture, no soft masks)."""
        return Detections(self.boxes, self.labels, self.scores, self.full_masks(), list(self.names))

    def to_numpy(self) -> CroppedDetections:
        """Already on the host: itself."""
        return self
