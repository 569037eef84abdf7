"""The cutout effect: alpha values against known masks, straight alpha, torch == NumPy, bad inputs."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from samples import scene

from splashseg.render.cutout import cutout_rgba
from splashseg.render.cutout_torch import cutout_rgba_torch

BACKENDS = {"numpy": (np.asarray, cutout_rgba), "torch": (torch.from_numpy, cutout_rgba_torch)}


@pytest.fixture
def picture_and_mask() -> tuple[np.ndarray, np.ndarray]:
    image = scene(60, 80)
    mask = np.zeros((60, 80), bool)
    mask[10:40, 15:55] = True
    return image, mask


def test_hard_mask_gives_alpha_0_and_255_and_straight_colour(picture_and_mask):
    image, mask = picture_and_mask
    rgba = cutout_rgba(image, mask)
    assert rgba.shape == (60, 80, 4) and rgba.dtype == np.uint8
    np.testing.assert_array_equal(rgba[..., 3], np.where(mask, 255, 0))
    np.testing.assert_array_equal(rgba[mask][:, :3], image[mask])  # not premultiplied
    assert not rgba[~mask].any()  # transparent pixels carry no colour (nothing cut away stays in the file)


def test_invert_keeps_the_world_without_the_objects(picture_and_mask):
    image, mask = picture_and_mask
    rgba = cutout_rgba(image, mask, invert=True)
    np.testing.assert_array_equal(rgba[..., 3], np.where(mask, 0, 255))
    np.testing.assert_array_equal(rgba[~mask][:, :3], image[~mask])
    assert not rgba[mask].any()


def test_soft_alpha_values(picture_and_mask):
    image, _ = picture_and_mask
    alpha = np.zeros((60, 80), np.float32)
    alpha[:, 20:40], alpha[:, 40:60], alpha[:, 60:] = 0.25, 0.5, 1.0
    rgba = cutout_rgba(image, alpha)
    assert set(np.unique(rgba[..., 3]).tolist()) == {0, 64, 128, 255}  # round(63.75), round(127.5)
    assert rgba[0, 50, 3] == 128 and rgba[0, 25, 3] == 64
    np.testing.assert_array_equal(cutout_rgba(image, alpha, invert=True)[0, [10, 25, 50, 70], 3], [255, 191, 128, 0])


def test_feathered_edge_by_hand():
    # A vertical edge blurred with sigma = feather / 2 = 2: the first pixel outside keeps (1 - k0) / 2 of the
    # step, k0 = 1 / (sqrt(2 pi) * 2) = 0.19947 the kernel's centre weight: 0.40026 * 255 = 102.07 -> 102;
    # the last pixel inside 1 - 0.40026 -> 153.
    image = np.full((20, 200, 3), 90, np.uint8)
    mask = np.zeros((20, 200), bool)
    mask[:, :100] = True
    alpha = cutout_rgba(image, mask, feather=4)[10, :, 3].astype(int)
    assert alpha[99] == 153 and alpha[100] == 102
    assert alpha[0] == 255 and alpha[-1] == 0 and np.all(np.diff(alpha) <= 0)
    assert np.all(alpha[80:100] + alpha[100:120][::-1] == 255)  # symmetric about the edge


def test_png_round_trip(picture_and_mask, tmp_path):
    image, mask = picture_and_mask
    rgba = cutout_rgba(image, mask, feather=3)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    buffer.seek(0)
    np.testing.assert_array_equal(np.asarray(Image.open(buffer)), rgba)


def test_inputs_not_modified(picture_and_mask):
    image, mask = picture_and_mask
    before_image, before_mask = image.copy(), mask.copy()
    cutout_rgba(image, mask, feather=2, invert=True)
    np.testing.assert_array_equal(image, before_image)
    np.testing.assert_array_equal(mask, before_mask)


@pytest.mark.parametrize("feather", [0, 4])
@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("soft", [False, True])
def test_torch_matches_numpy(picture_and_mask, feather, invert, soft):
    image, mask = picture_and_mask
    keep = mask.astype(np.float32) * 0.8 if soft else mask
    expected = cutout_rgba(image, keep, invert=invert, feather=feather)
    got = cutout_rgba_torch(torch.from_numpy(image), torch.from_numpy(keep), invert=invert, feather=feather)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.uint8 and got.shape == (60, 80, 4)
    if feather == 0:
        np.testing.assert_array_equal(got.numpy(), expected)
    else:  # the torch blur stops at 3 sigma, OpenCV's at 4: alpha within one level
        got = got.numpy()
        assert np.abs(got[..., 3].astype(int) - expected[..., 3].astype(int)).max() <= 1
        both = (got[..., 3] > 0) & (expected[..., 3] > 0)
        np.testing.assert_array_equal(got[both][:, :3], expected[both][:, :3])


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_bad_inputs(picture_and_mask, backend):
    convert, cutout_rgba = BACKENDS[backend]
    image, mask = picture_and_mask
    with pytest.raises(ValueError, match="does not match"):
        cutout_rgba(convert(image), convert(mask[:30]))
    nan = mask.astype(np.float32)
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cutout_rgba(convert(image), convert(nan))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cutout_rgba(convert(image), convert(mask.astype(np.float32) * 255))
    with pytest.raises(ValueError, match="uint8"):
        cutout_rgba(convert(image.astype(np.float32)), convert(mask))
    for feather in (-1, float("nan"), float("inf"), "3"):
        with pytest.raises(ValueError, match="feather"):
            cutout_rgba(convert(image), convert(mask), feather=feather)


def test_empty_picture():
    rgba = cutout_rgba(np.zeros((0, 5, 3), np.uint8), np.zeros((0, 5), np.float32))
    assert rgba.shape == (0, 5, 4)


def test_alpha_to_uint8_rounds_and_checks():
    from splashseg.render.cutout import alpha_to_uint8

    values = np.array([[0.0, 0.25, 0.5, 0.998, 1.0]], np.float32)
    np.testing.assert_array_equal(alpha_to_uint8(values), [[0, 64, 128, 254, 255]])
    assert alpha_to_uint8(np.zeros((0, 3))).shape == (0, 3)
    for bad in (np.array([np.nan]), np.array([1.5]), np.array([-0.1])):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            alpha_to_uint8(bad)
