"""Refining Mask R-CNN's soft masks on made pictures whose true edge is known (NumPy and torch paths)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from refine_samples import blocky_soft_mask, edge_scene

from splashseg.metrics import boundary_iou
from splashseg.render.refine import refine_mask, refine_masks
from splashseg.render.refine_torch import refine_mask_torch, refine_masks_torch

# each backend's functions, as a job would pick them once (render.refiner.build_refiner)
BACKENDS = {"numpy": (np.asarray, refine_masks, refine_mask),
            "torch": (torch.from_numpy, refine_masks_torch, refine_mask_torch)}


def edge_error(truth: np.ndarray, mask: np.ndarray) -> float:
    """Mean distance in pixels from the pixels on ``mask``'s contour to the true contour."""
    def contour(m: np.ndarray) -> np.ndarray:
        solid = m.astype(np.uint8)
        return solid > cv2.erode(solid, np.ones((3, 3), np.uint8))

    distance = cv2.distanceTransform((~contour(truth)).astype(np.uint8), cv2.DIST_L2, 5)
    return float(distance[contour(mask)].mean())


def far_from_contour(soft: np.ndarray, band: int) -> np.ndarray:
    """``bool [H, W]``: pixels more than ``band`` (chessboard) from the other side of the 0.5 contour."""
    hard = (soft >= 0.5).astype(np.uint8)
    inside = cv2.distanceTransform(hard, cv2.DIST_C, 3)
    outside = cv2.distanceTransform(1 - hard, cv2.DIST_C, 3)
    return np.where(hard > 0, inside, outside) > band


@pytest.mark.parametrize("shape", ["disc", "star"])
def test_refine_moves_a_blocky_edge_to_the_true_edge(shape):
    image, truth = edge_scene(240, 320, shape=shape, size=80, seed=1)
    soft = blocky_soft_mask(truth)  # what a 28x28 prediction pasted into the box looks like
    refined = refine_mask(image, soft)
    before, after = soft >= 0.5, refined >= 0.5
    assert edge_error(truth, after) < 0.6 * edge_error(truth, before)
    assert 1 - boundary_iou(truth, after) < 0.5 * (1 - boundary_iou(truth, before))  # boundary error halves
    assert refined.dtype == np.float32 and refined.shape == soft.shape
    assert 0.0 <= refined.min() and refined.max() <= 1.0


def test_interior_and_far_background_are_unchanged_exactly():
    image, truth = edge_scene(240, 320, shape="star", size=90, seed=2)
    soft = blocky_soft_mask(truth, blur=0.7)
    refined = refine_mask(image, soft, band=6)
    far = far_from_contour(soft, 6)
    np.testing.assert_array_equal(refined[far], soft[far])
    assert np.count_nonzero(refined != soft) > 500  # and the band did change
    assert np.count_nonzero(far & (soft > 0.98)) > 5000 and np.count_nonzero(far & (soft == 0)) > 20000


def test_refine_does_not_modify_its_inputs_unless_asked():
    image, truth = edge_scene(120, 160, size=30)
    soft = blocky_soft_mask(truth)
    before_image, before_soft = image.copy(), soft.copy()
    refine_masks(image, soft[None])
    np.testing.assert_array_equal(image, before_image)
    np.testing.assert_array_equal(soft, before_soft)
    stack = soft[None].copy()
    out = refine_masks(image, stack, inplace=True)
    assert out is stack and not np.array_equal(stack[0], before_soft)


def test_each_instance_is_refined_on_its_own():
    image, truth_a = edge_scene(200, 300, size=40, center=(80, 100), seed=3)
    _, truth_b = edge_scene(200, 300, shape="star", size=45, center=(220, 100), seed=3)
    image[truth_b] = (250, 250, 60)  # paint the star's object into the same picture
    soft = np.stack([blocky_soft_mask(truth_a), blocky_soft_mask(truth_b), np.zeros((200, 300), np.float32)])
    both = refine_masks(image, soft)
    np.testing.assert_array_equal(both[0], refine_mask(image, soft[0]))
    np.testing.assert_array_equal(both[1], refine_mask(image, soft[1]))
    np.testing.assert_array_equal(both[2], soft[2])  # no pixel >= 0.5: nothing to refine
    for truth, before, after in zip((truth_a, truth_b), soft, both, strict=False):
        assert boundary_iou(truth, after >= 0.5) > boundary_iou(truth, before >= 0.5)


@pytest.mark.parametrize("guide", ["color", "gray"])
@pytest.mark.parametrize("subsample", [None, 1, 3])
def test_torch_matches_numpy(guide, subsample):
    image, truth = edge_scene(300, 400, shape="star", size=120, seed=4)
    soft = np.stack([blocky_soft_mask(truth, blur=0.5), blocky_soft_mask(truth, offset=(3.0, -2.0))])
    expected = refine_masks(image, soft, guide=guide, subsample=subsample)
    got = refine_masks_torch(torch.from_numpy(image), torch.from_numpy(soft), guide=guide, subsample=subsample)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32 and got.shape == soft.shape
    assert np.abs(got.numpy() - expected).max() < 1e-4
    assert np.count_nonzero((got.numpy() >= 0.5) != (expected >= 0.5)) <= 2


def test_torch_takes_half_precision_masks_and_works_in_place():
    image, truth = edge_scene(120, 160, size=35, seed=5)
    soft = torch.from_numpy(blocky_soft_mask(truth))[None]
    half = refine_masks_torch(torch.from_numpy(image), soft.half())
    assert half.dtype == torch.float32
    stack = soft.clone()
    assert refine_masks_torch(torch.from_numpy(image), stack, inplace=True) is stack
    assert not torch.equal(stack, soft)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_degenerate_masks_give_sensible_results(backend):
    convert, refine_masks, _ = BACKENDS[backend]
    image = edge_scene(60, 80, size=20)[0]

    def run(img: np.ndarray, soft: np.ndarray) -> np.ndarray:
        return np.asarray(refine_masks(convert(img), convert(soft)))

    empty = np.zeros((1, 60, 80), np.float32)
    np.testing.assert_array_equal(run(image, empty), empty)  # nothing found: nothing changes
    full = np.ones((1, 60, 80), np.float32)
    np.testing.assert_array_equal(run(image, full), full)  # the picture's border is not an edge
    weak = np.full((1, 60, 80), 0.3, np.float32)
    np.testing.assert_array_equal(run(image, weak), weak)  # no contour at 0.5
    assert run(image, np.zeros((0, 60, 80), np.float32)).shape == (0, 60, 80)
    tiny = run(np.full((1, 1, 3), 7, np.uint8), np.full((1, 1, 1), 0.7, np.float32))
    np.testing.assert_array_equal(tiny, np.full((1, 1, 1), 0.7, np.float32))
    hard = np.zeros((1, 60, 80), bool)
    hard[0, 20:40, 30:50] = True  # a bool mask is taken as 0/1 probabilities
    out = run(image, hard)
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    big = run(image, np.clip(hard.astype(np.float32), 0, 1))
    np.testing.assert_array_equal(out, big)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_bad_inputs_are_value_errors(backend):
    convert, refine_masks, refine_mask = BACKENDS[backend]
    image = edge_scene(60, 80, size=20)[0]
    soft = np.zeros((1, 60, 80), np.float32)
    soft[0, 20:40, 20:40] = 0.9
    with pytest.raises(ValueError, match=r"\[N, H, W\]"):
        refine_masks(convert(image), convert(soft[:, :50]))
    with pytest.raises(ValueError, match=r"\[N, H, W\]"):
        refine_masks(convert(image), convert(soft[0]))
    nan = soft.copy()
    nan[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        refine_masks(convert(image), convert(nan))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        refine_masks(convert(image), convert(soft * 255))
    with pytest.raises(ValueError, match="uint8"):
        refine_masks(convert(image.astype(np.float32)), convert(soft))
    with pytest.raises(ValueError, match="uint8"):
        refine_masks(convert(image[..., :1].copy()), convert(soft))
    for settings, message in (({"radius": 0}, "radius"), ({"band": -3}, "band"), ({"band": 2.5}, "band"),
                              ({"subsample": True}, "subsample"), ({"eps": 0.0}, "eps"),
                              ({"eps": float("nan")}, "eps"), ({"guide": "hsv"}, "guide")):
        with pytest.raises(ValueError, match=message):
            refine_masks(convert(image), convert(soft), **settings)
    with pytest.raises(ValueError, match=r"\[H, W\]"):
        refine_mask(convert(image), convert(soft))


def test_radius_larger_than_the_picture_still_works():
    image, truth = edge_scene(40, 50, size=12, seed=6)
    soft = blocky_soft_mask(truth)
    out = refine_mask(image, soft, radius=200, band=30, subsample=1)
    assert np.isfinite(out).all() and 0 <= out.min() and out.max() <= 1
