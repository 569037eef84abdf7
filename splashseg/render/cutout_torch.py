"""The cutout effect as torch ops: the twin of :func:`.cutout.cutout_rgba` for tensors on any device."""

from __future__ import annotations

import torch

from .cutout import check_alpha_range, check_feather, check_shapes
from .splash_torch import gaussian_blur


def cutout_rgba_torch(image_rgb: torch.Tensor, keep_alpha: torch.Tensor, *, invert: bool = False,
                      feather: float = 0.0) -> torch.Tensor:
    """RGB ``uint8 [H, W, 3]`` and keep mask ``bool`` or ``float [H, W]`` in ``[0, 1]`` -> RGBA ``uint8
    [H, W, 4]`` on the same device, straight alpha, black RGB where alpha is 0 (see :mod:`.cutout`)."""
    check_feather(feather)
    keep_alpha = torch.as_tensor(keep_alpha, device=image_rgb.device)
    check_shapes(image_rgb.dtype == torch.uint8, image_rgb.dtype, tuple(image_rgb.shape), tuple(keep_alpha.shape))
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
