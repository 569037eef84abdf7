"""``lost_frames`` of MP4 files cut short: exactly the frames the file held (its sample table says 30) less
those that decode, also with B-frames, where the frames lost with the cut are not all at the end."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from splashseg.video.reader import VideoReader

FRAMES, FPS = 30, 25


def write_bframe_mp4(path: Path) -> Path:
    """30 frames of moving texture, H.264 with B-frames (x264 ``medium``), AAC audio, index at the front
    (``faststart``: a cut file still opens)."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "medium", "bf": "3"})
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = out.add_stream("aac", rate=16000)
        audio.codec_context.layout = "mono"
        for index in range(FRAMES):
            image = np.roll(base, 3 * index, axis=1)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        sine = (0.3 * np.sin(np.arange(16000 * FRAMES // FPS) / 16000 * 2 * math.pi * 440)).astype(np.float32)
        for start in range(0, sine.size, 1024):
            samples = av.AudioFrame.from_ndarray(sine[None, start:start + 1024].copy(), format="flt", layout="mono")
            samples.sample_rate, samples.pts = 16000, start
            out.mux(audio.encode(samples))
        out.mux(audio.encode(None))
    return path


def decodable(path: Path) -> int:
    """Frames plain PyAV decodes from ``path`` (the truth the reader is checked against)."""
    with av.open(str(path)) as container:
        count = 0
        try:
            for _ in container.decode(video=0):
                count += 1
        except av.FFmpegError:
            pass
        return count


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_bframe_mp4(tmp_path_factory.mktemp("bframes") / "full.mp4")
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == FRAMES and container.streams.video[0].codec_context.has_b_frames
    return path


def test_a_cut_bframe_mp4_loses_what_it_lost(full: Path, tmp_path: Path) -> None:
    """Cut just past the end of each video packet (so the next one is partial); a cut that loses a single
    frame is not checked (within a frame of the stated duration counts as intact, for rounding)."""
    with av.open(str(full)) as container:
        ends = sorted(p.pos + p.size for p in container.demux(video=0) if p.size)
    data, checked = full.read_bytes(), 0
    for end in ends[2:-2]:
        cut = tmp_path / "cut.mp4"
        cut.write_bytes(data[:end + 1])
        truth = decodable(cut)
        if FRAMES - truth < 2:
            continue
        with VideoReader(cut) as reader:
            frames = sum(1 for _ in reader.frames())
            assert (frames, reader.lost_frames()) == (truth, FRAMES - truth), f"cut at byte {end + 1}"
        checked += 1
    assert checked >= 20


def test_an_intact_file_loses_nothing(full: Path) -> None:
    with VideoReader(full) as reader:
        assert sum(1 for _ in reader.frames()) == FRAMES and reader.lost_frames() == 0
