"""Mask refinement as torch ops on any device: the twin of :mod:`.refine` (same steps, fp32).

On CUDA everything runs on the GPU; the only transfers to the host are the value range of the soft
masks and each instance's row/column extent (one small copy for the whole stack).
"""

from __future__ import annotations

import numpy as np
import torch

from .guided_filter_torch import box_mean, box_sum, guided_filter
from .refine import EPS, THRESHOLD, check_inputs, check_range, check_settings, instance_window
from .splash_torch import luma


def band_masks(hard: torch.Tensor, band: int) -> tuple[torch.Tensor, torch.Tensor]:
    """As :func:`.refine.band_masks` for ``bool [h, w]``: (``bool`` band, fp32 weight in ``[0, 1]``).

    Dilation and erosion by a square are window sums of the 0/1 mask (exact in fp32): any pixel set /
    every pixel inside the picture set.
    """
    taper = band // 2
    solid = hard.to(torch.float32)[None]  # [1, h, w]

    def ring(width: int) -> torch.Tensor:
        sums, count = box_sum(solid, width)
        return (sums[0] > 0) & (sums[0] < count.to(torch.float32))

    weight = box_mean(ring(band - taper).to(torch.float32)[None], taper)[0] if taper else \
        ring(band).to(torch.float32)
    return ring(band), weight


def _guide(image_crop: torch.Tensor, guide: str) -> torch.Tensor:
    """RGB ``uint8 [h, w, 3]`` -> fp32 guide in ``[0, 1]``, ``[3, h, w]`` colour or ``[1, h, w]`` luma,
    minus its mean per channel (the filter does not depend on it; fp32 sums stay small)."""
    planes = luma(image_crop)[None] if guide == "gray" else image_crop.permute(2, 0, 1)
    planes = planes.to(torch.float32) / 255.0
    return planes - planes.mean(dim=(1, 2), keepdim=True)


def _spans(flags: np.ndarray) -> list[tuple[int, int] | None]:
    """For ``bool [N, L]``: first and last set index of each row, ``None`` for empty rows."""
    spans: list[tuple[int, int] | None] = []
    for row in flags:
        hits = np.flatnonzero(row)
        spans.append((int(hits[0]), int(hits[-1])) if hits.size else None)
    return spans


def _refine_one(soft_mask: torch.Tensor, image_rgb: torch.Tensor, rows: tuple[int, int], cols: tuple[int, int],
                *, radius: int | None, eps: float, band: int | None, guide: str, subsample: int | None) -> None:
    """Refine one fp32 ``[H, W]`` soft mask in place; its ``p >= 0.5`` pixels span ``rows`` x ``cols``."""
    window = instance_window(rows, cols, *soft_mask.shape, radius=radius, band=band, subsample=subsample)
    crop_p = soft_mask[window.rows, window.cols].clone()
    in_band, weight = band_masks(crop_p >= THRESHOLD, window.band)
    guide_crop = _guide(image_rgb[window.rows, window.cols], guide)
    filtered = guided_filter(guide_crop, crop_p, radius=window.radius, eps=eps,
                             subsample=window.subsample).clamp_(0.0, 1.0)
    blended = torch.where(in_band, crop_p + weight * (filtered - crop_p), crop_p)
    soft_mask[window.rows, window.cols] = blended


def refine_masks_torch(image_rgb: torch.Tensor, soft_masks: torch.Tensor, *, radius: int | None = None,
                       eps: float = EPS, band: int | None = None, guide: str = "color",
                       subsample: int | None = None, inplace: bool = False) -> torch.Tensor:
    """Torch twin of :func:`.refine.refine_masks`: RGB ``uint8 [H, W, 3]`` picture, float ``[N, H, W]``
    soft masks in ``[0, 1]`` (any float dtype, or bool), on one device -> fp32 ``[N, H, W]`` on it."""
    check_settings(radius, eps, band, guide, subsample)
    soft_masks = torch.as_tensor(soft_masks, device=image_rgb.device)
    check_inputs(image_rgb.dtype == torch.uint8, image_rgb.dtype, tuple(image_rgb.shape), tuple(soft_masks.shape))
    out = soft_masks if inplace and soft_masks.dtype == torch.float32 else soft_masks.to(torch.float32, copy=True)
    if out.numel() == 0:
        return out
    low, high = torch.aminmax(out)
    check_range(float(low), float(high))
    row_flags = (out.amax(dim=2) >= THRESHOLD).cpu().numpy()  # [N, H]
    col_flags = (out.amax(dim=1) >= THRESHOLD).cpu().numpy()  # [N, W]
    for index, (rows, cols) in enumerate(zip(_spans(row_flags), _spans(col_flags), strict=True)):
        if rows is not None and cols is not None:
            _refine_one(out[index], image_rgb, rows, cols, radius=radius, eps=eps, band=band, guide=guide,
                        subsample=subsample)
    return out


def refine_mask_torch(image_rgb: torch.Tensor, soft_mask: torch.Tensor, **settings: object) -> torch.Tensor:
    """One instance: fp ``[H, W]`` soft mask in ``[0, 1]`` -> refined fp32 ``[H, W]`` on the picture's device."""
    if soft_mask.ndim != 2:
        raise ValueError(f"refine: a soft mask must be [H, W], got {list(soft_mask.shape)}")
    return refine_masks_torch(image_rgb, soft_mask[None], **settings)[0]  # type: ignore[arg-type]
