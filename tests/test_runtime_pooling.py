"""``ThreadedRoIAlign`` gives torchvision's pooled tensor, row for row, however the boxes fall."""

from __future__ import annotations

import pytest
import torch
from torchvision.ops import MultiScaleRoIAlign

from splashseg.runtime.pooling import MIN_BOXES, ThreadedRoIAlign


def _maps(images: int) -> dict[str, torch.Tensor]:
    return {str(level): torch.rand(images, 8, 64 // 2 ** level, 96 // 2 ** level) for level in range(4)}


def _boxes(count: int) -> torch.Tensor:
    corner = torch.rand(count, 2) * torch.tensor([300.0, 200.0])
    return torch.cat([corner, corner + 4 + torch.rand(count, 2) * 120], dim=1)  # small and large: every level


@pytest.mark.parametrize("counts", [(300,), (150, 0, 90), (0, 0), (MIN_BOXES - 1,), (7, 200)])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_threaded_pooling_equals_one_call(counts: tuple[int, ...], workers: int) -> None:
    torch.manual_seed(sum(counts) + workers)
    maps, boxes = _maps(len(counts)), [_boxes(n) for n in counts]
    shapes = [(256, 384)] * len(counts)
    want = MultiScaleRoIAlign(list(maps), 7, 2)(maps, boxes, shapes)
    threaded = ThreadedRoIAlign(MultiScaleRoIAlign(list(maps), 7, 2), workers)
    for _ in range(2):  # the first call sets the pool's scales in one piece, the second one is split
        got = threaded(maps, boxes, shapes)
        assert got.shape == want.shape == (sum(counts), 8, 7, 7)
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_the_openvino_model_pools_on_threads(tmp_path) -> None:
    pytest.importorskip("openvino")
    from splashseg.models.registry import build_model
    from splashseg.runtime.openvino_model import openvino_model

    torch.manual_seed(0)
    model = build_model("maskrcnn_small", 4, min_size=96, max_size=128).eval()
    converted = openvino_model(model, cache=tmp_path)
    assert isinstance(converted.roi_heads.box_roi_pool, ThreadedRoIAlign)
    assert isinstance(converted.roi_heads.mask_roi_pool, ThreadedRoIAlign)
    assert isinstance(model.roi_heads.box_roi_pool, MultiScaleRoIAlign)  # the torch model is unchanged
