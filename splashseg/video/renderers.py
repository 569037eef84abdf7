"""Per-frame render callables for the pipeline: the colour splash and the detection overlay.

A render is ``render(frame, result) -> frame``. The splash renderer is given, when the job is built, a
compositor of one backend and a ``keep`` function that turns the predict result into a keep-mask, so
the video package needs neither the model nor a type check. Frames are ``uint8`` [H, W, 3] **RGB**:
NumPy on the host, or torch tensors on the model's device when the job chose a GPU compositor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .smoothing import MaskSmoother

Frame = Any  # np.ndarray or torch.Tensor (chosen once per job), uint8 [H, W, 3] RGB
Render = Callable[[Frame, Any], Frame]


def _as_is(result: Any) -> Any:
    return result


def splash_renderer(splash: Callable[[Frame, Any], Frame], smoother: MaskSmoother | None = None, *,
                    keep: Callable[[Any], Any] = _as_is,
                    as_alpha: Callable[[Any], Any] | None = None) -> Render:
    """Render with ``splash(frame_rgb, keep_mask_or_alpha) -> frame_rgb`` (a compositor's ``splash``).

    keep: predict result -> bool/float [H, W] keep-mask of the frame's backend (default: the result is
    already the mask). smoother: temporal smoothing; it is given ``as_alpha(mask)`` (float alpha; default
    ``mask * 1.0``). Call the returned function in frame order (the smoother keeps state).
    """
    to_alpha = as_alpha or (lambda mask: mask * 1.0)

    def render(frame: Frame, result: Any) -> Frame:
        mask = keep(result)
        return splash(frame, smoother(to_alpha(mask)) if smoother is not None else mask)

    return render


def overlay_renderer(draw: Callable[[np.ndarray, Any], np.ndarray]) -> Render:
    """Render with ``draw(frame_rgb, detections) -> frame_rgb`` (detect's overlay), NumPy on the host.

    The overlay job keeps frames and detections on the host (the model may still run on a GPU).
    """

    def render(frame: np.ndarray, result: Any) -> np.ndarray:
        return draw(frame, result)

    return render
