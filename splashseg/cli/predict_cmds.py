"""``detect`` and ``splash`` on pictures (``splash --video`` hands over to the video command)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..apps.batches import output_names, raise_for_failures
from ..apps.detect import DetectJob, run_detect
from ..apps.splash import SplashJob, SplashOptions, load_style, output_suffix, run_splash
from ..fsutil import check_output_dir, check_output_files
from ..images import expand_inputs
from ..predict import build_predictor
from .options import (
    model_options,
    output_options,
    parse_color,
    predict_config,
    prediction_options,
    refine_option,
    reporter,
    splash_style_options,
)
from .video_cmds import run_video_command, video_encoding_options


def check_picture_outputs(out: Path, inputs: tuple[str, ...], paths: list[Path], kind: str, force: bool,
                          extra: tuple[str, ...] = (), other_inputs: tuple[Path | None, ...] = (),
                          suffix: str | None = None) -> None:
    """Before the model loads: ``out`` must not be, hold or lie inside an INPUT (file, folder), picture or
    ``other_inputs`` (a --background), must be ``kind``'s folder (or new or empty), and its files (named
    with ``suffix``, see :func:`output_names`) are replaced only with ``--force``."""
    check_output_dir(out, [*inputs, *paths, *other_inputs], kind)
    check_output_files([out / name for name in [*output_names(paths, suffix).values(), *extra]],
                       [*paths, *other_inputs], force)


def _report(rep, summary: dict, title: str) -> None:  # noqa: ANN001
    table = Table(title=title, show_footer=True)
    table.add_column("image", footer=f"{len(summary['images'])} images", overflow="fold")
    table.add_column("instances", justify="right", footer=str(summary["instances"]))
    table.add_column("classes")
    for item in summary["images"]:
        classes = ", ".join(f"{name} x{n}" for name, n in sorted(item["classes"].items()))
        table.add_row(item["file"], str(item["instances"]), classes or "-")
    rep.table(table)
    rep.info(f"written to {summary['out']}")
    rep.emit_json(summary)
    raise_for_failures(summary["failed"], summary["errors"], len(summary["images"]) + len(summary["failed"]))


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@model_options()
@prediction_options
@click.option("--save-masks", is_flag=True, help="Also write one black/white PNG per instance (DIR/masks/).")
@click.option("--soft-masks", is_flag=True,
              help="With --save-masks: also each mask's probabilities as an 8-bit grayscale PNG (0-255, "
                   "DIR/soft-masks/), for compositing elsewhere.")
@refine_option
@output_options("Folder for overlays and detections.json.", out_default="detections")
def detect(inputs, model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms, save_masks,  # noqa: ANN001
           soft_masks, refine, out, force, json_mode, quiet) -> None:
    """Find every object instance and draw masks, boxes and labels.

    INPUT: image files, folders (searched recursively) or glob patterns. Writes one overlay per image,
    DIR/detections.json (COCO results: bbox [x, y, w, h], score, class, RLE mask) and, with
    --save-masks, one PNG per instance (--soft-masks: also its probabilities; it needs --save-masks).
    With --refine every mask written is the refined one.

    \b
    Example:
        splashseg detect photos/ --conf 0.6 --classes person,dog --out detections/
        splashseg detect photo.jpg --refine --save-masks --soft-masks --out masks/
    """
    rep = reporter(json_mode, quiet)
    job = DetectJob(expand_inputs(inputs), Path(out), save_masks, force, soft_masks, refine)
    check_picture_outputs(Path(out), inputs, job.inputs, "detect", force, extra=("detections.json",))
    predictor = build_predictor(predict_config(model_name, weights, device, min_size, max_size, conf, classes,
                                               batch_size, agnostic_nms, soft_masks=refine or soft_masks))
    summary = run_detect(job, predictor, rep)
    _report(rep, summary, "detections")


@click.command()
@click.argument("inputs", nargs=-1, required=False, metavar="INPUT...")
@click.option("--video", "video_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Splash this video instead (same as `splashseg video FILE --render splash`).")
@model_options()
@prediction_options
@splash_style_options
@refine_option
@video_encoding_options
@output_options("Folder for the splashed pictures [default: splashed]; with --video a folder or a .mp4/.mkv/"
                ".mov file [default: FILE-splash.mp4 beside FILE; FILE-splash.webm for --effect cutout].",
                out_default=None)
def splash(inputs, video_file, model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms,  # noqa: ANN001
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
                          classes=classes, batch_size=batch_size, agnostic_nms=agnostic_nms, force=force,
                          json_mode=json_mode, quiet=quiet, **video_options)
        return
    if not inputs:
        raise click.UsageError("missing INPUT... (pictures, folders or globs) or --video FILE")
    rep = reporter(json_mode, quiet)
    paths = expand_inputs(inputs)
    out = Path(out or "splashed")
    style = load_style(SplashOptions(effect, background, feather, invert, blur_sigma, parse_color(color)))
    check_picture_outputs(out, inputs, paths, "splash", force, other_inputs=(background,),
                          suffix=output_suffix(style))
    predictor = build_predictor(predict_config(model_name, weights, device, min_size, max_size, conf, classes,
                                               batch_size, agnostic_nms, soft_masks=refine))
    summary = run_splash(SplashJob(paths, out, style, force, refine), predictor, rep)
    _report(rep, summary, "colour splash")


COMMANDS = [detect, splash]
