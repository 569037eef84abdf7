"""Mask and box overlap, Hungarian assignment and duplicate suppression (splashseg.video.matching)."""

from __future__ import annotations

import numpy as np
from track_samples import Mover, boxes_of

from splashseg.video.matching import assign, box_iou, duplicates, mask_iou, match, overlap
from splashseg.video.motion import Sighting, mass_centre, translate


def random_masks(rng, count, size=(40, 50)):
    """Rectangles and blobs of random size and place, some empty (float32 [N, H, W])."""
    masks = np.zeros((count, *size), np.float32)
    for mask in masks[: count - 1]:
        y, x = rng.integers(0, size[0] - 5), rng.integers(0, size[1] - 5)
        mask[y: y + rng.integers(1, 20), x: x + rng.integers(1, 25)] = rng.uniform(0.5, 1)
    return masks


def test_mask_iou_equals_the_plain_formula():
    rng = np.random.default_rng(0)
    a, b = random_masks(rng, 6), random_masks(rng, 5)
    plain = np.zeros((6, 5))
    for i in range(6):
        for j in range(5):
            union = np.logical_or(a[i] >= 0.5, b[j] >= 0.5).sum()
            plain[i, j] = np.logical_and(a[i] >= 0.5, b[j] >= 0.5).sum() / union if union else 0
    np.testing.assert_allclose(mask_iou(a, b), plain, atol=1e-6)
    assert mask_iou(a[:0], b).shape == (0, 5)


def test_box_iou_and_the_fallback_for_empty_masks():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 20, 30]], np.float32)  # the last has no area
    np.testing.assert_allclose(box_iou(boxes, boxes)[0], [1, 50 / 150, 0], atol=1e-6)
    masks = np.zeros((3, 40, 40), np.float32)
    masks[1, 0:10, 5:15] = 1
    found = overlap(masks, boxes, masks, boxes)  # mask 0 is empty: its pairs fall back to the boxes
    assert abs(found[0, 1] - 50 / 150) < 1e-6 and found[1, 1] == 1


def test_assign_maximises_total_overlap_and_drops_weak_pairs():
    iou = np.array([[0.9, 0.8], [0.85, 0.1], [0.0, 0.05]])
    assert sorted(assign(iou, 0.3)) == [(0, 1), (1, 0)]  # greedy would take (0, 0) and leave row 1 alone
    assert assign(np.zeros((0, 3)), 0.3) == []


def test_partly_hidden_detection_matches_by_cover():
    track = Mover("ball", (20, 20), (0, 0), radius=12).shape_mask(0, 40, 40)[None].astype(np.float32)
    visible = track.copy()
    visible[:, :, :26] = 0  # only a sliver shows: IoU is low, but it lies inside the track's mask
    assert mask_iou(track, visible)[0, 0] < 0.3
    pairs = match([track], boxes_of(track), visible, boxes_of(visible), iou_threshold=0.3, cover_threshold=0.6)
    assert pairs == [(0, 0)]
    elsewhere = np.roll(visible, 15, axis=2)  # a sliver mostly outside the track: no match
    assert match([track], boxes_of(track), elsewhere, boxes_of(elsewhere), iou_threshold=0.3,
                 cover_threshold=0.6) == []


def test_best_guess_counts():
    track = np.zeros((1, 40, 60), np.float32)
    track[0, 10:20, 5:15] = 1
    moved = translate(track[0], 30, 0)[None]  # where the track would be at its speed
    found = np.roll(track, 30, axis=2)
    assert match([track], boxes_of(track), found, boxes_of(found), iou_threshold=0.3, cover_threshold=0.6) == []
    assert match([track, moved], boxes_of(track), found, boxes_of(found), iou_threshold=0.3,
                 cover_threshold=0.6) == [(0, 0)]


def test_duplicates_keep_the_best_score():
    iou = np.array([[0, 0.9, 0.1], [0.9, 0, 0.8], [0.1, 0.8, 0]])
    assert duplicates(iou, np.array([0.5, 0.9, 0.7]), 0.7).tolist() == [True, False, True]
    assert duplicates(iou, np.array([0.9, 0.5, 0.7]), 0.7).tolist() == [False, True, False]


def test_sighting_speed_and_a_hidden_view():
    disc = Mover("ball", (10, 20), (2, 1), radius=6)
    masks = [disc.shape_mask(t, 40, 60).astype(np.float32) for t in range(6)]
    sighting = Sighting.first(masks[0], 0).next(masks[2], 2)
    assert np.allclose(sighting.speed, (2, 1), atol=0.05)
    assert abs(mass_centre(sighting.guess(5))[1] - 20) < 0.2
    sliver = masks[3].copy()
    sliver[:, :19] = 0  # most of it hidden: the full view moves on at the same speed
    hidden = sighting.next(sliver, 3)
    assert np.allclose(hidden.speed, sighting.speed) and abs(mass_centre(hidden.mask)[1] - 16) < 0.2
