"""``detect`` on pictures, and the table every picture command shows (``splash`` uses it too).

A module of its own so that ``splashseg detect`` loads no video code (PyAV, SciPy): the group imports a
command's module only when that command runs (``cli.errors.SplashsegGroup.get_command``).
"""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ..apps.detect import DetectConfig, run_detect_job
from ..apps.detect_shards import run_detect_job_on_ranks
from ..apps.results import SplashResult
from ..distributed import launched_by_torchrun
from ..predict import speed_line
from .options import model_options, output_options, prediction_options, refine_option, reporter, runtime_option


def report_pictures(rep, result: SplashResult, title: str) -> None:  # noqa: ANN001
    """:func:`show_pictures`, then exit 2 naming any picture that could not be read."""
    show_pictures(rep, result, title)
    result.raise_for_failures()


def show_pictures(rep, result: SplashResult, title: str) -> None:  # noqa: ANN001
    """A table of every picture's instances and classes, the speed, where the files went, and ``--json``.
    When every input was skipped there is no table of nothing: one line says nothing was written."""
    if result.failed and not result.images:
        rep.info(f"no picture written to {result.out}: every input was skipped")
        rep.emit_json(result.to_json())
        return
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
        run_detect_job_on_ranks(config, rep, lambda result: show_pictures(rep, result, "detections"))
        return
    report_pictures(rep, run_detect_job(config, rep), "detections")


COMMANDS = [detect]
