"""Finding an annotation's image safely and reading its size from the file header only.

Image paths never lead outside the folders they are searched in (``--images``, the annotation file's
folder, the parent of an ``annotations/`` folder): ``../``, absolute paths, drive letters, URLs and links
that resolve elsewhere are refused before anything is opened. Sizes come from headers
(no pixel is decoded), with EXIF orientation applied as VIA and browsers show the picture.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

from .records import ImageRecord
from .split import split_folders

ROTATING_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height
JPEG_TAIL_BYTES = 65536


class ImageSkip(ValueError):
    """An image that cannot be used; ``str(exc)`` is the short reason shown in the report."""


@dataclass
class ImageHeader:
    """What the header says: displayed size (EXIF applied), whether EXIF rotates, Pillow format name."""

    width: int
    height: int
    orientation: int
    format: str

    @property
    def rotated(self) -> bool:
        return self.orientation not in (1, 0)


def read_header(source: Path | bytes) -> ImageHeader:
    """Read an image header from a path or bytes without decoding pixels; :class:`ImageSkip` on failure."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
            width, height = img.size
            # PNG's getexif() decodes the whole image unless an eXIf chunk came before the pixels
            has_exif = img.format in ("JPEG", "TIFF", "WEBP") or (img.format == "PNG" and "exif" in img.info)
            orientation = img.getexif().get(0x0112, 1) if has_exif else 1
            fmt = img.format or ""
    except UnidentifiedImageError:
        raise ImageSkip("not an image file") from None
    except Image.DecompressionBombError:
        raise ImageSkip("image too large") from None
    except (OSError, ValueError, SyntaxError, EOFError, TypeError, IndexError, KeyError):
        raise ImageSkip("unreadable image") from None
    if not isinstance(orientation, int):
        orientation = 1
    if width <= 0 or height <= 0:
        raise ImageSkip("empty image")
    if orientation in ROTATING_ORIENTATIONS:
        width, height = height, width
    return ImageHeader(width=width, height=height, orientation=orientation, format=fmt)


def looks_truncated(path: Path, fmt: str) -> bool:
    """Cheap end-of-file check: a PNG must end with IEND, a JPEG must hold an EOI marker near its end."""
    marker = {"PNG": (b"IEND", 16), "JPEG": (b"\xff\xd9", JPEG_TAIL_BYTES)}.get(fmt)
    if marker is None:
        return False
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - marker[1]))
        return marker[0] not in handle.read()


def relative_name(file_name: str) -> PurePosixPath:
    """Check an annotation's image path; returns it as a relative path or raises :class:`ImageSkip`."""
    if "\x00" in file_name or not file_name.strip():
        raise ImageSkip("invalid file name")
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", file_name):
        raise ImageSkip("remote image URL (not downloaded)")
    normal = file_name.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[a-zA-Z]:", normal) or normal.startswith("~"):
        raise ImageSkip("absolute image path (never read)")
    relative = PurePosixPath(normal)
    if ".." in relative.parts:
        raise ImageSkip("image path leads outside the annotation folder (never read)")
    return relative


def image_roots(record: ImageRecord, images_dirs: list[Path]) -> list[Path]:
    """The folders ``record``'s image may be in, in search order: each ``--images`` folder, the annotation
    file's folder, and, when that folder is called ``annotations`` (the COCO layout), its parent."""
    roots = [*images_dirs, record.base_dir]
    if record.base_dir.name.lower() == "annotations":
        roots.append(record.base_dir.parent)
    return list(dict.fromkeys(Path(root) for root in roots))


def _candidates(root: Path, relative: PurePosixPath, subfolders: list[str]) -> list[Path]:
    """``root/relative``, then inside each split folder, then the bare file name in the same places."""
    names = [relative, PurePosixPath(relative.name)]
    return list(dict.fromkeys(root / sub / name for name in names for sub in ["", *subfolders]))


def locate_image(record: ImageRecord, images_dirs: list[Path]) -> Path:
    """The image file of ``record`` inside one of :func:`image_roots`.

    In each root the path is tried as written, then inside the split folders the annotation file's name
    points at (``instances_val2017.json``: ``val2017/``, ``val/``), then as a bare file name. Raises
    :class:`ImageSkip` for unsafe paths, files that resolve outside their root (links), and missing files.
    """
    relative = relative_name(record.file_name)
    subfolders = split_folders(record.source)
    for root in image_roots(record, images_dirs):
        for candidate in _candidates(root, relative, subfolders):
            try:
                if not candidate.is_file():
                    continue
                resolved, resolved_root = candidate.resolve(), root.resolve()
            except (OSError, ValueError):
                continue
            if not resolved.is_relative_to(resolved_root):
                raise ImageSkip("image path leads outside the annotation folder (never read)")
            return candidate
    raise ImageSkip("missing image file")
