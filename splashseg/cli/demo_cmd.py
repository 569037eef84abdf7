"""``demo``: the whole workflow, offline, on data it makes itself."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ..apps.demo import DemoConfig, run_demo
from .options import FiniteFloatRange, device_option, output_options, reporter


@click.command()
@click.option("--images", type=click.IntRange(10, 5000), default=DemoConfig.images, show_default=True,
              help="Synthetic pictures to make (a fifth are kept for validation).")
@click.option("--size", type=click.IntRange(64, 1024), default=DemoConfig.size, show_default=True,
              help="Side of the synthetic pictures in pixels (the model works at this size).")
@click.option("--epochs", type=click.IntRange(1, 1000), default=DemoConfig.epochs, show_default=True,
              help="Most epochs to train (training stops early at --target-ap or --time-budget).")
@click.option("--target-ap", type=FiniteFloatRange(0, 1), default=DemoConfig.target_ap, show_default=True,
              help="Stop training once the val segm AP reaches this.")
@click.option("--time-budget", "time_budget_s", type=FiniteFloatRange(10), default=DemoConfig.time_budget_s,
              show_default=True, help="Seconds of training after which no new epoch starts.")
@device_option
@output_options("Folder for everything the demo makes.", out_default=str(DemoConfig.out))
def demo(json_mode: bool, quiet: bool, **params: Any) -> None:
    """Run the whole workflow offline in a few minutes, on data it makes.

    Makes a synthetic dataset in VIA 2.x format (polygon, rect, circle and ellipse regions of three
    classes), imports it, trains the small model from scratch, evaluates it, splashes pictures with
    every effect and a short clip with audio, and writes DIR/index.md showing the pictures and figures.

    \b
    Example:
        splashseg demo --out demo-out
    """
    rep = reporter(json_mode, quiet)
    config = DemoConfig.from_options(**params)
    result = run_demo(config, rep)
    table = Table(title="splashseg demo")
    table.add_column("result")
    table.add_column("value", justify="right")
    table.add_row("segm AP (val)", f"{result['segm_AP']:.3f}")
    table.add_row("bbox AP (val)", f"{result['bbox_AP']:.3f}")
    table.add_row("epochs", str(result["epochs"]))
    table.add_row("total seconds", f"{result['total_seconds']:.0f}")
    rep.table(table)
    rep.info(f"open {config.out / 'index.md'} to see the pictures, the video frames and the figures")
    rep.emit_json(result)


COMMANDS = [demo]
