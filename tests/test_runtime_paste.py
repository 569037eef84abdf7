"""``paste_masks`` gives torchvision's numbers, boxes inside the picture and across its edges; ``box_crops``
and ``Predictor(..., crops=True)`` give the same masks without whole pictures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.models.detection.roi_heads import paste_masks_in_image

from splashseg.models.registry import build_model
from splashseg.predict import Predictor
from splashseg.predict.detections import CroppedDetections
from splashseg.runtime.paste import box_crops, paste_masks, pasting_transform
from splashseg.video.instances import host_instances


def test_paste_masks_equals_torchvision() -> None:
    torch.manual_seed(0)
    masks = torch.rand(8, 1, 28, 28)
    boxes = torch.tensor([[10.0, 5.0, 60.0, 40.0], [0.0, 0.0, 95.0, 71.0], [-20.0, -8.0, 15.0, 30.0],
                          [80.0, 60.0, 130.0, 100.0], [40.5, 20.2, 40.9, 20.7], [90.0, 66.0, 96.0, 72.0],
                          [3.3, 7.7, 33.1, 9.2], [0.0, 0.0, 0.0, 0.0]])  # boxes are clipped to the picture
    # (torchvision's paste breaks on one wholly outside it), then widened by the padding
    want = paste_masks_in_image(masks, boxes, (72, 96))
    got = paste_masks(masks, boxes, (72, 96))
    assert got.shape == want.shape == (8, 1, 72, 96)
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert paste_masks(masks[:0], boxes[:0], (72, 96)).shape == (0, 1, 72, 96)


def test_model_with_pasting_transform_gives_the_same_detections() -> None:
    torch.manual_seed(0)
    model = build_model("maskrcnn_small", 4, min_size=96, max_size=128).eval()
    model.roi_heads.score_thresh = 0.0
    images = [torch.rand(3, 90, 120), torch.rand(3, 70, 64)]
    with torch.inference_mode():
        want = model(images)
        model.transform = pasting_transform(model.transform)
        got = model(images)
    assert sum(len(w["masks"]) for w in want) > 0
    for w, g in zip(want, got, strict=True):
        for key in w:
            torch.testing.assert_close(g[key], w[key], rtol=0, atol=0)


def test_box_crops_hold_the_pasted_masks_and_nothing_else() -> None:
    torch.manual_seed(1)
    masks = torch.rand(6, 1, 28, 28)
    boxes = torch.tensor([[10.0, 5.0, 60.0, 40.0], [-20.0, -8.0, 15.0, 30.0], [80.0, 60.0, 130.0, 100.0],
                          [40.5, 20.2, 40.9, 20.7], [200.0, 150.0, 260.0, 190.0], [0.0, 0.0, 0.0, 0.0]])
    pasted = paste_masks_in_image(masks[:4], boxes[:4], (72, 96))  # torchvision breaks on the box outside
    crops = box_crops(masks, boxes, (72, 96))
    for index, (x, y, values) in enumerate(crops[:4]):
        rebuilt = torch.zeros(72, 96)
        rebuilt[y:y + values.shape[0], x:x + values.shape[1]] = values
        torch.testing.assert_close(rebuilt, pasted[index, 0], rtol=0, atol=0)
        assert values.shape[0] < 72 or values.shape[1] < 96  # a crop, not the picture
    assert crops[1][:2] == (0, 0) and crops[2][0] > 0  # across the top-left edge; across the bottom-right one
    assert crops[4][2].shape == (0, 0)  # wholly outside the picture: nothing
    assert box_crops(masks[:0], boxes[:0], (72, 96)) == []


@pytest.mark.parametrize("options", [{}, {"class_ids": [1, 3]}, {"agnostic_nms": True}])
def test_cropped_detections_are_the_detections_masks(options: dict) -> None:
    torch.manual_seed(0)
    model = build_model("maskrcnn_small", 4, min_size=96, max_size=128).eval()
    predictor = Predictor(model, ["bg", "a", "b", "c"], conf=0.01, runtime="torch", **options)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (90, 120, 3), dtype=np.uint8), rng.integers(0, 256, (70, 64, 3), dtype=np.uint8)]
    tensors = [torch.from_numpy(image).permute(2, 0, 1) for image in images]
    full = [det.to_numpy() for det in predictor.predict_tensors(tensors)]  # pasted whole, as torchvision does
    cropped = predictor(images, crops=True)
    for want, got in zip(full, predictor(images), strict=True):  # host detections come from the crops
        np.testing.assert_array_equal(got.masks, want.masks)
        np.testing.assert_array_equal(got.boxes, want.boxes)
        assert got.names == want.names and got.soft_masks is None
    assert sum(len(d) for d in full) > 3
    for want, got in zip(full, cropped, strict=True):
        assert isinstance(got, CroppedDetections) and got.image_size == want.image_size
        np.testing.assert_array_equal(got.full_masks(), want.masks)
        np.testing.assert_array_equal(got.boxes, want.boxes)
        np.testing.assert_array_equal(got.scores, want.scores)
        assert got.names == want.names and got.labels.dtype == np.int64
        assert all(bits.dtype == bool for _, _, bits in got.crops)
        for a, b in zip(host_instances(want).softs, host_instances(got).softs, strict=True):  # the tracker's view
            assert (a.x, a.y) == (b.x, b.y) and np.array_equal(a.values, b.values)


def test_cropped_detections_of_a_model_without_torchvision_transform() -> None:
    torch.manual_seed(0)
    model = build_model("maskrcnn_small", 4, min_size=96, max_size=128).eval()
    predictor = Predictor(model, ["bg", "a", "b", "c"], conf=0.01, runtime="torch")
    image = np.random.default_rng(2).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    want = predictor.predict_tensors([torch.from_numpy(image).permute(2, 0, 1)])[0].to_numpy()
    predictor._unpasted = predictor.model  # what unpasted_model gives a model it cannot leave unpasted
    got = predictor([image], crops=True)[0]
    np.testing.assert_array_equal(got.full_masks(), want.masks)
