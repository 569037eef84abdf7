"""The cutout effect as torch ops: the twin of :func:`.cutout.cutout_rgba` for tensors on any device."""

from __future__ import annotations

import torch

from .cutout import check_alpha_range, check_feather
from .splash_torch import gaussian_blur


def cutout_rgba_torch(image_rgb: torch.Tensor, keep_alpha: torch.Tensor, *, invert: bool = False,
                      feather: float = 0.0) -> torch.Tensor:
    """RGB ``uint8 [H, W, 3]`` and keep mask ``bool`` or ``float [H, W]`` in ``[0, 1]`` -> RGBA ``uint8
    [H, W, 4]`` on the same device, straight alpha, black RGB where alpha is 0 (see :mod:`.cutout`)."""
    check_feather(feather)
    keep_alpha = torch.as_tensor(keep_alpha, device=image_rgb.device)
    if image_rgb.dtype != torch.uint8 or image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"cutout: the picture must be RGB uint8 [H, W, 3], got {image_rgb.dtype} "
                         f"{list(image_rgb.shape)}")
    if keep_alpha.shape != image_rgb.shape[:2]:
        raise ValueError(f"cutout: mask shape {list(keep_alpha.shape)} does not match the picture's "
                         f"{list(image_rgb.shape[:2])}")
    if keep_alpha.dtype == torch.bool and feather == 0:
        alpha = (keep_alpha != invert).to(torch.uint8) * 255
    else:
        soft = keep_alpha.to(torch.float32)
        if soft.numel():
            low, high = torch.aminmax(soft)
            check_alpha_range(float(low), float(high))
        if feather > 0:
            soft = gaussian_blur(soft[None], feather / 2.0)[0]
        alpha = ((1.0 - soft if invert else soft) * 255.0).round_().clamp_(0, 255).to(torch.uint8)
    rgb = torch.where((alpha > 0).unsqueeze(-1), image_rgb, torch.zeros_like(image_rgb))
    return torch.cat([rgb, alpha.unsqueeze(-1)], dim=-1)
