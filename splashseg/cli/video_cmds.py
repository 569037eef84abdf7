"""``video``: colour splash or detection overlay on every frame of a video, objects tracked over time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..apps.video import RENDERS, VideoConfig, run_video_job
from ..apps.video_tracking import PROPAGATIONS, TrackingOptions
from ..distributed import refuse_under_torchrun
from ..predict import speed_line
from ..video.pipeline import VideoReport
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
        click.option("--tracks", "tracks", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Also write every track (id, class, frames, boxes, scores) as JSON to this file "
                          "(replaced only with --force)."),
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


def report_video(report: VideoReport, report_to: Any) -> None:
    """Warnings, notes, the one-line result and the ``--json`` summary of a rendered video."""
    for warning in report.warnings:
        report_to.warn(warning)
    for note in report.notes:
        report_to.info(note)
    kept = ", ".join(map(str, report.kept_tracks)) or "none"
    report_to.info(f"wrote {report.target} ({report.frames} frames, model on {report.model_frames}, "
                   f"{report.fps:.1f} fps, {len(report.tracks)} track(s), kept in colour: {kept}, "
                   f"{report.audio_streams} audio stream(s))")
    if report.speed:
        report_to.info(speed_line(report.speed))
    report_to.emit_json({
        "input": str(report.source), "output": str(report.target), "frames": report.frames,
        "header_frames": report.header_frames, "lost_frames": report.lost_frames,
        "model_frames": report.model_frames, "seconds": round(report.seconds, 3), "fps": round(report.fps, 3),
        "width": report.width, "height": report.height, "rotation": report.rotation,
        "audio_streams": report.audio_streams, "tracks": report.tracks, "kept_tracks": report.kept_tracks,
        "notes": report.notes, "warnings": report.warnings, **report.speed, "stage_seconds": report.stage_seconds,
    })


def run_video_command(file: Path, *, json_mode: bool = False, quiet: bool = False, **params: Any) -> VideoReport:
    """``video`` and ``splash --video``: click's parameters -> config -> job -> report."""
    name = click.get_current_context().info_name  # video, or splash (--video)
    refuse_under_torchrun(f"{name}: videos are not shared between torchrun's processes yet (each would render "
                          f"the whole clip); run splashseg {name} as one process")
    report_to = reporter(json_mode, quiet)
    report = run_video_job(VideoConfig.from_options(file=file, **params), report_to)
    report_video(report, report_to)
    return report


@click.command("video")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--render", type=click.Choice(RENDERS), default=VideoConfig.render, show_default=True,
              help="Colour splash, or detect's overlay (masks, boxes, names and track ids).")
@video_encoding_options
@splash_style_options
@refine_option
@model_options()
@runtime_option
@prediction_options
@output_options("Output video (.mp4, .mkv or .mov; with --effect cutout .webm or .mov) or a folder for "
                "FILE-RENDER.mp4 [default: FILE-RENDER.mp4 beside FILE; FILE-splash.webm for --effect cutout].")
def video(file: Path, **options: Any) -> None:
    """Colour splash (or detection overlay) on every frame of a video, objects tracked over time.

    Decodes anything FFmpeg reads, runs the model in batches (on every --stride-th frame), links the
    detections into tracks (ids 1, 2, ...; a missed object is held for --hold model frames, moved by
    optical flow), keeps the tracks --keep chose in colour, and writes H.264 (yuv420p) with each frame's
    own timestamp, the rotation metadata, and every audio stream copied unchanged (re-encoded to AAC
    only when the container cannot hold it). The clip is read twice (track, then render); the model runs
    once. The output appears only when complete. --effect cutout writes a video with transparency
    instead: VP9 with alpha in .webm (browsers) or ProRes 4444 in .mov (editors), chosen by --out's
    suffix. --refine sharpens the masks' edges on the model's frames.

    \b
    Examples:
        splashseg video clip.mp4 --classes person --keep largest --out one-person.mp4
        splashseg video clip.mp4 --effect cutout --refine --out clip-cutout.webm
        splashseg video clip.mp4 --stride 5 --render overlay --tracks tracks.json --out tracked.mp4
    """
    run_video_command(file, **options)


COMMANDS = [video]
