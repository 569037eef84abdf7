"""The compositor of a job, chosen once by device type: NumPy/OpenCV on the host, torch on a GPU.

A job asks :func:`build_compositor` once, with its :class:`~.style.SplashStyle` and device, and from then
on passes frames and masks of that backend only: ``np.ndarray`` for :class:`HostCompositor`,
``torch.Tensor`` on the device for :class:`DeviceCompositor`. Nothing below checks array types at run time.
``splash`` draws the style's effect: a backdrop effect gives RGB ``[H, W, 3]``, ``cutout`` RGBA
``[H, W, 4]`` (:attr:`SplashStyle.rgba`); the function is picked once, when the compositor is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..device import device_kind
from .cutout import cutout_rgba
from .effects import CUTOUT, cover_resize
from .splash import color_splash
from .style import SplashStyle

if TYPE_CHECKING:
    import torch


Frame = Any  # np.ndarray for HostCompositor, torch.Tensor on the device for DeviceCompositor


class Compositor(Protocol):
    """One backend's splash: frames RGB ``uint8 [H, W, 3]``, masks ``bool``/``float [H, W]``."""

    style: SplashStyle

    def splash(self, image_rgb: Frame, keep_mask: Frame) -> Frame:
        """The frame with ``style`` applied outside ``keep_mask``: RGB ``uint8 [H, W, 3]``, or RGBA
        ``[H, W, 4]`` for the cutout."""

    def as_alpha(self, keep_mask: Frame) -> Frame:
        """``float32 [H, W]`` alpha in ``[0, 1]`` of the same backend."""

    def from_host(self, mask: np.ndarray) -> Frame:
        """A host NumPy mask ``[H, W]`` on this backend (a copy to the GPU for the device compositor)."""


class HostCompositor:
    """Splash RGB ``uint8 [H, W, 3]`` NumPy frames with ``bool``/``float32 [H, W]`` NumPy masks."""

    def __init__(self, style: SplashStyle) -> None:
        self.style = style
        self._fitted: dict[tuple[int, int], np.ndarray] = {}
        self.splash = {CUTOUT: self._cutout}.get(style.effect, self._splash)

    def _splash(self, image_rgb: np.ndarray, keep_mask: np.ndarray) -> np.ndarray:
        """RGB ``uint8 [H, W, 3]``: the backdrop effect outside ``keep_mask``."""
        style = self.style
        return color_splash(image_rgb, keep_mask, effect=style.effect, background=self._background(image_rgb),
                            feather=style.feather, invert=style.invert, blur_sigma=style.blur_sigma,
                            color=style.color)

    def _cutout(self, image_rgb: np.ndarray, keep_mask: np.ndarray) -> np.ndarray:
        """RGBA ``uint8 [H, W, 4]``: alpha from the (feathered, with ``invert``: inverted) keep-mask."""
        return cutout_rgba(image_rgb, keep_mask, invert=self.style.invert, feather=self.style.feather)

    def as_alpha(self, keep_mask: np.ndarray) -> np.ndarray:
        """``float32 [H, W]`` in ``[0, 1]``."""
        return keep_mask.astype(np.float32)

    def from_host(self, mask: np.ndarray) -> np.ndarray:
        return mask

    def _background(self, image_rgb: np.ndarray) -> np.ndarray | None:
        """The background fitted to the frame's size once, not again for every video frame."""
        if self.style.background is None:
            return None
        size = (int(image_rgb.shape[0]), int(image_rgb.shape[1]))
        if size not in self._fitted:
            self._fitted[size] = cover_resize(self.style.background, *size)
        return self._fitted[size]


class DeviceCompositor:
    """Splash RGB ``uint8 [H, W, 3]`` torch frames on ``device`` with ``bool``/``float [H, W]`` tensor masks."""

    def __init__(self, style: SplashStyle, device: torch.device | str) -> None:
        import torch

        self.style = style
        self.device = torch.device(device)
        self._fitted: dict[tuple[int, int], torch.Tensor] = {}
        self.splash = {CUTOUT: self._cutout}.get(style.effect, self._splash)

    def _splash(self, image_rgb: torch.Tensor, keep_mask: torch.Tensor) -> torch.Tensor:
        """RGB ``uint8 [H, W, 3]`` on the device: the backdrop effect outside ``keep_mask``."""
        from .splash_torch import color_splash_torch

        style = self.style
        return color_splash_torch(image_rgb, keep_mask, effect=style.effect,
                                  background=self._background(image_rgb), feather=style.feather,
                                  invert=style.invert, blur_sigma=style.blur_sigma, color=style.color)

    def _cutout(self, image_rgb: torch.Tensor, keep_mask: torch.Tensor) -> torch.Tensor:
        """RGBA ``uint8 [H, W, 4]`` on the device (:func:`.cutout_torch.cutout_rgba_torch`)."""
        from .cutout_torch import cutout_rgba_torch

        return cutout_rgba_torch(image_rgb, keep_mask, invert=self.style.invert, feather=self.style.feather)

    def as_alpha(self, keep_mask: torch.Tensor) -> torch.Tensor:
        """``float32 [H, W]`` in ``[0, 1]`` on the device."""
        return keep_mask.float()

    def from_host(self, mask: np.ndarray) -> torch.Tensor:
        import torch

        return torch.from_numpy(mask).to(self.device, non_blocking=True)

    def _background(self, image_rgb: torch.Tensor) -> torch.Tensor | None:
        import torch

        if self.style.background is None:
            return None
        size = (int(image_rgb.shape[0]), int(image_rgb.shape[1]))
        if size not in self._fitted:  # fitted and copied to the device once per frame size
            self._fitted[size] = torch.from_numpy(cover_resize(self.style.background, *size)).to(self.device)
        return self._fitted[size]


def build_compositor(style: SplashStyle, device: str | torch.device | None = None) -> Compositor:
    """The compositor for frames that live on ``device``: None or a CPU device -> :class:`HostCompositor`
    (NumPy), a CUDA device -> :class:`DeviceCompositor` (torch on that GPU)."""
    kind = device_kind(device)
    if kind not in COMPOSITORS:
        raise ValueError(f"no compositor for device {device!r}; choose from {', '.join(COMPOSITORS)}")
    return COMPOSITORS[kind](style, device)


def _host(style: SplashStyle, device: object) -> HostCompositor:
    return HostCompositor(style)


COMPOSITORS = {"cpu": _host, "cuda": DeviceCompositor}
