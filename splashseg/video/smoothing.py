"""Temporal smoothing of keep-masks, so a splash does not flicker from frame to frame.

Method: an exponential moving average of the per-pixel keep-mask, used as a soft alpha,

    alpha_t = (1 - w) * alpha_{t-1} + w * mask_t        (alpha_0 = mask_0, w = ``weight``)

A pixel that the model keeps in one frame and drops in the next fades over a few frames instead of
blinking; a pixel that stays on (or off) converges to exactly 1 (or 0): values within 1/255 of the ends
are snapped, so still regions are exact. The price is a short trail behind fast-moving objects (with
``w = 0.5`` a change is 97% complete after five frames). Works on NumPy arrays and torch tensors alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_WEIGHT = 0.5
_SNAP = 1.0 / 255.0


class MaskSmoother:
    """Call once per frame, in frame order, with a bool or float [H, W] keep-mask (NumPy or torch).

    Returns a float32 alpha [H, W] in [0, 1] of the same array type and device. A change of size
    (a new video) restarts the average.
    """

    def __init__(self, weight: float = DEFAULT_WEIGHT) -> None:
        if not 0.0 < weight <= 1.0:
            raise ValueError(f"smoothing weight must be in (0, 1], got {weight}")
        self.weight = weight
        self.alpha: Any = None

    def __call__(self, mask: Any) -> Any:
        current = _as_float(mask)
        same_kind = self.alpha is not None and _device(self.alpha) == _device(current)
        if not same_kind or tuple(self.alpha.shape) != tuple(current.shape):
            self.alpha = current
        else:
            self.alpha = self.alpha * (1.0 - self.weight) + current * self.weight
            self.alpha[self.alpha < _SNAP] = 0.0
            self.alpha[self.alpha > 1.0 - _SNAP] = 1.0
        return self.alpha


def _as_float(mask: Any) -> Any:
    if isinstance(mask, np.ndarray):
        return mask.astype(np.float32)
    return mask.float()  # torch tensor, kept on its device


def _device(array: Any) -> str:
    return "numpy" if isinstance(array, np.ndarray) else str(array.device)
