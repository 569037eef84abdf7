"""``splash`` on pictures (``splash --video`` hands over to the video command); ``detect`` is in ``detect_cmd``."""

from __future__ import annotations

from typing import Any

import click

from ..apps.detect_shards import run_splash_job_on_ranks
from ..apps.splash import SplashConfig, run_splash_job
from ..apps.video import video_options_given
from ..configs import refuse_unused
from ..distributed import launched_by_torchrun
from .detect_cmd import report_pictures, show_pictures
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
        run_splash_job_on_ranks(config, rep, lambda result: show_pictures(rep, result, "colour splash"))
        return
    report_pictures(rep, run_splash_job(config, rep), "colour splash")


COMMANDS = [splash]
