"""``video``: colour splash or detection overlay on every frame of a video, H.264 with the audio kept."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..apps.splash import load_style
from ..apps.video import RENDERS, VideoJob, run_video
from ..fsutil import check_output_files
from ..video.pipeline import VideoReport, check_video_job
from ..video.writer import DEFAULT_CODEC, ENCODERS, X264_PRESETS, EncoderSettings
from .options import (
    model_options,
    output_options,
    parse_color,
    predict_config,
    prediction_options,
    reporter,
    splash_style_options,
)

F = TypeVar("F", bound=Callable[..., Any])


def video_encoding_options(func: F) -> F:
    """``--stride --smooth --crf --preset --codec`` (shared with ``splash --video``)."""
    for decorator in reversed((
        click.option("--stride", type=click.IntRange(1, 1000), default=1, show_default=True, metavar="N",
                     help="Run the model on every Nth frame; frames in between reuse its masks."),
        click.option("--smooth", is_flag=True,
                     help="Temporal smoothing of the masks (moving average over frames) against flicker."),
        click.option("--crf", type=click.IntRange(0, 51), default=20, show_default=True,
                     help="Quality: lower is better and bigger (18 is visually lossless)."),
        click.option("--preset", type=click.Choice(X264_PRESETS), default="medium", show_default=True,
                     help="Encoder speed against file size."),
        click.option("--codec", type=click.Choice(tuple(ENCODERS)), default=DEFAULT_CODEC, show_default=True,
                     help="H.264 encoder: libx264 (CPU) or h264_nvenc (NVIDIA GPU, when present)."),
    )):
        func = decorator(func)
    return func


def video_target(source: Path, out: str | Path | None, render: str) -> Path:
    """Where ``video`` and ``splash --video`` write ``source`` rendered with ``render``.

    No ``--out``: ``clip.mov`` -> ``clip-splash.mp4`` beside it. An ``--out`` that is an existing folder, ends
    with a slash or has no suffix is a folder: ``OUT/clip-splash.mp4``. Anything else is the file itself.
    """
    name = f"{source.stem}-{render}.mp4"
    if out is None:
        return source.with_name(name)
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", os.sep)) or not path.suffix:
        return path / name
    return path


def run_video_command(file: Path, *, out: str | Path | None = None, render: str = "splash",
                      effect: str = "gray", background: Path | None = None, feather: float = 0.0,
                      invert: bool = False, blur_sigma: float | None = None, color: str = "0,0,0",
                      stride: int = 1, smooth: bool = False, crf: int = 20, preset: str = "medium",
                      codec: str = DEFAULT_CODEC, model_name: str | None = None, weights: str = "coco",
                      device: str = "auto", min_size: int | None = None, max_size: int | None = None,
                      conf: float = 0.5, classes: str | list[str] | None = None, batch_size: int = 1,
                      agnostic_nms: bool = False,
                      force: bool = False, json_mode: bool = False, quiet: bool = False) -> VideoReport:
    """The whole ``video`` command (also behind ``splash --video FILE``): check, load the model, render,
    report. Keyword names are the click parameter names; raises InputError/RunFailure like the library."""
    from ..predict import build_predictor

    source = Path(file)
    target = video_target(source, out or None, render)
    check_video_job(source, target, codec, force)
    check_output_files([target], [background], force)
    predictor = build_predictor(predict_config(model_name, weights, device, min_size, max_size, conf, classes,
                                               batch_size, agnostic_nms))
    style = load_style(effect, background, feather, invert, blur_sigma, parse_color(color))
    job = VideoJob(source, target, render=render, style=style,
                   stride=stride, smooth=smooth, encoder=EncoderSettings(codec, crf, preset), force=force)
    report_to = reporter(json_mode, quiet)
    report = run_video(job, predictor, report_to)
    _report(report, report_to)
    return report


def _report(report: VideoReport, report_to: Any) -> None:
    for warning in report.warnings:
        report_to.warn(warning)
    for note in report.notes:
        report_to.info(note)
    report_to.info(f"wrote {report.target} ({report.frames} frames, model on {report.model_frames}, "
                   f"{report.fps:.1f} fps, {report.audio_streams} audio stream(s))")
    report_to.emit_json({
        "input": str(report.source), "output": str(report.target), "frames": report.frames,
        "header_frames": report.header_frames, "lost_frames": report.lost_frames,
        "model_frames": report.model_frames, "seconds": round(report.seconds, 3), "fps": round(report.fps, 3),
        "width": report.width, "height": report.height, "rotation": report.rotation,
        "audio_streams": report.audio_streams, "notes": report.notes, "warnings": report.warnings,
    })


@click.command("video")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--render", type=click.Choice(RENDERS), default="splash", show_default=True,
              help="Colour splash, or detect's overlay (masks, boxes, names).")
@video_encoding_options
@splash_style_options
@model_options()
@prediction_options
@output_options("Output video (.mp4, .mkv or .mov) or a folder for FILE-RENDER.mp4 [default: FILE-RENDER.mp4 "
                "beside FILE].")
def video(file: Path, **options: Any) -> None:
    """Colour splash (or detection overlay) on every frame of a video.

    Decodes anything FFmpeg reads, runs the model in batches, and writes H.264 (yuv420p) with each
    frame's own timestamp, the rotation metadata, and every audio stream copied unchanged (re-encoded
    to AAC only when the container cannot hold it). The output appears only when complete.

    \b
    Example:
        splashseg video clip.mp4 --classes person --smooth --out clip-splash.mp4
    """
    run_video_command(file, **options)


COMMANDS = [video]
