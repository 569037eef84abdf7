"""``--tracks FILE``: the confirmed tracks of a video as JSON, written atomically, and read back.

Schema (frame indices 0-based in decoding order; boxes ``[x, y, w, h]`` in pixels of the frame as a
player shows it, rounded to 0.1 px; scores rounded to 3 decimals)::

    {"video": "clip.mp4", "frames": 45, "fps": 15.0,
     "tracks": [{"id": 1, "class": "person", "first_frame": 0, "last_frame": 44,
                 "frames": [{"frame": 0, "box": [x, y, w, h], "score": 0.93, "source": "model"}, ...]}]}

``source`` is ``model`` (the model found it on that frame), ``flow`` (carried by optical flow from the
frame before) or ``hold`` (kept as it was); on ``flow``/``hold`` frames ``score`` is the last model score.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fsutil import refuse_overwrite, write_text_atomic
from .track_log import SOURCES, TrackEntry, TrackLog, TrackRecord


def tracks_document(log: TrackLog, *, video: str, frames: int, fps: float | None) -> dict[str, Any]:
    """The JSON document (a dict) of ``log``'s confirmed tracks."""
    return {
        "video": str(video),
        "frames": int(frames),
        "fps": round(float(fps), 3) if fps is not None and math.isfinite(fps) and fps > 0 else None,
        "tracks": [{"id": t.id, "class": t.class_name, "first_frame": t.first_frame, "last_frame": t.last_frame,
                    "frames": [{"frame": e.frame, "box": [round(v, 1) + 0.0 for v in e.box],
                                "score": round(e.score, 3), "source": e.source} for e in t.entries]}
                   for t in log.tracks()],
    }


def check_tracks_target(path: Path, inputs: list[Path], force: bool, outputs: list[Path] = ()) -> None:
    """InputError before any work: ``path`` is one of ``inputs`` (the video, a background picture) or
    ``outputs`` (the rendered video), or exists and ``force`` is not set."""
    path = Path(path)
    for source in inputs:
        if path.resolve() == Path(source).resolve():
            raise InputError(f"{path}: --tracks would overwrite the input {source}; choose another file")
    for target in outputs:
        if path.resolve() == Path(target).resolve():
            raise InputError(f"{path}: --tracks is also the output video {target}; choose another file")
    if path.is_dir():
        raise InputError(f"{path}: --tracks is a folder; give a file name like tracks.json")
    refuse_overwrite([path], force, "--tracks")


def write_tracks_json(path: Path, log: TrackLog, *, video: str, frames: int, fps: float | None,
                      force: bool = False) -> Path:
    """Write ``log``'s confirmed tracks to ``path`` (temporary file + rename). InputError if it exists
    and ``force`` is not set."""
    path = Path(path)
    refuse_overwrite([path], force, "--tracks")
    write_text_atomic(path, _layout(tracks_document(log, video=video, frames=frames, fps=fps)))
    return path


def _layout(document: dict[str, Any]) -> str:
    """The document as JSON text with one line per track frame (readable, and diff-friendly)."""
    def dump(value: Any) -> str:
        return json.dumps(value, allow_nan=False)

    head = ", ".join(f"{dump(k)}: {dump(v)}" for k, v in document.items() if k != "tracks")
    tracks = []
    for track in document["tracks"]:
        fields = ", ".join(f"{dump(k)}: {dump(v)}" for k, v in track.items() if k != "frames")
        entries = ",\n".join(f"   {dump(entry)}" for entry in track["frames"])
        tracks.append(f'  {{{fields}, "frames": [\n{entries}]}}')
    return f'{{{head},\n "tracks": [\n' + ",\n".join(tracks) + "]}\n"


@dataclass
class TracksFile:
    """A tracks JSON read back. log: its tracks as a :class:`TrackLog` (keys = ids; area and centroid
    come from the boxes, and there is no probe, so ``--keep at:X,Y`` cannot be decided from a file)."""

    video: str
    frames: int
    fps: float | None
    log: TrackLog


def read_tracks_json(path: Path) -> TracksFile:
    """Read and check a tracks JSON; InputError naming the file and the first thing wrong."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    try:
        return _parse(document)
    except _Bad as exc:
        raise InputError(f"{path}: {exc}") from None


class _Bad(Exception):
    """A schema problem; the message names the field."""


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _need(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _Bad(f"{where}: expected {_kind_name(kind)}, got {json.dumps(value)[:40]}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return {int: "a whole number", str: "a string", list: "a list", dict: "an object"}.get(kind, "a number")


def _parse(document: Any) -> TracksFile:
    _need(document, dict, "top level")
    for key in ("video", "frames", "fps", "tracks"):
        if key not in document:
            raise _Bad(f"missing {key!r}")
    frames = _need(document["frames"], int, "frames")
    fps = None if document["fps"] is None else float(_need(document["fps"], (int, float), "fps"))
    log = TrackLog()
    seen: set[int] = set()
    for i, track in enumerate(_need(document["tracks"], list, "tracks")):
        record = _parse_track(track, f"tracks[{i}]", frames)
        if record.id in seen:
            raise _Bad(f"tracks[{i}].id: {record.id} appears twice")
        seen.add(record.id)
        log.records[record.id] = record
    return TracksFile(_need(document["video"], str, "video"), frames, fps, log)


def _parse_track(track: Any, where: str, frames: int) -> TrackRecord:
    _need(track, dict, where)
    track_id = _need(track.get("id"), int, f"{where}.id")
    if track_id < 1:
        raise _Bad(f"{where}.id: ids start at 1, got {track_id}")
    record = TrackRecord(track_id, track_id, _need(track.get("class"), str, f"{where}.class"))
    for j, entry in enumerate(_need(track.get("frames"), list, f"{where}.frames")):
        record.entries.append(_parse_entry(entry, f"{where}.frames[{j}]", frames))
    indices = [e.frame for e in record.entries]
    if not indices or indices != sorted(set(indices)):
        raise _Bad(f"{where}.frames: expected frames in increasing order, at least one")
    if (track.get("first_frame"), track.get("last_frame")) != (indices[0], indices[-1]):
        raise _Bad(f"{where}: first_frame/last_frame do not match its frames ({indices[0]}..{indices[-1]})")
    return record


def _parse_entry(entry: Any, where: str, frames: int) -> TrackEntry:
    _need(entry, dict, where)
    frame = _need(entry.get("frame"), int, f"{where}.frame")
    if not 0 <= frame < frames:
        raise _Bad(f"{where}.frame: {frame} is outside the video's {frames} frames")
    box = _need(entry.get("box"), list, f"{where}.box")
    if len(box) != 4 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in box):
        raise _Bad(f"{where}.box: expected [x, y, w, h], four numbers")
    x, y, w, h = (float(v) for v in box)
    if w < 0 or h < 0:
        raise _Bad(f"{where}.box: negative width or height")
    score = float(_need(entry.get("score"), (int, float), f"{where}.score"))
    if not 0.0 <= score <= 1.0:
        raise _Bad(f"{where}.score: {score} is outside [0, 1]")
    source = entry.get("source")
    if source not in SOURCES:
        raise _Bad(f"{where}.source: expected one of {', '.join(SOURCES)}, got {json.dumps(source)[:40]}")
    return TrackEntry(frame, (x, y, w, h), score, source, area=w * h, centroid=(x + w / 2, y + h / 2))
