"""Objects over time for ``video``: the two passes that track, choose and keep objects in colour.

Pass 1 (:func:`track_pass`): the model runs on the keyframes (every ``stride``-th frame), a
:class:`~splashseg.video.tracking.Tracker` links its detections into tracks on every frame (optical
flow carries them between keyframes and over missed detections), and the detections are kept small in
an :class:`~splashseg.video.instance_store.InstanceStore`. Between the passes the ``--keep`` policy picks
tracks from pass 1's log. Pass 2 replays the stored detections through a new tracker (identical tracks,
ids known from their first frame) and renders: the model runs once in all.

Tracking and flow run on the host with NumPy on the upright frames, also when the model and the
compositor work on a GPU: the keep-mask (float32 [H, W]) is then copied to the device once per frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..predict import Detections
from ..render import draw_detections, instance_colors
from ..video.flow import FlowPropagator
from ..video.instance_store import InstanceStore
from ..video.instances import host_instances
from ..video.keep import KeepPolicy, keep_mask, select_tracks
from ..video.quality_meter import QualityMeter
from ..video.track_log import TrackLog
from ..video.tracking import DEFAULT_HOLD, DEFAULT_MIN_HITS, Tracker, TrackState

PROPAGATIONS = ("flow", "hold")
KEYFRAME = object()  # pass 2's stand-in for a model result: "the store holds this frame's detections"


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
    """The pipeline's ``follow`` hook for one pass: flow, then tracker, on every frame in order.

    With ``store`` set and ``replay`` False (pass 1) the model's keyframe results are stored; with
    ``replay`` True (pass 2) a keyframe's detections come from the store instead of the model.
    Returns the live :class:`TrackState` list of the frame.
    """

    def __init__(self, options: TrackingOptions, policy: KeepPolicy, store: InstanceStore, *,
                 replay: bool = False, final_ids: dict[int, int] | None = None,
                 quality: QualityMeter | None = None) -> None:
        self.flow = FlowPropagator() if options.propagate == "flow" else None
        self.tracker = Tracker(hold=options.hold, min_hits=options.min_hits, log=TrackLog(probe=policy.point),
                               final_ids=final_ids, propagation=quality.propagation if quality else None)
        self.store, self.replay, self.quality = store, replay, quality

    @property
    def log(self) -> TrackLog:
        return self.tracker.log

    def __call__(self, index: int, upright_rgb: np.ndarray, keyframe_result: Any) -> list[TrackState]:
        flow = self.flow.advance(upright_rgb) if self.flow is not None else None
        found = None
        if keyframe_result is not None:
            if self.replay:
                found = self.store.get(index)
            else:
                found = host_instances(keyframe_result)
                self.store.put(index, found)
        states = self.tracker.update(index, found, flow)
        if self.quality is not None:
            self.quality.see(upright_rgb, flow, states)
        return states


def replay_predict(frames: Sequence[Any]) -> list[Any]:
    """Pass 2's ``predict``: no model, only the marker that the store holds these keyframes."""
    return [KEYFRAME] * len(frames)


def choose_tracks(policy: KeepPolicy, log: TrackLog, frame_size: tuple[int, int]) -> set[int]:
    """The ids that stay in colour (every confirmed track for ``all``)."""
    return set(log.ids()) if policy.kind == "all" else select_tracks(policy, log, frame_size)


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
    if not shown:
        empty = Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.int64), np.zeros(0, np.float32),
                           np.zeros((0, *frame_size), bool), [])
        return empty, np.zeros((0, 3), np.uint8)
    det = Detections(np.stack([s.box for s in shown]).astype(np.float32), np.zeros(len(shown), np.int64),
                     np.asarray([s.score for s in shown], np.float32), np.stack([s.mask >= 0.5 for s in shown]),
                     [f"{s.class_name} #{s.id}" for s in shown])
    palette = instance_colors(max(s.id for s in shown) + 1)
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
