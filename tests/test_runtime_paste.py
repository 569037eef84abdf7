"""``paste_masks`` gives torchvision's numbers, boxes inside the picture and across its edges."""

from __future__ import annotations

import torch
from torchvision.models.detection.roi_heads import paste_masks_in_image

from splashseg.models.registry import build_model
from splashseg.runtime.paste import paste_masks, pasting_transform


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
