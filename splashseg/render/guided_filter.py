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
    return _box_means([planes], radius)[0]


def _box_means(planes: list[np.ndarray], radius: int) -> list[np.ndarray]:
    """:func:`box_mean` of each array in ``planes`` (all of one ``[h, w]`` or ``[h, w, c]`` shape)."""
    height, width = planes[0].shape[:2]
    size = 2 * radius + 1
    rows = np.minimum(np.arange(height) + radius, height - 1) - np.maximum(np.arange(height) - radius, 0) + 1
    cols = np.minimum(np.arange(width) + radius, width - 1) - np.maximum(np.arange(width) - radius, 0) + 1
    scale = 1.0 / np.outer(rows, cols).astype(np.float32)  # [h, w] 1 / pixels inside each window
    if planes[0].ndim == 3:
        scale = scale[..., None]
    return [cv2.boxFilter(plane, -1, (size, size), normalize=False, borderType=cv2.BORDER_CONSTANT) * scale
            for plane in planes]


def _gray_coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> list[np.ndarray]:
    """Window means of ``a`` and ``b`` (``float32 [h, w]`` each) for a gray guide ``[h, w]``."""
    mean_i, mean_p, corr_ip, corr_ii = _box_means([guide, source, guide * source, guide * guide], radius)
    a = (corr_ip - mean_i * mean_p) / (corr_ii - mean_i * mean_i + eps)
    b = mean_p - a * mean_i
    return _box_means([a, b], radius)


def solve_color_window(mr, mg, mb, mean_p, cr, cg, cb, srr, srg, srb, sgg, sgb, sbb, eps):  # noqa: ANN001, ANN201
    """Per-window linear coefficients of a colour-guided filter from the window means: ``m*`` of the guide's
    planes, ``mean_p`` of the source, ``c*`` of guide x source, ``s**`` of the guide's products. Returns
    ``(a_r, a_g, a_b, b)`` with ``a = (Sigma + eps U)^-1 cov(I, p)`` and ``b = mean_p - a . mean_I``.

    Only ``+ - * /`` on its arguments, so NumPy arrays and torch tensors (any device) both work; the NumPy
    and torch filters share it."""
    cr, cg, cb = cr - mr * mean_p, cg - mg * mean_p, cb - mb * mean_p  # cov(I, p)
    srr, srg, srb = srr - mr * mr + eps, srg - mr * mg, srb - mr * mb  # Sigma + eps U
    sgg, sgb, sbb = sgg - mg * mg + eps, sgb - mg * mb, sbb - mb * mb + eps
    # Sigma^-1 = adjugate / determinant (Sigma is symmetric positive definite thanks to eps)
    inv_rr, inv_rg, inv_rb = sgg * sbb - sgb * sgb, sgb * srb - srg * sbb, srg * sgb - sgg * srb
    inv_gg, inv_gb, inv_bb = srr * sbb - srb * srb, srb * srg - srr * sgb, srr * sgg - srg * srg
    det = srr * inv_rr + srg * inv_rg + srb * inv_rb
    a_r = (inv_rr * cr + inv_rg * cg + inv_rb * cb) / det
    a_g = (inv_rg * cr + inv_gg * cg + inv_gb * cb) / det
    a_b = (inv_rb * cr + inv_gb * cg + inv_bb * cb) / det
    return a_r, a_g, a_b, mean_p - a_r * mr - a_g * mg - a_b * mb


def _color_coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> list[np.ndarray]:
    """Window means of ``a`` (3 planes) and ``b`` (``float32 [h, w]`` each) for a colour guide ``[h, w, 3]``."""
    r, g, b = (np.ascontiguousarray(guide[..., k]) for k in range(3))
    mr, mg, mb, mean_p, cr, cg, cb, srr, srg, srb, sgg, sgb, sbb = _box_means(
        [r, g, b, source, r * source, g * source, b * source, r * r, r * g, r * b, g * g, g * b, b * b], radius)
    a_r, a_g, a_b, offset = solve_color_window(mr, mg, mb, mean_p, cr, cg, cb, srr, srg, srb, sgg, sgb, sbb, eps)
    return _box_means([a_r, a_g, a_b, offset], radius)


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
        padded_guide, padded_source = guide, source
        if pad_h or pad_w:
            padded_guide = cv2.copyMakeBorder(guide, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
            padded_source = cv2.copyMakeBorder(source, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
        small_guide = cv2.resize(padded_guide, small_size, interpolation=cv2.INTER_AREA)
        small_source = cv2.resize(padded_source, small_size, interpolation=cv2.INTER_AREA)
        small = _coefficients(small_guide, small_source, max(1, round(radius / subsample)), eps)
        coefficients = [cv2.resize(plane, (width + pad_w, height + pad_h), interpolation=cv2.INTER_LINEAR)
                        [:height, :width] for plane in small]
    else:
        coefficients = _coefficients(guide, source, radius, eps)
    if guide.ndim == 2:
        return coefficients[0] * guide + coefficients[1]
    out = coefficients[3] + coefficients[0] * guide[..., 0]
    out += coefficients[1] * guide[..., 1]
    out += coefficients[2] * guide[..., 2]
    return out


def _coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> list[np.ndarray]:
    if guide.ndim == 2:
        return _gray_coefficients(guide, source, radius, eps)
    return _color_coefficients(guide, source, radius, eps)
