"""``TrackLog``: what every track did on every frame, for the tracks JSON and the ``--keep`` policies.

Plain Python numbers only (no masks), so a log of a long video stays small: one :class:`TrackEntry` per
track per frame. Frame indices are 0-based, in decoding order. Boxes are ``[x, y, w, h]`` in pixels of
the frame as the model saw it (upright).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .soft_mask import SoftMask, as_soft

SOURCES = ("model", "flow", "hold")  # found by the model / carried by optical flow / kept as it was


@dataclass
class TrackEntry:
    """One track on one frame. box: ``(x, y, w, h)``; score: the model's score on this frame, or its last
    one when the track was carried; source: one of :data:`SOURCES`; area: soft pixel count of the mask;
    centroid: ``(x, y)`` of the mask's mass (pixel centres at ``i + 0.5``); probe: the mask's value at the
    log's probe pixel (0 when the log has none)."""

    frame: int
    box: tuple[float, float, float, float]
    score: float
    source: str
    area: float = 0.0
    centroid: tuple[float, float] = (0.0, 0.0)
    probe: float = 0.0


@dataclass
class TrackRecord:
    """A track over the whole clip. key: creation order (internal, counts unconfirmed tracks too); id: the
    public id, given when the track is confirmed (None until then); class_name: the majority so far."""

    key: int
    id: int | None = None
    class_name: str = ""
    entries: list[TrackEntry] = field(default_factory=list)

    @property
    def confirmed(self) -> bool:
        return self.id is not None

    @property
    def first_frame(self) -> int:
        return self.entries[0].frame

    @property
    def last_frame(self) -> int:
        return self.entries[-1].frame

    @property
    def mean_area(self) -> float:
        return float(np.mean([e.area for e in self.entries])) if self.entries else 0.0

    def model_frames(self) -> int:
        """Frames on which the model found this track."""
        return sum(e.source == "model" for e in self.entries)


def mask_facts(mask: np.ndarray | SoftMask, probe: tuple[int, int] | None
               ) -> tuple[float, tuple[float, float], float]:
    """``(area, (cx, cy), probe value)`` of a float32 [H, W] soft mask (or a :class:`SoftMask`); probe is a
    pixel ``(x, y)``."""
    soft = as_soft(mask)
    area, cx, cy = soft.mass_centre()
    return area, (cx, cy), soft.at(*probe) if probe is not None else 0.0


class TrackLog:
    """Entries of every track, filled frame by frame by the tracker (:meth:`record`) or read from JSON.

    probe: a pixel ``(x, y)`` whose mask value is logged for every track and frame (``--keep at:X,Y``);
    None for none. frame_size: ``(H, W)`` of the frames, known after the first record.
    """

    def __init__(self, probe: tuple[int, int] | None = None) -> None:
        self.probe = probe
        self.frame_size: tuple[int, int] | None = None
        self.records: dict[int, TrackRecord] = {}

    def record(self, frame: int, states: Iterable[Any]) -> None:
        """Log ``states`` (:class:`splashseg.video.tracking.TrackState`) on ``frame``."""
        for state in states:
            if self.frame_size is None:
                self.frame_size = state.soft.frame_size
            record = self.records.setdefault(state.key, TrackRecord(state.key))
            record.id, record.class_name = state.id, state.class_name
            area, centroid, value = mask_facts(state.soft, self._probe_inside())
            x1, y1, x2, y2 = (float(v) for v in state.box)
            record.entries.append(TrackEntry(frame, (x1, y1, x2 - x1, y2 - y1), float(state.score), state.source,
                                             area, centroid, value))

    def _probe_inside(self) -> tuple[int, int] | None:
        if self.probe is None or self.frame_size is None:
            return None
        x, y = self.probe
        return (x, y) if 0 <= x < self.frame_size[1] and 0 <= y < self.frame_size[0] else None

    def tracks(self) -> list[TrackRecord]:
        """The confirmed tracks, by id (unconfirmed ones never count: one-frame false positives)."""
        return sorted((r for r in self.records.values() if r.confirmed), key=lambda r: r.id)

    def ids(self) -> list[int]:
        """Ids of the confirmed tracks, ascending."""
        return [r.id for r in self.tracks()]

    def confirm(self, least_hits: int, first_id: int) -> dict[int, int]:
        """Give ids ``first_id, first_id + 1, ...`` (in creation order) to the unconfirmed tracks the model
        found on at least ``least_hits`` frames (:meth:`Tracker.finish`); returns ``{key: id}`` of those."""
        found = [r for r in sorted(self.records.values(), key=lambda r: r.key)
                 if not r.confirmed and r.model_frames() >= least_hits]
        for offset, record in enumerate(found):
            record.id = first_id + offset
        return {r.key: r.id for r in found}

    def final_ids(self) -> dict[int, int]:
        """``{key: id}`` of the confirmed tracks: give it to a second pass's tracker (``Tracker(final_ids=)``)
        so its tracks carry their ids from their first frame."""
        return {r.key: r.id for r in self.tracks()}
