"""The video pipeline through its library API, with known masks instead of a model."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from video_samples import channel_spread, read_back, write_video

from splashseg.errors import InputError
from splashseg.render import color_splash
from splashseg.video import MaskSmoother, PipelineOptions, process_video, splash_renderer

VFR_MS = [0, 40, 80, 200, 240, 400, 433, 466, 500, 600, 640, 680]


def left_half(frames):
    """Known masks: keep the left half of every frame (bool [H, W])."""
    masks = []
    for frame in frames:
        mask = np.zeros(frame.shape[:2], bool)
        mask[:, : frame.shape[1] // 2] = True
        masks.append(mask)
    return masks


SPLASH = splash_renderer(partial(color_splash, effect="gray"))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def test_splash_odd_size_vfr_audio_copied(tmp_path):
    source = write_video(tmp_path / "in.mp4", size=(63, 47), times_ms=VFR_MS)
    report = process_video(source, tmp_path / "out.mp4", left_half, SPLASH)
    src, out = read_back(source), read_back(tmp_path / "out.mp4")
    assert (out.codec, out.pix_fmt, out.width, out.height) == ("h264", "yuv420p", 64, 48)
    assert any("padded to 64x48" in note for note in report.notes)
    assert report.frames == len(out.frames) == len(VFR_MS)
    assert out.times == src.times == [ms / 1000 for ms in VFR_MS]
    assert out.video_duration == pytest.approx(src.video_duration, abs=0.041)
    assert out.audio[0]["codec"] == "aac" and out.audio[0]["packets"] == src.audio[0]["packets"]  # copied
    assert out.audio[0]["seconds"] == pytest.approx(src.audio[0]["seconds"], abs=0.01)
    for frame in out.frames:
        assert channel_spread(frame[4:-4, 4:24]) > 100  # kept: still red
        assert channel_spread(frame[4:-4, 38:60]) < 12  # outside the mask: gray


def test_frame_order_batches_and_stride(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=11, audio=None)
    batches = []

    def recording(frames):
        batches.append(len(frames))
        return left_half(frames)

    options = PipelineOptions(batch_size=2, stride=3)
    report = process_video(source, tmp_path / "out.mp4", recording, SPLASH, options=options)
    out = read_back(tmp_path / "out.mp4")
    assert report.model_frames == 4 == sum(batches) and max(batches) <= 2  # frames 0, 3, 6, 9
    assert len(out.frames) == 11 and out.audio == []
    blue = [int(np.median(frame[4:-4, 4:24, 2])) for frame in out.frames]  # encodes the frame index
    assert blue == sorted(blue) and blue[-1] - blue[0] > 60


def test_stride_reuses_the_model_frame_result(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=6, audio=None)

    def by_head(frames):  # keep left half on frame 0's result, right half on frame 3's
        results = []
        for frame in frames:
            mask = np.zeros(frame.shape[:2], bool)
            first = frame[0, 0, 2] < 30
            mask[:, : 32] = first
            mask[:, 32:] = not first
            results.append(mask)
        return results

    process_video(source, tmp_path / "out.mp4", by_head, SPLASH, options=PipelineOptions(stride=3))
    out = read_back(tmp_path / "out.mp4")
    left = [channel_spread(f[4:-4, 4:24]) > 100 for f in out.frames]
    assert left == [True, True, True, False, False, False]


def test_rotation_kept_and_model_sees_upright_frames(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=5, rotation=90, audio=None)
    shapes = []

    def record(frames):
        shapes.extend(f.shape for f in frames)
        return left_half(frames)

    report = process_video(source, tmp_path / "out.mp4", record, SPLASH)
    out = read_back(tmp_path / "out.mp4")
    assert report.rotation == 90 and set(out.rotations) == {90}
    assert set(shapes) == {(64, 48, 3)}  # turned upright for the model
    assert (out.width, out.height) == (64, 48)  # stored as the input stores it


def test_pcm_audio_reencoded_to_aac_for_mp4(tmp_path):
    source = write_video(tmp_path / "in.mov", frames=12, audio="pcm_s16le")
    report = process_video(source, tmp_path / "out.mp4", left_half, SPLASH)
    out = read_back(tmp_path / "out.mp4")
    assert out.audio[0]["codec"] == "aac"
    assert any("re-encoded to AAC" in warning for warning in report.warnings)
    assert out.audio[0]["seconds"] == pytest.approx(0.48, abs=0.07)


def test_mkv_output_keeps_timestamps(tmp_path):
    source = write_video(tmp_path / "in.mp4", times_ms=VFR_MS)
    process_video(source, tmp_path / "out.mkv", left_half, SPLASH)
    out = read_back(tmp_path / "out.mkv")
    assert out.times == [ms / 1000 for ms in VFR_MS] and out.audio[0]["codec"] == "aac"


def test_truncated_input_keeps_what_decodes(tmp_path):
    full = write_video(tmp_path / "full.mp4", frames=30, audio=None, options={"movflags": "faststart"})
    data = full.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])
    report = process_video(cut, tmp_path / "out.mp4", left_half, SPLASH)
    out = read_back(tmp_path / "out.mp4")
    assert 0 < report.frames == len(out.frames) < 30
    assert report.lost_frames == 30 - report.frames
    assert "could not be decoded" in report.warnings[0]


@pytest.mark.parametrize("content", [b"hello, not a video\n", b""])
def test_not_a_video_is_input_error(tmp_path, content):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(content)
    with pytest.raises(InputError, match="fake.mp4"):
        process_video(fake, tmp_path / "out.mp4", left_half, SPLASH)
    assert not (tmp_path / "out.mp4").exists()


def test_audio_only_file_has_no_video_stream(tmp_path):
    import av

    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(InputError, match=r"sound.m4a: no video stream \(streams: audio aac\)"):
        process_video(path, tmp_path / "out.mp4", left_half, SPLASH)


def test_interrupt_leaves_nothing(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=20)
    calls = []

    def interrupted(frames):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return left_half(frames)

    with pytest.raises(KeyboardInterrupt):
        process_video(source, tmp_path / "out.mp4", interrupted, SPLASH)
    assert not (tmp_path / "out.mp4").exists() and leftovers(tmp_path) == []


def test_render_error_leaves_nothing_and_existing_target_kept(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=8, audio=None)
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")

    def broken(frame, result):
        raise ValueError("render failed")

    with pytest.raises(InputError, match="already exists"):
        process_video(source, target, left_half, SPLASH)
    with pytest.raises(ValueError, match="render failed"):
        process_video(source, target, left_half, broken, force=True)
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_bad_suffix_and_same_file(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=3, audio=None)
    with pytest.raises(InputError, match="suffix"):
        process_video(source, tmp_path / "out.avi", left_half, SPLASH)
    with pytest.raises(InputError, match="overwrite the input"):
        process_video(source, source, left_half, SPLASH, force=True)


def test_smoother_fades_flicker_numpy_and_torch():
    import torch

    on = np.ones((4, 4), bool)
    smoother = MaskSmoother(0.5)
    alphas = [float(smoother(m).mean()) for m in (on, ~on, on, on, on, on, on, on, on, on)]
    assert alphas[:3] == [1.0, 0.5, 0.75]  # a one-frame dropout only half-fades
    assert alphas[-1] == 1.0  # a steady mask converges exactly (snapped)
    torch_smoother = MaskSmoother(0.5)
    out = [torch_smoother(torch.from_numpy(m)) for m in (on, ~on)]
    assert isinstance(out[1], torch.Tensor) and float(out[1].mean()) == 0.5


def test_smooth_splash_is_soft_where_masks_flicker(tmp_path):
    source = write_video(tmp_path / "in.mp4", frames=6, audio=None)
    state = {"n": 0}

    def flicker(frames):
        masks = []
        for frame in frames:
            masks.append(np.full(frame.shape[:2], state["n"] % 2 == 0))
            state["n"] += 1
        return masks

    smooth = splash_renderer(partial(color_splash, effect="gray"), MaskSmoother(0.5))
    process_video(source, tmp_path / "out.mp4", flicker, smooth)
    spreads = [channel_spread(f[8:-8, 8:-8]) for f in read_back(tmp_path / "out.mp4").frames]
    assert spreads[0] > 150 and all(40 < s < 170 for s in spreads[1:])  # never fully gray again
