"""``summary``: every layer of the model as built, with parameter counts."""

from __future__ import annotations

import click
from rich.table import Table

from ..models import load_model
from ..models.registry import DEFAULT_MODEL
from ..models.summary import summarize
from .options import MODEL_NAMES, common_options, reporter


@click.command()
@click.option("--model", "model_name", type=click.Choice(MODEL_NAMES), default=None,
              help=f"Architecture [default: the checkpoint's, else {DEFAULT_MODEL}].")
@click.option("--num-classes", type=click.IntRange(1, 100000), default=None,
              help="Object classes without background [default: COCO's 90 ids, or the checkpoint's].")
@click.option("--weights", default="none", show_default=True, metavar="coco|none|PATH",
              help="Build as with these weights (coco freezes batch norms as torchvision ships them).")
@common_options
def summary(model_name, num_classes, weights, json_mode, quiet) -> None:  # noqa: ANN001
    """Show every layer with its type and parameter count, and the totals.

    The counts are those of the model exactly as built: maskrcnn_resnet50_fpn_v2 with 91 classes has
    46,359,409 parameters.

    \b
    Example:
        splashseg summary --model maskrcnn_resnet50_fpn --weights coco
    """
    rep = reporter(json_mode, quiet)
    names = None if num_classes is None else ["__background__"] + [f"class{i}" for i in range(1, num_classes + 1)]
    loaded = load_model(model_name, weights, class_names=names)
    result = summarize(loaded.model)
    table = Table(title=f"{loaded.model_name} ({len(loaded.class_names)} classes with background)",
                  show_footer=True)
    table.add_column("layer", footer="total", overflow="fold")
    table.add_column("type")
    table.add_column("parameters", justify="right", footer=f"{result.total:,}")
    table.add_column("trainable", justify="right", footer=f"{result.trainable:,}")
    table.add_column("buffers", justify="right", footer=f"{result.buffers:,}")
    for row in result.rows:
        table.add_row(row.name, row.type, f"{row.parameters:,}", f"{row.trainable:,}", f"{row.buffers:,}")
    rep.table(table)
    rep.out.print(f"total parameters: {result.total:,}  trainable: {result.trainable:,}  frozen: {result.frozen:,}")
    rep.emit_json({"model": loaded.model_name, "num_classes": len(loaded.class_names), **result.to_dict()})


COMMANDS = [summary]
