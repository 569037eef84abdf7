"""Where output goes: human output on a rich console, ``--json`` summaries alone on stdout.

Progress bars are drawn on stderr only when it is a terminal and the user did not ask for ``-q``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")


@dataclass
class Reporter:
    """Human messages, tables and progress for one command invocation.

    json_mode: send tables and messages to stderr so stdout carries only the JSON summary.
    quiet: hide progress bars, informational messages and result tables: only warnings and errors show
    (``--json`` is the way to get the data without the tables).
    """

    json_mode: bool = False
    quiet: bool = False
    out: Console = field(init=False)
    err: Console = field(init=False)

    def __post_init__(self) -> None:
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self.out = self.err if self.json_mode else Console(highlight=False, soft_wrap=True)

    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {message}")

    def table(self, table: Any) -> None:
        """Print a result (a rich table, or a line of totals): on stdout, stderr in ``--json`` mode,
        nowhere with ``quiet``."""
        if not self.quiet:
            self.out.print(table)

    def emit_json(self, payload: Any) -> None:
        """Write ``payload`` as JSON to stdout (only in ``--json`` mode)."""
        if self.json_mode:
            sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
            sys.stdout.flush()

    @property
    def show_progress(self) -> bool:
        return not self.quiet and self.err.is_terminal

    @contextmanager
    def progress(self, *extra_columns: Any) -> Iterator[Progress]:
        """A rich progress display with count, rate and ETA; invisible when not on a terminal."""
        columns = [
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            *extra_columns,
        ]
        with Progress(*columns, console=self.err, disable=not self.show_progress, transient=False) as bar:
            yield bar

    def track(self, items: Iterable[T], total: int | None, description: str, unit: str = "it") -> Iterator[T]:
        """Iterate over ``items`` with a progress bar showing ``unit``/s."""
        with self.progress() as bar:
            task = bar.add_task(description, total=total, rate="")
            for item in items:
                yield item
                speed = bar.tasks[0].speed
                bar.update(task, advance=1, rate=f"{speed:.2f} {unit}/s" if speed else "")
