"""Checking COCO run-length encodings before pycocotools sees them (its C decoder trusts its input).

Compressed ``counts`` strings are decoded in Python (:func:`splashseg.data.rle.decode_counts`) so that a
malformed string or counts that do not cover the image are rejected with a reason instead of
overrunning a buffer.
"""

from __future__ import annotations

from typing import Any

from pycocotools import mask as mask_utils

from ..rle import decode_counts
from .shapes import ShapeError


def counts_from_string(counts: str) -> list[int]:
    """Decode a compressed RLE ``counts`` string into run lengths; :class:`ShapeError` when malformed."""
    try:
        return decode_counts(counts)
    except ValueError as exc:
        raise ShapeError(str(exc)) from None


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
