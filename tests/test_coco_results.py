"""``masks_to_rles``: the RLEs are pycocotools' own for the same masks, whatever the masks' dtype and layout."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from splashseg.predict.coco_results import masks_to_rles


def _reference(masks: np.ndarray) -> list[str]:
    fortran = np.asfortranarray(np.asarray(masks, dtype=np.uint8).transpose(1, 2, 0))  # [H, W, N]
    return [rle["counts"].decode("ascii") for rle in mask_utils.encode(fortran)]


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 5), (3, 1, 7), (4, 37, 23), (2, 720, 1280)])
@pytest.mark.parametrize("layout", ["bool", "uint8", "strided"])
def test_rles_equal_pycocotools_and_decode_to_the_masks(shape, layout):
    rng = np.random.default_rng(sum(shape))
    masks = rng.random(shape) > 0.6
    given = {"bool": masks, "uint8": masks.astype(np.uint8),
             "strided": np.repeat(masks, 2, axis=2)[:, :, ::2]}[layout]  # a non-contiguous view
    rles = masks_to_rles(given)
    assert [rle["counts"] for rle in rles] == _reference(masks)
    assert all(list(rle["size"]) == list(shape[1:]) for rle in rles)
    decoded = mask_utils.decode([{**rle, "counts": rle["counts"].encode()} for rle in rles])
    assert (decoded.transpose(2, 0, 1).astype(bool) == masks).all()


def test_no_masks_no_rles():
    assert masks_to_rles(np.zeros((0, 4, 5), bool)) == []
