"""Checking COCO run-length encodings before pycocotools sees them (its C decoder trusts its input).

Compressed ``counts`` strings are decoded here in Python (the same scheme as pycocotools'
``rleFrString``) so that a malformed string or counts that do not cover the image are rejected
with a reason instead of overrunning a buffer.
"""

from __future__ import annotations

from typing import Any

from pycocotools import mask as mask_utils

from .shapes import ShapeError


def counts_from_string(counts: str) -> list[int]:
    """Decode a compressed RLE ``counts`` string into run lengths; :class:`ShapeError` when malformed."""
    runs: list[int] = []
    data = counts.encode("ascii", errors="replace")
    pos = 0
    while pos < len(data):
        value, shift, more = 0, 0, True
        while more:
            if pos >= len(data):
                raise ShapeError("malformed RLE counts")
            code = data[pos] - 48
            if not 0 <= code < 64:
                raise ShapeError("malformed RLE counts")
            value |= (code & 0x1F) << (5 * shift)
            more = bool(code & 0x20)
            pos += 1
            shift += 1
            if not more and code & 0x10:
                value |= -1 << (5 * shift)
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def check_rle(segmentation: dict[str, Any], height: int, width: int) -> dict[str, Any]:
    """Validate an RLE for an ``height x width`` image -> compressed RLE with ``counts`` as str.

    Raises :class:`ShapeError` when the size differs from the image, the counts are malformed or they
    do not add up to ``height * width``.
    """
    size = segmentation.get("size")
    if (
        not isinstance(size, list)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in size)
    ):
        raise ShapeError("RLE without a valid size")
    if size != [height, width]:
        raise ShapeError("RLE size differs from the image")
    counts = segmentation.get("counts")
    if isinstance(counts, list):
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts):
            raise ShapeError("malformed RLE counts")
        runs = counts
    elif isinstance(counts, str):
        runs = counts_from_string(counts)
    else:
        raise ShapeError("malformed RLE counts")
    if any(v < 0 for v in runs) or sum(runs) != height * width:
        raise ShapeError("RLE counts do not cover the image")
    if sum(runs[1::2]) == 0:
        raise ShapeError("zero area")
    if isinstance(counts, list):
        rle = mask_utils.frPyObjects({"size": size, "counts": counts}, height, width)
        return {"size": [height, width], "counts": rle["counts"].decode("ascii")}
    return {"size": [height, width], "counts": counts}
