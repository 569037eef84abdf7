"""The colour splash on the host: keep chosen pixels in colour, apply an effect everywhere else.

NumPy/OpenCV only; :mod:`.splash_torch` is the torch twin for frames on a device, and
:mod:`.compositor` picks one of the two per job. All images are RGB ``uint8 [H, W, 3]``.

Effects for the pixels outside the kept mask (:data:`.effects.EFFECTS`):

- ``gray``: ITU-R BT.601 luma ``Y = 0.299 R + 0.587 G + 0.114 B``, exactly OpenCV's ``RGB2GRAY``.
- ``blur``: a Gaussian blur of the picture (``blur_sigma`` pixels, default 2% of the long side).
- ``solid``: one colour (``color``, RGB).
- ``image``: another picture (``background``), scaled to cover the frame and centre-cropped.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from .effects import BLUR_DOWNSCALE_ABOVE, EFFECTS, check_backdrop_effect, cover_resize, default_blur_sigma

__all__ = ["EFFECTS", "BACKDROPS", "color_splash", "feather_alpha"]

Backdrop = Callable[[np.ndarray, "np.ndarray | None", "float | None", "tuple[int, int, int]"], np.ndarray]


def gray_backdrop(image_rgb: np.ndarray, background: np.ndarray | None, blur_sigma: float | None,
                  color: tuple[int, int, int]) -> np.ndarray:
    """BT.601 luma replicated to three channels, ``uint8 [H, W, 3]``."""
    return cv2.cvtColor(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def blur_backdrop(image_rgb: np.ndarray, background: np.ndarray | None, blur_sigma: float | None,
                  color: tuple[int, int, int]) -> np.ndarray:
    """Gaussian blur; large sigmas work on a reduced copy and scale back up (bilinear)."""
    h, w = image_rgb.shape[:2]
    sigma = blur_sigma or default_blur_sigma(h, w)
    if sigma <= BLUR_DOWNSCALE_ABOVE:
        return cv2.GaussianBlur(image_rgb, (0, 0), sigma)
    factor = sigma / BLUR_DOWNSCALE_ABOVE
    small = cv2.resize(image_rgb, (max(1, round(w / factor)), max(1, round(h / factor))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), BLUR_DOWNSCALE_ABOVE)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def solid_backdrop(image_rgb: np.ndarray, background: np.ndarray | None, blur_sigma: float | None,
                   color: tuple[int, int, int]) -> np.ndarray:
    return np.full_like(image_rgb, np.asarray(color, dtype=np.uint8))


def image_backdrop(image_rgb: np.ndarray, background: np.ndarray | None, blur_sigma: float | None,
                   color: tuple[int, int, int]) -> np.ndarray:
    if background is None:
        raise ValueError("effect 'image' needs a background picture")
    fitted = cover_resize(background, *image_rgb.shape[:2])
    return fitted.copy() if fitted is background else fitted  # color_splash writes into the backdrop


BACKDROPS: dict[str, Backdrop] = {
    "gray": gray_backdrop, "blur": blur_backdrop, "solid": solid_backdrop, "image": image_backdrop,
}


def feather_alpha(keep_mask: np.ndarray, feather: float) -> np.ndarray:
    """Soft edges: ``float32 [H, W]`` alpha in ``[0, 1]``, the mask blurred with sigma ``feather / 2``.

    The transition is about ``feather`` pixels wide on each side of the mask's edge.
    """
    alpha = keep_mask.astype(np.float32)
    if feather > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), feather / 2.0)
    return alpha


def color_splash(image_rgb: np.ndarray, keep_mask: np.ndarray, *, effect: str = "gray",
                 background: np.ndarray | None = None, feather: float = 0.0, invert: bool = False,
                 blur_sigma: float | None = None, color: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """Keep ``keep_mask`` pixels of ``image_rgb`` in colour and apply ``effect`` to the others.

    Args:
        image_rgb: RGB ``uint8 [H, W, 3]`` NumPy array (for torch tensors see
            :func:`splashseg.render.splash_torch.color_splash_torch`).
        keep_mask: ``bool [H, W]`` (hard edges) or ``float [H, W]`` alpha in ``[0, 1]`` (1 = keep colour).
        effect: one of :data:`.effects.BACKDROP_EFFECTS` (``cutout``: :mod:`.cutout`).
        background: RGB ``uint8 [h, w, 3]`` picture for ``effect="image"`` (any size: scaled to cover).
        feather: soft-edge width in pixels (0: hard edges).
        invert: apply the effect to the kept pixels instead (gray objects on a colour background).
        blur_sigma: strength of ``effect="blur"`` in pixels (default 2% of the long side).
        color: RGB colour for ``effect="solid"``.

    Returns:
        RGB ``uint8 [H, W, 3]`` NumPy array; the input is not modified.
    """
    check_backdrop_effect(effect)
    image_rgb = np.ascontiguousarray(image_rgb)
    if keep_mask.shape != image_rgb.shape[:2]:
        raise ValueError(f"mask shape {keep_mask.shape} does not match image shape {image_rgb.shape[:2]}")
    backdrop = BACKDROPS[effect](image_rgb, background, blur_sigma, color)
    if keep_mask.dtype == bool and feather <= 0:
        keep = np.logical_not(keep_mask) if invert else keep_mask
        cv2.copyTo(image_rgb, keep.view(np.uint8), backdrop)  # backdrop is ours: write in place
        return backdrop
    alpha = feather_alpha(keep_mask, feather)
    if invert:
        alpha = 1.0 - alpha
    return cv2.blendLinear(image_rgb, backdrop, alpha, 1.0 - alpha)
