"""Masks kept as crops (``SoftMask``) give the numbers the whole-frame arrays gave: cropping, the working
picture's shrink in the flow, mask overlaps compared only where boxes meet, duplicate suppression."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from splashseg.video.flow import FlowPropagator
from splashseg.video.matching import binary_crop, duplicates, mask_intersections
from splashseg.video.motion import move_soft
from splashseg.video.soft_mask import SoftMask
from splashseg.video.track_store import TrackStore
from splashseg.video.tracking import TrackState


def _blobs(count: int, size: tuple[int, int], seed: int) -> np.ndarray:
    """float32 [count, H, W] soft blobs (some touching the frame's edges, some overlapping)."""
    rng = np.random.default_rng(seed)
    height, width = size
    pad = 60
    masks = np.zeros((count, height + 2 * pad, width + 2 * pad), np.float32)  # cut to the frame below
    for mask in masks:
        x, y = int(rng.integers(pad - 10, pad + width - 5)), int(rng.integers(pad - 10, pad + height - 5))
        w, h = int(rng.integers(3, 60)), int(rng.integers(3, 60))
        mask[y: y + h, x: x + w] = rng.uniform(0.2, 1.0, (h, w))
    return np.ascontiguousarray(masks[:, pad: pad + height, pad: pad + width])


def test_crop_keeps_every_fact_of_the_whole_mask():
    for full in _blobs(20, (120, 200), seed=1):
        soft = SoftMask.of(full)
        assert np.array_equal(soft.full(), full)
        assert binary_crop(full).x == soft.binary().x and np.array_equal(binary_crop(full).bits, soft.binary().bits)
        area = float(full.sum(dtype=np.float64))
        _, cx, cy = soft.mass_centre()
        ys, xs = np.mgrid[:120, :200] + 0.5
        assert soft.mass_centre()[0] == pytest.approx(area)
        assert (cx, cy) == pytest.approx(((full * xs).sum() / area, (full * ys).sum() / area), rel=1e-6)
        assert soft.at(5, 7) == full[7, 5]
    assert SoftMask.of(np.zeros((4, 5), np.float32)).is_empty and SoftMask.empty((4, 5)).full().shape == (4, 5)


@pytest.mark.parametrize("size", [(720, 1280), (96, 128), (101, 147), (480, 854)])
def test_working_picture_part_equals_the_whole_frame_shrink(size):
    """Where the working scale is whole (720p -> 320x180: 4) only the object's part is shrunk; the bits
    must be those of shrinking the whole frame, also for objects at the frame's edges."""
    frame = np.zeros((*size, 3), np.uint8)
    propagator = FlowPropagator()
    propagator.advance(frame)
    flow = propagator.advance(frame)
    small_h, small_w = flow._current.gray.shape
    for full in _blobs(25, size, seed=2):
        whole = cv2.resize(full, (small_w, small_h), interpolation=cv2.INTER_AREA) >= 0.5
        part, (left, top) = flow._small_mask(SoftMask.of(full))
        placed = np.zeros_like(whole)
        placed[top: top + part.shape[0], left: left + part.shape[1]] = part
        assert np.array_equal(placed, whole)


def test_moving_a_crop_is_moving_the_whole_mask():
    fit = np.array([[0.98, -0.05, 7.3], [0.05, 0.98, -3.2]])
    for full in _blobs(10, (90, 130), seed=3):
        moved = cv2.warpAffine(full, fit, (130, 90), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        assert np.abs(move_soft(SoftMask.of(full), fit).full() - moved).max() < 1e-5


def test_overlaps_only_where_boxes_meet_equal_the_dense_count():
    a, b = _blobs(30, (100, 160), seed=4) >= 0.5, _blobs(25, (100, 160), seed=5) >= 0.5
    inter, area_a, area_b = mask_intersections(list(a.astype(np.float32)), list(b.astype(np.float32)))
    assert np.array_equal(inter, (a[:, None] & b[None]).sum(axis=(2, 3)))
    assert np.array_equal(area_a, a.sum(axis=(1, 2))) and np.array_equal(area_b, b.sum(axis=(1, 2)))


def test_duplicates_drop_what_the_greedy_loop_drops():
    rng = np.random.default_rng(6)
    for _ in range(20):
        iou, scores = rng.uniform(0, 1, (30, 30)), rng.uniform(0, 1, 30)
        order, expected = np.argsort(-scores, kind="stable"), np.zeros(30, bool)
        for rank, i in enumerate(order):  # the loop as first written
            if not expected[i]:
                for j in order[rank + 1:]:
                    expected[j] |= iou[i, j] >= 0.6
        assert np.array_equal(duplicates(iou, scores, 0.6), expected)


def test_store_gives_the_crops_back_within_a_quantisation_step():
    store = TrackStore((100, 160))
    masks = _blobs(12, (100, 160), seed=7)
    states = [TrackState(key=i, id=None, soft=SoftMask.of(m), box=np.zeros(4, np.float32), score=0.5)
              for i, m in enumerate(masks)] + [TrackState(key=99, id=None, soft=SoftMask.empty((100, 160)),
                                                          box=np.zeros(4, np.float32), score=0.5)]
    store.put(3, states)
    back = store.get(3, {0: 1})
    assert [s.key for s in back] == [s.key for s in states] and back[0].id == 1
    for got, full in zip(back, [*masks, np.zeros((100, 160), np.float32)], strict=True):
        assert np.abs(got.mask - full).max() <= 0.5 / 255
