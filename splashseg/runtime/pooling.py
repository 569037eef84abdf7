"""RoIAlign on every core: torchvision's MultiScaleRoIAlign with the boxes shared among threads.

torchvision's CPU ``roi_align`` kernel runs on one core: with the box head's 1000 proposals a 720p frame
it costs ~0.17 s while the other cores wait. Each RoI's output depends on that RoI alone, so
:class:`ThreadedRoIAlign` cuts each image's boxes into contiguous parts, pools the parts in threads (the
kernel releases the GIL) and puts the rows back in their order: the same tensor as one call.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import torch
from torch import nn
from torchvision.ops import MultiScaleRoIAlign

MIN_BOXES = 64  # fewer boxes than this are pooled in one call (threads would cost more than they save)


def _split(boxes: list[torch.Tensor], parts: int) -> list[list[torch.Tensor]]:
    """``parts`` lists of per-image boxes: part k holds the k-th contiguous slice of every image's boxes."""
    cuts = [torch.linspace(0, len(b), parts + 1).round().long().tolist() for b in boxes]
    return [[b[c[k]:c[k + 1]] for b, c in zip(boxes, cuts, strict=True)] for k in range(parts)]


class ThreadedRoIAlign(nn.Module):
    """``pool`` (a :class:`~torchvision.ops.MultiScaleRoIAlign`, its weights-free settings shared) run on
    ``workers`` threads. forward: as ``pool``'s: feature maps ``{name: [B, C, h, w]}``, boxes ``B`` x
    ``[N_i, 4]`` xyxy, image shapes -> ``[sum N_i, C, S, S]`` in the boxes' order."""

    def __init__(self, pool: MultiScaleRoIAlign, workers: int) -> None:
        super().__init__()
        self.pool, self.workers = pool, max(1, int(workers))
        self._threads = ThreadPoolExecutor(self.workers) if self.workers > 1 else None

    def forward(self, x: dict[str, torch.Tensor], boxes: list[torch.Tensor],
                image_shapes: list[tuple[int, int]]) -> torch.Tensor:
        if self._threads is None or sum(len(b) for b in boxes) < MIN_BOXES or self.pool.scales is None:
            return self.pool(x, boxes, image_shapes)  # the first call also sets the pool's scales
        parts = _split(boxes, self.workers)
        pooled = list(self._threads.map(lambda part: self.pool(x, part, image_shapes), parts))
        rows = []  # image by image, part by part: the boxes' own order
        for image in range(len(boxes)):
            for part, out in zip(parts, pooled, strict=True):
                start = sum(len(b) for b in part[:image])
                rows.append(out[start:start + len(part[image])])
        return torch.cat(rows)
