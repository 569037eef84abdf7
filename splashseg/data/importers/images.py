"""Turning image records into checked images: located safely, sized from headers, merged when repeated."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .locate import ImageHeader, ImageSkip, locate_image, looks_truncated, read_header
from .records import ImageRecord, ParsedFile
from .report import ImportReport

Track = Callable[[Iterable[Any], int, str, str], Iterable[Any]]
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp", "GIF": ".gif", "TIFF": ".tif", "WEBP": ".webp"}


@dataclass
class CheckedImage:
    """An image ready to be copied into the dataset.

    path: the source file, or ``None`` when ``data`` holds the bytes (LabelMe ``imageData``).
    name: the file name proposed for ``DATASET/images`` (made unique later).
    records: every annotation entry of this file (one, or more when it is listed twice).
    annotations: (class name, COCO annotation body) pairs, filled by ``build.segment_images``.
    """

    record: ImageRecord
    header: ImageHeader
    path: Path | None = None
    data: bytes | None = None
    name: str = ""
    records: list[ImageRecord] = field(default_factory=list)
    annotations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _where(record: ImageRecord) -> str:
    return f"{record.source.name}: {record.file_name}"


def _embedded_name(record: ImageRecord, header: ImageHeader) -> str:
    name = PurePosixPath(record.file_name.replace("\\", "/")).name or record.source.stem
    suffix = SUFFIXES.get(header.format, ".img")
    return name if Path(name).suffix.lower() in (suffix, ".jpeg", ".tiff") else f"{Path(name).stem}{suffix}"


def check_image(record: ImageRecord, images_dirs: list[Path]) -> CheckedImage:
    """Find and size one record's image; raises :class:`ImageSkip` with the reason."""
    if record.embedded is not None:
        header = read_header(record.embedded)
        return CheckedImage(
            record=record, header=header, data=record.embedded, name=_embedded_name(record, header)
        )
    path = locate_image(record, images_dirs)
    header = read_header(path)
    try:
        truncated = looks_truncated(path, header.format)
    except OSError:
        raise ImageSkip("unreadable image") from None
    if truncated:
        raise ImageSkip("truncated image file")
    return CheckedImage(record=record, header=header, path=path, name=path.name)


def _check_claims(image: CheckedImage, report: ImportReport) -> None:
    record, header = image.record, image.header
    if record.claimed_size is not None and tuple(record.claimed_size) != (header.width, header.height):
        rotation = " (the file has an EXIF rotation)" if header.rotated else ""
        report.size_mismatches.append(
            f"{_where(record)}: annotation says {record.claimed_size[0]}x"
            f"{record.claimed_size[1]}, image is {header.width}x{header.height}{rotation}"
        )
    if record.claimed_bytes is not None and image.path is not None:
        actual = os.path.getsize(image.path)
        if actual != record.claimed_bytes:
            report.size_mismatches.append(
                f"{_where(record)}: annotation says {record.claimed_bytes} bytes, file has {actual}"
            )


def _identity(image: CheckedImage) -> str:
    return (
        str(image.path.resolve()) if image.path is not None else f"embedded:{image.record.source.resolve()}"
    )


def check_images(
    files: list[ParsedFile], images_dirs: list[Path], report: ImportReport, track: Track | None = None
) -> list[CheckedImage]:
    """All records -> checked images, in order; skipped ones reported, repeated files merged.

    A file listed twice in one split has its regions merged; listed in a second split it is skipped there
    (one picture must not be in train and val). A record that lost every region is skipped: it is no
    true negative.
    """
    records = [image for parsed in files for image in parsed.images]
    iterable = track(records, len(records), "checking images", "img") if track else records
    seen: dict[str, CheckedImage] = {}
    for record in iterable:
        if record.dropped and not record.regions:
            report.skip("image", "every region was skipped (not kept as a negative)", _where(record))
            continue
        try:
            image = check_image(record, images_dirs)
        except ImageSkip as exc:
            report.skip("image", str(exc), _where(record))
            continue
        first = seen.get(_identity(image))
        if first is None:
            image.records.append(record)
            seen[_identity(image)] = image
            _check_claims(image, report)
        elif first.record.split == record.split:
            first.records.append(record)
            report.note(f"{_where(record)}: listed more than once; regions merged")
        else:
            report.skip("image", f"already in split '{first.record.split}'", _where(record))
    checked = list(seen.values())
    report.rotated_images = sum(1 for image in checked if image.header.rotated)
    return checked
