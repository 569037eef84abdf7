"""Sharing videos between ``torchrun`` ranks: each video whole on one rank, the ranks' frame counts balanced.

Greedy longest-processing-time assignment (Graham, 1969): videos are taken from the longest to the
shortest and each goes to the rank with the fewest frames so far (the lowest rank on a tie). The busiest
rank then holds at most 4/3 of the best possible share, and one long video is never split. A video whose
length is unknown counts as the median of the known ones (1 frame when none is known), so it still takes
a turn. The plan depends only on the frame counts and the number of ranks: every rank computes the same
one.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def fill_unknown(frames: Sequence[int | None]) -> list[int]:
    """Frame counts with each None replaced by the median of the known ones (1 when none is known)."""
    known = [int(n) for n in frames if n is not None]
    guess = max(1, round(statistics.median(known))) if known else 1
    return [guess if n is None else max(0, int(n)) for n in frames]


def balanced_shares(frames: Sequence[int | None], world_size: int) -> list[list[int]]:
    """Indices into ``frames`` (one count per video, None when unknown) for each of ``world_size`` ranks.

    Every index is in exactly one share; each share lists its videos in their input order; shares may be
    empty when there are fewer videos than ranks. Ties (equal counts, equal loads) go by input order and
    rank order, so the plan is deterministic.
    """
    if world_size < 1:
        raise ValueError(f"world_size must be at least 1, got {world_size}")
    counts = fill_unknown(frames)
    loads = [0] * world_size
    shares: list[list[int]] = [[] for _ in range(world_size)]
    for index in sorted(range(len(counts)), key=lambda i: (-counts[i], i)):
        rank = min(range(world_size), key=lambda r: (loads[r], r))
        loads[rank] += counts[index]
        shares[rank].append(index)
    return [sorted(share) for share in shares]


def share_frames(frames: Sequence[int | None], shares: Sequence[Sequence[int]]) -> list[int]:
    """Each share's total frame count (unknown counts filled as in :func:`balanced_shares`)."""
    counts = fill_unknown(frames)
    return [sum(counts[i] for i in share) for share in shares]
