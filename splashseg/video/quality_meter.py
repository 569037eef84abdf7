"""Measuring a video's temporal quality while it is rendered (the figures: :mod:`.quality`).

* :class:`FlickerMeter` watches the render pass: the optical flow of each frame (the tracker's own
  :class:`~splashseg.video.flow.FrameFlow`, so no extra flow pass; with ``--propagate hold`` there is
  none, and the meter computes one for itself) and the keep-mask the frame was composited with (after
  ``--smooth``, on any backend). Both are brought to the flow's working size (long side 320) before
  comparing, so the figure costs a resize and, on frames where something is kept, the backward flow.
* :func:`video_quality` puts the three figures together once the video is done.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from .flow import DEFAULT_WORK_SIZE, FlowPropagator, work_shape
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


class FlickerMeter:
    """Per frame, in order: :meth:`see_flow` (from the follow hook), then :meth:`see_mask` (from the renderer).

    own_flow: compute the flow here (the tracker computes none: ``--propagate hold``).
    """

    def __init__(self, own_flow: bool = False) -> None:
        self.score = FlickerScore()
        self._propagator = FlowPropagator() if own_flow else None
        self._flow: Any = None
        self._previous: np.ndarray | None = None

    def see_flow(self, upright_rgb: np.ndarray, flow: Any) -> None:
        """The frame (RGB uint8 [H, W, 3], upright) and the tracker's flow to it from the previous frame."""
        self._flow = self._propagator.advance(upright_rgb) if self._propagator is not None else flow

    def see_mask(self, alpha: Any) -> None:
        """The keep-mask or alpha the frame was composited with (upright, [H, W], see :func:`small_host_mask`)."""
        height, width = alpha.shape[-2:] if alpha is not None else (0, 0)
        shape = work_shape(int(height), int(width), DEFAULT_WORK_SIZE) if alpha is not None else None
        current = small_host_mask(alpha, shape) if shape is not None else None
        previous, flow = self._previous, self._flow
        self._previous, self._flow = current, None
        if previous is None or current is None or flow is None or previous.shape != current.shape:
            return
        if not (previous.any() or current.any()):
            return  # nothing kept on either frame: no figure, no flow needed
        forward, backward = flow.forward(), flow.backward()
        if forward.shape[:2] != current.shape:
            return
        self.score.add(previous, current, forward, backward)


def video_quality(propagation: PropagationScore, flicker: FlickerMeter | None, log: TrackLog, frames: int,
                  fps: float | None) -> VideoQuality:
    """The video's figures: the tracker's propagation IoUs, the meter's flicker, the log's confirmed tracks'
    births and deaths per minute (``fps``: the video's mean rate)."""
    spans = [(record.first_frame, record.last_frame) for record in log.tracks()]
    return VideoQuality(propagation.summary(), flicker.score.summary() if flicker is not None else None,
                        track_turnover(spans, frames, fps))
