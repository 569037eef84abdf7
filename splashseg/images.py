"""Reading and writing image files.

Every array that leaves this module is RGB, ``uint8``, shape ``[H, W, 3]``, with EXIF orientation
applied (the picture as a browser or VIA shows it). Alpha, when the file has it, is returned apart.

Pictures larger than :data:`MAX_PIXELS` are refused from their header, before any pixel is decoded (a
"decompression bomb" is a file of a few hundred bytes that declares 20000 x 20000 pixels); Pillow's own
``DecompressionBombWarning`` for big pictures under that limit is not passed on.
"""

from __future__ import annotations

import glob
import os
import struct
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError
from .fsutil import atomic_path

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif")
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".flv", ".wmv", ".mpg", ".mpeg", ".ts", ".mts",
                  ".m2ts", ".3gp", ".ogv")  # named as a picture: refused, pointing to the video command
VIDEO_ADVICE = "for a video use splashseg video {path} (--render overlay draws the detections)"
OUTPUT_FORMATS = ("JPEG", "PNG", "BMP", "TIFF", "WEBP", "GIF")  # Pillow format names pictures are written in
MAX_PIXELS = 150_000_000
"""Largest picture read, in pixels (width x height): 150 megapixels, more than any camera sensor this
side of medium format (e.g. 15000 x 10000). Decoded it is already 450 MB of RGB, and an overlay or a
splash needs several such arrays. Below Pillow's own hard limit (about 179 megapixels)."""
# Pillow raises these on damaged files besides OSError: a bad header field, a short read, a bad table index
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, KeyError, struct.error,
                 ZeroDivisionError)


@dataclass
class LoadedImage:
    """An image file decoded for the model.

    rgb: ``uint8`` ``[H, W, 3]`` RGB, EXIF orientation applied.
    alpha: ``uint8`` ``[H, W]`` or ``None`` when the file has no transparency.
    format: Pillow's format name of the file's content (``"PNG"``, ``"JPEG"``...), not its suffix.
    rotated: whether an EXIF orientation other than "normal" was applied.
    """

    path: Path
    rgb: np.ndarray
    alpha: np.ndarray | None
    format: str
    rotated: bool = False

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


def _gray_to_uint8(values: np.ndarray, sixteen_bit: bool) -> np.ndarray:
    """Gray values of any range (float64 ``[H, W]``) -> ``uint8 [H, W]``.

    16-bit data (an ``I;16`` mode, or values in 0..65535 beyond 255) is scaled by 255/65535; 8-bit data in
    a wider mode is kept; anything else (negative values, beyond 65535: float or 32-bit pictures) is
    stretched from its finite minimum..maximum to 0..255. NaN becomes the minimum, infinities the ends.
    """
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    values = np.nan_to_num(values, nan=low, posinf=high, neginf=low)
    if sixteen_bit or (low >= 0 and 255 < high <= 65535):
        values = values * (255.0 / 65535.0)
    elif low < 0 or high > 255:
        values = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _to_uint8(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert any Pillow mode to (RGB uint8 [H, W, 3], alpha uint8 [H, W] or None)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        gray = _gray_to_uint8(np.asarray(img, dtype=np.float64), img.mode.startswith("I;16"))
        return np.repeat(gray[:, :, None], 3, axis=2), None
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = np.asarray(img.convert("RGBA"))
        return np.ascontiguousarray(rgba[:, :, :3]), np.ascontiguousarray(rgba[:, :, 3])
    return np.asarray(img.convert("RGB")), None


def _check_pixels(path: Path, size: tuple[int, int]) -> None:
    """:class:`InputError` unless ``size`` (width, height from the header) is 1 to :data:`MAX_PIXELS` pixels."""
    width, height = size
    if width < 1 or height < 1:
        raise InputError(f"{path}: empty image ({width} x {height} pixels)")
    if width * height > MAX_PIXELS:
        raise InputError(f"{path}: image too large ({width} x {height} pixels; the limit is "
                         f"{MAX_PIXELS // 1_000_000} megapixels); refused before decoding")


def _too_large(path: Path) -> InputError:
    """For Pillow's DecompressionBombError, raised at open before the size reaches us."""
    return InputError(f"{path}: image too large (its header declares more than {MAX_PIXELS // 1_000_000} "
                      f"megapixels, the limit); refused before decoding")


def read_image(path: str | os.PathLike[str]) -> LoadedImage:
    """Decode an image file by its content (a PNG named ``.jpg`` still loads).

    Raises :class:`InputError` naming the file when it is missing, not an image, truncated, empty or
    larger than :data:`MAX_PIXELS` (checked from the header, before decoding).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_pixels(path, img.size)
                img.load()
                fmt = img.format or "PNG"
                orientation = img.getexif().get(0x0112, 1)
                img = ImageOps.exif_transpose(img)
                rgb, alpha = _to_uint8(img)
    except UnidentifiedImageError:
        raise InputError(f"{path}: not an image file (its content is no format Pillow reads)") from None
    except Image.DecompressionBombError:
        raise _too_large(path) from None
    except InputError:
        raise
    except DECODE_ERRORS as exc:
        raise InputError(f"{path}: cannot decode image ({exc})") from None
    return LoadedImage(path=path, rgb=rgb, alpha=alpha, format=fmt, rotated=orientation not in (1, None))


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Return ``(width, height)`` as displayed (EXIF rotation applied) reading only the file header.

    Raises :class:`InputError` as :func:`read_image` does, the size limit included.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_pixels(path, img.size)
                width, height = img.size
                # PNG's getexif() decodes the whole picture unless an eXIf chunk comes before the pixels
                has_exif = img.format != "PNG" or "exif" in img.info
                if has_exif and img.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                    width, height = height, width
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnidentifiedImageError:
        raise InputError(f"{path}: not an image file") from None
    except Image.DecompressionBombError:
        raise _too_large(path) from None
    except InputError:
        raise
    except DECODE_ERRORS as exc:
        raise InputError(f"{path}: cannot read image header ({exc})") from None
    return width, height


def write_image(path: Path, rgb: np.ndarray, *, alpha: np.ndarray | None = None, format: str | None = None,
                quality: int = 95) -> None:
    """Write an RGB ``uint8 [H, W, 3]`` array atomically.

    ``format`` is a Pillow format name (an input's, to write the output like it); by default, or when it
    is not one of :data:`OUTPUT_FORMATS` (a PSD or XPM input: Pillow reads those but cannot write RGB in
    them), the suffix of ``path`` chooses, and PNG when that names none. A phone's ``MPO`` is a JPEG.
    ``alpha`` (``uint8 [H, W]``) is kept when the format can hold it.
    """
    img = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    fmt = "JPEG" if (format or "").upper() == "MPO" else (format or "").upper()
    if fmt not in OUTPUT_FORMATS:
        fmt = Image.registered_extensions().get(Path(path).suffix.lower(), "PNG").upper()
        fmt = fmt if fmt in OUTPUT_FORMATS else "PNG"
    if alpha is not None and fmt in ("PNG", "WEBP", "TIFF", "GIF"):
        img.putalpha(Image.fromarray(alpha, "L"))
    params = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    if fmt == "JPEG" and img.mode != "RGB":
        img = img.convert("RGB")
    with atomic_path(path) as tmp:
        img.save(tmp, format=fmt, **params)


def write_gray_png(path: Path, values: np.ndarray) -> None:
    """Write ``uint8 [H, W]`` as an 8-bit grayscale PNG, atomically (soft masks, alpha mattes)."""
    if values.dtype != np.uint8 or values.ndim != 2:
        raise ValueError(f"a grayscale PNG takes uint8 [H, W], got {values.dtype} {list(values.shape)}")
    with atomic_path(path) as tmp:
        Image.fromarray(np.ascontiguousarray(values), "L").save(tmp, format="PNG")


def expand_inputs(inputs: Sequence[str], suffixes: Iterable[str] = IMAGE_SUFFIXES, *,
                  video_advice: str = VIDEO_ADVICE) -> list[Path]:
    """Turn files, folders and glob patterns into a sorted list of image files, duplicates removed.

    Raises :class:`InputError` for a path that matches nothing, a folder without images, or a named (or
    matched) file with a video suffix (:data:`VIDEO_SUFFIXES`): "PATH: a video, not a picture; " and
    ``video_advice`` with ``{path}`` filled in.
    """
    suffixes = tuple(s.lower() for s in suffixes)
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            if not files:
                raise InputError(f"{path}: folder holds no images ({', '.join(suffixes)})")
            found.extend(files)
        elif path.exists():
            found.append(path)
        elif glob.has_magic(item):
            files = sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file())
            if not files:
                raise InputError(f"{item}: pattern matches no files")
            found.extend(files)
        else:
            raise InputError(f"{path}: no such file or folder")
    unique: dict[Path, Path] = {}
    for path in found:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            raise InputError(f"{path}: a video, not a picture; {video_advice.format(path=path)}")
        unique.setdefault(path.resolve(), path)
    return list(unique.values())
