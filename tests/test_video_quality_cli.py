"""The temporal-quality figures of ``video --json`` on a clip of the demo's shapes whose true masks are
known, rendered with the demo's trained model (``examples/shapes-small.pt``): the figures must get worse
when propagation does (``--propagate hold``), and the true masks must score better than either."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from video_scenes import Scene, Shape, draw_scene, write_scene

from splashseg.cli import main
from splashseg.video.flow import FlowPropagator
from splashseg.video.quality import FlickerScore

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = ["--weights", str(EXAMPLES / "shapes-small.pt"), "--device", "cpu", "--preset", "ultrafast"]
FRAMES, KITE_ENTERS = 30, 9

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scene() -> Scene:
    return draw_scene([Shape("box", 34, (235, 50, 50), (24, 30), (3.5, 0.5), aspect=0.65),
                       Shape("box", 44, (250, 230, 60), (120, 90), (-2.0, 0), aspect=0.55),
                       Shape("kite", 16, (60, 220, 90), (90, 40), (0.5, 0.8), enter=KITE_ENTERS)], FRAMES, seed=2)


@pytest.fixture(scope="module")
def clip(scene: Scene, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scene(tmp_path_factory.mktemp("quality") / "shapes.mp4", scene)


def figures(clip: Path, tmp_path: Path, *options: str) -> dict:
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}.mp4"
    result = CliRunner().invoke(main, ["video", str(clip), "--out", str(out), "--json", "-q", *MODEL, *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def true_flicker(scene: Scene) -> float:
    """The flicker of the true keep-mask (every object), with the flow the pipeline would compute."""
    propagator, score = FlowPropagator(), FlickerScore()
    masks = [np.logical_or.reduce([truth[t] for truth in scene.truth]).astype(np.float32) for t in range(FRAMES)]
    for t, frame in enumerate(scene.frames):
        flow = propagator.advance(frame)
        if flow is not None:
            score.add(masks[t - 1], masks[t], flow.forward(), flow.backward())
    return score.summary()


def test_figures_fall_when_masks_are_held_instead_of_carried(clip, scene, tmp_path):
    by_flow = figures(clip, tmp_path, "--stride", "3")
    by_hold = figures(clip, tmp_path, "--stride", "3", "--propagate", "hold")
    flow_iou, hold_iou = by_flow["propagation_iou"], by_hold["propagation_iou"]
    assert flow_iou["keyframes"] >= 8 and hold_iou["keyframes"] >= 8
    assert flow_iou["mean"] > 0.6 and hold_iou["mean"] < flow_iou["mean"] - 0.15
    assert hold_iou["worst"] <= hold_iou["mean"] and hold_iou["worst_frame"] % 3 == 0
    assert by_hold["flicker"] > by_flow["flicker"] > true_flicker(scene)
    assert by_flow["videos"][0]["flicker"] == by_flow["flicker"]  # one video: its entry's keys at the top too


def test_every_frame_to_the_model_and_track_births(clip, tmp_path):
    tracks = tmp_path / "tracks.json"
    every = figures(clip, tmp_path, "--tracks", str(tracks))
    assert every["model_frames"] == FRAMES and every["propagation_iou"]["keyframes"] >= FRAMES - 3
    assert 0.0 <= every["flicker"] < 0.5
    born = [t for t in json.loads(tracks.read_text())["tracks"] if t["first_frame"] > 0]
    assert born  # the kite enters on frame 9: a track born mid-clip
    assert every["births_per_minute"] == round(len(born) / (FRAMES / 15 / 60), 3)
