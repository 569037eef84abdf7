"""Decoding compressed COCO RLE ``counts`` strings in Python, so nothing malformed reaches pycocotools.

pycocotools' C decoder (``rleFrString``) trusts its input; the same scheme is decoded here first, and a
string that breaks off, holds a character outside ``'0'..'o'`` or a run too long for 64 bits raises :class:`ValueError`.
"""

from __future__ import annotations

MAX_CHARS_PER_RUN = 13  # 5 bits each: 65 bits, more than any run of a real mask (and than C's long)


def decode_counts(counts: str) -> list[int]:
    """Decode a compressed RLE ``counts`` string into run lengths; :class:`ValueError` when malformed."""
    runs: list[int] = []
    data = counts.encode("ascii", errors="replace")
    pos = 0
    while pos < len(data):
        value, shift, more = 0, 0, True
        while more:
            if pos >= len(data):
                raise ValueError("malformed RLE counts")
            code = data[pos] - 48
            if not 0 <= code < 64 or shift >= MAX_CHARS_PER_RUN:
                raise ValueError("malformed RLE counts")
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
