"""``video``: colour splash or detection overlay on every frame of a video, objects tracked over time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..apps.video import RENDERS, VideoConfig
from ..apps.video_report import summary_line
from ..apps.video_scale import run_video_batch
from ..apps.video_tracking import PROPAGATIONS, TrackingOptions
from ..video.stages import stages_line
from ..video.writer import ENCODERS, X264_PRESETS, EncoderSettings
from .options import (
    model_options,
    output_options,
    prediction_options,
    refine_option,
    reporter,
    runtime_option,
    splash_style_options,
)

F = TypeVar("F", bound=Callable[..., Any])


def video_encoding_options(func: F) -> F:
    """``--stride --propagate --keep --hold --min-hits --tracks --smooth --crf --preset --codec`` (shared
    with ``splash --video``)."""
    tracking, encoder = TrackingOptions(), EncoderSettings()
    for decorator in reversed((
        click.option("--stride", type=click.IntRange(1, 1000), default=VideoConfig.stride, show_default=True,
                     metavar="N", help="Run the model on every Nth frame; objects are carried in between."),
        click.option("--propagate", type=click.Choice(PROPAGATIONS), default=tracking.propagate, show_default=True,
                     help="Between model frames (and while an object is missed) move masks with optical flow, "
                          "or hold them where they were."),
        click.option("--keep", default=tracking.keep, show_default=True,
                     metavar="all|largest|center|longest|IDS|at:X,Y",
                     help="Which tracked objects stay in colour, chosen over the whole clip: largest mean area, "
                          "nearest the centre, most frames, ids from an earlier --tracks file, or the track "
                          "covering pixel X,Y (fractions name the pixel they fall in) in the first frame where "
                          "one does. The clip is read twice; the model runs once."),
        click.option("--hold", type=click.IntRange(0, 10_000), default=tracking.hold, show_default=True,
                     metavar="N", help="Model frames a missed object keeps its (flow-moved) mask before it ends."),
        click.option("--min-hits", type=click.IntRange(1, 10_000), default=tracking.min_hits, show_default=True,
                     metavar="N", help="Model frames that must find an object before it gets colour; in a clip with "
                                           "fewer model frames, all of them (an object first seen late in a "
                                           "longer clip still needs N)."),
        click.option("--tracks", "tracks", type=click.Path(path_type=Path), default=None,
                     help="Also write every track (id, class, frames, boxes, scores) as JSON to this file; "
                          "with several videos a folder with one JSON per video (replaced only with --force)."),
        click.option("--smooth", is_flag=True,
                     help="Temporal smoothing of the keep-mask (an exponential moving average over frames) "
                          "against flicker."),
        click.option("--crf", type=click.IntRange(0, 51), default=encoder.crf, show_default=True,
                     help="Quality: lower is better and bigger (18 is visually lossless)."),
        click.option("--preset", type=click.Choice(X264_PRESETS), default=encoder.preset, show_default=True,
                     help="Encoder speed against file size."),
        click.option("--codec", type=click.Choice(tuple(ENCODERS)), default=encoder.codec, show_default=True,
                     help="H.264 encoder: libx264 (CPU) or h264_nvenc (NVIDIA GPU, when present)."),
    )):
        func = decorator(func)
    return func


def show_videos(summary: dict[str, Any], reports: list[Any], report_to: Any) -> None:
    """Each video's warnings, notes and summary lines (with its biggest stages), then the run's ``--json``."""
    for report in reports:
        for warning in report.warnings:
            report_to.warn(warning)
        for note in report.notes:
            report_to.info(note)
        report_to.info(summary_line(report))
        if report.stage_seconds:
            report_to.info(f"  {stages_line(report.stage_seconds, report.frames)}")
    report_to.emit_json(summary)


def run_video_command(inputs: tuple[str, ...], *, json_mode: bool = False, quiet: bool = False,
                      **params: Any) -> None:
    """``video`` and ``splash --video``: click's parameters -> a config per video -> the job on every
    torchrun rank (or this one process) -> the report."""
    report_to = reporter(json_mode, quiet)
    template = VideoConfig.from_options(file=Path(inputs[0]), **params)
    run_video_batch(list(inputs), template, params.get("out"), report_to,
                    lambda summary, reports: show_videos(summary, reports, report_to))


@click.command("video")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--render", type=click.Choice(RENDERS), default=VideoConfig.render, show_default=True,
              help="Colour splash, or detect's overlay (masks, boxes, names and track ids).")
@video_encoding_options
@splash_style_options
@refine_option
@model_options()
@runtime_option
@prediction_options
@output_options("Output video (.mp4, .mkv or .mov; with --effect cutout .webm or .mov) or a folder for "
                "FILE-RENDER.mp4 [default: FILE-RENDER.mp4 beside FILE; FILE-splash.webm for --effect cutout]; "
                "with several videos a folder, each output under its input's relative name.")
def video(inputs: tuple[str, ...], **options: Any) -> None:
    """Colour splash (or detection overlay) on every frame of a video, objects tracked over time.

    Decodes anything FFmpeg reads, runs the model in batches (on every --stride-th frame), links the
    detections into tracks (ids 1, 2, ...; a missed object is held for --hold model frames, moved by
    optical flow), keeps the tracks --keep chose in colour, and writes H.264 (yuv420p) with each frame's
    own timestamp, the rotation metadata, and every audio stream copied unchanged (re-encoded to AAC
    only when the container cannot hold it). The clip is read twice (track, then render); the model runs
    once. The output appears only when complete. --effect cutout writes a video with transparency
    instead: VP9 with alpha in .webm (browsers) or ProRes 4444 in .mov (editors), chosen by --out's
    suffix. --refine sharpens the masks' edges on the model's frames.

    INPUT: video files, folders (searched recursively) or glob patterns; the model is loaded once, a
    damaged video is skipped and named at the end (exit 2). Under torchrun the videos are shared between
    the processes by frame count. Each video's line (and --json) says how stable the result is over
    time: propagation IoU, flicker, track births and deaths per minute (README: how to read them).

    \b
    Examples:
        splashseg video clip.mp4 --classes person --keep largest --out one-person.mp4
        torchrun --nproc-per-node 2 -m splashseg video footage/ "day1/*.mp4" --stride 3 --out splashed/
        splashseg video clip.mp4 --effect cutout --refine --out clip-cutout.webm
        splashseg video clip.mp4 --stride 5 --render overlay --tracks tracks.json --out tracked.mp4
    """
    run_video_command(inputs, **options)


COMMANDS = [video]
