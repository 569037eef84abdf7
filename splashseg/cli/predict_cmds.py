"""``detect`` and ``splash`` on pictures (``splash --video`` hands over to the video command)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..apps.batches import raise_for_failures
from ..apps.detect import DetectConfig, run_detect_job
from ..apps.detect_shards import run_detect_job_on_ranks
from ..apps.splash import SplashConfig, SplashOptions, run_splash_job
from ..distributed import launched_by_torchrun
from ..predict import speed_line
from .options import (
    model_options,
    output_options,
    parse_color,
    predict_config,
    prediction_options,
    refine_option,
    reporter,
    runtime_option,
    splash_style_options,
)
from .video_cmds import run_video_command, video_encoding_options


def _report(rep, summary: dict, title: str) -> None:  # noqa: ANN001
    _show(rep, summary, title)
    raise_for_failures(summary["failed"], summary["errors"], len(summary["images"]) + len(summary["failed"]))


def _show(rep, summary: dict, title: str) -> None:  # noqa: ANN001
    table = Table(title=title, show_footer=True)
    table.add_column("image", footer=f"{len(summary['images'])} images", overflow="fold")
    table.add_column("instances", justify="right", footer=str(summary["instances"]))
    table.add_column("classes")
    for item in summary["images"]:
        classes = ", ".join(f"{name} x{n}" for name, n in sorted(item["classes"].items()))
        table.add_row(item["file"], str(item["instances"]), classes or "-")
    rep.table(table)
    if "runtime" in summary:
        rep.info(speed_line(summary))
    rep.info(f"written to {summary['out']}")
    rep.emit_json(summary)


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
def detect(inputs, model_name, weights, device, min_size, max_size, runtime, conf, classes, batch_size, agnostic_nms,  # noqa: ANN001
           save_masks, soft_masks, refine, out, force, json_mode, quiet) -> None:
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
    model = predict_config(model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms,
                           runtime=runtime)
    config = DetectConfig(list(inputs), Path(out), model, save_masks, soft_masks, refine, force)
    if launched_by_torchrun():
        run_detect_job_on_ranks(config, rep, lambda summary: _show(rep, summary, "detections"))
        return
    summary = run_detect_job(config, rep)
    _report(rep, summary, "detections")


@click.command()
@click.argument("inputs", nargs=-1, required=False, metavar="INPUT...")
@click.option("--video", "video_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Splash this video instead (same as `splashseg video FILE --render splash`).")
@model_options()
@runtime_option
@prediction_options
@splash_style_options
@refine_option
@video_encoding_options
@output_options(f"Folder for the splashed pictures [default: {SplashConfig.out}]; with --video a folder or a "
                ".mp4/.mkv/.mov file [default: FILE-splash.mp4 beside FILE; FILE-splash.webm for --effect cutout].",
                out_default=None)
def splash(inputs, video_file, model_name, weights, device, min_size, max_size, runtime, conf, classes, batch_size,  # noqa: ANN001
           agnostic_nms,
           effect, background, feather, invert, blur_sigma, color, refine, out, force, json_mode, quiet,
           **video_options) -> None:
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
    if video_file is not None:
        if inputs:
            raise click.UsageError("give either pictures or --video FILE, not both")
        run_video_command(video_file, out=out, render="splash", effect=effect, background=background,
                          feather=feather, invert=invert, blur_sigma=blur_sigma, color=color, refine=refine,
                          model_name=model_name,
                          weights=weights, device=device, min_size=min_size, max_size=max_size, conf=conf,
                          classes=classes, batch_size=batch_size, agnostic_nms=agnostic_nms, runtime=runtime,
                          force=force, json_mode=json_mode, quiet=quiet, **video_options)
        return
    if not inputs:
        raise click.UsageError("missing INPUT... (pictures, folders or globs) or --video FILE")
    rep = reporter(json_mode, quiet)
    model = predict_config(model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms,
                           runtime=runtime)
    options = SplashOptions(effect, background, feather, invert, blur_sigma, parse_color(color))
    config = SplashConfig(list(inputs), Path(out) if out else SplashConfig.out, options, model, refine, force)
    summary = run_splash_job(config, rep)
    _report(rep, summary, "colour splash")


COMMANDS = [detect, splash]
