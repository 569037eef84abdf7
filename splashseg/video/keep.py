"""``--keep``: which tracks a splash keeps in colour.

Specs: ``all`` (every confirmed track), ``largest`` (the one track with the largest mean mask area),
``center`` (the one whose mask's centre of mass lies nearest the frame centre, on average over its
frames), ``longest`` (the one on the most frames), ``1,3`` (those track ids), ``at:X,Y`` (the track
covering pixel X,Y in the first frame where one does; X from the left, Y from the top, in the frame as
a player shows it; fractions name the pixel they fall in: ``at:3.5,4.5`` is pixel (3, 4)). Ties go to the
lower id. A policy that names something (ids, ``at``) is refused when the clip has no such track, whether
or not the clip has other tracks; the others keep what the clip has (nothing when it has no tracks). All
but ``all`` are decided over the whole clip, from a first pass's
:class:`~splashseg.video.track_log.TrackLog`; ``--classes`` has filtered the detections before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from .track_log import TrackLog, TrackRecord

WORDS = ("all", "largest", "center", "longest")
_ID_LIST = re.compile(r"^\s*[0-9]+\s*(,\s*[0-9]+\s*)*$")
_NUMBERISH = re.compile(r"^[\s.,+-]*[0-9][\s0-9.,+eE-]*$")
_HELP = "use all, largest, center, longest, track ids like 1,3, or at:X,Y"


@dataclass(frozen=True)
class KeepPolicy:
    """kind: one of :data:`WORDS`, ``ids`` or ``at``; ids: the track ids (kind ``ids``); point: the pixel
    ``(x, y)`` (kind ``at``); given: the coordinates as the user wrote them (``(3.5, 4.5)``), for messages
    (None: ``point``)."""

    kind: str = "all"
    ids: tuple[int, ...] = ()
    point: tuple[int, int] | None = None
    given: tuple[float, float] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        if self.kind == "ids":
            return ",".join(map(str, self.ids))
        if self.kind == "at":
            x, y = self.given if self.given is not None else self.point
            return f"at:{_number(x)},{_number(y)}"
        return self.kind


def _number(value: float) -> str:
    """``3`` for 3.0, ``3.5`` for 3.5: a coordinate as short as it was written."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def parse_keep(spec: Any) -> KeepPolicy:
    """The :class:`KeepPolicy` of a ``--keep`` value; :class:`InputError` naming what is wrong."""
    text = str(spec).strip() if spec is not None else ""
    lowered = text.lower()
    if not text:
        raise InputError(f"--keep: empty value; {_HELP}")
    if lowered in WORDS:
        return KeepPolicy(lowered)
    if lowered.startswith("at:"):
        given = _parse_point(text, text[3:])
        return KeepPolicy("at", point=(int(given[0]), int(given[1])), given=given)  # the pixel it lies in
    if _ID_LIST.match(text):
        ids = tuple(sorted({int(part) for part in text.split(",")}))
        if 0 in ids:
            raise InputError(f"--keep {text}: track ids start at 1")
        return KeepPolicy("ids", ids=ids)
    if _NUMBERISH.match(text):
        raise InputError(f"--keep {text}: track ids are whole numbers from 1, separated by commas, like 1,3")
    raise InputError(f"--keep {text}: not a keep policy; {_HELP}")


MAX_COORDINATE = 1_000_000  # pixels: larger than any frame FFmpeg decodes


def _parse_point(spec: str, rest: str) -> tuple[float, float]:
    parts = [p.strip() for p in rest.split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(f"--keep {spec}: expected at:X,Y with two pixel coordinates, like at:320,240")
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise InputError(f"--keep {spec}: {part!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise InputError(f"--keep {spec}: pixel coordinates must be finite and >= 0, got {part}")
        if value >= MAX_COORDINATE:
            raise InputError(f"--keep {spec}: {part} lies outside any frame (coordinates are pixels, "
                             f"below {MAX_COORDINATE})")
        values.append(value)
    return values[0], values[1]


def check_keep(policy: KeepPolicy, frame_size: tuple[int, int]) -> None:
    """InputError when ``at:X,Y`` lies outside frames of ``frame_size`` = ``(H, W)`` (upright)."""
    if policy.kind == "at":
        x, y = policy.point
        height, width = frame_size
        if x >= width or y >= height:
            raise InputError(f"--keep {policy}: pixel ({x}, {y}) lies outside the {width}x{height} frame")


def select_tracks(policy: KeepPolicy, log: TrackLog, frame_size: tuple[int, int]) -> set[int]:
    """Ids of the confirmed tracks ``policy`` keeps, decided over the whole clip's ``log``.

    frame_size: ``(H, W)`` of the (upright) frames. ``all`` keeps every confirmed track; ``all``,
    ``largest``, ``center`` and ``longest`` keep none of a clip without tracks. InputError (the same with
    or without tracks): ids the clip does not have, or ``at:X,Y`` outside the frame or covered by no
    track. An ``at`` policy needs a log made with ``TrackLog(probe=policy.point)``.
    """
    tracks = log.tracks()
    if policy.kind == "ids":
        missing = sorted(set(policy.ids) - {t.id for t in tracks})
        if missing:
            have = ", ".join(str(t.id) for t in tracks) or "none"
            raise InputError(f"--keep {policy}: no track {', '.join(map(str, missing))} in this clip; "
                             f"its tracks are: {have}")
        return set(policy.ids)
    check_keep(policy, frame_size)
    if policy.kind == "at":  # before the empty case: a point no track covers is refused with or without tracks
        return {_covering(policy, log, tracks)}
    if policy.kind == "all" or not tracks:
        return {t.id for t in tracks}
    score = {"largest": lambda t: -t.mean_area, "longest": lambda t: -len(t.entries),
             "center": lambda t: _mean_distance(t, frame_size)}[policy.kind]
    return {min(tracks, key=lambda t: (score(t), t.id)).id}


def _mean_distance(track: TrackRecord, frame_size: tuple[int, int]) -> float:
    centre_x, centre_y = frame_size[1] / 2, frame_size[0] / 2
    return float(np.mean([math.hypot(e.centroid[0] - centre_x, e.centroid[1] - centre_y) for e in track.entries]))


def _covering(policy: KeepPolicy, log: TrackLog, tracks: list[TrackRecord]) -> int:
    """The track whose mask covers the point on the earliest frame (strongest mask value, then smaller)."""
    if log.probe != policy.point:
        raise ValueError(f"the log probes {log.probe}, not {policy.point}: make it with TrackLog(probe=...)")
    best = None
    for track in tracks:
        for entry in track.entries:
            if entry.probe >= 0.5:
                rank = (entry.frame, -entry.probe, entry.area, track.id)
                best = min(best, rank) if best is not None else rank
                break
    if best is None:
        found = f"its tracks are: {', '.join(str(t.id) for t in tracks)}" if tracks else "the clip has no tracks"
        raise InputError(f"--keep {policy}: no track covers pixel {policy.point} on any frame ({found})")
    return best[3]


def keep_mask(states: Iterable[Any], chosen: set[int] | None, frame_size: tuple[int, int]) -> np.ndarray:
    """float32 [H, W] in [0, 1]: the union (max) of the kept tracks' soft masks on one frame.

    states: the tracker's live :class:`~splashseg.video.tracking.TrackState` list; chosen: ids from
    :func:`select_tracks` (tracks of a second pass with ``final_ids`` carry them from their first frame),
    or None to keep every confirmed track (the one-pass ``all``).
    """
    kept = np.zeros(frame_size, np.float32)
    for state in states:
        if (state.id in chosen) if chosen is not None else state.confirmed:
            soft = state.soft  # only the object's part of the frame is touched
            part = kept[soft.y: soft.y + soft.values.shape[0], soft.x: soft.x + soft.values.shape[1]]
            np.maximum(part, soft.values, out=part)
    return kept
