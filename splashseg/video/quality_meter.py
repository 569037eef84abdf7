"""Measuring a video's temporal quality while it is rendered (the figures: :mod:`.quality`).

* :class:`FlickerMeter` watches the render pass: each frame and the keep-mask it was composited with
  (after ``--smooth``, on any backend), both shrunk to the flow's working size (long side 320, on the
  frame's device). The render pass replays stored tracks and carries no flow, so the meter runs DIS
  itself on those small copies (forward and backward, ``ultrafast``), only for frame pairs where
  something is kept: a few milliseconds per frame on one CPU core (BENCHMARKS.md).
* :func:`video_quality` puts the three figures together once the video is done.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from .flow import DEFAULT_WORK_SIZE, FlowPropagator, small_rgb, work_shape
from .quality import FlickerScore, PropagationScore, VideoQuality, track_turnover
from .track_log import TrackLog


def small_host_mask(alpha: Any, shape: tuple[int, int]) -> np.ndarray:
    """float32 [h, w] on the host: a keep-mask or alpha (bool/float [H, W], NumPy or a torch tensor on any
    device, or None for nothing kept) shrunk to ``shape`` by area averaging (on the tensor's device)."""
    if alpha is None:
        return np.zeros(shape, np.float32)
    if hasattr(alpha, "detach"):  # torch: shrink where it lives, then copy the small mask
        import torch.nn.functional as functional

        small = functional.interpolate(alpha.detach().float()[None, None], size=shape, mode="area")
        return small[0, 0].cpu().numpy()
    host = np.asarray(alpha, dtype=np.float32)
    if host.shape == shape:
        return host
    return cv2.resize(host, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def small_host_frame(frame: Any, shape: tuple[int, int]) -> np.ndarray:
    """uint8 [h, w, 3] RGB on the host: a frame (uint8 [H, W, 3] RGB, NumPy or a torch tensor on any
    device) shrunk to ``shape`` by area averaging (on the tensor's device)."""
    if hasattr(frame, "detach"):
        import torch.nn.functional as functional

        chw = frame.detach().permute(2, 0, 1).float()[None]  # [1, 3, H, W]
        small = functional.interpolate(chw, size=shape, mode="area")[0].permute(1, 2, 0)  # [h, w, 3]
        return small.round().clamp(0, 255).byte().cpu().numpy()
    return small_rgb(np.asarray(frame), shape)


class FlickerMeter:
    """Call :meth:`see` once per rendered frame, in order, with the frame and the keep-mask (or alpha) it
    is composited with. The flow between consecutive frames is computed here, on the frames' small copies
    (the render pass carries none), and only for frame pairs where something is kept."""

    def __init__(self) -> None:
        self.score = FlickerScore()
        self._propagator = FlowPropagator()
        self._previous: np.ndarray | None = None

    def see(self, frame: Any, alpha: Any) -> None:
        """frame: uint8 [H, W, 3] RGB (upright, NumPy or torch); alpha: [H, W] in [0, 1] of the same
        frame (bool or float, NumPy or torch), or None when nothing is kept."""
        height, width = (int(n) for n in frame.shape[:2])
        shape = work_shape(height, width, DEFAULT_WORK_SIZE)
        flow = self._propagator.advance(small_host_frame(frame, shape))
        current, previous = small_host_mask(alpha, shape), self._previous
        self._previous = current
        if flow is None or previous is None or not (previous.any() or current.any()):
            return  # the first frame, a new size, or nothing kept on either frame: no figure, no flow
        self.score.add(previous, current, flow.forward(), flow.backward())


def video_quality(propagation: PropagationScore, flicker: FlickerMeter | None, log: TrackLog, frames: int,
                  fps: float | None) -> VideoQuality:
    """The video's figures: the tracker's propagation IoUs, the meter's flicker, the log's confirmed tracks'
    births and deaths per minute (``fps``: the video's mean rate)."""
    spans = [(record.first_frame, record.last_frame) for record in log.tracks()]
    return VideoQuality(propagation.summary(), flicker.score.summary() if flicker is not None else None,
                        track_turnover(spans, frames, fps))
