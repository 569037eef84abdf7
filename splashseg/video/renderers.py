"""Per-frame render callables for the pipeline: the colour splash and the detection overlay.

They know a prediction only by duck typing (``union_mask()``, ``to_numpy()``) or as a plain keep-mask
array, and a compositor only as a callable, so the video package needs neither the model nor the
compositor. Frames are ``uint8`` [H, W, 3] **RGB**, NumPy or a torch tensor on the model's device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .smoothing import MaskSmoother

Frame = Any  # np.ndarray or torch.Tensor, uint8 [H, W, 3] RGB
Render = Callable[[Frame, Any], Frame]


def keep_mask(result: Any) -> Any:
    """The bool [H, W] union of a prediction's masks; a plain mask array is returned as it is."""
    if hasattr(result, "union_mask"):
        return result.union_mask()
    return result


def splash_renderer(splash: Callable[[Frame, Any], Frame], smoother: MaskSmoother | None = None) -> Render:
    """Render with ``splash(frame_rgb, keep_mask_or_alpha) -> frame_rgb`` (e.g. a partial of
    ``color_splash``), smoothing the keep-mask over time when a ``smoother`` is given.

    Call the returned function in frame order (the smoother keeps state).
    """

    def render(frame: Frame, result: Any) -> Frame:
        mask = keep_mask(result)
        return splash(frame, smoother(mask) if smoother is not None else mask)

    return render


def overlay_renderer(draw: Callable[[np.ndarray, Any], np.ndarray]) -> Render:
    """Render with ``draw(frame_rgb_numpy, detections_numpy) -> frame_rgb_numpy`` (detect's overlay).

    The overlay is drawn on the CPU: device frames and detections are copied to NumPy first.
    """

    def render(frame: Frame, result: Any) -> np.ndarray:
        image = frame if isinstance(frame, np.ndarray) else frame.cpu().numpy()
        detections = result.to_numpy() if hasattr(result, "to_numpy") else result
        return draw(image, detections)

    return render
