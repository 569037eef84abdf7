"""``detect`` and ``splash`` on pictures (``splash --video`` hands over to the video command)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
from rich.table import Table

from ..apps.batches import output_names, raise_for_failures
from ..apps.detect import DetectJob, run_detect
from ..apps.detect_shards import run_detect_on_ranks
from ..apps.splash import SplashJob, SplashOptions, load_style, run_splash
from ..distributed import exit_together, launched_by_torchrun, process_group
from ..fsutil import check_output_dir, check_output_files, weights_file
from ..images import expand_inputs
from ..predict import PredictConfig, build_predictor
from .options import (
    model_options,
    output_options,
    parse_color,
    predict_config,
    prediction_options,
    reporter,
    splash_style_options,
)
from .video_cmds import run_video_command, video_encoding_options


def check_picture_outputs(out: Path, inputs: tuple[str, ...], paths: list[Path], kind: str, force: bool,
                          extra: tuple[str, ...] = (), other_inputs: tuple[Path | None, ...] = ()) -> None:
    """Before the model loads: ``out`` must not be, hold or lie inside an INPUT (file, folder), picture or
    ``other_inputs`` (a --background, a --weights file), must be ``kind``'s folder (or new or empty), and its files are
    replaced only with ``--force``."""
    check_output_dir(out, [*inputs, *paths, *other_inputs], kind)
    check_output_files([out / name for name in [*output_names(paths).values(), *extra]], [*paths, *other_inputs],
                       force)


def _report(rep, summary: dict, title: str) -> None:  # noqa: ANN001
    _show(rep, summary, title)
    _raise_for_skipped(summary)


def _raise_for_skipped(summary: dict) -> None:
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
    rep.info(f"written to {summary['out']}")
    rep.emit_json(summary)


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@model_options()
@prediction_options
@click.option("--save-masks", is_flag=True, help="Also write one black/white PNG per instance (DIR/masks/).")
@output_options("Folder for overlays and detections.json.", out_default="detections")
def detect(inputs, model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms, save_masks,  # noqa: ANN001
           out, force, json_mode, quiet) -> None:
    """Find every object instance and draw masks, boxes and labels.

    INPUT: image files, folders (searched recursively) or glob patterns. Writes one overlay per image,
    DIR/detections.json (COCO results: bbox [x, y, w, h], score, class, RLE mask) and, with
    --save-masks, one PNG per instance. Under torchrun the pictures are shared between the processes
    and DIR/detections.json is the same as one process writes.

    \b
    Examples:
        torchrun --nproc-per-node 2 -m splashseg detect photos/ --out detections/
        splashseg detect photos/ --conf 0.6 --classes person,dog --out detections/
    """
    rep = reporter(json_mode, quiet)
    config = predict_config(model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms)
    if launched_by_torchrun():
        _detect_on_ranks(rep, inputs, DetectJob([], Path(out), save_masks, force), config)
        return
    paths = expand_inputs(inputs)
    check_picture_outputs(Path(out), inputs, paths, "detect", force, extra=("detections.json",),
                          other_inputs=(weights_file(weights),))
    summary = run_detect(DetectJob(paths, Path(out), save_masks, force), build_predictor(config), rep)
    _report(rep, summary, "detections")


def _detect_on_ranks(rep, inputs: tuple[str, ...], job: DetectJob, config: PredictConfig) -> None:  # noqa: ANN001
    """``detect`` under torchrun: rank 0 expands and checks, every rank detects in its share, rank 0 reports;
    then every rank exits with the code of a single run."""
    def expanded_and_checked() -> DetectJob:
        paths = expand_inputs(inputs)
        check_picture_outputs(job.out, inputs, paths, "detect", job.force, extra=("detections.json",),
                              other_inputs=(weights_file(config.weights),))
        return dataclasses.replace(job, inputs=paths)

    with process_group(config.device) as info:
        summary = run_detect_on_ranks(expanded_and_checked, config, rep, info)
        if info.is_main:
            _show(rep, summary, "detections")
        exit_together(info, lambda: _raise_for_skipped(summary))


@click.command()
@click.argument("inputs", nargs=-1, required=False, metavar="INPUT...")
@click.option("--video", "video_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Splash this video instead (same as `splashseg video FILE --render splash`).")
@model_options()
@prediction_options
@splash_style_options
@video_encoding_options
@output_options("Folder for the splashed pictures [default: splashed]; with --video a folder or a .mp4/.mkv/"
                ".mov file [default: FILE-splash.mp4 beside FILE].", out_default=None)
def splash(inputs, video_file, model_name, weights, device, min_size, max_size, conf, classes, batch_size, agnostic_nms,  # noqa: ANN001
           effect, background, feather, invert, blur_sigma, color, out, force, json_mode, quiet,
           **video_options) -> None:
    """Keep the detected objects in colour and turn everything else gray.

    Every pixel outside the union of the kept instances gets the effect: gray (BT.601 luma), blur, a
    solid colour or another picture. Each output has the file name, size and format of its input.
    --classes chooses which objects stay in colour.

    \b
    Examples:
        splashseg splash photo.jpg --classes person --feather 3 --out splashed/
        splashseg splash --video clip.mp4 --effect blur --out clip-splash.mp4
    """
    if video_file is not None:
        if inputs:
            raise click.UsageError("give either pictures or --video FILE, not both")
        run_video_command(video_file, out=out, render="splash", effect=effect, background=background,
                          feather=feather, invert=invert, blur_sigma=blur_sigma, color=color, model_name=model_name,
                          weights=weights, device=device, min_size=min_size, max_size=max_size, conf=conf,
                          classes=classes, batch_size=batch_size, agnostic_nms=agnostic_nms, force=force,
                          json_mode=json_mode, quiet=quiet, **video_options)
        return
    if not inputs:
        raise click.UsageError("missing INPUT... (pictures, folders or globs) or --video FILE")
    rep = reporter(json_mode, quiet)
    paths = expand_inputs(inputs)
    out = Path(out or "splashed")
    check_picture_outputs(out, inputs, paths, "splash", force, other_inputs=(background, weights_file(weights)))
    style = load_style(SplashOptions(effect, background, feather, invert, blur_sigma, parse_color(color)))
    predictor = build_predictor(predict_config(model_name, weights, device, min_size, max_size, conf, classes,
                                               batch_size, agnostic_nms))
    summary = run_splash(SplashJob(paths, out, style, force), predictor, rep)
    _report(rep, summary, "colour splash")


COMMANDS = [detect, splash]
