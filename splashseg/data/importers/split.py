"""Train/val/test assignment: keep the source's split; split the rest by a seeded random draw."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def validation_count(total: int, val_fraction: float) -> int:
    """How many of ``total`` items go to val: rounded, at least 1 and at most ``total - 1`` when both
    splits can be non-empty and the fraction asks for some of each."""
    count = round(total * val_fraction)
    if total >= 2 and 0 < val_fraction < 1:
        count = min(max(count, 1), total - 1)
    return count


def assign_splits(
    items: Sequence[T],
    split_of: Callable[[T], str | None],
    key: Callable[[T], str],
    val_fraction: float,
    seed: int,
) -> dict[str, list[T]]:
    """Group ``items`` by their own split; those without one are shuffled with ``seed`` (after sorting
    by ``key`` so the result does not depend on input order) and ``val_fraction`` of them go to val."""
    splits: dict[str, list[T]] = {"train": [], "val": []}
    unassigned = []
    for item in items:
        split = split_of(item)
        if split is None:
            unassigned.append(item)
        else:
            splits.setdefault(split, []).append(item)
    unassigned.sort(key=key)
    random.Random(seed).shuffle(unassigned)
    count = validation_count(len(unassigned), val_fraction)
    splits["val"].extend(unassigned[:count])
    splits["train"].extend(unassigned[count:])
    return splits
