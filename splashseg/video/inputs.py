"""Which files a ``video`` command works on, and where each one's output goes.

Inputs are files, folders and glob patterns, as ``detect`` takes pictures (:func:`collect_videos`):

* a **file** named on the command line is taken as it is, whatever its suffix (a damaged one is reported
  when the job opens it);
* a **folder** is searched recursively; hidden files and folders (``.name``) are passed over;
* a **glob** (``day1/*.mp4``, ``clips/**/*``) is expanded with :mod:`glob` (``**`` recursive); a folder
  it matches is searched as above.

What counts as a video in a folder or among a glob's matches, without decoding anything: a file whose
suffix (any case) is one of :data:`VIDEO_SUFFIXES` is taken (a damaged ``.mp4`` is still a video the user
meant: it is reported, not silently left out); a file with another suffix is taken only when the cheap
probe :func:`looks_like_video` says so: FFmpeg opens it (headers only, no frame decoded) and finds a video
stream that is neither a still picture (image demuxers: ``image2``, ``png_pipe``...) nor cover art
(``attached_pic``). Pictures, sidecar files and audio are therefore left out, and a camera file with an
odd suffix (``.MTS``, ``.lrv``, none) is found.

Output names (:func:`plan_outputs`): each input keeps its name relative to what was named on the command
line (a folder's files under their sub-folders, a glob's under the pattern's fixed leading folders, a file
by its own name), the file name made as for one video (``clip.mov`` -> ``clip-splash.mp4``). Two inputs
that would write one output (``a.mov`` and ``a.mp4``) are refused before any work (:class:`InputError`
naming both); so is an output that would land on another input.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av

from ..errors import InputError

VIDEO_SUFFIXES = (
    ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg", ".m2v",
    ".ts", ".mts", ".m2ts", ".vob", ".3gp", ".3g2", ".ogv", ".mxf", ".dv", ".y4m", ".h264", ".264", ".hevc",
    ".h265", ".265", ".ivf", ".nut", ".rm", ".rmvb", ".f4v",
)
"""Suffixes taken as videos without a probe (lower case; matched in any case)."""
IMAGE_DEMUXERS = ("image2", "image2pipe", "gif", "apng", "webp_pipe")  # plus every ``*_pipe`` demuxer
ATTACHED_PIC = 0x0400  # AV_DISPOSITION_ATTACHED_PIC: a cover picture in an audio file


@dataclass(frozen=True)
class VideoInput:
    """One video to work on: ``path`` as found, ``relative`` its name under what was named on the command
    line (``clips/a/b.mp4`` named through ``clips`` -> ``a/b.mp4``; a file named directly -> ``b.mp4``)."""

    path: Path
    relative: Path


def looks_like_video(path: Path) -> bool:
    """Whether FFmpeg opens ``path`` and finds a moving-picture video stream in it (headers only: no frame is
    decoded). False for pictures, audio (cover art included), text and anything FFmpeg cannot open."""
    try:
        with av.open(str(path), mode="r") as container:
            if container.format.name in IMAGE_DEMUXERS or container.format.name.endswith("_pipe"):
                return False
            return any(not int(stream.disposition) & ATTACHED_PIC for stream in container.streams.video)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return False


def is_video_file(path: Path) -> bool:
    """A file a folder search or a glob takes: a :data:`VIDEO_SUFFIXES` suffix, else :func:`looks_like_video`."""
    if path.name.startswith(".") or not path.is_file():
        return False
    return path.suffix.lower() in VIDEO_SUFFIXES or looks_like_video(path)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _search(folder: Path, base: Path) -> list[VideoInput]:
    """The videos under ``folder`` (recursively, sorted), named relative to ``base``."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not _hidden(path.relative_to(folder)) and is_video_file(path):
            found.append(VideoInput(path, path.relative_to(base)))
    return found


def glob_base(pattern: str) -> Path:
    """The fixed leading folders of a glob pattern (``day1/cam*/*.mp4`` -> ``day1``; ``*.mp4`` -> ``.``)."""
    fixed = []
    for part in Path(pattern).parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _expand_glob(pattern: str) -> list[VideoInput]:
    base = glob_base(pattern)
    found: list[VideoInput] = []
    for match in sorted(Path(p) for p in glob.glob(pattern, recursive=True)):
        if match.is_dir():
            found.extend(_search(match, base))
        elif is_video_file(match):
            found.append(VideoInput(match, Path(os.path.relpath(match, base))))
    return found


def collect_videos(inputs: Sequence[str | os.PathLike[str]]) -> list[VideoInput]:
    """Files, folders and glob patterns -> the videos, in command-line order (each folder and glob sorted),
    the same file named twice taken once. :class:`InputError` for a name that matches nothing, a folder or
    a pattern without videos."""
    found: list[VideoInput] = []
    for item in inputs:
        path, text = Path(item), str(item)
        if path.is_dir():
            videos = _search(path, path)
            if not videos:
                raise InputError(f"{path}: folder holds no videos (searched recursively for "
                                 f"{', '.join(VIDEO_SUFFIXES[:6])}, ... and files FFmpeg reads as video)")
        elif path.exists():
            videos = [VideoInput(path, Path(path.name))]
        elif glob.has_magic(text):
            videos = _expand_glob(text)
            if not videos:
                raise InputError(f"{text}: pattern matches no videos")
        else:
            raise InputError(f"{path}: no such file or folder")
        found.extend(videos)
    unique: dict[Path, VideoInput] = {}
    for video in found:
        unique.setdefault(video.path.resolve(), video)
    return list(unique.values())


def output_name(relative: Path, render: str, suffix: str) -> Path:
    """``a/clip.mov`` -> ``a/clip-splash.mp4`` (``render`` ``splash``, ``suffix`` ``.mp4``)."""
    return relative.with_name(f"{relative.stem}-{render}{suffix}")


def plan_outputs(videos: Sequence[VideoInput], out: Path | None, render: str, suffix: str) -> dict[Path, Path]:
    """Each input's output path: under ``out`` by its relative name (:func:`output_name`), or beside the
    input when ``out`` is None. :class:`InputError`, before any work, when two inputs would write one
    output (naming both) or an output would be one of the inputs."""
    targets: dict[Path, Path] = {}
    writers: dict[str, Path] = {}
    inputs = {video.path.resolve(): video.path for video in videos}
    for video in videos:
        name = output_name(video.relative, render, suffix)
        target = out / name if out is not None else video.path.with_name(name.name)
        key = os.path.normcase(str(target.resolve()))
        if key in writers:
            raise InputError(f"{writers[key]} and {video.path} would both write {target}; rename one, or "
                             "name them in separate commands")
        if target.resolve() in inputs:
            raise InputError(f"{video.path}: its output {target} would replace the input "
                             f"{inputs[target.resolve()]}; choose another --out")
        writers[key] = video.path
        targets[video.path] = target
    return targets


def frame_estimate(path: Path) -> int | None:
    """The frame count a video's headers state (the stream's count, else duration x rate), read without
    decoding; None when the headers state neither or FFmpeg cannot open the file. For sharing work only."""
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            if stream.frames:
                return int(stream.frames)
            rate = stream.average_rate or stream.guessed_rate
            duration = (float(stream.duration * stream.time_base) if stream.duration and stream.time_base
                        else container.duration / av.time_base if container.duration else None)
            return max(1, round(duration * float(rate))) if duration and rate else None
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return None
