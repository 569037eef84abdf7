"""``EpochProgress``: the rich progress bar of one epoch (iterations, images/s, ETA, losses and lr)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from rich.progress import TextColumn

from ..console import Reporter


class EpochProgress:
    """A bar for ``iterations`` steps of epoch ``epoch`` of ``epochs``; pass :meth:`step` to the engine."""

    def __init__(
        self,
        reporter: Reporter,
        epoch: int,
        epochs: int,
        iterations: int,
        lr: Callable[[], float] | None = None,
    ) -> None:
        self.reporter = reporter
        self.lr = lr
        self.description = f"epoch {epoch}/{epochs}"
        self.iterations = iterations
        self._stack = ExitStack()
        self._bar: Any = None
        self._task: Any = None
        self._start = 0.0

    def __enter__(self) -> EpochProgress:
        if self.reporter.show_progress:
            self._bar = self._stack.enter_context(self.reporter.progress(TextColumn("{task.fields[status]}")))
            self._task = self._bar.add_task(self.description, total=self.iterations, rate="", status="")
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()

    def step(self, steps: int, images: int, losses: dict[str, float] | None) -> None:
        """Advance to ``steps`` done; ``losses`` (running means) arrive every few steps."""
        if self._bar is None:
            return
        elapsed = max(time.perf_counter() - self._start, 1e-9)
        fields: dict[str, Any] = {"rate": f"{images / elapsed:.1f} img/s"}
        if losses is not None:
            lr = f"  lr {self.lr():.2e}" if self.lr is not None else ""
            fields["status"] = f"loss {losses['loss']:.3f}{lr}"
        self._bar.update(self._task, completed=steps, **fields)
