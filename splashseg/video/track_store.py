"""``TrackStore``: pass 1's tracks on every frame, kept small, so pass 2 only renders.

Pass 1 decodes the clip, runs the model on the keyframes, carries the masks by optical flow and links
them into tracks; what every frame needs to be drawn later is put here: each live track's box, score,
class, source and soft mask. The mask is kept as the crop around its non-zero pixels, quantised to
``uint8`` (steps of 1/255; 0/1 masks come back exact) and zlib-compressed (level 1: a hundred objects
a frame cost tens of microseconds each; PNG's filters took ten times that), so memory stays flat on long
clips: a few hundred bytes to a few kilobytes per object and frame. Pass 2 gets the frame's tracks back
as :class:`~splashseg.video.tracking.TrackState` snapshots carrying their final ids.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .soft_mask import SoftMask
from .tracking import TrackState

_LEVEL = 1  # zlib: fast, and the crops are small and mostly flat


@dataclass(frozen=True)
class _Packed:
    """One track on one frame. mask: zlib bytes of the uint8 crop [h, w] at ``(x, y)`` (b"" for an empty
    mask); width: w."""

    key: int
    box: np.ndarray
    score: float
    source: str
    class_name: str
    confirmed: bool
    x: int
    y: int
    width: int
    mask: bytes


def _pack_mask(mask: SoftMask) -> tuple[int, int, int, bytes]:
    """``(x, y, w, zlib bytes)`` of the uint8 crop [h, w] of a :class:`SoftMask` (already cut to its
    non-zero pixels)."""
    if mask.is_empty:
        return 0, 0, 0, b""
    quantised = np.round(np.clip(mask.values, 0, 1) * 255).astype(np.uint8)  # [h, w]
    return mask.x, mask.y, quantised.shape[1], zlib.compress(quantised.tobytes(), _LEVEL)


class TrackStore:
    """Tracks by frame index, for one clip of frames of ``frame_size`` ``(H, W)``."""

    def __init__(self, frame_size: tuple[int, int]) -> None:
        self.frame_size = frame_size
        self._frames: dict[int, list[_Packed]] = {}

    def put(self, frame_index: int, states: list[TrackState]) -> None:
        """Keep the frame's live tracks (their masks as :class:`SoftMask` crops in [0, 1])."""
        packed = []
        for s in states:
            x, y, width, mask = _pack_mask(s.soft)
            packed.append(_Packed(s.key, np.asarray(s.box, np.float32).copy(), float(s.score), s.source, s.class_name,
                                  s.confirmed, x, y, width, mask))
        self._frames[frame_index] = packed

    def get(self, frame_index: int, final_ids: dict[int, int]) -> list[TrackState]:
        """The tracks put for ``frame_index`` (none for a frame never put), each with its final id from
        ``final_ids`` (``{key: id}``, :meth:`TrackLog.final_ids`; None for a track never confirmed)."""
        states = []
        for p in self._frames.get(frame_index, []):
            mask = SoftMask.empty(self.frame_size)
            if p.mask:
                crop = np.frombuffer(zlib.decompress(p.mask), np.uint8).reshape(-1, p.width)  # [h, w]
                mask = SoftMask(p.x, p.y, crop / np.float32(255), self.frame_size)
            states.append(TrackState(p.key, final_ids.get(p.key), mask, p.box.copy(), p.score, p.source,
                                     confirmed=p.confirmed, votes={p.class_name: 1} if p.class_name else {}))
        return states

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes held by the compressed masks (the bulk of it)."""
        return sum(len(p.mask) for packed in self._frames.values() for p in packed)
