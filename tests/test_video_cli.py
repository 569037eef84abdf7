"""``splashseg video`` through the command line, with the real (small, untrained) model."""

from __future__ import annotations

import json

import av
import pytest
from click.testing import CliRunner
from video_samples import read_back, write_video

from splashseg.cli import main

TINY_MODEL = ["--model", "maskrcnn_small", "--weights", "none", "--device", "cpu", "--min-size", "64",
              "--max-size", "96"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.slow
@pytest.mark.parametrize("render", ["splash", "overlay"])
def test_video_with_real_model(tmp_path, render):
    source = write_video(tmp_path / "clip.mp4", frames=8, times_ms=[0, 40, 80, 120, 200, 240, 280, 400])
    target = tmp_path / f"out-{render}.mp4"
    smooth = ["--smooth"] if render == "splash" else []  # the overlay refuses --smooth (issue 18.6)
    result = run("video", str(source), "--out", str(target), "--render", render, "--batch-size", "3",
                 *smooth, "--crf", "28", "--preset", "ultrafast", "--conf", "0.0", "--json", *TINY_MODEL)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["frames"] == 8 == summary["model_frames"] and summary["audio_streams"] == 1
    out = read_back(target)
    assert (out.codec, out.pix_fmt, len(out.frames)) == ("h264", "yuv420p", 8)
    assert out.times == [0.0, 0.04, 0.08, 0.12, 0.2, 0.24, 0.28, 0.4]
    assert out.audio[0]["packets"] == read_back(source).audio[0]["packets"]


def test_default_output_name_stride_and_classes(tmp_path):
    source = write_video(tmp_path / "clip.mp4", frames=6, audio=None)
    result = run("video", str(source), "--stride", "2", "--classes", "person", "--json", "-q", *TINY_MODEL)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model_frames"] == 3
    with av.open(str(tmp_path / "clip-splash.mp4")) as container:
        assert container.streams.video[0].frames == 6


def test_existing_output_needs_force(tmp_path):
    source = write_video(tmp_path / "clip.mp4", frames=3, audio=None)
    (tmp_path / "out.mp4").write_bytes(b"keep me")
    result = run("video", str(source), "--out", str(tmp_path / "out.mp4"), *TINY_MODEL)
    assert result.exit_code == 2 and "already exists" in result.output
    assert (tmp_path / "out.mp4").read_bytes() == b"keep me"


def test_not_a_video_exits_2(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("just text")
    result = run("video", str(fake), "--out", str(tmp_path / "out.mp4"), *TINY_MODEL)
    assert result.exit_code == 2
    assert "notes.mp4" in result.output and "not a video" in result.output
    assert "Traceback" not in result.output


def test_unknown_class_and_unusable_encoder_exit_2(tmp_path):
    source = write_video(tmp_path / "clip.mp4", frames=3, audio=None)
    result = run("video", str(source), "--classes", "unicorn", *TINY_MODEL)
    assert result.exit_code == 2 and "unicorn" in result.output
    assert not (tmp_path / "clip-splash.mp4").exists()
    try:
        from splashseg.video.writer import check_encoder

        check_encoder("h264_nvenc")
        pytest.skip("h264_nvenc works here")
    except Exception:  # noqa: BLE001 - the usual case without an NVIDIA GPU
        pass
    result = run("video", str(source), "--codec", "h264_nvenc", *TINY_MODEL)
    assert result.exit_code == 2 and "h264_nvenc" in result.output and "--codec libx264" in result.output
