"""The cutout effect: the picture with an alpha channel that keeps the chosen pixels.

Output is RGBA ``uint8 [H, W, 4]`` with *straight* (not premultiplied) alpha, the PNG convention: RGB is
the picture's colour, alpha says how much of it shows (0 transparent, 255 opaque). Where alpha is 0
the RGB is set to black, so what was cut away (with ``invert``: the objects) does not stay hidden in
the file. NumPy/OpenCV here; :mod:`.cutout_torch` is the twin for torch tensors (same result, any
device); a job picks one through its compositor (:mod:`.compositor`), nothing here looks at types.
"""

from __future__ import annotations

import math

import numpy as np

from .splash import feather_alpha


def check_feather(feather: float) -> None:
    """``ValueError`` unless ``feather`` is a finite number of pixels >= 0."""
    if isinstance(feather, bool) or not isinstance(feather, (int, float)) or not math.isfinite(feather) \
            or feather < 0:
        raise ValueError(f"cutout: feather must be a number of pixels >= 0, got {feather!r}")


def check_alpha_range(low: float, high: float) -> None:
    """``ValueError`` unless alpha (or probability) values lie in ``[0, 1]`` (NaN fails too)."""
    if not (low >= 0.0 and high <= 1.0):  # written so that NaN fails
        raise ValueError(f"alpha and soft masks must hold values in [0, 1] without NaN, got [{low}, {high}]")


def check_shapes(image_is_uint8: bool, image_dtype: object, image_shape: tuple[int, ...],
                 mask_shape: tuple[int, ...]) -> None:
    """``ValueError`` unless the picture is RGB uint8 ``[H, W, 3]`` and the keep mask ``[H, W]`` (both
    backends: they pass their own dtype test and shapes)."""
    if not image_is_uint8 or len(image_shape) != 3 or image_shape[2] != 3:
        raise ValueError(f"cutout: the picture must be RGB uint8 [H, W, 3], got {image_dtype} {list(image_shape)}")
    if tuple(mask_shape) != tuple(image_shape[:2]):
        raise ValueError(f"cutout: mask shape {list(mask_shape)} does not match the picture's "
                         f"{list(image_shape[:2])}")


def alpha_to_uint8(alpha: np.ndarray) -> np.ndarray:
    """``float [H, W]`` in ``[0, 1]`` -> ``uint8 [H, W]`` ``round(255 * a)`` (half to even): 0.5 -> 128.

    The rule for every 8-bit alpha or probability splashseg writes (cutout alpha, soft-mask PNGs).
    ``ValueError`` for values outside ``[0, 1]`` or NaN.
    """
    alpha = np.asarray(alpha)
    if alpha.size:
        check_alpha_range(float(alpha.min()), float(alpha.max()))
    return np.rint(alpha.astype(np.float32) * np.float32(255)).astype(np.uint8)


def cutout_rgba(image_rgb: np.ndarray, keep_alpha: np.ndarray, *, invert: bool = False,
                feather: float = 0.0) -> np.ndarray:
    """RGBA ``uint8 [H, W, 4]``: ``image_rgb`` with alpha from ``keep_alpha``.

    Args:
        image_rgb: RGB ``uint8 [H, W, 3]`` NumPy array (torch: :func:`.cutout_torch.cutout_rgba_torch`).
        keep_alpha: ``bool [H, W]`` (hard edges) or ``float [H, W]`` in ``[0, 1]`` (1 = keep), e.g. the
            union of refined soft masks.
        invert: keep everything *but* the mask (the world without the objects).
        feather: soft-edge width in pixels, as the splash's ``feather`` (Gaussian, sigma ``feather / 2``).

    Returns:
        ``uint8 [H, W, 4]``: alpha ``round(255 * a)``, so exactly 0 / 255 for a hard mask without feather;
        RGB as in the picture where alpha > 0, black where it is 0.
    """
    check_feather(feather)
    image_rgb, keep_alpha = np.asarray(image_rgb), np.asarray(keep_alpha)
    check_shapes(image_rgb.dtype == np.uint8, image_rgb.dtype, image_rgb.shape, keep_alpha.shape)
    if keep_alpha.dtype == bool and feather == 0:
        alpha = (keep_alpha != invert).astype(np.uint8) * np.uint8(255)
    else:
        if keep_alpha.size:
            check_alpha_range(float(keep_alpha.min()), float(keep_alpha.max()))
        soft = np.clip(feather_alpha(keep_alpha, feather), 0.0, 1.0)  # float32 [H, W]
        alpha = alpha_to_uint8(1.0 - soft if invert else soft)
    rgba = np.empty((*image_rgb.shape[:2], 4), np.uint8)
    rgba[..., :3] = image_rgb
    rgba[..., 3] = alpha
    rgba[alpha == 0, :3] = 0
    return rgba
