"""``TrackStore``: pass 1's tracks on every frame, kept small, so pass 2 only renders.

Pass 1 decodes the clip, runs the model on the keyframes, carries the masks by optical flow and links
them into tracks; what every frame needs to be drawn later is put here: each live track's box, score,
class, source and soft mask. The mask is kept as the crop around its non-zero pixels, quantised to
``uint8`` (steps of 1/255; 0/1 masks come back exact) and PNG-compressed, so memory stays flat on long
clips: a few hundred bytes to a few kilobytes per object and frame. Pass 2 gets the frame's tracks back
as :class:`~splashseg.video.tracking.TrackState` snapshots carrying their final ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .tracking import TrackState

_PNG = [cv2.IMWRITE_PNG_COMPRESSION, 1]  # fast: the crops are small and mostly flat


@dataclass(frozen=True)
class _Packed:
    """One track on one frame. mask: PNG bytes of the uint8 crop at ``(x, y)`` (b"" for an empty mask)."""

    key: int
    box: np.ndarray
    score: float
    source: str
    class_name: str
    confirmed: bool
    x: int
    y: int
    mask: bytes


def _pack_mask(mask: np.ndarray) -> tuple[int, int, bytes]:
    """``(x, y, PNG bytes)`` of the uint8 crop around the non-zero pixels of a float32 [H, W] mask in [0, 1]."""
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if not len(cols):
        return 0, 0, b""
    part = mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    ok, png = cv2.imencode(".png", np.round(np.clip(part, 0, 1) * 255).astype(np.uint8), _PNG)
    if not ok:
        raise RuntimeError("could not compress a track mask")
    return int(cols[0]), int(rows[0]), png.tobytes()


class TrackStore:
    """Tracks by frame index, for one clip of frames of ``frame_size`` ``(H, W)``."""

    def __init__(self, frame_size: tuple[int, int]) -> None:
        self.frame_size = frame_size
        self._frames: dict[int, list[_Packed]] = {}

    def put(self, frame_index: int, states: list[TrackState]) -> None:
        """Keep the frame's live tracks (host NumPy masks float32 [H, W] in [0, 1])."""
        packed = []
        for s in states:
            x, y, mask = _pack_mask(np.asarray(s.mask, np.float32))
            packed.append(_Packed(s.key, np.asarray(s.box, np.float32).copy(), float(s.score), s.source, s.class_name,
                                  s.confirmed, x, y, mask))
        self._frames[frame_index] = packed

    def get(self, frame_index: int, final_ids: dict[int, int]) -> list[TrackState]:
        """The tracks put for ``frame_index`` (none for a frame never put), each with its final id from
        ``final_ids`` (``{key: id}``, :meth:`TrackLog.final_ids`; None for a track never confirmed)."""
        states = []
        for p in self._frames.get(frame_index, []):
            mask = np.zeros(self.frame_size, np.float32)  # [H, W]
            if p.mask:
                crop = cv2.imdecode(np.frombuffer(p.mask, np.uint8), cv2.IMREAD_UNCHANGED)
                mask[p.y: p.y + crop.shape[0], p.x: p.x + crop.shape[1]] = crop / np.float32(255)
            states.append(TrackState(p.key, final_ids.get(p.key), mask, p.box.copy(), p.score, p.source,
                                     confirmed=p.confirmed, votes={p.class_name: 1} if p.class_name else {}))
        return states

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes held by the compressed masks (the bulk of it)."""
        return sum(len(p.mask) for packed in self._frames.values() for p in packed)
