"""The flicker meter on crops (splashseg.video.quality_meter, FrameWarp.parts on SoftMasks) gives the same
figures as the full-array way: a reference built here from whole [h, w] arrays (whole-frame shrink,
whole-frame smoothing, whole-frame warp and visibility) on a real clip with real optical flow."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from video_scenes import Shape, draw_scene

from splashseg.video.flow import DEFAULT_WORK_SIZE, FlowPropagator, work_shape
from splashseg.video.quality import FrameWarp, _moved_crop, error_of, sample, visible, warp_previous, warping_error
from splashseg.video.quality_meter import _SNAP, TrackFlicker, small_mask
from splashseg.video.soft_mask import SoftMask

SIZE = (640, 360)  # (W, H): the meter works at 320x180, a whole-number scale
FRAMES = 12
ABSENT_KEY, ABSENT_FRAME = 4, 6  # that track's mask is empty on that frame


class _State:
    """What the meter reads of a tracker's state: its key and its mask's crop."""

    def __init__(self, key: int, mask: np.ndarray) -> None:
        self.key, self.soft = key, SoftMask.of(mask)


@pytest.fixture(scope="module")
def crowd():
    """Five objects with soft edges: two crossing the middle, one leaving through the left border, one
    along the top border moving down out of the bottom... and one whose mask is empty on ABSENT_FRAME.
    Returns (frames RGB uint8 [H, W, 3], masks[t] {key: float32 [H, W]}, flows[t] FrameFlow or None)."""
    shapes = [Shape("balloon", 40, (200, 60, 60), (150, 180), (9.0, 2.0)),
              Shape("box", 90, (40, 90, 220), (480, 200), (-7.0, -3.0)),
              Shape("box", 80, (60, 200, 90), (30, 100), (-12.0, 1.5)),  # touches, then leaves, the left
              Shape("kite", 30, (230, 180, 30), (420, 30), (2.0, 36.0)),  # from the top border out at the bottom
              Shape("balloon", 30, (120, 40, 160), (560, 300), (-5.0, -4.0))]
    scene = draw_scene(shapes, FRAMES, size=SIZE)
    propagator = FlowPropagator()
    flows = [propagator.advance(frame) for frame in scene.frames]
    masks = []
    for t in range(FRAMES):
        soft = {k: np.clip(cv2.GaussianBlur(scene.truth[k][t].astype(np.float32), (7, 7), 2.0), 0, 1)
                for k in range(len(shapes))}
        soft[ABSENT_KEY] = np.zeros_like(soft[ABSENT_KEY]) if t == ABSENT_FRAME else soft[ABSENT_KEY]
        masks.append(soft)
    return scene.frames, masks, flows


def reference_parts(previous, current, forward, backward) -> tuple[float, float]:
    """One mask pair's (difference, kept area) the full-array way: warp the whole previous mask, check
    visibility on the whole picture, sum over the visible pixels."""
    shape = backward.shape[:2]
    previous = np.zeros(shape, np.float32) if previous is None else previous
    current = np.zeros(shape, np.float32) if current is None else current
    moved, seen = warp_previous(previous, backward), visible(forward, backward)
    return float(np.abs(current - moved)[seen].sum()), float(np.maximum(current, moved)[seen].sum())


def reference_frames(frames, masks, flows, weight):
    """Per frame pair {key: (difference, kept area)} the full-array way, smoothing as the renderer does."""
    shape = work_shape(frames[0].shape[0], frames[0].shape[1], DEFAULT_WORK_SIZE)
    out, previous = [], None
    for t in range(FRAMES):
        current = {k: cv2.resize(m, shape[::-1], interpolation=cv2.INTER_AREA) for k, m in masks[t].items()}
        if weight is not None and previous is not None:
            smoothed = {}
            for key in previous.keys() | current.keys():
                now, before = current.get(key), previous.get(key)
                value = now * weight if before is None else before * (1 - weight) + (
                    now * weight if now is not None else 0.0)
                value[value < _SNAP], value[value > 1 - _SNAP] = 0.0, 1.0
                if now is not None or value.any():
                    smoothed[key] = value
            current = smoothed
        if previous is not None:
            forward, backward = flows[t].forward(), flows[t].backward()
            out.append({k: reference_parts(previous.get(k), current.get(k), forward, backward)
                        for k in previous.keys() | current.keys()})
        previous = current
    return out


def reference_flicker(frames, keys) -> float | None:
    values = []
    for parts in frames:
        chosen = [parts[k] for k in keys if k in parts]
        error = error_of((sum(d for d, _ in chosen), sum(a for _, a in chosen)))
        if error is not None:
            values.append(error)
    return float(np.mean(values)) if values else None


def meter(frames, masks, flows, weight) -> TrackFlicker:
    flicker = TrackFlicker(smooth_weight=weight)
    for t in range(FRAMES):
        flicker.see(frames[t], flows[t], [_State(k, m) for k, m in masks[t].items()])
    return flicker


@pytest.mark.parametrize("weight", [None, 0.4])
def test_meter_on_crops_gives_the_full_array_figures(crowd, weight):
    frames, masks, flows = crowd
    flicker, reference = meter(frames, masks, flows, weight), reference_frames(frames, masks, flows, weight)
    assert len(flicker.frames) == len(reference) == FRAMES - 1
    for got, want in zip(flicker.frames, reference, strict=True):
        assert got.keys() == want.keys()
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-5, abs=1e-6)
    for keys in ({0}, {1}, {2}, {3}, {ABSENT_KEY}, {0, 1}, {0, 2, 3}, {0, 1, 2, 3, ABSENT_KEY}):
        assert flicker.flicker(keys) == pytest.approx(reference_flicker(reference, keys), rel=1e-5)
    # the scene does what it says: the object on the left leaves the picture, the kite leaves at the bottom
    assert masks[0][2][:, 0].any() and not masks[-1][2].any()
    assert masks[0][3][0].any() and masks[9][3][-1].any() and not masks[-1][3].any()


def test_the_meter_keeps_crops_at_the_working_size(crowd):
    frames, masks, flows = crowd
    shape = work_shape(SIZE[1], SIZE[0], DEFAULT_WORK_SIZE)
    small = small_mask(SoftMask.of(masks[0][0]), shape)
    assert isinstance(small, SoftMask) and small.frame_size == shape
    assert small.values.size < shape[0] * shape[1] / 10  # the balloon's box, not the picture
    whole = cv2.resize(masks[0][0], shape[::-1], interpolation=cv2.INTER_AREA)  # shrinking the picture
    assert np.allclose(small.full(), whole, rtol=0, atol=1e-6)
    for weight in (None, 0.4):
        kept = meter(frames, masks, flows, weight)._previous
        assert all(isinstance(m, SoftMask) and m.frame_size == shape for m in kept.values())


def test_a_track_empty_on_one_frame_counts_all_its_mass_twice(crowd):
    """The track is still live (the tracker kept it) with an empty mask: vanishing and reappearing."""
    frames, masks, flows = crowd
    flicker, reference = meter(frames, masks, flows, None), reference_frames(frames, masks, flows, None)
    gone, back = flicker.frames[ABSENT_FRAME - 1][ABSENT_KEY], flicker.frames[ABSENT_FRAME][ABSENT_KEY]
    assert gone == pytest.approx(reference[ABSENT_FRAME - 1][ABSENT_KEY], rel=1e-5)
    assert back == pytest.approx(reference[ABSENT_FRAME][ABSENT_KEY], rel=1e-5)
    assert gone[0] == pytest.approx(gone[1]) and back[0] == pytest.approx(back[1]) and gone[1] > 100


def test_frame_warp_parts_take_arrays_and_crops_alike(crowd):
    frames, masks, flows = crowd
    shape = flows[3].backward().shape[:2]
    previous, current = (cv2.resize(masks[t][1], shape[::-1], interpolation=cv2.INTER_AREA) for t in (2, 3))
    warp = FrameWarp(flows[3].forward(), flows[3].backward())
    on_arrays = warp.parts(previous, current)
    assert on_arrays == warp.parts(SoftMask.of(previous), SoftMask.of(current))
    assert on_arrays == pytest.approx(reference_parts(previous, current, flows[3].forward(), flows[3].backward()),
                                      rel=1e-5)
    assert warping_error(previous, current, flows[3].forward(), flows[3].backward()) == pytest.approx(
        on_arrays[0] / on_arrays[1])
    assert warp.parts(None, None) == (0.0, 0.0)


def test_reading_the_padded_crop_equals_reading_the_picture_where_the_source_is_inside():
    """An object along the left and bottom borders: bilinear reads of its crop padded by a zero pixel
    equal the whole picture's reads at every position inside the picture (bit for bit); positions just
    outside it differ, and exactly those pixels the visibility check drops."""
    rng = np.random.default_rng(5)
    full = np.zeros((40, 60), np.float32)
    full[22:40, 0:17] = rng.random((18, 17), dtype=np.float32)
    crop = SoftMask.of(full)
    xs = rng.uniform(-0.99, 20.0, 4000).astype(np.float32)
    ys = rng.uniform(19.0, 39.99, 4000).astype(np.float32)
    xs[:8], ys[:8] = np.float32([0, 16, 17, 17.5, 18, 0.25, 3, 59]), np.float32([39, 22, 21.5, 39, 21, 39, 39, 39])
    whole, inside = sample(full, xs, ys)
    from_crop = _moved_crop(crop, xs, ys)
    assert np.array_equal(from_crop[inside], whole[inside])
    assert (~inside).sum() > 100 and (from_crop[~inside] != whole[~inside]).any()
    # a backward flow whose sources lie left of the picture there: those pixels are not visible
    backward = np.zeros((40, 60, 2), np.float32)
    backward[:, :3, 0] = -3.5
    seen = visible(np.zeros_like(backward), backward)
    assert not seen[:, :3].any() and seen[:, 3:].all()
    assert FrameWarp(np.zeros_like(backward), backward).parts(crop, full) == pytest.approx(
        reference_parts(full, full, np.zeros_like(backward), backward), rel=1e-6)
