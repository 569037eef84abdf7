"""Temporal smoothing of keep-masks, so a splash does not flicker from frame to frame.

Method: an exponential moving average of the per-pixel keep-mask, used as a soft alpha,

    alpha_t = (1 - w) * alpha_{t-1} + w * mask_t        (alpha_0 = mask_0, w = ``weight``)

A pixel that the model keeps in one frame and drops in the next fades over a few frames instead of
blinking; a pixel that stays on (or off) converges to exactly 1 (or 0): values within 1/255 of the ends
are snapped, so still regions are exact. The price is a short trail behind fast-moving objects (with
``w = 0.5`` a change is 97% complete after five frames). Only arithmetic and boolean indexing are used,
so the same code runs on float NumPy arrays and float torch tensors (on any device).
"""

from __future__ import annotations

from typing import Any

DEFAULT_WEIGHT = 0.5
_SNAP = 1.0 / 255.0


class MaskSmoother:
    """Call once per frame, in frame order, with a float32 [H, W] alpha in [0, 1] (NumPy or torch).

    Returns the smoothed float32 alpha [H, W] of the same array type and device (the compositor's
    ``as_alpha`` turns a bool mask into one). A change of size (a new video) restarts the average.
    """

    def __init__(self, weight: float = DEFAULT_WEIGHT) -> None:
        if not 0.0 < weight <= 1.0:
            raise ValueError(f"smoothing weight must be in (0, 1], got {weight}")
        self.weight = weight
        self.alpha: Any = None

    def __call__(self, alpha: Any) -> Any:
        if self.alpha is None or tuple(self.alpha.shape) != tuple(alpha.shape):
            self.alpha = alpha * 1.0  # a copy: the caller's array is never changed
        else:
            self.alpha = self.alpha * (1.0 - self.weight) + alpha * self.weight
            self.alpha[self.alpha < _SNAP] = 0.0
            self.alpha[self.alpha > 1.0 - _SNAP] = 1.0
        return self.alpha
