"""The colour splash as torch ops, so a frame on the GPU never leaves it until it is finished.

Same contract as :func:`splashseg.render.splash.color_splash` for RGB ``uint8 [H, W, 3]`` tensors; gray
uses OpenCV's fixed-point BT.601 formula so both paths agree to the level. Shares only
:mod:`.effects` with the NumPy compositor.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from .effects import BLUR_DOWNSCALE_ABOVE, check_backdrop_effect, default_blur_sigma

# OpenCV's RGB2GRAY for 8-bit images: Y = (9798 R + 19235 G + 3735 B + 2^14) >> 15
_LUMA = (9798, 19235, 3735)
_LUMA_SHIFT = 15


def luma(image_rgb: torch.Tensor) -> torch.Tensor:
    """RGB ``uint8 [H, W, 3]`` -> ``uint8 [H, W]`` BT.601 luma, bit-exact with OpenCV."""
    rgb = image_rgb.to(torch.int32)
    y = rgb[..., 0] * _LUMA[0] + rgb[..., 1] * _LUMA[1] + rgb[..., 2] * _LUMA[2]
    return ((y + (1 << (_LUMA_SHIFT - 1))) >> _LUMA_SHIFT).to(torch.uint8)


def _gaussian_kernel(sigma: float, device: torch.device) -> torch.Tensor:
    radius = max(1, int(math.ceil(3.0 * sigma)))
    x = torch.arange(-radius, radius + 1, device=device, dtype=torch.float32)
    kernel = torch.exp(-(x * x) / (2.0 * sigma * sigma))
    return kernel / kernel.sum()


def gaussian_blur(planes: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of float ``[C, H, W]`` planes with reflected borders."""
    kernel = _gaussian_kernel(sigma, planes.device)
    pad = kernel.numel() // 2
    channels = planes.shape[0]
    x = planes.unsqueeze(0)  # [1, C, H, W]
    pad_w, pad_h = min(pad, x.shape[-1] - 1), min(pad, x.shape[-2] - 1)
    x = F.pad(x, (pad_w, pad_w, 0, 0), mode="reflect" if pad_w == pad else "replicate") if pad_w > 0 else x
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1).contiguous(), groups=channels,
                 padding=(0, pad - pad_w) if pad_w < pad else 0)
    x = F.pad(x, (0, 0, pad_h, pad_h), mode="reflect" if pad_h == pad else "replicate") if pad_h > 0 else x
    x = F.conv2d(x, kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1).contiguous(), groups=channels,
                 padding=(pad - pad_h, 0) if pad_h < pad else 0)
    return x[0]


def gray_backdrop(image_rgb: torch.Tensor, background: torch.Tensor | None, blur_sigma: float | None,
                  color: tuple[int, int, int]) -> torch.Tensor:
    return luma(image_rgb).unsqueeze(-1).expand_as(image_rgb)


def blur_backdrop(image_rgb: torch.Tensor, background: torch.Tensor | None, blur_sigma: float | None,
                  color: tuple[int, int, int]) -> torch.Tensor:
    h, w = image_rgb.shape[:2]
    sigma = blur_sigma or default_blur_sigma(h, w)
    planes = image_rgb.permute(2, 0, 1).float()  # [3, H, W]
    if sigma > BLUR_DOWNSCALE_ABOVE:
        factor = sigma / BLUR_DOWNSCALE_ABOVE
        small = F.interpolate(planes[None], size=(max(1, round(h / factor)), max(1, round(w / factor))),
                              mode="area")[0]
        blurred = F.interpolate(gaussian_blur(small, BLUR_DOWNSCALE_ABOVE)[None], size=(h, w), mode="bilinear",
                                align_corners=False)[0]
    else:
        blurred = gaussian_blur(planes, sigma)
    return blurred.round_().clamp_(0, 255).to(torch.uint8).permute(1, 2, 0)


def solid_backdrop(image_rgb: torch.Tensor, background: torch.Tensor | None, blur_sigma: float | None,
                   color: tuple[int, int, int]) -> torch.Tensor:
    return torch.tensor(color, dtype=torch.uint8, device=image_rgb.device).expand_as(image_rgb)


def image_backdrop(image_rgb: torch.Tensor, background: torch.Tensor | None, blur_sigma: float | None,
                   color: tuple[int, int, int]) -> torch.Tensor:
    if background is None:
        raise ValueError("effect 'image' needs a background picture")
    if background.shape != image_rgb.shape:
        raise ValueError(f"background shape {tuple(background.shape)} does not match the frame's "
                         f"{tuple(image_rgb.shape)}; fit it first (splashseg.render.effects.cover_resize)")
    return background.to(image_rgb.device)


BACKDROPS: dict[str, Callable[..., torch.Tensor]] = {
    "gray": gray_backdrop, "blur": blur_backdrop, "solid": solid_backdrop, "image": image_backdrop,
}


def color_splash_torch(image_rgb: torch.Tensor, keep_mask: torch.Tensor, *, effect: str = "gray",
                       background: torch.Tensor | None = None, feather: float = 0.0, invert: bool = False,
                       blur_sigma: float | None = None, color: tuple[int, int, int] = (0, 0, 0)) -> torch.Tensor:
    """Torch twin of ``color_splash``: RGB ``uint8 [H, W, 3]`` tensor in, same out, on the same device.

    keep_mask: ``bool [H, W]`` or ``float [H, W]`` alpha in ``[0, 1]`` (moved to the image's device).
    background: RGB ``uint8 [H, W, 3]`` tensor already fitted to the frame (``effect="image"``).
    """
    check_backdrop_effect(effect)
    keep_mask = keep_mask.to(image_rgb.device)
    if keep_mask.shape != image_rgb.shape[:2]:
        raise ValueError(f"mask shape {tuple(keep_mask.shape)} does not match image shape {tuple(image_rgb.shape[:2])}")
    backdrop = BACKDROPS[effect](image_rgb, background, blur_sigma, color)
    if keep_mask.dtype == torch.bool and feather <= 0:
        keep = ~keep_mask if invert else keep_mask
        return torch.where(keep.unsqueeze(-1), image_rgb, backdrop)
    alpha = keep_mask.float()
    if feather > 0:
        alpha = gaussian_blur(alpha[None], feather / 2.0)[0]
    if invert:
        alpha = 1.0 - alpha
    alpha = alpha.unsqueeze(-1)  # [H, W, 1]
    blended = backdrop.float() + alpha * (image_rgb.float() - backdrop.float())
    return blended.round_().clamp_(0, 255).to(torch.uint8)
