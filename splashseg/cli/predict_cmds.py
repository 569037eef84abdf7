"""``detect`` and ``splash`` on pictures (``splash --video`` hands over to the video command)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..apps.batches import raise_for_failures
from ..apps.detect import DetectJob, run_detect
from ..apps.splash import SplashJob, load_style, run_splash
from ..images import expand_inputs
from ..predict import PredictConfig, build_predictor
from ..render import EFFECTS
from .options import model_options, output_options, prediction_options, reporter, split_names


def predict_config(model_name, weights, device, min_size, max_size, conf, classes, batch_size) -> PredictConfig:  # noqa: ANN001
    """Options -> :class:`PredictConfig` (shared by detect, splash and video)."""
    return PredictConfig(model_name=model_name, weights=weights, device=device, conf=conf,
                         classes=split_names(classes), batch_size=batch_size, min_size=min_size, max_size=max_size)


def _report(rep, summary: dict, title: str) -> None:  # noqa: ANN001
    table = Table(title=title, show_footer=True)
    table.add_column("image", footer=f"{len(summary['images'])} images")
    table.add_column("instances", justify="right", footer=str(summary["instances"]))
    table.add_column("classes")
    for item in summary["images"]:
        classes = ", ".join(f"{name} x{n}" for name, n in sorted(item["classes"].items()))
        table.add_row(item["file"], str(item["instances"]), classes or "-")
    rep.table(table)
    rep.info(f"written to {summary['out']}")
    rep.emit_json(summary)
    raise_for_failures(summary["failed"], summary["errors"], len(summary["images"]) + len(summary["failed"]))


def parse_color(value: str) -> tuple[int, int, int]:
    try:
        parts = tuple(int(v) for v in value.split(","))
        if len(parts) != 3 or not all(0 <= v <= 255 for v in parts):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected R,G,B with values 0-255, e.g. 0,177,64") from None
    return parts  # type: ignore[return-value]


def splash_style_options(func):  # noqa: ANN001, ANN201
    """``--effect --background --feather --invert --blur-sigma --color`` (shared with ``video``)."""
    options = [
        click.option("--effect", type=click.Choice(EFFECTS), default="gray", show_default=True,
                     help="What happens outside the kept objects."),
        click.option("--background", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     help="Picture behind the objects for --effect image."),
        click.option("--feather", type=click.FloatRange(0, 500), default=0.0, show_default=True,
                     help="Soft edge width in pixels."),
        click.option("--invert", is_flag=True, help="Apply the effect to the objects instead of the rest."),
        click.option("--blur-sigma", type=click.FloatRange(0.1, 500), default=None,
                     help="Blur strength in pixels for --effect blur [default: 2% of the long side]."),
        click.option("--color", default="0,0,0", show_default=True, metavar="R,G,B",
                     help="Colour for --effect solid."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@model_options()
@prediction_options
@click.option("--save-masks", is_flag=True, help="Also write one black/white PNG per instance (DIR/masks/).")
@output_options("Folder for overlays and detections.json.", out_default="detections")
def detect(inputs, model_name, weights, device, min_size, max_size, conf, classes, batch_size, save_masks,  # noqa: ANN001
           out, force, json_mode, quiet) -> None:
    """Find every object instance and draw masks, boxes and labels.

    INPUT: image files, folders (searched recursively) or glob patterns. Writes one overlay per image,
    DIR/detections.json (COCO results: bbox [x, y, w, h], score, class, RLE mask) and, with
    --save-masks, one PNG per instance.

    \b
    Example:
        splashseg detect photos/ --conf 0.6 --classes person,dog --out detections/
    """
    rep = reporter(json_mode, quiet)
    paths = expand_inputs(inputs)
    predictor = build_predictor(predict_config(model_name, weights, device, min_size, max_size, conf, classes,
                                               batch_size))
    summary = run_detect(DetectJob(paths, Path(out), save_masks, force), predictor, rep)
    _report(rep, summary, "detections")


@click.command()
@click.argument("inputs", nargs=-1, required=False, metavar="INPUT...")
@click.option("--video", "video_file", type=click.Path(path_type=Path), default=None,
              help="Splash this video instead (same as `splashseg video FILE --render splash`).")
@model_options()
@prediction_options
@splash_style_options
@output_options("Folder for the splashed pictures (a file for --video).", out_default=None)
@click.pass_context
def splash(ctx, inputs, video_file, model_name, weights, device, min_size, max_size, conf, classes, batch_size,  # noqa: ANN001
           effect, background, feather, invert, blur_sigma, color, out, force, json_mode, quiet) -> None:
    """Keep the detected objects in colour and turn everything else gray.

    Every pixel outside the union of the kept instances gets the effect: gray (BT.601 luma), blur, a
    solid colour or another picture. Each output has the file name, size and format of its input.
    --classes chooses which objects stay in colour.

    \b
    Examples:
        splashseg splash photo.jpg --classes person --feather 3 --out splashed/
        splashseg splash --video clip.mp4 --effect blur --out clip_splash.mp4
    """
    if video_file is not None:
        if inputs:
            raise click.UsageError("give either pictures or --video FILE, not both")
        from .video_cmds import video

        params = {k: v for k, v in ctx.params.items() if k not in ("inputs", "video_file")}
        ctx.invoke(video, file=video_file, render="splash", **params)
        return
    if not inputs:
        raise click.UsageError("missing INPUT... (pictures, folders or globs) or --video FILE")
    rep = reporter(json_mode, quiet)
    paths = expand_inputs(inputs)
    style = load_style(effect, background, feather, invert, blur_sigma, parse_color(color))
    predictor = build_predictor(predict_config(model_name, weights, device, min_size, max_size, conf, classes,
                                               batch_size))
    summary = run_splash(SplashJob(paths, Path(out or "splashed"), style, force), predictor, rep)
    _report(rep, summary, "colour splash")


COMMANDS = [detect, splash]
