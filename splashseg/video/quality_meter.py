"""Measuring a video's temporal quality on the way (the figures: :mod:`.quality`).

The flicker of the keep-mask needs the optical flow between consecutive frames, and only pass 1 has it
(pass 2 replays stored tracks). Which tracks are kept is known only after pass 1, so
:class:`TrackFlicker` keeps, for every frame pair and every track, that track's share of the warping
error (:meth:`~.quality.FrameWarp.parts`: the differing mass and the kept area, two numbers); once
``--keep`` has chosen, the flicker of the chosen tracks' keep-mask is the sum of their shares, frame by
frame. That is exact while the chosen tracks' masks do not overlap (where they do, the overlap counts
twice). With ``--smooth`` each track's mask is averaged over time here as the renderer averages the
keep-mask (:class:`~.smoothing.MaskSmoother`'s rule, per track, with a track that ends fading out), so
the figure sees what the splash shows. Everything runs at the flow's working size (long side 320):
the masks are shrunk there, and the flow adds only its backward direction for the visible-pixel check.
With ``--propagate hold`` pass 1 computes no flow; the meter then computes it for itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cv2
import numpy as np

from .flow import DEFAULT_WORK_SIZE, FlowPropagator, work_shape
from .quality import FrameWarp, PropagationScore, VideoQuality, error_of, track_turnover
from .soft_mask import SoftMask, as_soft
from .track_log import TrackLog

_SNAP = 1.0 / 255.0  # as MaskSmoother: values this close to 0 or 1 snap to it


def small_mask(mask: np.ndarray | SoftMask, shape: tuple[int, int]) -> SoftMask:
    """A host mask (bool or float [H, W] in [0, 1], or a track's :class:`~.soft_mask.SoftMask` crop)
    shrunk to ``shape`` ``(h, w)`` by area averaging, as the crop around its non-zero pixels (float32
    values, ``frame_size == shape``). Only the part around the mask's non-zero pixels is shrunk (a small
    object on a large frame costs little), on the small picture's pixel grid: the same values as
    shrinking the whole mask when the scale is a whole number (1280x720 or 1920x1080 to 320x180), within
    a pixel's weight at the part's border else."""
    soft = as_soft(mask if isinstance(mask, SoftMask) else np.asarray(mask, dtype=np.float32))
    if soft.frame_size == shape:
        return SoftMask(soft.x, soft.y, soft.values.astype(np.float32, copy=False), shape)
    if soft.is_empty:
        return SoftMask.empty(shape)
    (height, width), (small_h, small_w) = soft.frame_size, shape
    scale_x, scale_y = width / small_w, height / small_h
    x2, y2 = soft.x + soft.values.shape[1], soft.y + soft.values.shape[0]
    left, top = max(0, int(soft.x / scale_x) - 1), max(0, int(soft.y / scale_y) - 1)
    right, bottom = min(small_w, int(np.ceil(x2 / scale_x)) + 1), min(small_h, int(np.ceil(y2 / scale_y)) + 1)
    if right <= left or bottom <= top:
        return SoftMask.empty(shape)
    crop = soft.region(round(left * scale_x), round(top * scale_y), round(right * scale_x), round(bottom * scale_y))
    small = cv2.resize(crop, (right - left, bottom - top), interpolation=cv2.INTER_AREA)  # float32 [h', w']
    return SoftMask.placed(left, top, small, shape)


def _smoothed_one(before: SoftMask | None, mask: SoftMask | None, weight: float) -> SoftMask:
    """One track's exponential average ``before * (1 - weight) + mask * weight`` (a missing one counts
    as zero) on the union of the two crops' boxes, with values within 1/255 of 0 or 1 snapped there."""
    present = [m for m in (before, mask) if m is not None and not m.is_empty]
    shape = (before if before is not None else mask).frame_size
    if not present:
        return SoftMask.empty(shape)
    x1, y1 = min(m.x for m in present), min(m.y for m in present)
    x2 = max(m.x + m.values.shape[1] for m in present)
    y2 = max(m.y + m.values.shape[0] for m in present)
    now = None if mask is None else mask.region(x1, y1, x2, y2)  # float32 [y2 - y1, x2 - x1]
    if before is None:
        value = now * weight
    else:
        value = before.region(x1, y1, x2, y2) * (1.0 - weight) + (now * weight if now is not None else 0.0)
    value[value < _SNAP] = 0.0
    value[value > 1.0 - _SNAP] = 1.0
    return SoftMask.placed(x1, y1, value, shape)


class TrackFlicker:
    """Pass 1's flicker bookkeeping. Call :meth:`see` once per frame, in order, after the tracker.

    smooth_weight: the renderer's ``--smooth`` weight (None: no smoothing). own_flow: compute the flow
    here (pass 1 has none with ``--propagate hold``).
    """

    def __init__(self, smooth_weight: float | None = None, own_flow: bool = False) -> None:
        self.smooth_weight = smooth_weight
        self._propagator = FlowPropagator() if own_flow else None
        self._previous: dict[int, SoftMask] | None = None  # track key -> small (smoothed) mask's crop
        self.frames: list[dict[int, tuple[float, float]]] = []  # per frame pair: key -> (difference, area)

    def see(self, upright_rgb: np.ndarray, flow: Any, states: Iterable[Any]) -> None:
        """upright_rgb: the frame (uint8 [H, W, 3] RGB); flow: pass 1's FrameFlow to it (or None);
        states: the frame's live tracks (``key``, ``soft``: the mask's crop, a SoftMask)."""
        if self._propagator is not None:
            flow = self._propagator.advance(upright_rgb)
        shape = work_shape(int(upright_rgb.shape[0]), int(upright_rgb.shape[1]), DEFAULT_WORK_SIZE)
        current = {s.key: small_mask(s.soft, shape) for s in states}
        previous = self._previous
        if self.smooth_weight is not None:
            current = self._smoothed(previous, current)
        self._previous = current
        if flow is None or previous is None or not (previous or current):
            return
        forward, backward = flow.forward(), flow.backward()
        if forward.shape[:2] != shape or any(m.frame_size != shape for m in previous.values()):
            return
        warp = FrameWarp(forward, backward)
        self.frames.append({key: warp.parts(previous.get(key), current.get(key))
                            for key in previous.keys() | current.keys()})

    def _smoothed(self, previous: dict[int, SoftMask] | None,
                  current: dict[int, SoftMask]) -> dict[int, SoftMask]:
        """Each track's exponential average (the first frame as it is; a track that ended fades out and
        is dropped once nothing of it is left)."""
        if previous is None:
            return current
        out = {}
        for key in previous.keys() | current.keys():
            value = _smoothed_one(previous.get(key), current.get(key), float(self.smooth_weight))
            if key in current or not value.is_empty:
                out[key] = value
        return out

    def flicker(self, keys: set[int]) -> float | None:
        """Mean flicker of the keep-mask made of the tracks ``keys``, over the frame pairs where it keeps
        at least a pixel's worth; None when it never does."""
        values = []
        for parts in self.frames:
            chosen = [parts[key] for key in keys if key in parts]
            error = error_of((sum(d for d, _ in chosen), sum(a for _, a in chosen)))
            if error is not None:
                values.append(error)
        return float(np.mean(values)) if values else None


class QualityMeter:
    """Pass 1's measurements of one video: ``propagation`` (give it to the tracker) and ``flicker`` (call
    :meth:`see` after the tracker on every frame); :meth:`result` once ``--keep`` has chosen."""

    def __init__(self, smooth_weight: float | None = None, own_flow: bool = False) -> None:
        self.propagation = PropagationScore()
        self.flicker = TrackFlicker(smooth_weight, own_flow)

    def see(self, upright_rgb: np.ndarray, flow: Any, states: Iterable[Any]) -> None:
        self.flicker.see(upright_rgb, flow, states)

    def result(self, log: TrackLog, kept_ids: set[int], frames: int, fps: float | None) -> VideoQuality:
        """The figures: propagation IoUs; the flicker of the tracks ``kept_ids`` (public ids, mapped to the
        tracker's keys through ``log``); the confirmed tracks' births and deaths per minute (``fps``: the
        video's mean rate)."""
        keys = {key for key, track_id in log.final_ids().items() if track_id in kept_ids}
        spans = [(record.first_frame, record.last_frame) for record in log.tracks()]
        return VideoQuality(self.propagation.summary(), self.flicker.flicker(keys),
                            track_turnover(spans, frames, fps))
