"""The guided filter as torch ops on any device: the twin of :mod:`.guided_filter` (same maths, fp32).

Box sums are cumulative sums along each axis (cost independent of the radius). Planes are ``[C, h, w]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .guided_filter import solve_color_window


def _window_sums(planes: torch.Tensor, radius: int, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sums over ``[i - r, i + r]`` along ``dim`` (-1 or -2 of ``[C, h, w]``, clipped to the picture) and
    how many pixels each holds. The running sum gets ``r + 1`` zeros before and ``r`` copies of the total
    after, so window ``i`` is ``padded[i + 2r + 1] - padded[i]``: two slices, no gather."""
    length = planes.shape[dim]
    running = planes.cumsum(dim)
    zeros, totals = ((radius + 1, 0), (0, radius)) if dim == -1 else ((0, 0, radius + 1, 0), (0, 0, 0, radius))
    padded = F.pad(F.pad(running, zeros), totals, mode="replicate")
    sums = padded.narrow(dim, 2 * radius + 1, length) - padded.narrow(dim, 0, length)
    index = torch.arange(length, device=planes.device)
    count = (index + radius + 1).clamp(max=length) - (index - radius).clamp(min=0)
    return sums, count


def box_sum(planes: torch.Tensor, radius: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(sums over each ``(2r+1)^2`` window inside the picture of ``[C, h, w]``, ``[h, w]`` pixel counts).

    Sums of 0/1 planes are exact integers (in fp32 up to 2^24).
    """
    sums, rows = _window_sums(planes, radius, -2)
    sums, cols = _window_sums(sums, radius, -1)
    return sums, rows[:, None] * cols[None, :]


def box_mean(planes: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over each ``(2r+1)^2`` window of ``[C, h, w]``, inside the picture only."""
    sums, count = box_sum(planes, radius)
    return sums / count.to(sums.dtype)


def _gray_coefficients(guide: torch.Tensor, source: torch.Tensor, radius: int, eps: float) -> torch.Tensor:
    """``[2, h, w]``: window means of ``a`` and ``b`` for a gray guide ``[1, h, w]`` and ``source [h, w]``."""
    i, p = guide[0], source
    mean_i, mean_p, corr_ip, corr_ii = box_mean(torch.stack([i, p, i * p, i * i]), radius)
    a = (corr_ip - mean_i * mean_p) / (corr_ii - mean_i * mean_i + eps)
    b = mean_p - a * mean_i
    return box_mean(torch.stack([a, b]), radius)


def _color_coefficients(guide: torch.Tensor, source: torch.Tensor, radius: int, eps: float) -> torch.Tensor:
    """``[4, h, w]``: window means of ``a`` (3 planes) and ``b`` for a colour guide ``[3, h, w]``."""
    r, g, b = guide
    stats = box_mean(torch.cat([guide, source[None], guide * source, torch.stack(
        [r * r, r * g, r * b, g * g, g * b, b * b])]), radius)  # [13, h, w]
    (mr, mg, mb), mean_p, (cr, cg, cb) = stats[0:3], stats[3], stats[4:7]
    a_r, a_g, a_b, offset = solve_color_window(mr, mg, mb, mean_p, cr, cg, cb, *stats[7:13], eps)
    return box_mean(torch.stack([a_r, a_g, a_b, offset]), radius)


def _coefficients(guide: torch.Tensor, source: torch.Tensor, radius: int, eps: float) -> torch.Tensor:
    if guide.shape[0] == 1:
        return _gray_coefficients(guide, source, radius, eps)
    return _color_coefficients(guide, source, radius, eps)


def guided_filter(guide: torch.Tensor, source: torch.Tensor, *, radius: int, eps: float,
                  subsample: int = 1) -> torch.Tensor:
    """Filter ``source`` (fp32 ``[h, w]``) guided by ``guide`` (fp32 ``[1, h, w]`` gray or ``[3, h, w]``).

    ``subsample > 1``: the fast guided filter, as :func:`.guided_filter.guided_filter`. Returns fp32
    ``[h, w]`` (unclipped).
    """
    height, width = source.shape
    if subsample > 1:
        pad_h, pad_w = -height % subsample, -width % subsample
        planes = torch.cat([guide, source[None]])[None]  # [1, C + 1, h, w]
        if pad_h or pad_w:
            planes = F.pad(planes, (0, pad_w, 0, pad_h), mode="replicate")
        small = F.avg_pool2d(planes, subsample)[0]  # [C + 1, h / s, w / s]
        coefficients = _coefficients(small[:-1], small[-1], max(1, round(radius / subsample)), eps)
        coefficients = F.interpolate(coefficients[None], size=(height + pad_h, width + pad_w), mode="bilinear",
                                     align_corners=False)[0, :, :height, :width]
    else:
        coefficients = _coefficients(guide, source, radius, eps)
    return (coefficients[:-1] * guide).sum(0) + coefficients[-1]
