"""The guided filter (He, Sun and Tang, ECCV 2010 / TPAMI 2013) with NumPy and OpenCV box filters.

``q = mean(a) * I + mean(b)``: in every ``(2r+1)^2`` window the output is a linear function of the guide
``I``, fitted to the input ``p`` by least squares with ridge ``eps``. Where the guide is flat, ``a ~ 0``
and the output is a smoothed ``p``; where the guide has an edge stronger than ``sqrt(eps)``, the output
takes that edge. Windows that run past the picture's border are averaged over the pixels inside it.

The *colour* guide (``[h, w, 3]``) fits ``a`` as a 3-vector per window, with a 3x3 covariance: it sees
edges between colours of the same brightness, which the *gray* guide (``[h, w]``) misses. The *fast*
guided filter (He and Sun, 2015) fits ``a`` and ``b`` on a copy reduced by ``subsample`` and applies
them to the full-size guide, so it keeps the guide's sharp edges at a fraction of the cost.

All arrays are ``float32``; guides hold values in ``[0, 1]``.
"""

from __future__ import annotations

import cv2
import numpy as np


def box_mean(planes: np.ndarray, radius: int) -> np.ndarray:
    """Mean over each ``(2r+1)^2`` window of ``float32 [h, w]`` or ``[h, w, c]``, inside the picture only."""
    height, width = planes.shape[:2]
    size = 2 * radius + 1
    sums = cv2.boxFilter(planes, -1, (size, size), normalize=False, borderType=cv2.BORDER_CONSTANT)
    rows = np.minimum(np.arange(height) + radius, height - 1) - np.maximum(np.arange(height) - radius, 0) + 1
    cols = np.minimum(np.arange(width) + radius, width - 1) - np.maximum(np.arange(width) - radius, 0) + 1
    count = np.outer(rows, cols).astype(np.float32)  # [h, w] pixels inside each window
    return sums / (count[..., None] if sums.ndim == 3 else count)


def _gray_coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """``float32 [h, w, 2]``: window means of ``a`` and ``b`` for a gray guide ``[h, w]``."""
    stats = box_mean(np.dstack([guide, source, guide * source, guide * guide]), radius)  # [h, w, 4]
    mean_i, mean_p, corr_ip, corr_ii = (stats[..., k] for k in range(4))
    a = (corr_ip - mean_i * mean_p) / (corr_ii - mean_i * mean_i + eps)
    b = mean_p - a * mean_i
    return box_mean(np.dstack([a, b]), radius)


def _color_coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """``float32 [h, w, 4]``: window means of ``a`` (3 channels) and ``b`` for a colour guide ``[h, w, 3]``."""
    r, g, b = guide[..., 0], guide[..., 1], guide[..., 2]
    products = [r * r, r * g, r * b, g * g, g * b, b * b]
    stats = box_mean(np.dstack([guide, source[..., None], guide * source[..., None], *products]), radius)
    mean_i, mean_p, corr_ip = stats[..., 0:3], stats[..., 3], stats[..., 4:7]  # [h, w, 3], [h, w], [h, w, 3]
    cov_ip = corr_ip - mean_i * mean_p[..., None]
    mr, mg, mb = mean_i[..., 0], mean_i[..., 1], mean_i[..., 2]
    srr = stats[..., 7] - mr * mr + eps
    srg = stats[..., 8] - mr * mg
    srb = stats[..., 9] - mr * mb
    sgg = stats[..., 10] - mg * mg + eps
    sgb = stats[..., 11] - mg * mb
    sbb = stats[..., 12] - mb * mb + eps
    # Sigma^-1 = adjugate / determinant (Sigma is symmetric positive definite thanks to eps)
    inv_rr, inv_rg, inv_rb = sgg * sbb - sgb * sgb, sgb * srb - srg * sbb, srg * sgb - sgg * srb
    inv_gg, inv_gb, inv_bb = srr * sbb - srb * srb, srb * srg - srr * sgb, srr * sgg - srg * srg
    det = srr * inv_rr + srg * inv_rg + srb * inv_rb
    cr, cg, cb = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a_r = (inv_rr * cr + inv_rg * cg + inv_rb * cb) / det
    a_g = (inv_rg * cr + inv_gg * cg + inv_gb * cb) / det
    a_b = (inv_rb * cr + inv_gb * cg + inv_bb * cb) / det
    offset = mean_p - a_r * mr - a_g * mg - a_b * mb
    return box_mean(np.dstack([a_r, a_g, a_b, offset]), radius)


def guided_filter(guide: np.ndarray, source: np.ndarray, *, radius: int, eps: float,
                  subsample: int = 1) -> np.ndarray:
    """Filter ``source`` (``float32 [h, w]``) guided by ``guide`` (``[h, w]`` gray or ``[h, w, 3]`` colour).

    ``subsample > 1`` runs the fast guided filter: coefficients fitted on copies reduced ``subsample``
    times (area average; the picture is first padded by edge replication to a multiple of it) with radius
    ``max(1, round(radius / subsample))``, scaled back bilinearly. Returns ``float32 [h, w]`` (unclipped).
    """
    height, width = source.shape
    if subsample > 1:
        pad_h, pad_w = -height % subsample, -width % subsample
        small_size = ((width + pad_w) // subsample, (height + pad_h) // subsample)
        pad = ((0, pad_h), (0, pad_w))
        small_guide = cv2.resize(np.pad(guide, pad + ((0, 0),) * (guide.ndim - 2), mode="edge"), small_size,
                                 interpolation=cv2.INTER_AREA)
        small_source = cv2.resize(np.pad(source, pad, mode="edge"), small_size, interpolation=cv2.INTER_AREA)
        coefficients = _coefficients(small_guide, small_source, max(1, round(radius / subsample)), eps)
        coefficients = cv2.resize(coefficients, (width + pad_w, height + pad_h), interpolation=cv2.INTER_LINEAR)
        coefficients = coefficients[:height, :width]
    else:
        coefficients = _coefficients(guide, source, radius, eps)
    if guide.ndim == 2:
        return coefficients[..., 0] * guide + coefficients[..., 1]
    return np.einsum("hwc,hwc->hw", coefficients[..., :3], guide) + coefficients[..., 3]


def _coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    if guide.ndim == 2:
        return _gray_coefficients(guide, source, radius, eps)
    return _color_coefficients(guide, source, radius, eps)
