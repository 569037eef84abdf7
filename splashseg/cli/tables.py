"""Rich tables of the dataset commands: what ``annotate-import`` imported and skipped, what ``inspect`` counted.

The library returns plain dicts (``ImportReport.to_dict()``, ``InspectResult.statistics``); only the CLI
turns them into tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

Row = tuple[str, Callable[[dict[str, Any]], Any]]


def _split_table(title: str, columns: dict[str, dict[str, Any]], rows: list[Row], total: bool) -> Table:
    """One column per split (plus a total when ``total``), one row per ``(label, value of a split)``."""
    table = Table(title=title)
    table.add_column("")
    for split in columns:
        table.add_column(split, justify="right")
    if total:
        table.add_column("total", justify="right")
    for label, value in rows:
        values = [value(c) for c in columns.values()]
        table.add_row(label, *map(str, values), *([str(sum(values))] if total else []))
    return table


def counts_table(counts: dict[str, Any]) -> Table:
    """Import counts ``{split: {images, negatives, instances, per_class}}``: one column per split and a total."""
    names = dict.fromkeys(name for c in counts.values() for name in c["per_class"])
    rows: list[Row] = [
        ("images", lambda c: c["images"]),
        ("  without objects", lambda c: c["negatives"]),
        ("instances", lambda c: c["instances"]),
    ]
    rows += [(f"  {name}", lambda c, name=name: c["per_class"].get(name, 0)) for name in names]
    return _split_table("imported", counts, rows, total=True)


def skipped_table(summary: list[dict[str, Any]]) -> Table:
    """Skipped items ``[{kind, reason, count, examples}]``: one row per (kind, reason)."""
    table = Table(title="skipped")
    for column in ("what", "reason", "count", "examples"):
        table.add_column(column, justify="right" if column == "count" else "left", overflow="fold")
    for row in summary:
        table.add_row(row["kind"], row["reason"], str(row["count"]), "\n".join(row["examples"]))
    return table


def statistics_table(stats: dict[str, Any]) -> Table:
    """``inspect`` statistics ``{split: split_statistics(...)}``: counts, sizes and instances per class."""
    rows: list[Row] = [
        ("images", lambda s: s["images"]),
        ("images without objects", lambda s: s["images_without_objects"]),
        ("instances", lambda s: s["instances"]),
        (
            "instances per image (mean / max)",
            lambda s: f"{s['instances_per_image']['mean']:.2f} / {s['instances_per_image']['max']}",
        ),
    ]
    rows += [(f"size {b}", lambda s, b=b: s["sizes"].get(b, 0)) for b in ("small", "medium", "large")]
    names = dict.fromkeys(n for s in stats.values() for n in s["instances_per_class"])
    rows += [(f"class {n}", lambda s, n=n: s["instances_per_class"].get(n, 0)) for n in names]
    return _split_table("dataset statistics", stats, rows, total=False)
