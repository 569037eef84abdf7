"""A short synthetic clip for the demo: the demo's objects drifting over a textured background, with a
440 Hz tone as its AAC audio track, encoded H.264 in MP4 with PyAV."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..fsutil import atomic_path
from .synth import SynthObject, draw_object, object_color, object_extent, random_object, textured_background

SWING = (12, 8)  # how far the objects move from their place, x and y, in pixels

AUDIO_RATE = 44100


def _moved(obj: SynthObject, dx: int, dy: int) -> SynthObject:
    shape = dict(obj.shape)
    for key in ("cx", "x"):
        if key in shape:
            shape[key] += dx
    for key in ("cy", "y"):
        if key in shape:
            shape[key] += dy
    if "all_points_x" in shape:
        shape["all_points_x"] = [x + dx for x in shape["all_points_x"]]
        shape["all_points_y"] = [y + dy for y in shape["all_points_y"]]
    return SynthObject(obj.name, shape)


def _placed_apart(rng: np.random.Generator, height: int, width: int) -> list[SynthObject]:
    """One object of each class, far enough apart that they never touch while they move."""
    for _attempt in range(200):
        objects = [random_object(rng, name, height, width) for name in ("balloon", "box", "kite")]
        extents = [object_extent(o) for o in objects]
        if all(math.hypot(a[0] - b[0], a[1] - b[1]) > a[2] + b[2] + 2 * math.hypot(*SWING)
               for i, a in enumerate(extents) for b in extents[i + 1:]):
            return objects
    return objects[:2]


def clip_frames(count: int, height: int, width: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` RGB ``uint8 [H, W, 3]`` frames: three objects moving on slow circles."""
    rng = np.random.default_rng(seed)
    background = textured_background(rng, height, width)
    objects = _placed_apart(rng, height, width)
    colors = [object_color(rng) for _ in objects]
    frames = []
    for i in range(count):
        frame = background.copy()
        for k, (obj, color) in enumerate(zip(objects, colors, strict=True)):
            phase = 2 * math.pi * i / count + k * 2.1
            draw_object(frame, _moved(obj, round(SWING[0] * math.cos(phase)), round(SWING[1] * math.sin(phase))), color)
        frames.append(frame)
    return frames


def write_clip(path: Path, *, seconds: float = 3.0, fps: int = 15, height: int = 192, width: int = 256,
               seed: int = 0) -> Path:
    """Write the demo clip (H.264 yuv420p + AAC mono tone) atomically to ``path``."""
    with atomic_path(path) as tmp, av.open(str(tmp), mode="w") as container:
        video = container.add_stream("libx264", rate=fps, options={"crf": "20", "preset": "veryfast"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = container.add_stream("aac", rate=AUDIO_RATE)
        audio.codec_context.layout = "mono"
        for frame_rgb in clip_frames(round(seconds * fps), height, width, seed):
            container.mux(video.encode(av.VideoFrame.from_ndarray(frame_rgb, format="rgb24")))
        container.mux(video.encode(None))
        _write_tone(container, audio, seconds)
    return path


def _write_tone(container: av.container.OutputContainer, stream: av.audio.stream.AudioStream, seconds: float) -> None:
    total = int(seconds * AUDIO_RATE)
    tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(total) / AUDIO_RATE)).astype(np.float32)
    resampler = av.AudioResampler(format=stream.codec_context.codec.audio_formats[0].name, layout="mono",
                                  rate=AUDIO_RATE)
    for start in range(0, total, 1024):
        frame = av.AudioFrame.from_ndarray(tone[None, start:start + 1024], format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, start, Fraction(1, AUDIO_RATE)
        for converted in resampler.resample(frame):
            container.mux(stream.encode(converted))
    container.mux(stream.encode(None))
