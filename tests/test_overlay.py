"""The detection overlay: masks tinted, outlines and boxes drawn, labels on filled boxes that do not overlap."""

from __future__ import annotations

import numpy as np
import pytest

from splashseg.predict.detections import Detections
from splashseg.render import draw_detections, instance_colors


def _two_detections(size: int = 160) -> Detections:
    masks = np.zeros((2, size, size), bool)
    masks[0, 40:100, 40:100] = True
    masks[1, 41:100, 41:100] = True
    boxes = np.array([[40, 40, 100, 100], [41, 41, 100, 100]], np.float32)
    return Detections(boxes, np.array([1, 2]), np.array([0.9, 0.8], np.float32), masks, ["kite", "balloon"])


@pytest.mark.parametrize("background", [10, 245])  # a dark and a light picture
def test_overlay_draws_and_keeps_the_input(background: int):
    image = np.full((160, 160, 3), background, np.uint8)
    before = image.copy()
    out = draw_detections(image, _two_detections())
    np.testing.assert_array_equal(image, before)
    inside, outside = out[70, 70].astype(int), out[150, 150].astype(int)
    assert np.abs(inside - background).max() > 40, "the mask is tinted with the instance colour"
    np.testing.assert_array_equal(outside, [background] * 3)
    colors = instance_colors(2)
    label_pixels = out[:40, 40:100].reshape(-1, 3)
    assert any((label_pixels == c).all(axis=1).any() for c in colors), "labels sit on a filled colour box"


def test_labels_of_overlapping_detections_are_stacked():
    out = draw_detections(np.full((160, 160, 3), 128, np.uint8), _two_detections(), boxes=False)
    colors = instance_colors(2)
    rows = [np.flatnonzero((out[:, 40:100] == c).all(axis=2).any(axis=1)) for c in colors]
    assert rows[0].size and rows[1].size
    # the label boxes (rows holding each instance's colour) do not share rows
    assert rows[0].max() < rows[1].min() or rows[1].max() < rows[0].min()


def test_no_detections_is_a_plain_copy():
    image = np.full((20, 30, 3), 77, np.uint8)
    empty = Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.int64), np.zeros(0, np.float32),
                       np.zeros((0, 20, 30), bool), [])
    np.testing.assert_array_equal(draw_detections(image, empty), image)
    assert len(instance_colors(12)) == len({tuple(c) for c in instance_colors(12)})
