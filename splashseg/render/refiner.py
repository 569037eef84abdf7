"""The refiner of a job, chosen once by device type: NumPy/OpenCV on the host, torch on a GPU.

Like :func:`.compositor.build_compositor`: a job asks :func:`build_refiner` once, with the device its
frames live on, and from then on passes arrays of that backend only (``np.ndarray`` to
:class:`HostRefiner`, ``torch.Tensor`` on the device to :class:`DeviceRefiner`). Nothing here checks
array types at run time. Both give the same masks to within float rounding (see :mod:`.refine`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..device import device_kind
from .refine import refine_masks

if TYPE_CHECKING:
    import torch


class Refiner(Protocol):
    """One backend's refinement of an image's soft masks (:func:`.refine.refine_masks`). device: where its
    arrays live (None: NumPy on the host)."""

    device: Any

    def __call__(self, image_rgb: Any, soft_masks: Any) -> Any:
        """RGB ``uint8 [H, W, 3]`` and ``float [N, H, W]`` probabilities in ``[0, 1]`` -> refined
        ``float32 [N, H, W]`` of the same backend (the input stack may be reused)."""


class HostRefiner:
    """Refine NumPy soft masks against a NumPy RGB picture (OpenCV box filters)."""

    device = None  # NumPy on the host

    def __call__(self, image_rgb: np.ndarray, soft_masks: np.ndarray) -> np.ndarray:
        """RGB ``uint8 [H, W, 3]``, ``float [N, H, W]`` in ``[0, 1]`` -> ``float32 [N, H, W]`` (in place when
        ``soft_masks`` is float32 and writable)."""
        return refine_masks(image_rgb, soft_masks, inplace=True)


class DeviceRefiner:
    """Refine torch soft masks against a torch RGB picture, both on ``device`` (the work stays there)."""

    def __init__(self, device: torch.device | str) -> None:
        import torch

        self.device = torch.device(device)

    def __call__(self, image_rgb: torch.Tensor, soft_masks: torch.Tensor) -> torch.Tensor:
        """RGB ``uint8 [H, W, 3]``, ``float [N, H, W]`` in ``[0, 1]`` on the device -> fp32 ``[N, H, W]`` there
        (in place when ``soft_masks`` is fp32; inference mode, as the model's own outputs are made)."""
        import torch

        from .refine_torch import refine_masks_torch

        with torch.inference_mode():
            return refine_masks_torch(image_rgb, soft_masks, inplace=True)


def build_refiner(device: str | torch.device | None = None) -> Refiner:
    """The refiner for arrays that live on ``device``: None or a CPU device -> :class:`HostRefiner`
    (NumPy), a CUDA device -> :class:`DeviceRefiner` (torch on that GPU)."""
    kind = device_kind(device)
    if kind not in REFINERS:
        raise ValueError(f"no refiner for device {device!r}; choose from {', '.join(REFINERS)}")
    return REFINERS[kind](device)


def _host(device: object) -> HostRefiner:
    return HostRefiner()


REFINERS = {"cpu": _host, "cuda": DeviceRefiner}
