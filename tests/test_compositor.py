"""Exact pixel tests of the colour-splash compositor (NumPy and torch paths)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from samples import scene

from splashseg.render import DeviceCompositor, HostCompositor, SplashStyle, build_compositor, color_splash
from splashseg.render.effects import cover_resize
from splashseg.render.splash_torch import color_splash_torch


@pytest.fixture
def image_and_mask() -> tuple[np.ndarray, np.ndarray]:
    image = scene(60, 80)
    mask = np.zeros((60, 80), bool)
    mask[10:40, 15:55] = True
    return image, mask


def test_gray_keeps_inside_and_is_bt601_luma_outside(image_and_mask):
    image, mask = image_and_mask
    out = color_splash(image, mask)
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    assert out.shape == image.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[mask], image[mask])
    for channel in range(3):
        np.testing.assert_array_equal(out[~mask][:, channel], luma[~mask])
    # BT.601 by formula, to the level
    expected = np.rint(image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114)
    assert np.abs(out[~mask][:, 0].astype(int) - expected[~mask]).max() <= 1


def test_input_not_modified(image_and_mask):
    image, mask = image_and_mask
    before = image.copy()
    color_splash(image, mask, effect="blur", feather=3)
    np.testing.assert_array_equal(image, before)


def test_invert_swaps_roles(image_and_mask):
    image, mask = image_and_mask
    out = color_splash(image, mask, invert=True)
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    np.testing.assert_array_equal(out[~mask], image[~mask])
    np.testing.assert_array_equal(out[mask][:, 1], luma[mask])


def test_feather_is_monotonic_across_the_edge():
    image = np.zeros((20, 200, 3), np.uint8)
    image[..., 0] = 255  # pure red: colour 255, gray 76
    mask = np.zeros((20, 200), bool)
    mask[:, :100] = True
    out = color_splash(image, mask, feather=10)
    red = out[10, :, 0].astype(int)
    assert red[0] == 255 and red[-1] == 76
    assert np.all(np.diff(red) <= 0), "the red channel must fall monotonically from inside to outside"
    assert 76 < red[100] < 255 and red[85] > red[115]
    hard = color_splash(image, mask)
    assert np.count_nonzero(out[10, :, 0] != hard[10, :, 0]) > 5


def test_no_detections_whole_picture_gray():
    image = scene()
    out = color_splash(image, np.zeros(image.shape[:2], bool))
    assert np.all(out[..., 0] == out[..., 1]) and np.all(out[..., 1] == out[..., 2])


def test_solid_and_image_effects(image_and_mask):
    image, mask = image_and_mask
    solid = color_splash(image, mask, effect="solid", color=(0, 177, 64))
    assert np.all(solid[~mask] == (0, 177, 64))
    background = np.zeros((30, 30, 3), np.uint8)
    background[:, :, 2] = 255
    replaced = color_splash(image, mask, effect="image", background=background)
    assert np.all(replaced[~mask] == (0, 0, 255))
    np.testing.assert_array_equal(replaced[mask], image[mask])


def test_blur_effect_smooths_outside(image_and_mask):
    image, mask = image_and_mask
    out = color_splash(image, mask, effect="blur", blur_sigma=3)
    np.testing.assert_array_equal(out[mask], image[mask])
    assert np.abs(np.diff(out[~mask].astype(int), axis=0)).mean() < np.abs(np.diff(image[~mask].astype(int),
                                                                                       axis=0)).mean()


def test_cover_resize_keeps_aspect_and_fills():
    background = np.zeros((100, 300, 3), np.uint8)
    background[:, 100:200] = 255  # the middle third is white
    out = cover_resize(background, 50, 50)
    assert out.shape == (50, 50, 3)
    assert out.mean() > 250  # centre crop of the white band


@pytest.mark.parametrize("effect", ["gray", "solid", "blur"])
@pytest.mark.parametrize("feather", [0, 4])
@pytest.mark.parametrize("invert", [False, True])
def test_torch_path_matches_numpy(image_and_mask, effect, feather, invert):
    image, mask = image_and_mask
    cpu = color_splash(image, mask, effect=effect, feather=feather, invert=invert, color=(9, 8, 7))
    tensor = color_splash_torch(torch.from_numpy(image), torch.from_numpy(mask), effect=effect, feather=feather,
                                invert=invert, color=(9, 8, 7))
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.uint8
    tolerance = 4 if effect == "blur" else 1
    assert np.abs(tensor.numpy().astype(int) - cpu.astype(int)).max() <= tolerance
    if effect == "gray" and feather == 0:
        np.testing.assert_array_equal(tensor.numpy(), cpu)


def test_soft_alpha_mask(image_and_mask):
    image, _ = image_and_mask
    alpha = np.full(image.shape[:2], 0.5, np.float32)
    out = color_splash(image, alpha)
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(float)
    expected = 0.5 * image[..., 0] + 0.5 * luma
    assert np.abs(out[..., 0] - expected).max() <= 1


def test_bad_arguments(image_and_mask):
    image, mask = image_and_mask
    with pytest.raises(ValueError, match="unknown effect"):
        color_splash(image, mask, effect="sepia")
    with pytest.raises(ValueError, match="does not match"):
        color_splash(image, mask[:10])
    with pytest.raises(ValueError, match="background"):
        color_splash(image, mask, effect="image")


def test_compositors_fit_the_background_once_per_size(image_and_mask):
    image, mask = image_and_mask
    background = scene(30, 50, seed=5)
    style = SplashStyle(effect="image", background=background, feather=2)
    direct = color_splash(image, mask, effect="image", background=background, feather=2)
    host = build_compositor(style, "cpu")
    assert isinstance(host, HostCompositor)
    for _ in range(2):  # as for consecutive video frames
        np.testing.assert_array_equal(host.splash(image, mask), direct)
    assert len(host._fitted) == 1
    on_torch = DeviceCompositor(style, "cpu")  # the GPU compositor's code, run on CPU tensors
    out = on_torch.splash(torch.from_numpy(image), torch.from_numpy(mask))
    assert isinstance(out, torch.Tensor) and np.abs(out.numpy().astype(int) - direct.astype(int)).max() <= 1
    with pytest.raises(ValueError, match="no compositor"):
        build_compositor(style, "tpu")


def test_image_effect_never_writes_into_the_background(image_and_mask):
    """Hard masks on consecutive frames: the fitted background must not keep the last frame's objects."""
    image, mask = image_and_mask
    background = scene(*image.shape[:2], seed=9)  # already the frame's size: no resize, no copy made
    original = background.copy()
    host = HostCompositor(SplashStyle(effect="image", background=background))
    first = host.splash(image, mask)
    second = host.splash(image, np.zeros_like(mask))
    np.testing.assert_array_equal(background, original)
    np.testing.assert_array_equal(second, original)  # nothing kept: the pure background, no trail
    np.testing.assert_array_equal(first[mask], image[mask])
