"""``InstanceStore``: a first pass's detections, kept small, so the second pass need not run the model.

``--keep largest`` (and the other whole-clip policies) track the clip once to choose, then render it;
the second pass replays the first pass's detections through a new tracker. Each mask is kept as the crop
of its box quantised to uint8 (steps of 1/255; bool masks come back exact), so memory grows with the
objects' areas, not with the frame size: about one byte per box pixel per instance per model frame
(a 200 x 300 person on every frame of a 10-minute 30 fps video: 1 GB; at ``--stride 5``, 200 MB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instances import Instances


@dataclass
class _Packed:
    frame_size: tuple[int, int]
    crops: list[tuple[int, int, np.ndarray]]  # (x, y, uint8 [h, w]) per instance
    boxes: np.ndarray
    scores: np.ndarray
    names: list[str]


def _crop_of(mask: np.ndarray) -> tuple[int, int, np.ndarray]:
    """``(x, y, uint8 crop)`` around the non-zero pixels of a float32 [H, W] mask in [0, 1]."""
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if not len(cols):
        return 0, 0, np.zeros((0, 0), np.uint8)
    part = mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    return int(cols[0]), int(rows[0]), np.round(np.clip(part, 0, 1) * 255).astype(np.uint8)


class InstanceStore:
    """Detections by frame index. :meth:`put` copies what it keeps; :meth:`get` gives float32 masks."""

    def __init__(self) -> None:
        self._frames: dict[int, _Packed] = {}

    def put(self, frame_index: int, instances: Instances) -> None:
        """Keep ``instances`` (host arrays, see :func:`~splashseg.video.instances.host_instances`)."""
        crops = [_crop_of(np.asarray(mask, np.float32)) for mask in instances.masks]
        self._frames[frame_index] = _Packed(instances.frame_size, crops, instances.boxes.copy(),
                                            instances.scores.copy(), list(instances.names))

    def get(self, frame_index: int) -> Instances | None:
        """The instances put for ``frame_index``; None when there are none (a frame the model skipped)."""
        packed = self._frames.get(frame_index)
        if packed is None:
            return None
        masks = np.zeros((len(packed.crops), *packed.frame_size), np.float32)  # [N, H, W]
        for mask, (x, y, crop) in zip(masks, packed.crops, strict=True):
            mask[y: y + crop.shape[0], x: x + crop.shape[1]] = crop / np.float32(255)
        return Instances(masks, packed.boxes.copy(), packed.scores.copy(), list(packed.names))

    def __contains__(self, frame_index: object) -> bool:
        return frame_index in self._frames

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes held by the masks (the bulk of it)."""
        return sum(crop.nbytes for packed in self._frames.values() for _, _, crop in packed.crops)
