"""Optical flow between frames (splashseg.video.flow): its direction, and masks carried along it."""

from __future__ import annotations

import numpy as np
import pytest
from track_samples import Mover, fake_detections, iou, make_clip, texture

from splashseg.video.flow import FlowPropagator, small_rgb, work_shape
from splashseg.video.tracking import Tracker

SHIFT = (3, -2)  # dx, dy in pixels


def shifted_pair(height: int = 96, width: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Two RGB frames: a textured picture, and the same picture moved by SHIFT (what leaves comes back)."""
    first = texture(np.random.default_rng(3), height, width, (110, 120, 130))
    return first, np.roll(first, (SHIFT[1], SHIFT[0]), axis=(0, 1))


def test_first_frame_has_no_flow_and_a_new_size_restarts():
    first, second = shifted_pair()
    propagator = FlowPropagator()
    assert propagator.advance(first) is None
    assert propagator.advance(second) is not None
    assert propagator.advance(first[:64, :80]) is None  # a different size: no flow across it
    propagator.reset()
    assert propagator.advance(first) is None


def test_flow_directions_forward_and_backward():
    first, second = shifted_pair()
    propagator = FlowPropagator()
    propagator.advance(first)
    flow = propagator.advance(second)
    inner = (slice(16, -16), slice(16, -16))
    forward = np.median(flow.forward()[inner].reshape(-1, 2), axis=0)  # where pixels of the first frame go
    backward = np.median(flow.backward()[inner].reshape(-1, 2), axis=0)  # where pixels of the second came from
    np.testing.assert_allclose(forward, SHIFT, atol=0.5)
    np.testing.assert_allclose(backward, [-SHIFT[0], -SHIFT[1]], atol=0.5)


@pytest.mark.parametrize("mode", ["affine", "dense"])
def test_warp_moves_a_mask_with_the_picture(mode):
    first, second = shifted_pair()
    propagator = FlowPropagator(mode=mode)
    propagator.advance(first)
    flow = propagator.advance(second)
    mask = np.zeros((96, 128), np.float32)
    mask[30:60, 40:90] = 1.0
    moved = flow.warp(mask)
    expected = np.roll(mask, (SHIFT[1], SHIFT[0]), axis=(0, 1))
    assert moved.dtype == np.float32 and moved.shape == mask.shape and 0 <= moved.min() and moved.max() <= 1
    assert iou(moved, expected) > 0.9 and iou(mask, expected) < 0.8
    stack = flow.warp(np.stack([mask, mask[::-1]]).astype(bool))  # a stack, bool accepted
    assert stack.shape == (2, 96, 128) and iou(stack[0], expected) > 0.9


def test_warp_checks_the_mask_size():
    first, second = shifted_pair()
    propagator = FlowPropagator()
    propagator.advance(first)
    with pytest.raises(ValueError, match="frame size"):
        propagator.advance(second).warp(np.zeros((10, 10), np.float32))


def moving_clip():
    """A textured disc and a textured rectangle moving over a textured background (they never touch)."""
    return make_clip([Mover("ball", (24, 72), (3, -0.5), radius=14),
                      Mover("box", (100, 16), (-2, 0.5), half=(12, 9))], 31)


def carried_iou(clip, stride: int, flow: bool, mode: str = "affine") -> list[float]:
    """IoU with the true masks of the tracks' masks on the frames the model skips at ``stride``."""
    tracker, propagator = Tracker(hold=1, min_hits=1), FlowPropagator(mode=mode)
    scores = []
    for t, frame in enumerate(clip.frames):
        motion = propagator.advance(frame) if flow else None
        states = tracker.update(t, fake_detections(clip, t) if t % stride == 0 else None, motion)
        if t % stride:
            assert {s.source for s in states} == {"flow" if flow else "hold"}
            scores += [max(iou(s.mask, truth[t]) for s in states) for truth in clip.truth]
    return scores


def test_flow_carries_masks_between_keyframes_at_stride_5():
    clip = moving_clip()
    with_flow, held = carried_iou(clip, 5, flow=True), carried_iou(clip, 5, flow=False)
    assert len(with_flow) == 2 * 24
    assert np.mean(with_flow) > 0.85 and min(with_flow) > 0.7, (np.mean(with_flow), min(with_flow))
    assert np.mean(held) < 0.75  # the objects do move: keeping the masks still is clearly worse


def test_the_working_picture_keeps_the_aspect_and_is_never_enlarged():
    first, _ = shifted_pair(120, 400)
    shape = work_shape(120, 400, 320)
    assert shape == (96, 320) and work_shape(60, 80, 320) == (60, 80)
    small = small_rgb(first, shape)
    assert small.dtype == np.uint8 and small.shape == (*shape, 3)
    assert small_rgb(first, (120, 400)) is not None and np.array_equal(small_rgb(first, (120, 400)), first)


@pytest.mark.parametrize("kwargs", [{"preset": "turbo"}, {"mode": "sideways"}, {"work_size": 0},
                                    {"work_size": 10**6}])
def test_bad_settings(kwargs):
    with pytest.raises(ValueError):
        FlowPropagator(**kwargs)
