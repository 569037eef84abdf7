"""Videos with an alpha channel: RGBA frames to VP9 in WebM and ProRes 4444 in MOV, read back and checked."""

from __future__ import annotations

import av
import numpy as np
import pytest
from video_samples import channel_spread, read_alpha, read_back, write_video

from splashseg.errors import InputError
from splashseg.video import ALPHA_SUFFIXES, EncoderSettings, alpha_container_for, check_video_job, process_video

VFR_MS = [0, 40, 80, 200, 240, 400, 433, 466, 500, 600]
ALPHA = EncoderSettings(alpha=True, preset="ultrafast")


def no_result(frames):
    return [None for _ in frames]


def cutout(frame, result):
    """uint8 [H, W, 4] RGBA: the frame's RGB; alpha 255 in a square, 128 in a band, 0 elsewhere."""
    alpha = np.zeros(frame.shape[:2], np.uint8)
    alpha[8:24, 8:24] = 255
    alpha[8:24, 32:56] = 128
    return np.dstack([frame, alpha])


def check_alpha(frames, tolerance):
    for frame in frames:
        alpha = frame[:, :, 3].astype(int)
        assert np.abs(alpha[10:22, 10:22] - 255).max() <= tolerance  # inside the square: opaque
        assert np.abs(alpha[10:22, 34:54] - 128).max() <= tolerance  # the band: half transparent
        assert alpha[30:, :].max() <= tolerance and alpha[:, 58:].max() <= tolerance  # transparent
        assert channel_spread(frame[10:22, 10:22, :3]) > 100  # the opaque part keeps its colour


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def test_webm_is_vp9_with_alpha_and_opus_audio(tmp_path):
    source = write_video(tmp_path / "in.mp4", times_ms=VFR_MS, audio="aac", audio_rate=44100)
    encoder = EncoderSettings(alpha=True)  # libvpx "good" mode (ALPHA's ultrafast is its "realtime")
    report = process_video(source, tmp_path / "out.webm", no_result, cutout, encoder=encoder)
    out = read_alpha(tmp_path / "out.webm")
    assert (out.codec, out.pix_fmt) == ("vp9", "yuva420p")
    with av.open(str(tmp_path / "out.webm")) as container:  # browsers look for WebM's AlphaMode element
        assert container.streams.video[0].metadata.get("alpha_mode") == "1"
    assert report.frames == len(out.frames) == len(VFR_MS) and out.times == [ms / 1000 for ms in VFR_MS]
    check_alpha(out.frames, tolerance=6)
    blue = [int(np.median(frame[10:22, 10:22, 2])) for frame in out.frames]  # encodes the frame index
    assert blue == sorted(blue) and blue[-1] - blue[0] > 50
    audio = read_back(tmp_path / "out.webm").audio
    assert audio[0]["codec"] == "opus" and any("re-encoded to Opus" in w for w in report.warnings)
    assert audio[0]["seconds"] == pytest.approx(read_back(source).audio[0]["seconds"], abs=0.03)


def test_mov_is_prores_4444_with_alpha_and_audio_copied(tmp_path):
    source = write_video(tmp_path / "in.mp4", times_ms=VFR_MS, audio="aac")
    report = process_video(source, tmp_path / "out.mov", no_result, cutout, encoder=ALPHA)
    out = read_alpha(tmp_path / "out.mov")
    assert (out.codec, out.profile) == ("prores", "4444") and out.pix_fmt.startswith("yuva444p")
    assert report.frames == len(out.frames) == len(VFR_MS) and out.times == [ms / 1000 for ms in VFR_MS]
    check_alpha(out.frames, tolerance=2)
    src, back = read_back(source), read_back(tmp_path / "out.mov")
    assert back.audio[0]["codec"] == "aac" and back.audio[0]["packets"] == src.audio[0]["packets"]  # copied
    assert report.warnings == []


def test_alpha_keeps_odd_size_without_padding(tmp_path):
    source = write_video(tmp_path / "in.mp4", size=(63, 47), frames=3, audio=None)
    for suffix in ALPHA_SUFFIXES:
        report = process_video(source, tmp_path / f"out{suffix}", no_result, cutout, encoder=ALPHA)
        out = read_alpha(tmp_path / f"out{suffix}")
        assert out.frames[0].shape == (47, 63, 4) and len(out.frames) == 3 and report.notes == []


@pytest.mark.parametrize("name", ["out.mp4", "out.mkv", "out.avi", "out.WEBM.gif", "out"])
def test_suffix_without_alpha_is_input_error(tmp_path, name):
    source = write_video(tmp_path / "in.mp4", frames=3, audio=None)
    with pytest.raises(InputError, match=r"transparency.*\.webm.*\.mov"):
        process_video(source, tmp_path / name, no_result, cutout, encoder=ALPHA)
    with pytest.raises(InputError, match=name):
        check_video_job(source, tmp_path / name, "libx264", force=False, alpha=True)
    assert not (tmp_path / name).exists() and leftovers(tmp_path) == []
    assert alpha_container_for(tmp_path / "OUT.WebM") == "webm"


def test_alpha_output_that_is_the_input_or_exists(tmp_path):
    source = write_video(tmp_path / "in.mov", frames=3, audio=None)
    with pytest.raises(InputError, match="overwrite the input"):
        process_video(source, source, no_result, cutout, encoder=ALPHA, force=True)
    (tmp_path / "out.webm").write_bytes(b"keep")
    with pytest.raises(InputError, match="already exists"):
        process_video(source, tmp_path / "out.webm", no_result, cutout, encoder=ALPHA)
    assert (tmp_path / "out.webm").read_bytes() == b"keep"


@pytest.mark.parametrize(("alpha", "render"), [
    (True, lambda frame, result: frame),  # RGB where RGBA is expected
    (False, cutout),  # RGBA where RGB is expected
    (True, lambda frame, result: cutout(frame, result).astype(np.float32) / 255),  # float, not uint8
])
def test_frames_with_the_wrong_channels_or_type_fail_cleanly(tmp_path, alpha, render):
    source = write_video(tmp_path / "in.mp4", frames=4, audio=None)
    target = tmp_path / ("out.webm" if alpha else "out.mp4")
    with pytest.raises(ValueError, match=r"uint8 \[H, W, [34]\]"):
        process_video(source, target, no_result, render, encoder=EncoderSettings(alpha=alpha))
    assert not target.exists() and leftovers(tmp_path) == []


def test_alpha_encoders_are_in_this_ffmpeg():
    assert {"libvpx-vp9", "prores_ks", "libopus"} <= set(av.codecs_available)
