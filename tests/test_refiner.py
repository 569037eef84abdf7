"""The job-level pieces of --refine and --effect cutout: refiners and compositors chosen once by device,
refined detections, and the cutout through the compositors (no model: made pictures, known masks)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from refine_samples import blocky_soft_mask, edge_scene

from splashseg.metrics import boundary_iou
from splashseg.predict import Detections, refine_detections
from splashseg.render import (
    DeviceCompositor,
    DeviceRefiner,
    HostCompositor,
    HostRefiner,
    SplashStyle,
    build_compositor,
    build_refiner,
    color_splash,
)
from splashseg.render.splash_torch import color_splash_torch


def test_build_refiner_picks_the_backend_by_device_type():
    assert isinstance(build_refiner(None), HostRefiner) and isinstance(build_refiner("cpu"), HostRefiner)
    device = build_refiner("cuda:1")  # the GPU path exists without a GPU: it is made, not run, here
    assert isinstance(device, DeviceRefiner) and device.device == torch.device("cuda:1")
    assert isinstance(build_refiner(torch.device("cuda")), DeviceRefiner)
    with pytest.raises(ValueError, match="no refiner for device 'mps'"):
        build_refiner("mps")


def test_device_refiner_matches_host_and_takes_inference_tensors():
    image, truth = edge_scene(200, 240, shape="star", size=70, seed=3)
    soft = np.stack([blocky_soft_mask(truth, blur=0.5), blocky_soft_mask(truth, offset=(2.0, -1.0))])
    expected = HostRefiner()(image, soft.copy())
    with torch.inference_mode():  # the model's outputs are inference tensors
        soft_t = torch.from_numpy(soft.copy())
    got = DeviceRefiner("cpu")(torch.from_numpy(image), soft_t)
    assert got.dtype == torch.float32 and got.shape == soft.shape
    assert np.abs(got.numpy() - expected).max() < 1e-4
    for before, after in zip(soft, expected, strict=True):
        assert boundary_iou(truth, after >= 0.5) > boundary_iou(truth, before >= 0.5)


def _detections(soft: np.ndarray, soft_masks: bool = True) -> Detections:
    count = len(soft)
    return Detections(np.tile(np.float32([[1, 2, 30, 40]]), (count, 1)), np.arange(1, count + 1),
                      np.linspace(0.9, 0.6, count, dtype=np.float32), soft > 0.5, [f"c{i}" for i in range(count)],
                      soft.copy() if soft_masks else None)


def test_refine_detections_thresholds_the_refined_masks_and_keeps_the_rest():
    image, truth = edge_scene(160, 200, size=50, seed=2)
    soft = blocky_soft_mask(truth, blur=0.5)[None]
    det = _detections(soft)
    refined = refine_detections(det, image, HostRefiner(), 0.5)
    np.testing.assert_array_equal(refined.masks, refined.soft_masks > 0.5)
    assert refined.masks.dtype == bool and not np.array_equal(refined.masks, det.masks)
    np.testing.assert_array_equal(refined.boxes, det.boxes)
    np.testing.assert_array_equal(refined.scores, det.scores)
    assert refined.names == det.names and list(refined.labels) == list(det.labels)
    assert boundary_iou(truth, refined.masks[0]) > boundary_iou(truth, soft[0] > 0.5)
    with pytest.raises(ValueError, match="soft_masks=True"):
        refine_detections(_detections(soft, soft_masks=False), image, HostRefiner(), 0.5)
    empty = refine_detections(_detections(np.zeros((0, 160, 200), np.float32)), image, HostRefiner(), 0.5)
    assert empty.masks.shape == (0, 160, 200)


@pytest.fixture
def picture_and_mask():
    rng = np.random.default_rng(0)
    image = rng.integers(1, 255, (40, 60, 3), dtype=np.uint8)
    mask = np.zeros((40, 60), bool)
    mask[10:30, 15:45] = True
    return image, mask


@pytest.mark.parametrize("invert", [False, True])
def test_cutout_through_both_compositors(picture_and_mask, invert):
    image, mask = picture_and_mask
    style = SplashStyle(effect="cutout", invert=invert)
    assert style.rgba and not SplashStyle().rgba
    host = build_compositor(style, "cpu")
    rgba = host.splash(image, mask)
    assert isinstance(host, HostCompositor) and rgba.dtype == np.uint8 and rgba.shape == (40, 60, 4)
    keep = ~mask if invert else mask
    np.testing.assert_array_equal(rgba[..., 3], np.where(keep, 255, 0))
    np.testing.assert_array_equal(rgba[keep][:, :3], image[keep])
    assert not rgba[~keep][:, :3].any()  # what was cut away does not stay hidden in the file
    device = DeviceCompositor(style, "cpu")  # the GPU compositor's torch path, run on the CPU
    np.testing.assert_array_equal(device.splash(torch.from_numpy(image), torch.from_numpy(mask)).numpy(), rgba)
    assert isinstance(build_compositor(style, "cuda:0"), DeviceCompositor)


def test_cutout_feathers_and_splash_effects_stay_rgb(picture_and_mask):
    image, mask = picture_and_mask
    soft = HostCompositor(SplashStyle(effect="cutout", feather=4)).splash(image, mask)[..., 3]
    assert 0 < soft[20, 15] < 255 and soft[20, 30] == 255 and soft[20, 2] == 0
    assert HostCompositor(SplashStyle(effect="gray")).splash(image, mask).shape == (40, 60, 3)
    with pytest.raises(ValueError, match="RGBA"):
        color_splash(image, mask, effect="cutout")
    with pytest.raises(ValueError, match="RGBA"):
        color_splash_torch(torch.from_numpy(image), torch.from_numpy(mask), effect="cutout")
    with pytest.raises(ValueError, match="unknown effect"):
        SplashStyle(effect="transparent")
