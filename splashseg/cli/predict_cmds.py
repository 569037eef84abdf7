"""``detect`` and ``splash`` on pictures (``splash --video`` hands over to the video command)."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ..apps.detect import DetectConfig, run_detect_job
from ..apps.detect_shards import run_detect_job_on_ranks, run_splash_job_on_ranks
from ..apps.results import SplashResult
from ..apps.splash import SplashConfig, run_splash_job
from ..apps.video import video_options_given
from ..configs import refuse_unused
from ..distributed import launched_by_torchrun
from ..predict import speed_line
from .options import (
    model_options,
    output_options,
    prediction_options,
    refine_option,
    reporter,
    runtime_option,
    splash_style_options,
)
from .video_cmds import run_video_command, video_encoding_options


def _report(rep, result: SplashResult, title: str) -> None:  # noqa: ANN001
    _show(rep, result, title)
    result.raise_for_failures()


def _show(rep, result: SplashResult, title: str) -> None:  # noqa: ANN001
    table = Table(title=title, show_footer=True)
    table.add_column("image", footer=f"{len(result.images)} images", overflow="fold")
    table.add_column("instances", justify="right", footer=str(result.instances))
    table.add_column("classes")
    for item in result.images:
        classes = ", ".join(f"{name} x{n}" for name, n in sorted(item["classes"].items()))
        table.add_row(item["file"], str(item["instances"]), classes or "-")
    rep.table(table)
    if result.speed:
        rep.info(speed_line(result.speed))
    rep.info(f"written to {result.out}")
    rep.emit_json(result.to_json())


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@model_options()
@runtime_option
@prediction_options
@click.option("--save-masks", is_flag=True, help="Also write one black/white PNG per instance (DIR/masks/).")
@click.option("--soft-masks", is_flag=True,
              help="With --save-masks: also each mask's probabilities as an 8-bit grayscale PNG (0-255, "
                   "DIR/soft-masks/), for compositing elsewhere.")
@refine_option
@output_options("Folder for overlays and detections.json.", out_default=str(DetectConfig.out))
def detect(json_mode: bool, quiet: bool, **params: Any) -> None:
    """Find every object instance and draw masks, boxes and labels.

    INPUT: image files, folders (searched recursively) or glob patterns. Writes one overlay per image,
    DIR/detections.json (COCO results: bbox [x, y, w, h], score, class, RLE mask) and, with
    --save-masks, one PNG per instance (--soft-masks: also its probabilities; it needs --save-masks).
    With --refine every mask written is the refined one. Under torchrun the pictures are shared between
    the processes and DIR/detections.json is the same as one process writes.

    \b
    Examples:
        torchrun --nproc-per-node 2 -m splashseg detect photos/ --out detections/
        splashseg detect photos/ --conf 0.6 --classes person,dog --out detections/
        splashseg detect photo.jpg --refine --save-masks --soft-masks --out masks/
    """
    rep = reporter(json_mode, quiet)
    config = DetectConfig.from_options(**params)
    if launched_by_torchrun():
        run_detect_job_on_ranks(config, rep, lambda result: _show(rep, result, "detections"))
        return
    _report(rep, run_detect_job(config, rep), "detections")


@click.command()
@click.argument("inputs", nargs=-1, required=False, metavar="INPUT...")
@click.option("--video", "videos", multiple=True, metavar="VIDEO",
              help="Splash this video instead (same as `splashseg video VIDEO --render splash`); a file, "
                   "folder or glob, and may be given several times (then --out is a folder).")
@model_options()
@runtime_option
@prediction_options
@splash_style_options
@refine_option
@video_encoding_options
@output_options(f"Folder for the splashed pictures [default: {SplashConfig.out}]; with --video a folder or a "
                ".mp4/.mkv/.mov file [default: FILE-splash.mp4 beside FILE; FILE-splash.webm for --effect cutout].",
                out_default=None)
def splash(inputs: tuple[str, ...], videos: tuple[str, ...], json_mode: bool, quiet: bool, **params: Any) -> None:
    """Keep the detected objects in colour and turn everything else gray.

    Every pixel outside the union of the kept instances gets the effect: gray (BT.601 luma), blur, a
    solid colour or another picture. Each output has the file name, size and format of its input;
    --effect cutout instead makes it transparent and writes an RGBA PNG (photo.jpg -> photo.png), or a
    video with alpha (.webm VP9, .mov ProRes 4444). --classes chooses which objects stay in colour;
    --refine sharpens their edges.

    \b
    Examples:
        splashseg splash photo.jpg --classes person --feather 3 --out splashed/
        splashseg splash photo.jpg --effect cutout --refine --out cutouts/
        splashseg splash --video clip.mp4 --effect blur --out clip-splash.mp4
    """
    if videos:
        if inputs:
            raise click.UsageError("give either pictures or --video FILE, not both")
        run_video_command(videos, render="splash", json_mode=json_mode, quiet=quiet, **params)
        return
    if not inputs:
        raise click.UsageError("missing INPUT... (pictures, folders or globs) or --video FILE")
    rep = reporter(json_mode, quiet)
    refuse_unused(video_options_given(**params), "to pictures", "they are video options: use --video FILE")
    config = SplashConfig.from_options(inputs=inputs, **params)
    if launched_by_torchrun():
        run_splash_job_on_ranks(config, rep, lambda result: _show(rep, result, "colour splash"))
        return
    _report(rep, run_splash_job(config, rep), "colour splash")


COMMANDS = [detect, splash]
