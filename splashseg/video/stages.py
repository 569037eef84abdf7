"""``StageClock``: seconds spent in each stage of a video job, measured where the stage runs.

The video job's stages run in three threads (decode; model, flow, tracking, the temporal-quality
figures and render; encode in the calling thread), so their seconds overlap and may add up to more
than the job's wall time. Each stage is timed around the one call that does it
(``with clock("flow"): ...``); a job without a clock passes :data:`NO_CLOCK`, which times nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("decode", "model", "flow", "track", "store", "quality", "render", "encode")


class StageClock:
    """Seconds per stage name (any name; :data:`STAGES` are the video job's), safe to use from several
    threads at once."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        """Add the seconds the ``with`` block takes to ``stage``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - started)

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self._seconds[stage] = self._seconds.get(stage, 0.0) + seconds

    def seconds(self) -> dict[str, float]:
        """``{stage: seconds}`` in :data:`STAGES` order (other names after), rounded to 0.1 ms."""
        with self._lock:
            names = [s for s in STAGES if s in self._seconds] + [s for s in self._seconds if s not in STAGES]
            return {name: round(self._seconds[name], 4) for name in names}


class _NoClock:
    """A clock that times nothing (for callers that do not ask for stage seconds)."""

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        yield

    def add(self, stage: str, seconds: float) -> None:
        pass

    def seconds(self) -> dict[str, float]:
        return {}


NO_CLOCK = _NoClock()


def stages_line(stages: dict[str, float], frames: int, most: int = 4) -> str:
    """One human line of the biggest stages: ``time per frame: model 1.20 s, flow 0.31 s, ...``."""
    if not stages or frames <= 0:
        return ""
    biggest = sorted(stages.items(), key=lambda item: -item[1])[:most]
    parts = ", ".join(f"{name} {seconds / frames * 1000:.0f} ms" for name, seconds in biggest)
    return f"time per frame by stage (threads overlap): {parts}"
