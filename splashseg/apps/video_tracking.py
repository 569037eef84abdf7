"""Objects over time for ``video``: pass 1 follows them, pass 2 draws the ones ``--keep`` chose.

Pass 1 (:class:`FrameTracker`, the pipeline's ``follow`` hook): the model runs on the keyframes (every
``stride``-th frame), optical flow carries the masks to every frame, a
:class:`~splashseg.video.tracking.Tracker` links the detections into tracks, and each frame's tracks are
kept, compressed, in a :class:`~splashseg.video.track_store.TrackStore`. Between the passes the ``--keep``
policy picks tracks from the whole clip's log (:func:`choose_tracks`). Pass 2 takes each frame's tracks
back from the store with their final ids (:func:`recall_tracks`) and draws them: no model, no flow, no
tracker.

Tracking and flow run on the host with NumPy on the upright frames, also when the model and the
compositor work on a GPU: the keep-mask (float32 [H, W]) is then copied to the device once per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..predict import Detections
from ..predict.detections import CroppedDetections, MaskCrop
from ..render import draw_detections, instance_colors
from ..video.flow import FlowPropagator
from ..video.instances import host_instances
from ..video.keep import KeepPolicy, keep_mask, select_tracks
from ..video.quality_meter import QualityMeter
from ..video.stages import NO_CLOCK
from ..video.track_log import TrackLog
from ..video.track_store import TrackStore
from ..video.tracking import DEFAULT_HOLD, DEFAULT_MIN_HITS, Tracker, TrackState

PROPAGATIONS = ("flow", "hold")


@dataclass
class TrackingOptions:
    """How objects are followed. keep: a ``--keep`` spec; hold: model frames a missed object keeps its
    mask; min_hits: model frames that must find an object before it gets colour; propagate: ``flow``
    (masks move with optical flow between keyframes and while held) or ``hold`` (masks stay put);
    tracks: where to write the tracks JSON (None: nowhere)."""

    keep: str = "all"
    hold: int = DEFAULT_HOLD
    min_hits: int = DEFAULT_MIN_HITS
    propagate: str = "flow"
    tracks: Path | None = None


class FrameTracker:
    """Pass 1's ``follow`` hook: flow, then tracker, on every frame in order; each frame's tracks go to
    ``store`` (and, with ``quality``, to the temporal-quality figures, with the flow); ``clock``
    (:class:`~splashseg.video.stages.StageClock`) gets the seconds of the flow, the tracking, the store
    and the quality figures. Returns the live :class:`TrackState` list of the frame."""

    def __init__(self, options: TrackingOptions, policy: KeepPolicy, store: TrackStore,
                 quality: QualityMeter | None = None, *, clock: Any = NO_CLOCK) -> None:
        self.flow = FlowPropagator() if options.propagate == "flow" else None
        self.tracker = Tracker(hold=options.hold, min_hits=options.min_hits, log=TrackLog(probe=policy.point),
                               propagation=quality.propagation if quality is not None else None)
        self.store, self.quality, self.clock = store, quality, clock

    @property
    def log(self) -> TrackLog:
        return self.tracker.log

    def __call__(self, index: int, upright_rgb: np.ndarray, keyframe_result: Any) -> list[TrackState]:
        with self.clock("flow"):  # the flow field, and every track carried along it
            flow = self.flow.advance(upright_rgb) if self.flow is not None else None
            self.tracker.advance(index, flow)
        with self.clock("track"):
            found = host_instances(keyframe_result) if keyframe_result is not None else None
            states = self.tracker.observe(found)
        with self.clock("store"):
            self.store.put(index, states)
        if self.quality is not None:
            with self.clock("quality"):
                self.quality.see(upright_rgb, flow, states)
        return states


def choose_tracks(policy: KeepPolicy, log: TrackLog, frame_size: tuple[int, int]) -> set[int]:
    """The ids that stay in colour (every confirmed track for ``all``)."""
    return set(log.ids()) if policy.kind == "all" else select_tracks(policy, log, frame_size)


def recall_tracks(store: TrackStore, log: TrackLog) -> Callable[[int], list[TrackState]]:
    """Pass 2's ``recall``: a frame index -> the tracks pass 1 stored for it, with their final ids."""
    final_ids = log.final_ids()

    def recall(index: int) -> list[TrackState]:
        return store.get(index, final_ids)

    return recall


def tracked_keep(chosen: set[int], frame_size: tuple[int, int],
                 to_device: Callable[[np.ndarray], Any]) -> Callable[[list[TrackState]], Any]:
    """A renderer's ``keep``: a frame's tracks -> the chosen tracks' soft keep-mask (float32 [H, W] in
    [0, 1], upright frame size) moved to the frame's backend by ``to_device``."""

    def keep(states: list[TrackState]) -> Any:
        return to_device(keep_mask(states, chosen, frame_size))

    return keep


def track_detections(states: list[TrackState], frame_size: tuple[int, int]) -> tuple[Detections, np.ndarray]:
    """The frame's tracks that have an id as host :class:`Detections` labelled ``"person #3"``, and one
    RGB colour per instance that stays with its track id from frame to frame."""
    shown = [s for s in states if s.id is not None]
    crops = [MaskCrop(*state.soft.binary()) for state in shown]  # each track's pixels at >= 0.5
    det = CroppedDetections(np.array([s.box for s in shown], np.float32).reshape(-1, 4), np.zeros(len(shown), np.int64),
                            np.array([s.score for s in shown], np.float32), crops,
                            [f"{s.class_name} #{s.id}" for s in shown], frame_size).as_detections()
    palette = instance_colors(max((s.id for s in shown), default=0) + 1)
    return det, palette[[s.id for s in shown]]


def draw_tracks(image_rgb: np.ndarray, states: list[TrackState]) -> np.ndarray:
    """detect's overlay of a frame's tracks, labelled with their ids (RGB ``uint8 [H, W, 3]`` on the host)."""
    det, colors = track_detections(states, image_rgb.shape[:2])
    return draw_detections(image_rgb, det, colors=colors)


def tracked_overlay(chosen: set[int]) -> Callable[[np.ndarray, list[TrackState]], np.ndarray]:
    """An overlay renderer's ``draw``: :func:`draw_tracks` of the tracks ``--keep`` chose only."""

    def draw(image_rgb: np.ndarray, states: list[TrackState]) -> np.ndarray:
        return draw_tracks(image_rgb, [s for s in states if s.id in chosen])

    return draw
