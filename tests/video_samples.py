"""Tiny test videos written with PyAV, and helpers to read outputs back (used by tests/test_video_*.py)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

RED = (220, 30, 40)  # a saturated colour: its channel spread survives H.264, gray's is ~0


def frame_rgb(index: int, width: int, height: int) -> np.ndarray:
    """uint8 [H, W, 3] RGB: saturated red, brightness stepping with ``index`` (so order is visible)."""
    image = np.empty((height, width, 3), np.uint8)
    image[:] = RED
    image[:, :, 2] = min(255, 20 + 8 * index)  # blue channel encodes the frame index
    return image


def write_video(path: Path, *, size: tuple[int, int] = (64, 48), times_ms: list[int] | None = None,
                frames: int = 12, audio: str | None = "aac", audio_seconds: float | None = None,
                rotation: int = 0, options: dict[str, str] | None = None, codec: str = "libx264",
                codec_options: dict[str, str] | None = None, audio_rate: int = 16000) -> Path:
    """Write a test video. size: (width, height); times_ms: each frame's pts in milliseconds (VFR),
    default 25 fps; audio: None, "aac", "pcm_s16le", "flac"... (a 440 Hz sine, mono, ``audio_rate`` Hz);
    options: the muxer's; codec_options: the encoder's (libx264: ultrafast, no B-frames, by default)."""
    width, height = size
    times_ms = times_ms if times_ms is not None else [40 * i for i in range(frames)]
    out = av.open(str(path), mode="w", options=options or {})
    default = {"preset": "ultrafast"} if codec == "libx264" else {}
    video = out.add_stream(codec, options=codec_options if codec_options is not None else default)
    # yuv420p needs even sides: odd test sizes are written as 4:4:4 H.264
    video.width, video.height = width, height
    video.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
    video.time_base = video.codec_context.time_base = Fraction(1, 1000)
    if rotation:
        video.set_display_rotation(rotation)
    sound = out.add_stream(audio, rate=audio_rate) if audio else None
    if sound is not None:
        sound.codec_context.layout = "mono"
    for index, ms in enumerate(times_ms):
        frame = av.VideoFrame.from_ndarray(frame_rgb(index, width, height), format="rgb24")
        frame.pts, frame.time_base = ms, Fraction(1, 1000)
        frame.duration = (times_ms[index + 1] - ms) if index + 1 < len(times_ms) else 40
        out.mux(video.encode(frame))
    out.mux(video.encode(None))
    if sound is not None:
        _write_sine(out, sound, audio_seconds or (times_ms[-1] + 40) / 1000, audio_rate)
    out.close()
    return path


def write_bframe_avi(path: Path, *, frames: int = 20, rate: int = 10, audio: str | None = "pcm_s16le") -> Path:
    """H.264 with B-frames in AVI, as cameras and OpenCV write it: AVI stores no presentation times, so
    the decoder hands out timestamps in decoding order (1, 3, 4, 2, ...). audio as in :func:`write_video`."""
    out = av.open(str(path), mode="w", format="avi")
    video = out.add_stream("libx264", rate=rate, options={"preset": "ultrafast", "bf": "2"})
    video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
    sound = out.add_stream(audio, rate=16000) if audio else None
    if sound is not None:
        sound.codec_context.layout = "mono"
    for index in range(frames):
        frame = av.VideoFrame.from_ndarray(frame_rgb(index, 64, 48), format="rgb24")
        frame.pts, frame.time_base = index, Fraction(1, rate)
        out.mux(video.encode(frame))
    out.mux(video.encode(None))
    if sound is not None:
        _write_sine(out, sound, frames / rate)
    out.close()
    return path


def decoded_times(path: Path) -> list[float]:
    """Every video frame's timestamp in seconds as PyAV decodes it (None where it has none), in order."""
    with av.open(str(path)) as container:
        return [None if f.pts is None else float(f.pts * f.time_base) for f in container.decode(video=0)]


def _write_sine(out: av.container.OutputContainer, stream: av.audio.stream.AudioStream,
               seconds: float, rate: int = 16000) -> None:
    samples = np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate).astype(np.float32) * 0.3
    fmt = stream.codec_context.codec.audio_formats[0].name
    for start in range(0, len(samples), 1024):
        chunk = samples[None, start:start + 1024]
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        if fmt != "flt":
            frame = av.AudioResampler(format=fmt, layout="mono", rate=rate).resample(frame)[0]
            frame.pts = start
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


@dataclass
class Decoded:
    """An output file read back: codec, pix_fmt, size, frames (RGB), times (s), rotation, audio facts."""

    codec: str
    pix_fmt: str
    width: int
    height: int
    frames: list[np.ndarray]
    times: list[float]
    rotations: list[int]
    audio: list[dict]
    video_duration: float | None


def read_back(path: Path) -> Decoded:
    """Decode every video frame and summarise every audio stream (codec, duration, packet bytes)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames, times, rotations = [], [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            times.append(round(float(frame.time), 4))
            rotations.append(int(frame.rotation))
        info = (stream.codec_context.name, stream.codec_context.pix_fmt, stream.width, stream.height)
        duration = float(stream.duration * stream.time_base) if stream.duration else None
    return Decoded(*info, frames, times, rotations, _audio_facts(path), duration)


def _audio_facts(path: Path) -> list[dict]:
    facts = []
    with av.open(str(path)) as container:
        for stream in container.streams.audio:
            payload = [bytes(p) for p in container.demux(stream) if p.size]
            facts.append({"codec": stream.codec_context.name, "packets": payload,
                          "seconds": sum(len(f.to_ndarray()[0]) for f in _decode_all(path, stream.index))
                          / stream.codec_context.sample_rate})
            container.seek(0)
    return facts


def _decode_all(path: Path, index: int) -> list[av.AudioFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(container.streams[index]))


def channel_spread(pixels: np.ndarray) -> float:
    """Mean over pixels of max(R, G, B) - min(R, G, B): ~0 for gray, large for saturated colour."""
    pixels = pixels.reshape(-1, 3).astype(np.int16)
    return float((pixels.max(axis=1) - pixels.min(axis=1)).mean())


@dataclass
class DecodedAlpha:
    """A video with alpha read back: codec, profile, pix_fmt of the decoded frames, RGBA frames, times (s)."""

    codec: str
    profile: str | None
    pix_fmt: str
    frames: list[np.ndarray]
    times: list[float]


def read_alpha(path: Path) -> DecodedAlpha:
    """Decode every video frame as uint8 [H, W, 4] RGBA. VP9 keeps its alpha in each block's side data,
    which only the libvpx-vp9 decoder reads; ProRes 4444 decodes with FFmpeg's own decoder."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        name, profile, time_base = stream.codec_context.name, stream.codec_context.profile, stream.time_base
        if name == "vp9":
            decoder = av.CodecContext.create("libvpx-vp9", "r")
            decoded = [f for packet in container.demux(stream) for f in decoder.decode(packet)]
        else:
            decoded = list(container.decode(stream))
    return DecodedAlpha(name, profile, decoded[0].format.name, [f.to_ndarray(format="rgba") for f in decoded],
                        [round(float(f.pts * time_base), 4) for f in decoded])
