"""``video --effect cutout`` and ``splash --video --effect cutout``: videos with alpha written by the real
encoders and read back through PyAV (VP9 alpha with the libvpx-vp9 decoder), the demo's trained small model
on the demo's kind of clip; and every option combination that cannot work (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from video_samples import read_alpha, read_back

from splashseg.cli import main
from splashseg.demo.clip import clip_frames, write_clip
from splashseg.demo.synth import textured_background

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = ["--weights", str(EXAMPLES / "shapes-small.pt"), "--device", "cpu"]
SIZE = (160, 208)  # H, W
FRAMES = 6


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's clip (three moving shapes and a tone), 6 frames at 10 fps."""
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=FRAMES / 10, fps=10, height=SIZE[0],
                      width=SIZE[1])


def _objects(index: int) -> np.ndarray:
    """bool [H, W]: where the clip's objects are on frame ``index`` (they differ from the background)."""
    frame = clip_frames(FRAMES, *SIZE)[index]
    background = textured_background(np.random.default_rng(0), *SIZE)  # clip_frames' first draw with seed 0
    return np.abs(frame.astype(int) - background.astype(int)).max(axis=2) > 40


def _check_alpha(frames: list[np.ndarray], tolerance: int, opaque_share: tuple[float, float]) -> None:
    for frame in frames:
        alpha = frame[..., 3].astype(int)
        opaque, clear = alpha >= 255 - tolerance, alpha <= tolerance
        assert np.count_nonzero(opaque | clear) / alpha.size > 0.95  # a hard keep-mask (no feather)
        assert opaque_share[0] < np.count_nonzero(opaque) / alpha.size < opaque_share[1]


def test_video_cutout_default_target_is_webm_with_alpha_and_audio(clip):
    result = run("video", clip, "--effect", "cutout", "--refine", *MODEL, "--json", "-q")
    assert result.exit_code == 0, result.output
    target = clip.with_name("clip-splash.webm")
    assert json.loads(result.stdout)["output"] == str(target)
    out = read_alpha(target)
    assert (out.codec, out.pix_fmt, len(out.frames)) == ("vp9", "yuva420p", FRAMES)
    _check_alpha(out.frames, tolerance=8, opaque_share=(0.02, 0.6))
    first = out.frames[0]
    objects = _objects(0)
    opaque = first[..., 3] > 128
    assert np.count_nonzero(opaque & objects) / np.count_nonzero(opaque | objects) > 0.6  # alpha is the objects
    audio = read_back(target).audio
    assert len(audio) == 1 and audio[0]["codec"] == "opus"
    assert audio[0]["seconds"] == pytest.approx(read_back(clip).audio[0]["seconds"], abs=0.05)


def test_splash_video_cutout_to_mov_is_prores_4444_and_invert_keeps_the_world(clip, tmp_path):
    target = tmp_path / "world.mov"
    result = run("splash", "--video", clip, "--effect", "cutout", "--invert", *MODEL, "--out", target, "-q")
    assert result.exit_code == 0, result.output
    out = read_alpha(target)
    assert (out.codec, out.profile, len(out.frames)) == ("prores", "4444", FRAMES)
    assert out.pix_fmt.startswith("yuva444p")  # the decoder's bit depth
    _check_alpha(out.frames, tolerance=2, opaque_share=(0.4, 0.98))
    alpha = out.frames[0][..., 3]
    assert alpha[_objects(0)].mean() < 60 and alpha[~_objects(0)].mean() > 200  # the world without the objects
    assert read_back(target).audio[0]["codec"] == "aac"  # copied as it is


@pytest.mark.parametrize(("args", "message"), [
    (["--effect", "cutout", "--out", "{dir}/o.mp4"], "use .webm (VP9, plays in browsers) or .mov"),
    (["--effect", "cutout", "--out", "{dir}/o.mkv"], "cannot be written as '.mkv'"),
    (["--render", "overlay", "--refine"], "--refine applies to --render splash"),
    (["--render", "overlay", "--effect", "cutout"], "--effect cutout needs --render splash"),
    (["--effect", "cutout", "--color", "9,9,9"], "--color cannot apply"),
    (["--effect", "cutout", "--blur-sigma", "3", "--out", "{dir}/o.webm"], "--blur-sigma cannot apply"),
    (["--effect", "cutout", "--out", "{clip}", "--force"], "input"),
    (["--effect", "cutout", "--tracks", "{clip}", "--out", "{dir}/o.webm", "--force"], "input"),
])
def test_video_bad_cutout_and_refine_options_exit_2(clip, tmp_path, args, message):
    args = [a.replace("{dir}", str(tmp_path)).replace("{clip}", str(clip)) for a in args]
    before = clip.read_bytes()
    for command in (["video", clip], ["splash", "--video", clip]):
        if command[0] == "splash" and "--render" in args:
            continue  # splash --video always splashes
        result = run(*command, *args, *MODEL)
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
    assert clip.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == []
