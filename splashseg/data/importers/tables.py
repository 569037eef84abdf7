"""Rich tables of an import report: images and instances per class per split, skipped items by reason."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def counts_table(counts: dict[str, Any]) -> Table:
    """Rows: images, negatives, instances, then one row per class; one column per split and a total."""
    table = Table(title="imported")
    table.add_column("")
    for split in counts:
        table.add_column(split, justify="right")
    table.add_column("total", justify="right")
    names = dict.fromkeys(name for c in counts.values() for name in c["per_class"])
    rows = [
        ("images", lambda c: c["images"]),
        ("  without objects", lambda c: c["negatives"]),
        ("instances", lambda c: c["instances"]),
    ]
    rows += [(f"  {name}", lambda c, name=name: c["per_class"].get(name, 0)) for name in names]
    for label, value in rows:
        values = [value(c) for c in counts.values()]
        table.add_row(label, *map(str, values), str(sum(values)))
    return table


def skipped_table(summary: list[dict[str, Any]]) -> Table:
    """One row per (kind, reason) with its count and a few examples."""
    table = Table(title="skipped")
    for column in ("what", "reason", "count", "examples"):
        table.add_column(column, justify="right" if column == "count" else "left", overflow="fold")
    for row in summary:
        table.add_row(row["kind"], row["reason"], str(row["count"]), "\n".join(row["examples"]))
    return table
