"""Rich tables of what ``train`` and ``evaluate`` return (:class:`TrainSummary`, :class:`EvalResult`)."""

from __future__ import annotations

from rich.table import Table

from ..train import EvalResult, TrainSummary
from ..train.evaluate import METRICS


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


COLUMN_NAMES = {"segm": "segm (refined)", "segm_plain": "segm (plain)"}  # names when --refine


def metrics_table(result: EvalResult, title: str) -> Table:
    """Rows AP, AP50, AP75, APs, APm, APl and, when measured, the masks' boundary IoU; columns bbox, segm
    (and with --refine segm of the plain masks)."""
    table = Table(title=title)
    table.add_column("metric")
    for iou_type in result.metrics:
        table.add_column(COLUMN_NAMES.get(iou_type, iou_type) if result.refined else iou_type, justify="right")
    for name in METRICS:
        table.add_row(name, *(_fmt(values[name]) for values in result.metrics.values()))
    if result.boundary:
        table.add_row("boundary IoU", *(_fmt(result.boundary.get(kind, {}).get("boundary_iou"))
                                        for kind in result.metrics))
    return table


def per_class_table(result: EvalResult) -> Table:
    """AP (IoU .50:.95) per class for bbox and segm; ``-`` where the split has no instance of the class."""
    table = Table(title="AP per class")
    table.add_column("class")
    for iou_type in result.per_class:
        table.add_column(f"{iou_type} AP", justify="right")
    names = next(iter(result.per_class.values()), {})
    for name in names:
        table.add_row(name, *(_fmt(values.get(name)) for values in result.per_class.values()))
    return table


def summary_table(summary: TrainSummary) -> Table:
    """The last epoch's losses and AP, and where the checkpoints are."""
    table = Table(title=f"training run {summary.run_dir} ({summary.epochs} epochs, {summary.seconds:.0f} s)")
    table.add_column("")
    table.add_column("value", justify="right")
    for key, value in summary.last.items():
        if key.startswith("loss") or key in ("bbox_AP", "segm_AP", "segm_AP50", "images_per_s", "lr"):
            table.add_row(key, "-" if value is None else f"{value:.4g}")
    table.add_row("best segm_AP", _fmt(summary.best_segm_AP))
    table.add_row("best checkpoint", str(summary.best_checkpoint))
    return table
