"""``summary``: every layer of the model as built, with parameter counts."""

from __future__ import annotations

import click
from rich.table import Table

from ..models.registry import DEFAULT_MODEL
from ..models.summary import SummaryConfig, summarize_config
from .options import MODEL_NAMES, common_options, reporter


@click.command()
@click.option("--model", "model_name", type=click.Choice(MODEL_NAMES), default=None,
              help=f"Architecture [default: the checkpoint's, else {DEFAULT_MODEL}].")
@click.option("--num-classes", type=click.IntRange(1, 100000), default=None,
              help="Object classes without background [default: COCO's 90 ids, or the checkpoint's].")
@click.option("--weights", default=SummaryConfig.weights, show_default=True, metavar="coco|none|PATH",
              help="Build as with these weights (coco freezes batch norms as torchvision ships them).")
@common_options
def summary(json_mode: bool, quiet: bool, **options: object) -> None:
    """Show every layer with its type and parameter count, and the totals.

    The counts are those of the model exactly as built: maskrcnn_resnet50_fpn_v2 with 91 classes has
    46,359,409 parameters.

    \b
    Example:
        splashseg summary --model maskrcnn_resnet50_fpn --weights coco
    """
    rep = reporter(json_mode, quiet)
    result = summarize_config(SummaryConfig(**options))  # type: ignore[arg-type]
    table = Table(title=f"{result.model} ({result.classes} classes with background)", show_footer=True)
    table.add_column("layer", footer="total", overflow="fold")
    table.add_column("type")
    table.add_column("parameters", justify="right", footer=f"{result.total:,}")
    table.add_column("trainable", justify="right", footer=f"{result.trainable:,}")
    table.add_column("buffers", justify="right", footer=f"{result.buffers:,}")
    for row in result.rows:
        table.add_row(row.name, row.type, f"{row.parameters:,}", f"{row.trainable:,}", f"{row.buffers:,}")
    rep.table(table)
    rep.table(f"total parameters: {result.total:,}  trainable: {result.trainable:,}  frozen: {result.frozen:,}")
    rep.emit_json(result.to_dict())


COMMANDS = [summary]
