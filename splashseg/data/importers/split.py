"""Train/val/test assignment: the split a source's folder or file name states is kept; the rest is split
by a seeded random draw. Split names are found in words like ``val``, ``validation`` or ``val2017``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
}


def split_alias(word: str) -> str | None:
    """The split a folder name or file-name word names, digits left out: ``val2017`` -> ``val``."""
    return SPLIT_ALIASES.get(re.sub(r"\d+", "", word).lower())


def _words(path: Path) -> list[str]:
    return re.split(r"[^A-Za-z0-9]+", path.stem)


def _folder_name(folder: Path) -> str:
    """A folder's own name, also when it is given as ``.`` or ``..``."""
    return folder.name if folder.name not in ("", "..") else folder.resolve().name


def split_from_path(path: Path, root: Path | None = None) -> str | None:
    """``train``/``val``/``test`` from the nearest folder name from ``path`` up to ``root`` (``root``'s
    own name included: ``balloon/val`` given as a SOURCE is the val split), else from the file name
    (``instances_val2017.json`` -> ``val``)."""
    if root is None:
        parents: tuple[str, ...] = (_folder_name(path.parent),)
    else:
        parents = (_folder_name(root), *path.parent.relative_to(root).parts)
    for word in [*reversed(parents), *_words(path)]:
        split = split_alias(word)
        if split is not None:
            return split
    return None


def split_folders(annotation_file: Path) -> list[str]:
    """Folder names that hold this file's pictures in a COCO-style layout, from the words of its name:
    ``instances_val2017.json`` -> ``["val2017", "val"]``."""
    names = []
    for word in _words(annotation_file):
        split = split_alias(word)
        if split is not None:
            names += [word, split]
    return list(dict.fromkeys(names))


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
