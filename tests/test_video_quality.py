"""Temporal-quality figures (splashseg.video.quality) on masks with known motion."""

from __future__ import annotations

import numpy as np
import pytest
from video_scenes import Shape, draw_scene

from splashseg.video.flow import FlowPropagator
from splashseg.video.quality import (
    FlickerScore,
    PropagationScore,
    mask_iou,
    track_turnover,
    visible,
    warp_previous,
    warping_error,
)

STEP = (3.0, 1.0)


def disc(cx: float, cy: float, r: float = 12, shape: tuple[int, int] = (60, 80)) -> np.ndarray:
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r).astype(np.float32)


def exact_flows(previous: np.ndarray, current: np.ndarray, step: tuple[float, float]):
    """Forward flow: the object (previous mask) moves by step; backward: current object pixels came from
    -step; the background stands still."""
    forward = np.zeros((*previous.shape, 2), np.float32)
    backward = np.zeros_like(forward)
    forward[previous > 0.5] = step
    backward[current > 0.5] = (-step[0], -step[1])
    return forward, backward


def test_exact_motion_has_no_flicker_and_uncovered_background_is_excluded():
    previous, current = disc(30, 30), disc(33, 31)
    forward, backward = exact_flows(previous, current, STEP)
    seen = visible(forward, backward)
    moved = warp_previous(previous, backward)
    assert mask_iou(moved * seen, current) > 0.97  # the trail it reads behind the disc is not visible
    uncovered = (previous > 0.5) & (current < 0.5)  # background the disc left: occluded in the previous frame
    assert not seen[uncovered].any() and seen[current > 0.5].all()
    assert warping_error(previous, current, forward, backward) < 0.02
    # a mask that does not follow the picture (held in place) flickers
    assert warping_error(previous, previous, forward, backward) > 0.1


def test_flicker_undefined_without_a_kept_area_and_a_vanishing_object_counts_fully():
    empty = np.zeros((60, 80), np.float32)
    still = np.zeros((60, 80, 2), np.float32)
    assert warping_error(empty, empty, still, still) is None
    assert warping_error(disc(30, 30), empty, still, still) == pytest.approx(1.0)
    score = FlickerScore()
    score.add(empty, empty, still, still)
    assert score.summary() is None


@pytest.fixture(scope="module")
def moving_scene():
    """A kite and a box crossing the demo's textured background for 13 frames; their true masks known."""
    shapes = [Shape("box", 30, (40, 90, 220), (40, 60), (3.0, 0.5)),
              Shape("kite", 14, (230, 180, 30), (120, 50), (-2.0, 1.0))]
    scene = draw_scene(shapes, 13)
    propagator = FlowPropagator()
    flows = [propagator.advance(frame) for frame in scene.frames]
    keep = [np.logical_or(scene.truth[0][t], scene.truth[1][t]).astype(np.float32) for t in range(13)]
    return scene, flows, keep


def flicker_of(masks, flows) -> float:
    score = FlickerScore()
    for t in range(1, len(masks)):
        score.add(masks[t - 1], masks[t], flows[t].forward(), flows[t].backward())
    return score.summary()


def held(masks, stride: int):
    return [masks[t - t % stride] for t in range(len(masks))]


def test_flicker_on_a_made_clip_rises_as_masks_follow_the_motion_worse(moving_scene):
    scene, flows, keep = moving_scene
    true = flicker_of(keep, flows)
    assert true < 0.15
    assert flicker_of(held(keep, 3), flows) > true + 0.05  # masks that jump every 3rd frame
    noisy = [m if t % 2 else m * (np.random.default_rng(t).random(m.shape) > 0.3) for t, m in enumerate(keep)]
    assert flicker_of(noisy, flows) > true + 0.1


def carried(scene, flows, k: int, start: int, stride: int, move: bool) -> np.ndarray:
    mask = scene.truth[k][start].astype(np.float32)
    for t in range(start + 1, start + stride + 1):
        mask = flows[t].warp(mask) if move else mask
    return mask


@pytest.mark.parametrize("stride", [3, 6])
def test_propagation_iou_falls_when_masks_are_held_instead_of_carried(moving_scene, stride):
    scene, flows, _ = moving_scene
    by_flow, by_hold = PropagationScore(), PropagationScore()
    for start in range(0, 13 - stride, stride):
        fresh = [scene.truth[k][start + stride] for k in range(2)]
        by_flow.add(start + stride, [carried(scene, flows, k, start, stride, True) for k in range(2)], fresh)
        by_hold.add(start + stride, [carried(scene, flows, k, start, stride, False) for k in range(2)], fresh)
    flow, hold = by_flow.summary(), by_hold.summary()
    assert flow["keyframes"] == hold["keyframes"] >= 1
    assert flow["mean"] > 0.7 and flow["mean"] > hold["mean"] + 0.15
    assert hold["worst"] <= hold["mean"] and hold["worst_frame"] % stride == 0


def test_propagation_summary_without_keyframes():
    assert PropagationScore().summary() == {"mean": None, "worst": None, "worst_frame": None, "keyframes": 0}
    with pytest.raises(ValueError):
        PropagationScore().add(3, [np.zeros((2, 2))], [])


def test_track_turnover_per_minute():
    spans = [(0, 299), (10, 299), (0, 150), (200, 250)]  # 300 frames at 10 fps: half a minute
    assert track_turnover(spans, 300, 10.0) == {"births": 2, "deaths": 2, "births_per_minute": 4.0,
                                                "deaths_per_minute": 4.0}
    assert track_turnover([(0, 9)], 10, None)["births_per_minute"] is None


class _State:
    """What the meter reads of a tracker's state: its key and its soft mask (as the crop a track keeps)."""

    def __init__(self, key: int, mask: np.ndarray) -> None:
        from splashseg.video.soft_mask import SoftMask

        self.key, self.soft = key, SoftMask.of(mask.astype(np.float32))


def test_track_flicker_sums_the_chosen_tracks_shares(moving_scene):
    from splashseg.video.quality_meter import TrackFlicker

    scene, flows, keep = moving_scene
    both, smoothed = TrackFlicker(), TrackFlicker(smooth_weight=0.5)
    for t, frame in enumerate(scene.frames):
        states = [_State(k + 1, scene.truth[k][t]) for k in range(2)]
        both.see(frame, flows[t], states)
        smoothed.see(frame, flows[t], states)
    # the two objects hardly overlap: the shares of both add up to the union's warping error (where their
    # soft edges meet, the union's max and the shares' sum differ a little)
    assert both.flicker({1, 2}) == pytest.approx(flicker_of(keep, flows), rel=0.01)
    box_alone = flicker_of([scene.truth[0][t].astype(np.float32) for t in range(13)], flows)
    assert both.flicker({1}) == pytest.approx(box_alone, rel=1e-4)
    assert both.flicker(set()) is None and both.flicker({7}) is None
    assert smoothed.flicker({1, 2}) > both.flicker({1, 2})  # an average trails the moving edges


def test_track_flicker_with_its_own_flow_and_a_track_that_ends(moving_scene):
    from splashseg.video.quality_meter import TrackFlicker

    scene, flows, _ = moving_scene
    own, given = TrackFlicker(own_flow=True), TrackFlicker()
    for t, frame in enumerate(scene.frames):
        states = [_State(1, scene.truth[0][t])] if t < 8 else []  # the track ends after frame 7
        own.see(frame, None, states)
        given.see(frame, flows[t], states)
    assert own.flicker({1}) == pytest.approx(given.flicker({1}), rel=1e-6)
    per_frame = [parts[1] for parts in given.frames if 1 in parts]
    assert len(per_frame) == 8  # frame pairs 0-1 ... 6-7, and 7-8 where it vanishes
    assert per_frame[-1][0] == pytest.approx(per_frame[-1][1]) and per_frame[-1][1] > 100  # all of it flickers
