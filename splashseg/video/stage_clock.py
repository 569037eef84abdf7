"""Seconds per stage of a video job (model, track, render, encode, ...), for ``video --json``."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class StageClock:
    """Adds up the seconds spent inside each wrapped callable, by stage name. Stages run in the pipeline's
    threads at the same time, so their seconds can add up to more than the job's wall time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def timed(self, stage: str, func: F) -> F:
        """``func`` with the time of every call added to ``stage``."""

        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started

        return run  # type: ignore[return-value]

    def report(self) -> dict[str, float]:
        """``{stage: seconds}`` rounded to 0.1 ms, in the order the stages first ran."""
        return {stage: round(seconds, 4) for stage, seconds in self.seconds.items()}
