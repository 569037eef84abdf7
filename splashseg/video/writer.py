"""Encoding RGB frames to H.264 (yuv420p), or RGBA frames to a format with alpha, with the input's
timestamps, rotation and audio.

Frames come in as ``uint8`` ``[H, W, 3]`` **RGB** (``[H, W, 4]`` **RGBA** with
:attr:`EncoderSettings.alpha`, encoded as :mod:`.alpha` says) with the pts they had in the input; the
output stream uses the input's time base, so every frame keeps its time (variable frame rate stays
variable; the MP4 muxer may pick a finer time base, WebM rounds to milliseconds). An input that starts
before 0 (MPEG-TS can) is shifted, video and audio alike, to start at 0: MP4 would hide the frames
before 0 and Matroska cannot store them. H.264 in yuv420p cannot hold an odd width or height: such
frames are padded by one pixel (a copy of the last row/column) and :attr:`VideoWriter.notes` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import InputError
from .alpha import alpha_container_for, alpha_format
from .audio import AudioCarrier
from .reader import VideoInfo

CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
DEFAULT_CODEC = "libx264"
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow")
_NVENC_PRESETS = dict(zip(X264_PRESETS, ("p1", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p7"), strict=True))
_KNOWN_COLORSPACES = {1, 5, 6, 9}  # bt709, bt470bg, smpte170m, bt2020 (ncl); else swscale's BT.601
_MPEG_RANGE = 1  # limited ("TV") range: what players expect from yuv420p


def _x264_options(crf: int, preset: str) -> dict[str, str]:
    return {"crf": str(crf), "preset": preset}


def _nvenc_options(crf: int, preset: str) -> dict[str, str]:
    return {"rc": "vbr", "cq": str(crf), "preset": _NVENC_PRESETS.get(preset, "p4")}


ENCODERS = {"libx264": _x264_options, "h264_nvenc": _nvenc_options}


@dataclass
class EncoderSettings:
    """codec: a name in :data:`ENCODERS`; crf: quality (lower is better, 0-51); preset: an x264 preset name
    (mapped to the nearest NVENC preset for ``h264_nvenc``). alpha: frames are RGBA and the output keeps
    their alpha (VP9 for .webm, ProRes 4444 for .mov, see :mod:`.alpha`; ``codec`` is then unused)."""

    codec: str = DEFAULT_CODEC
    crf: int = 20
    preset: str = "medium"
    alpha: bool = False


def container_for(path: Path, alpha: bool = False) -> str:
    """The FFmpeg muxer for an output file name (one that holds alpha when ``alpha``); :class:`InputError`
    for a suffix we do not write."""
    if alpha:
        return alpha_container_for(path)
    muxer = CONTAINERS.get(Path(path).suffix.lower())
    if muxer is None:
        raise InputError(f"{path}: cannot write a video with suffix '{Path(path).suffix}'; "
                         f"use one of {', '.join(CONTAINERS)}")
    return muxer


def check_encoder(codec: str) -> None:
    """Open ``codec`` on a tiny frame size; :class:`InputError` naming the fix when it cannot run here."""
    if codec not in ENCODERS:
        raise InputError(f"unknown --codec '{codec}'; choose one of {', '.join(ENCODERS)}")
    try:
        context = av.CodecContext.create(codec, "w")
        context.width, context.height, context.pix_fmt = 256, 256, "yuv420p"
        context.time_base = Fraction(1, 25)
        context.open()
    except (av.FFmpegError, ValueError) as exc:
        raise InputError(f"encoder {codec} is not usable on this machine ({getattr(exc, 'strerror', exc)}); "
                         f"use --codec {DEFAULT_CODEC}") from None


def padded_size(width: int, height: int) -> tuple[int, int]:
    """The even size yuv420p needs: odd sides grow by one pixel."""
    return width + width % 2, height + height % 2


class VideoWriter:
    """Write H.264 frames (or frames with alpha, see :attr:`EncoderSettings.alpha`) plus the input's audio
    to ``path``, in the container ``container`` (from :func:`container_for`)."""

    def __init__(self, path: Path, info: VideoInfo, settings: EncoderSettings, container: str) -> None:
        self.info = info
        self.alpha = settings.alpha
        self.notes: list[str] = []
        # keep the input's timestamps: no shifting to make B-frame dts non-negative (MKV would shift all)
        options = {"avoid_negative_ts": "disabled"}
        self.output = av.open(str(path), mode="w", format=container, options=options)
        self._durations: dict[int, int] = {}  # pts -> duration of frames inside the encoder
        self._shift = round(info.shift_s / info.time_base)  # ticks added to every pts (see shift_s)
        try:
            self.stream = self._add_video_stream(settings, container)
            self.audio = AudioCarrier(info.path, self.output, container, shift_s=info.shift_s)
        except BaseException:
            self.output.close()
            raise
        self.frames_written = 0

    def _add_video_stream(self, settings: EncoderSettings, container: str) -> av.video.stream.VideoStream:
        info = self.info
        if settings.alpha:  # VP9 and ProRes take odd sizes
            fmt = alpha_format(container)
            codec, pix_fmt, options = fmt.codec, fmt.pix_fmt, fmt.options(settings.crf, settings.preset)
            width, height = info.width, info.height
        else:
            codec, pix_fmt = settings.codec, "yuv420p"
            options = ENCODERS[settings.codec](settings.crf, settings.preset)
            width, height = padded_size(info.width, info.height)
        if (width, height) != (info.width, info.height):
            self.notes.append(f"{info.width}x{info.height} padded to {width}x{height} "
                              "(yuv420p needs even sides; the extra row/column repeats the edge)")
        stream = self.output.add_stream(codec, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.time_base = info.time_base
        stream.codec_context.time_base = info.time_base
        if info.rate:
            stream.codec_context.framerate = info.rate
        if info.rotation:
            stream.set_display_rotation(info.rotation)
        self._tag_colors(stream.codec_context)
        return stream

    def _tag_colors(self, context: av.video.codeccontext.VideoCodecContext) -> None:
        info = self.info
        self._colorspace = info.colorspace if info.colorspace in _KNOWN_COLORSPACES else None
        if self._colorspace is not None:
            context.colorspace = self._colorspace
            context.color_primaries = info.color_primaries
            context.color_trc = info.color_trc
        context.color_range = _MPEG_RANGE

    def write(self, image: np.ndarray, pts: int, duration: int) -> None:
        """Encode one ``uint8`` [H, W, 3] RGB frame ([H, W, 4] RGBA with alpha) at ``pts`` (input time
        base) and mux its audio. ValueError for a frame with the other channel count."""
        channels, layout, name = (4, "rgba", "RGBA") if self.alpha else (3, "rgb24", "RGB")
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != channels:
            raise ValueError(f"the video writer takes uint8 [H, W, {channels}] {name} frames "
                             f"(alpha is {'on' if self.alpha else 'off'}); got {image.dtype} {tuple(image.shape)}")
        if image.shape[0] != self.stream.height or image.shape[1] != self.stream.width:
            pad = ((0, self.stream.height - image.shape[0]), (0, self.stream.width - image.shape[1]), (0, 0))
            image = np.pad(image, pad, mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=layout)
        frame = frame.reformat(format=self.stream.pix_fmt, dst_colorspace=self._colorspace,
                               dst_color_range=_MPEG_RANGE)
        frame.pts, frame.time_base, frame.duration = pts + self._shift, self.info.time_base, duration
        self._durations[frame.pts] = duration
        self._mux_video(self.stream.encode(frame))
        self.frames_written += 1
        self.audio.write_until(float(pts * self.info.time_base))

    def _mux_video(self, packets: list[av.Packet]) -> None:
        """Mux encoded packets, giving each its frame's duration (encoders with delay drop it)."""
        for packet in packets:
            duration = self._durations.pop(packet.pts, 0) if packet.pts is not None else 0
            if not packet.duration and duration:
                packet.duration = duration
            self.output.mux(packet)

    def finish(self) -> None:
        """Flush the encoder, write the remaining audio, close the file (writes the MP4 index)."""
        self._mux_video(self.stream.encode(None))
        self.audio.finish()
        self.output.close()

    def abandon(self) -> None:
        """Close without finishing (the caller deletes the file)."""
        for close in (self.audio.close, self.output.close):
            try:
                close()
            except Exception:  # noqa: BLE001 - best effort on the way out of a failure
                pass
