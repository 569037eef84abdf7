"""Out of memory while training: one line naming a smaller batch size (exit 1)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from ..errors import RunFailure, is_out_of_memory


@contextlib.contextmanager
def oom_guard(batch_size: int) -> Iterator[None]:
    """Turn an out-of-memory error into :class:`RunFailure` naming a smaller batch size to try."""
    try:
        yield
    except (torch.OutOfMemoryError, MemoryError, RuntimeError) as exc:
        if not is_out_of_memory(exc):
            raise
        raise RunFailure(oom_message(batch_size)) from None


def oom_message(batch_size: int) -> str:
    """One line naming a smaller ``--batch-size`` (or, at 1, smaller input sizes) to try."""
    if batch_size > 1:
        return (
            f"out of memory while training with --batch-size {batch_size}; "
            f"try --batch-size {max(1, batch_size // 2)} (or a smaller --max-size)"
        )
    return "out of memory while training with --batch-size 1; try a smaller --max-size or --min-size"
