"""Video with an alpha channel: RGBA frames as VP9 in WebM (browsers) or ProRes 4444 in MOV (editors).

The output's suffix picks the format (:data:`ALPHA_FORMATS`); frames come in as ``uint8`` [H, W, 4]
**RGBA**, alpha 0 (transparent) .. 255 (opaque), not premultiplied. WebM stores VP9 ``yuva420p``: the
alpha plane travels as a second VP9 stream in each block's side data, which only the ``libvpx-vp9``
decoder reads (FFmpeg's own ``vp9`` decoder shows the picture without it). MOV stores ProRes 4444
``yuva444p10le``: intra-only and large, with a fixed quality (``crf`` and ``preset`` do not apply).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from ..errors import InputError

# x264 preset name -> libvpx-vp9 (deadline, cpu-used): "realtime" 6-8 is fastest, "good" 5 .. 0 slowest/best
_VP9_SPEED = {"ultrafast": ("realtime", 8), "superfast": ("realtime", 7), "veryfast": ("realtime", 6),
              "faster": ("good", 5), "fast": ("good", 4), "medium": ("good", 3), "slow": ("good", 2),
              "slower": ("good", 1), "veryslow": ("good", 0)}


def _vp9_options(crf: int, preset: str) -> dict[str, str]:
    """Constant quality (``crf`` on VP9's 0-63 scale, ``b`` 0), speed from the x264 preset name."""
    deadline, cpu_used = _VP9_SPEED.get(preset, _VP9_SPEED["medium"])
    return {"crf": str(crf), "b": "0", "deadline": deadline, "cpu-used": str(cpu_used), "row-mt": "1"}


def _prores_options(crf: int, preset: str) -> dict[str, str]:
    """ProRes 4444 with a 16-bit alpha plane; quality is the profile's (``crf``/``preset`` unused)."""
    return {"profile": "4444", "alpha_bits": "16", "vendor": "apl0"}


@dataclass(frozen=True)
class AlphaFormat:
    """muxer: FFmpeg's name; codec/pix_fmt: the encoder and its pixel format with alpha;
    options: (crf, preset) -> encoder options."""

    muxer: str
    codec: str
    pix_fmt: str
    options: Callable[[int, str], dict[str, str]]


ALPHA_FORMATS = {
    ".webm": AlphaFormat("webm", "libvpx-vp9", "yuva420p", _vp9_options),
    ".mov": AlphaFormat("mov", "prores_ks", "yuva444p10le", _prores_options),
}
ALPHA_SUFFIXES = tuple(ALPHA_FORMATS)
_BY_MUXER = {fmt.muxer: fmt for fmt in ALPHA_FORMATS.values()}


def alpha_container_for(path: Path) -> str:
    """The FFmpeg muxer for a video with alpha at ``path``; InputError (exit 2) naming the suffixes that
    can hold alpha when ``path``'s cannot (H.264 in .mp4 or .mkv has no alpha channel)."""
    suffix = Path(path).suffix.lower()
    if suffix not in ALPHA_FORMATS:
        raise InputError(f"{path}: a video with transparency cannot be written as '{Path(path).suffix}'; "
                         "use .webm (VP9, plays in browsers) or .mov (ProRes 4444, for editors)")
    return ALPHA_FORMATS[suffix].muxer


def alpha_format(muxer: str) -> AlphaFormat:
    """The :class:`AlphaFormat` written with ``muxer`` (a value from :func:`alpha_container_for`)."""
    return _BY_MUXER[muxer]


def check_alpha_encoder(muxer: str) -> None:
    """Open the encoder for ``muxer`` on a tiny frame; InputError when this FFmpeg build lacks it."""
    fmt = alpha_format(muxer)
    try:
        context = av.CodecContext.create(fmt.codec, "w")
        context.width, context.height, context.pix_fmt = 64, 64, fmt.pix_fmt
        context.time_base = Fraction(1, 25)
        context.open()
    except (av.FFmpegError, ValueError) as exc:
        raise InputError(f"encoder {fmt.codec} (needed for transparent {muxer.upper()}) is not usable with "
                         f"this FFmpeg ({getattr(exc, 'strerror', exc)})") from None
