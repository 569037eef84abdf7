"""What both compositors share: the effect names, the default blur strength, fitting a background.

Effects are of two kinds: a *backdrop* (:data:`BACKDROP_EFFECTS`) replaces the pixels outside the kept
objects and the result is RGB; :data:`CUTOUT` keeps the picture and makes those pixels transparent, and
the result is RGBA (:mod:`.cutout`).

The NumPy compositor (:mod:`.splash`) and the torch one (:mod:`.splash_torch`) both import this module
and nothing of each other.
"""

from __future__ import annotations

import cv2
import numpy as np

BACKDROP_EFFECTS = ("gray", "blur", "solid", "image")  # RGB out: the splash (:mod:`.splash`)
CUTOUT = "cutout"  # RGBA out: alpha from the keep-mask (:mod:`.cutout`)
EFFECTS = (*BACKDROP_EFFECTS, CUTOUT)
BLUR_SHARE = 0.02  # default blur sigma: this share of the long side ...
MIN_BLUR_SIGMA = 3.0  # ... and at least this many pixels
BLUR_DOWNSCALE_ABOVE = 6.0  # sigmas above this blur a reduced copy: same look, a fraction of the work


def check_effect(effect: str) -> None:
    """``ValueError`` naming the choices when ``effect`` is not one of :data:`EFFECTS`."""
    if effect not in EFFECTS:
        raise ValueError(f"unknown effect {effect!r}; choose from {', '.join(EFFECTS)}")


def check_backdrop_effect(effect: str) -> None:
    """``ValueError`` unless ``effect`` is one of :data:`BACKDROP_EFFECTS` (what ``color_splash`` draws)."""
    check_effect(effect)
    if effect not in BACKDROP_EFFECTS:
        raise ValueError(f"effect {effect!r} makes an RGBA picture, not a splash: use render.cutout "
                         "(or a compositor, which picks it)")


def default_blur_sigma(height: int, width: int) -> float:
    """The blur strength used when none is given: :data:`BLUR_SHARE` of the long side, at least
    :data:`MIN_BLUR_SIGMA` pixels."""
    return max(MIN_BLUR_SIGMA, BLUR_SHARE * max(height, width))


def cover_resize(background_rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale RGB ``uint8 [h, w, 3]`` to cover ``height x width`` keeping its aspect, then centre-crop.

    Returns RGB ``uint8 [height, width, 3]`` (the input itself when it already has that size).
    """
    h, w = background_rgb.shape[:2]
    if (h, w) == (height, width):
        return background_rgb
    scale = max(height / h, width / w)
    new_w, new_h = max(width, round(w * scale)), max(height, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(background_rgb, (new_w, new_h), interpolation=interpolation)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return np.ascontiguousarray(resized[top:top + height, left:left + width])
