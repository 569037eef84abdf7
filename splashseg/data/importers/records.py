"""What every format parser produces: images with regions, before images are looked up on disk.

A parser turns one annotation file into :class:`ImageRecord` objects. Geometry is already in pixel
coordinates of the image as displayed (EXIF orientation applied), but not yet clipped to the image,
because the image size is only known once the file is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .report import ImportReport


def claimed_size(width: Any, height: Any) -> tuple[int, int] | None:
    """``(width, height)`` when both are JSON integers, else ``None``."""
    valid = all(isinstance(v, int) and not isinstance(v, bool) for v in (width, height))
    return (width, height) if valid else None


@dataclass
class Region:
    """One object of one image.

    polygons: each ``float64 [N, 2]`` (x, y) in pixels; several parts make one instance.
    rle: a COCO RLE ``{"size": [h, w], "counts": str | list[int]}`` instead of polygons.
    bitmap: a ``bool [h, w]`` mask and the (x, y) of its top-left corner in the image (LabelMe masks).
    class_name: the name when the format states it; ``None`` when it comes from ``attributes``.
    attributes: VIA ``region_attributes`` (already mapped to names for VIA 3).
    where: a short description for the report (``"via.json: a.jpg region 2"``).
    """

    where: str
    polygons: list[np.ndarray] = field(default_factory=list)
    rle: dict[str, Any] | None = None
    class_name: str | None = None
    attributes: dict[str, Any] | None = None
    iscrowd: int = 0
    bitmap: tuple[np.ndarray, tuple[int, int]] | None = None


@dataclass
class ImageRecord:
    """One image entry of an annotation file.

    file_name: the path exactly as the annotation file writes it (checked before use).
    base_dir: the annotation file's folder (``file_name`` is searched there and in ``locate.image_roots``).
    split: ``"train"``, ``"val"``, ``"test"`` or ``None`` (decided later by a seeded split).
    claimed_size: ``(width, height)`` the annotation file states, when it states one.
    claimed_bytes: the file size in bytes VIA 1.x/2.x records.
    embedded: the image file's bytes when the annotation carries them (LabelMe ``imageData``).
    dropped: how many of its regions were skipped (an image that lost all of them is no negative).
    """

    file_name: str
    base_dir: Path
    source: Path
    regions: list[Region] = field(default_factory=list)
    split: str | None = None
    claimed_size: tuple[int, int] | None = None
    claimed_bytes: int | None = None
    embedded: bytes | None = None
    dropped: int = 0

    def drop(self, report: ImportReport, reason: str, where: str) -> None:
        """Report one of this image's regions as skipped (and remember the image lost one)."""
        self.dropped += 1
        report.skip("region", reason, where)


@dataclass
class ParsedFile:
    """A parsed annotation file: its images, and what the parser learnt about classes.

    format: the recognised format name (``"via2-export"``, ``"coco"``...).
    class_options: for VIA, attribute name -> option names of choice attributes (dropdown, radio,
        checkbox); used to find the class attribute.
    categories: for COCO, the declared category names in id order, and ``category_ids`` name -> ids.
    """

    path: Path
    format: str
    images: list[ImageRecord]
    class_options: dict[str, list[str]] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    category_ids: dict[str, list[int]] = field(default_factory=dict)
