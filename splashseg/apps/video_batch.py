"""``video`` on many videos: collect them, check every output once, load the model once, share the videos
between ``torchrun`` ranks, and gather one summary.

With one video file named on the command line, ``--out`` and ``--tracks`` are files as for one video
(:func:`splashseg.apps.video.video_target`); with several videos, or a folder or a glob, ``--out`` is a
folder holding each output under its input's relative name, and ``--tracks`` a folder with one JSON per
video (``a/clip.mov`` -> ``TRACKS/a/clip.json``); see :mod:`splashseg.video.inputs`.

Under torchrun rank 0 collects and checks (outputs, collisions) before any rank starts, every rank takes
its share (:func:`splashseg.video.shares.balanced_shares`, by frame count, each video whole on one rank),
loads the model once on its own device, and rank 0 gathers the reports in input order. A damaged video is
skipped and reported; the others are written and every rank exits 2 at the end. Any other failure on a
rank reaches every rank through the same gather, so none waits for it: the failing rank raises its own
error, the others end with its exit code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..distributed import DistInfo, RankExit, all_gather_objects
from ..errors import InputError, SplashsegError
from ..fsutil import check_output_dir, check_output_files, make_output_dir, weights_file
from ..video.inputs import VideoInput, collect_videos, frame_estimate, plan_outputs
from ..video.shares import balanced_shares
from ..video.tracks_json import check_tracks_target
from .video import VideoConfig, video_target

OUT_KIND = "video"


@dataclass
class VideoBatch:
    """What a run works on: one config per video (input order), each video's frame count from its headers
    (None when unknown; for sharing only), whether it is a many-video run (``--out`` a folder), and
    ``--tracks`` as given (the folder of a many-video run). folders: the output folders the run made
    (stamped, locked by rank 0)."""

    configs: list[VideoConfig]
    frames: list[int | None]
    several: bool
    tracks: Path | None = None
    folders: list[Path] = field(default_factory=list)


@dataclass
class RankPart:
    """One rank's results: its videos' reports by index, the skipped ones ``(index, message)``, and the
    exit code and message of a failure that stopped the rank (None when none did)."""

    reports: dict[int, Any] = field(default_factory=dict)
    failed: list[tuple[int, str]] = field(default_factory=list)
    error: tuple[int, str] | None = None


def is_many(inputs: Sequence[str | Path]) -> bool:
    """A many-video run: more than one name, or a name that is a folder or not a file (a glob)."""
    return len(inputs) != 1 or not Path(inputs[0]).is_file()


def _tracks_path(tracks: Path | None, video: VideoInput) -> Path | None:
    return None if tracks is None else tracks / video.relative.with_suffix(".json")


def plan_video_batch(inputs: Sequence[str | Path], template: VideoConfig, out: str | Path | None, *,
                     estimate: bool = False) -> VideoBatch:
    """One :class:`VideoConfig` per video from ``template`` (its source, target and tracks replaced).

    out: ``--out`` as given. template.tracking.tracks: ``--tracks`` as given (a folder for many videos).
    estimate: read each video's frame count from its headers (for sharing between ranks; else None).
    Raises :class:`InputError` before any work: nothing matched, two videos would write one output, an
    output is an input, ``--out`` is not a folder (many videos), or an output exists without ``--force``.
    """
    videos = collect_videos(inputs)
    several = is_many(inputs)
    alpha, render = template.encoder.alpha, template.render
    if several:
        folder = Path(out) if out is not None and str(out) != "" else None
        if folder is not None and folder.suffix and not folder.is_dir():
            raise InputError(f"{folder}: --out must be a folder when there are several videos")
        targets = plan_outputs(videos, folder, render, ".webm" if alpha else ".mp4")
    else:
        targets = {videos[0].path: video_target(videos[0].path, out, render, alpha)}
    tracks = template.tracking.tracks
    configs, writers = [], {}
    for video in videos:
        track_file = _tracks_path(tracks, video) if several else tracks
        if several and track_file is not None:
            if track_file in writers:
                raise InputError(f"{writers[track_file]} and {video.path} would both write {track_file} "
                                 "(--tracks); rename one, or name them in separate commands")
            writers[track_file] = video.path
        configs.append(dataclasses.replace(template, source=video.path, target=targets[video.path],
                                           tracking=dataclasses.replace(template.tracking, tracks=track_file)))
    frames = [frame_estimate(v.path) if estimate else None for v in videos]
    return VideoBatch(configs, frames, several, tracks)


def check_batch_outputs(batch: VideoBatch, inputs: Sequence[str | Path], out: str | Path | None) -> None:
    """A many-video run's outputs against every input, once (rank 0, before any rank starts): the ``--out``
    and ``--tracks`` folders, each output video and each tracks file; then makes the folders. (One named
    video is checked by :func:`splashseg.apps.video.check_video_config` alone, as it always was.)"""
    if not batch.several:
        return
    template = batch.configs[0]
    protected = [*inputs, *(c.source for c in batch.configs), template.splash.background,
                 weights_file(template.predict.weights)]
    folders = {"--out": Path(out)} if out is not None and str(out) != "" else {}
    if batch.tracks is not None:
        folders["--tracks"] = Path(batch.tracks)
    for option, folder in folders.items():
        check_output_dir(folder, protected, OUT_KIND, option=option)
    targets = [c.target for c in batch.configs]
    check_output_files(targets, protected, template.force)
    for config in batch.configs:
        if config.tracking.tracks is not None:
            check_tracks_target(config.tracking.tracks, [p for p in protected if p is not None], template.force,
                                outputs=targets)
    for folder in folders.values():
        make_output_dir(folder, OUT_KIND, force=template.force)
    batch.folders = list(folders.values())


def prepare_batch(inputs: Sequence[str | Path], template: VideoConfig, out: str | Path | None, *,
                  estimate: bool = False) -> VideoBatch:
    """:func:`plan_video_batch` and :func:`check_batch_outputs`: everything refused before any work."""
    batch = plan_video_batch(inputs, template, out, estimate=estimate)
    check_batch_outputs(batch, inputs, out)
    return batch


Process = Callable[[VideoConfig], Any]  # one video's config -> its report (picklable)


def process_share(batch: VideoBatch, share: Sequence[int], process: Process,
                  on_done: Callable[[int], None] | None = None) -> tuple[RankPart, Exception | None]:
    """Run ``process`` on the videos ``share`` (indices into ``batch.configs``), in order. A video that
    raises :class:`InputError` (damaged, unreadable) is skipped and remembered; any other exception
    stops the rank: it is remembered in the part and returned, to be raised once every rank knows."""
    part = RankPart()
    try:
        for index in share:
            try:
                part.reports[index] = process(batch.configs[index])
            except InputError as exc:
                part.failed.append((index, str(exc)))
            if on_done is not None:
                on_done(index)
    except Exception as exc:  # noqa: BLE001 - carried to every rank, then re-raised here
        part.error = (exc.exit_code if isinstance(exc, SplashsegError) else 1, str(exc))
        return part, exc
    return part, None


def run_shares(batch: VideoBatch, info: DistInfo, process: Process,
               on_done: Callable[[int], None] | None = None) -> list[RankPart]:
    """This rank's share processed; every rank's part gathered (rank order). When a rank
    failed, it raises its own error here and every other rank :class:`RankExit` with its exit code."""
    shares = balanced_shares(batch.frames, info.world_size)
    part, exception = process_share(batch, shares[info.rank], process, on_done)
    parts: list[RankPart] = all_gather_objects(part)
    if exception is not None:
        raise exception
    for other in parts:
        if other.error is not None:
            raise RankExit(other.error[0])
    return parts


def merged(batch: VideoBatch, parts: Sequence[RankPart]) -> tuple[list[Any], list[tuple[Path, str]]]:
    """The reports in input order, and the skipped videos ``(path, message)`` in input order."""
    reports = {i: r for part in parts for i, r in part.reports.items()}
    failed = dict(f for part in parts for f in part.failed)
    return ([reports[i] for i in sorted(reports)],
            [(batch.configs[i].source, failed[i]) for i in sorted(failed)])
