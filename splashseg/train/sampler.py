"""Batches of images with similar aspect ratio, in an order fixed by ``(seed, epoch)``.

The idea of torchvision's ``GroupedBatchSampler``: landscape and portrait pictures batched apart pad
less. Sizes come from ``dataset.get_height_and_width(i)``, so no image is decoded to group them.
Every epoch has exactly ``ceil(len(indices) / batch_size)`` batches (leftovers of the groups are
batched together at the end), so all data-parallel ranks run the same number of steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import Sampler
from torch.utils.data.distributed import DistributedSampler


def aspect_groups(dataset: Any) -> list[int]:
    """Group per image: 0 for landscape or square (``w >= h``), 1 for portrait."""
    groups = []
    for i in range(len(dataset)):
        height, width = dataset.get_height_and_width(i)
        groups.append(0 if width >= height else 1)
    return groups


class GroupedBatchSampler(Sampler[list[int]]):
    """Shuffled batches of indices grouped by :func:`aspect_groups`.

    Single process: a permutation from ``torch.Generator().manual_seed(seed + epoch)``. Data-parallel:
    pass ``distributed`` (a ``DistributedSampler`` seeded with ``seed``) to take this rank's share.
    Call :meth:`set_epoch` before each epoch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        *,
        seed: int = 0,
        shuffle: bool = True,
        distributed: DistributedSampler | None = None,
    ) -> None:
        self.groups = aspect_groups(dataset)
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.distributed = distributed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if self.distributed is not None:
            self.distributed.set_epoch(epoch)

    def _indices(self) -> list[int]:
        if self.distributed is not None:
            return list(self.distributed)
        if not self.shuffle:
            return list(range(len(self.groups)))
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return torch.randperm(len(self.groups), generator=generator).tolist()

    def __iter__(self) -> Iterator[list[int]]:
        pending: dict[int, list[int]] = {}
        for index in self._indices():
            group = pending.setdefault(self.groups[index], [])
            group.append(index)
            if len(group) == self.batch_size:
                yield list(group)
                group.clear()
        leftovers = [i for group in pending.values() for i in group]
        for start in range(0, len(leftovers), self.batch_size):
            yield leftovers[start : start + self.batch_size]

    def __len__(self) -> int:
        count = len(self.distributed) if self.distributed is not None else len(self.groups)
        return math.ceil(count / self.batch_size)
