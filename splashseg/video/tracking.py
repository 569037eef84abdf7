"""``Tracker``: link one video's detections into tracks by mask overlap, frame by frame.

Call :meth:`Tracker.update` once per frame, in order. On a frame the model ran on (a keyframe) pass its
detections: live tracks are first carried to this frame by optical flow (when a
:class:`~splashseg.video.flow.FrameFlow` is given), then matched one-to-one to the detections by mask IoU
(box IoU where a mask is empty) with the Hungarian algorithm. A matched track takes the detection's mask;
an unmatched track is *held* (its mask carried by flow, source ``flow``, or kept as it was, ``hold``) for
up to ``hold`` model frames in a row before it ends, so an object the model misses for a frame does not
pop out; an unmatched detection starts a new track. On a frame the model skipped (``--stride``) pass no
detections: every track is carried by flow (or held). A track counts (``confirmed``, gets a public id
1, 2, ... in the order tracks are confirmed) once the model has found it on ``min_hits`` frames, so a
one-frame false positive never gets colour. A clip with fewer model frames than ``min_hits`` could never
confirm anything: when it ends (:meth:`Tracker.finish`) the tracks the model found on every one of its
model frames count. So the threshold is ``min(min_hits, model frames of the clip)``; it is the clip's
count, not the count since a track was born, so an object that first appears on the last model frames of
a longer clip still needs ``min_hits``. A track's class is the majority of the model's names for it.

Everything here runs on the host with NumPy, also when the model runs on CUDA: detections are copied to
the host with :func:`~splashseg.video.instances.host_instances`, each detection's mask as the crop around
it (:class:`~splashseg.video.soft_mask.SoftMask`): a track costs what its object covers, not the frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import InputError
from .instances import Instances, host_instances
from .matching import Crop, duplicates, match, overlap
from .motion import Sighting
from .quality import PropagationScore
from .soft_mask import SoftMask, common_region
from .track_log import TrackLog

DEFAULT_IOU = 0.3
DEFAULT_HOLD = 3
DEFAULT_MIN_HITS = 2
DEFAULT_DUPLICATE_IOU = 0.7
DEFAULT_COVER = 0.6


@dataclass
class TrackState:
    """One track on one frame (host NumPy; :meth:`Tracker.update` returns snapshots that stay as they are).

    key: creation order (internal); id: public id (None until confirmed, unless given by ``final_ids``);
    soft: the mask, in [0, 1], kept as the crop around the object (:class:`~.soft_mask.SoftMask`;
    :attr:`mask` gives it as float32 [H, W]); box: float32 [4] ``x1, y1, x2, y2``; score: the model's last score;
    source: ``model`` (found on this frame), ``flow`` (carried by optical flow) or ``hold`` (kept as it
    was); hits: model frames that found it; misses: model frames in a row that did not; votes: class name
    -> model frames that named it; sighting: the model's last mask of it, with the track's speed; crop:
    the mask's pixels at >= 0.5 (:class:`~splashseg.video.matching.Crop`), cut once per frame.
    """

    key: int
    id: int | None
    soft: SoftMask
    box: np.ndarray
    score: float
    source: str = "model"
    hits: int = 1
    misses: int = 0
    confirmed: bool = False
    votes: dict[str, int] = field(default_factory=dict)
    sighting: Sighting | None = None
    crop: Crop | None = field(default=None, repr=False)

    @property
    def mask(self) -> np.ndarray:
        """float32 [H, W] in [0, 1]: the mask on the whole frame (made on each call; the tracker itself
        works on :attr:`soft`)."""
        return self.soft.full()

    @property
    def class_name(self) -> str:
        """The name the model gave this track most often (the earliest such name on a tie)."""
        return max(self.votes, key=self.votes.__getitem__) if self.votes else ""


def _crop_box(crop: Crop) -> np.ndarray:
    """float32 [4] xyxy around a mask's :class:`Crop`."""
    return np.array([crop.x, crop.y, crop.x + crop.bits.shape[1], crop.y + crop.bits.shape[0]], np.float32)


def _check(name: str, value: Any, low: float, high: float, whole: bool) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
    if not ok or (whole and int(value) != value):
        kind = "a whole number" if whole else "a number"
        raise InputError(f"{name} must be {kind} from {low:g} to {high:g}, got {value!r}")


class Tracker:
    """Tracks of one video. iou_threshold: least overlap for a track and a detection to match (0, 1];
    hold: model frames a track may go undetected before it ends (0: ends on the first miss; with stride 1
    these are frames); min_hits: model frames that must find a track before it counts; duplicate_iou:
    a detection overlapping a better-scoring one of the same frame this much is the same object named
    twice and is dropped; cover_threshold: a track and a detection the IoU leaves unmatched still match
    when this share of the detection's mask lies inside the track's (an object partly hidden);
    final_ids: ``{key: id}`` from a first pass over the same frames (:meth:`TrackLog.final_ids`), so
    tracks carry their final ids from their first frame; log: where entries go (new when None);
    propagation: where each keyframe's carried-versus-fresh mask IoUs go (tracks the model found on the
    previous keyframe and finds again; see :class:`~splashseg.video.quality.PropagationScore`), or None.
    """

    def __init__(self, *, iou_threshold: float = DEFAULT_IOU, hold: int = DEFAULT_HOLD,
                 min_hits: int = DEFAULT_MIN_HITS, duplicate_iou: float = DEFAULT_DUPLICATE_IOU,
                 cover_threshold: float = DEFAULT_COVER,
                 final_ids: dict[int, int] | None = None, log: TrackLog | None = None,
                 propagation: PropagationScore | None = None) -> None:
        _check("iou_threshold", iou_threshold, 0.01, 1.0, whole=False)
        _check("duplicate_iou", duplicate_iou, 0.01, 1.0, whole=False)
        _check("cover_threshold", cover_threshold, 0.01, 1.0, whole=False)
        _check("hold", hold, 0, 10_000, whole=True)
        _check("min_hits", min_hits, 1, 10_000, whole=True)
        self.iou_threshold, self.duplicate_iou = float(iou_threshold), float(duplicate_iou)
        self.cover = float(cover_threshold)
        self.hold, self.min_hits = int(hold), int(min_hits)
        self.final_ids = dict(final_ids or {})
        self.log = log if log is not None else TrackLog()
        self.propagation = propagation
        self.tracks: list[TrackState] = []
        self._keys = 0
        self._next_id = max(self.final_ids.values(), default=0) + 1
        self._frame: int | None = None
        self.model_frames = 0  # frames with detections so far

    def update(self, frame_index: int, instances: Any = None, flow: Any = None) -> list[TrackState]:
        """Advance to ``frame_index`` (0-based, increasing) and return the live tracks, oldest first.

        instances: the model's detections on this frame (:class:`Instances`, or a ``Detections`` on any
        device), or None on a frame the model skipped. flow: the :class:`FrameFlow` from the previous
        frame to this one, or None (tracks are then held as they were).
        """
        self.advance(frame_index, flow)
        return self.observe(instances)

    def advance(self, frame_index: int, flow: Any = None) -> None:
        """The first half of :meth:`update`: go to ``frame_index`` and carry the live tracks there by
        ``flow`` (or hold them). Follow with :meth:`observe` on the same frame."""
        if self._frame is not None and frame_index <= self._frame:
            raise ValueError(f"frame {frame_index} after frame {self._frame}: frames must come in order")
        self._frame = frame_index
        self._carry(flow)

    def observe(self, instances: Any = None) -> list[TrackState]:
        """The second half of :meth:`update`: match this frame's detections (None on a frame the model
        skipped), log the frame and return the live tracks' snapshots."""
        if instances is not None:
            self.model_frames += 1
            self._observe(host_instances(instances))
        self.log.record(self._frame, self.tracks)
        return [replace(t, votes=dict(t.votes)) for t in self.tracks]  # snapshots: later frames change tracks

    def finish(self) -> dict[int, int]:
        """The clip has ended: when it had fewer model frames than ``min_hits`` (but at least one), confirm
        the tracks the model found on every one of them, in the log and among the live tracks.
        Returns ``{key: id}`` of the tracks confirmed now (ids continue the sequence, in creation order)."""
        if not 0 < self.model_frames < self.min_hits:
            return {}
        given = self.log.confirm(self.model_frames, self._next_id)
        self._next_id += len(given)
        for track in self.tracks:
            if track.key in given:
                track.confirmed, track.id = True, given[track.key]
        return given

    def _carry(self, flow: Any) -> None:
        """Move every live track to the current frame: by flow (source ``flow``) or as it was (``hold``)."""
        if not self.tracks:
            return
        speeds = [t.sighting.speed if t.sighting is not None else None for t in self.tracks]
        masks = flow.carry_soft([t.soft for t in self.tracks], speeds) if flow is not None else None
        kept = []
        for i, track in enumerate(self.tracks):
            if masks is not None and track.crop.bits.size:  # box-only tracks (empty masks) stay where they are
                crop = masks[i].binary()
                if not crop.bits.size:  # carried out of the frame
                    continue
                track.soft, track.box, track.crop = masks[i], _crop_box(crop), crop
            track.source = "flow" if flow is not None else "hold"
            kept.append(track)
        self.tracks = kept

    def _observe(self, found: Instances) -> None:
        """Match the carried tracks to this frame's detections; start, confirm and end tracks."""
        if self.tracks and found.frame_size != self.tracks[0].soft.frame_size:
            raise ValueError(f"detections of size {found.frame_size} for frames of size "
                             f"{self.tracks[0].soft.frame_size}")
        softs = found.softs
        crops = [soft.binary() for soft in softs]
        found, crops, softs = self._without_duplicates(found, crops, softs)
        pairs = self._pairs(found, crops)
        matched = {track for track, _ in pairs}
        self._score_propagation(found, pairs)
        for track_index, det in pairs:
            self._hit(self.tracks[track_index], found, det, crops[det], softs[det])
        survivors = [t for i, t in enumerate(self.tracks) if i in matched or self._missed(t)]
        taken = {det for _, det in pairs}
        for det in range(len(found)):
            if det not in taken and (crops[det].bits.size or _box_area(found.boxes[det]) > 0):
                survivors.append(self._start(found, det, crops[det], softs[det]))
        self.tracks = survivors
        for track in self.tracks:
            if not track.confirmed and track.hits >= self.min_hits:
                track.confirmed = True
                if track.id is None:
                    track.id, self._next_id = self._next_id, self._next_id + 1

    def _score_propagation(self, found: Instances, pairs: list[tuple[int, int]]) -> None:
        """Before the matched tracks take their detections: the masks carried from the previous keyframe
        (tracks found there, ``misses == 0``) against the model's fresh ones, to :attr:`propagation`."""
        if self.propagation is None:
            return
        again = [common_region(self.tracks[t].soft, found.softs[d]) for t, d in pairs
                 if self.tracks[t].misses == 0 and self.tracks[t].crop.bits.size]
        self.propagation.add(self._frame, [c for c, _ in again], [f for _, f in again])

    def _pairs(self, found: Instances, crops: list[Crop]) -> list[tuple[int, int]]:
        """(track index, detection index) pairs: tracks that count are matched first, so a new track
        never takes the detection of an established one."""
        pairs: list[tuple[int, int]] = []
        free = list(range(len(found)))
        counted = [i for i, t in enumerate(self.tracks) if t.confirmed or t.id is not None]
        for group in (counted, [i for i in range(len(self.tracks)) if i not in counted]):
            if group and free:
                found_pairs = match(self._guesses(group), np.stack([self.tracks[i].box for i in group]),
                                    [crops[j] for j in free], found.boxes[free],
                                    iou_threshold=self.iou_threshold, cover_threshold=self.cover)
                pairs += [(group[i], free[j]) for i, j in found_pairs]
                free = [d for d in free if d not in {p[1] for p in pairs}]
        return pairs

    def _guesses(self, group: list[int]) -> list[list[Crop]]:
        """Where the tracks ``group`` (indices) may be now, as lists of mask crops: as carried, and (when
        one has a speed) moved at constant speed from the model's last sighting of it."""
        tracks = [self.tracks[i] for i in group]
        carried = [t.crop for t in tracks]
        moved = [t.sighting.guess(self._frame) if t.sighting is not None else None for t in tracks]
        if all(m is None for m in moved):
            return [carried]
        return [carried, [m.binary() if m is not None else c for m, c in zip(moved, carried, strict=True)]]

    def _without_duplicates(self, found: Instances, crops: list[Crop], softs: list[SoftMask]
                            ) -> tuple[Instances, list[Crop], list[SoftMask]]:
        if len(found) < 2:
            return found, crops, softs
        iou = overlap(crops, found.boxes, crops, found.boxes)
        np.fill_diagonal(iou, 0.0)
        keep = np.flatnonzero(~duplicates(iou, found.scores, self.duplicate_iou))
        if len(keep) == len(found):
            return found, crops, softs
        return found.take(keep), [crops[i] for i in keep], [softs[i] for i in keep]

    def _hit(self, track: TrackState, found: Instances, det: int, crop: Crop, soft: SoftMask) -> None:
        track.soft, track.box, track.crop = soft, found.boxes[det].copy(), crop
        track.score, track.source = float(found.scores[det]), "model"
        track.hits, track.misses = track.hits + 1, 0
        track.votes[found.names[det]] = track.votes.get(found.names[det], 0) + 1
        track.sighting = track.sighting.next(soft, self._frame) if track.sighting else None

    def _missed(self, track: TrackState) -> bool:
        """Count a miss; True while the track may still be held."""
        track.misses += 1
        return track.misses <= self.hold

    def _start(self, found: Instances, det: int, crop: Crop, soft: SoftMask) -> TrackState:
        self._keys += 1
        return TrackState(self._keys, self.final_ids.get(self._keys), soft, found.boxes[det].copy(),
                          float(found.scores[det]), votes={found.names[det]: 1},
                          sighting=Sighting.first(soft, self._frame), crop=crop)


def _box_area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))
