"""Boundary IoU (Cheng et al. 2021): known answers per mask pair and for a COCO dataset."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from splashseg.data.coco import mask_to_rle
from splashseg.metrics import boundary_iou, boundary_width, mask_boundary, mean_boundary_iou


def square(size: int = 100, top: int = 20, left: int = 20, side: int = 40) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[top:top + side, left:left + side] = True
    return mask


def disc(size: int, cx: float, cy: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= radius ** 2


def test_boundary_width_is_two_percent_of_the_diagonal():
    assert boundary_width(100, 100) == 3  # 0.02 * 141.4 = 2.83
    assert boundary_width(1080, 1920) == 44  # 0.02 * 2202.9 = 44.06
    assert boundary_width(5, 5) == 1  # never less than one pixel
    with pytest.raises(ValueError, match="positive"):
        boundary_width(0, 10)
    with pytest.raises(ValueError, match="ratio"):
        boundary_width(10, 10, ratio=float("nan"))


def test_identical_masks_give_one_and_disjoint_masks_zero():
    a = square()
    assert boundary_iou(a, a) == 1.0
    assert boundary_iou(a, square(top=65, left=65, side=30)) == 0.0
    assert boundary_iou(np.zeros((9, 9), bool), np.zeros((9, 9), bool)) == 1.0  # nothing vs nothing
    assert boundary_iou(a, np.zeros_like(a)) == 0.0


def test_shifted_square_by_hand():
    # 100 x 100 image: d = 3. A 40 x 40 square (rows and cols 20..59) has a boundary of 1600 - 34 * 34 = 444
    # pixels. Moved right by 2 (cols 22..61): both boundaries lie in the overlap rows 20..59 x cols 22..59
    # (1520 pixels) minus either inner square (rows 23..56 x cols 23..58 together: 34 * 36 = 1224), so
    # they share 296 pixels; union 444 + 444 - 296 = 592; boundary IoU 296 / 592 = 0.5 exactly, while the
    # mask IoU is 1520 / 1680 = 0.905.
    gt, moved = square(), square(left=22)
    assert np.count_nonzero(mask_boundary(gt, 3)) == 444
    assert boundary_iou(gt, moved) == pytest.approx(0.5, abs=1e-12)


def test_shifted_disc_lies_between_and_below_mask_iou():
    gt = disc(200, 100, 100, 50)
    values = []
    for shift in (1, 3, 6, 12):
        moved = disc(200, 100 + shift, 100, 50)
        value = boundary_iou(gt, moved)
        mask_iou = np.count_nonzero(gt & moved) / np.count_nonzero(gt | moved)
        assert 0.0 < value < mask_iou < 1.0
        values.append(value)
    assert values == sorted(values, reverse=True)  # further off, lower


def test_mask_touching_the_border_has_a_boundary_along_it():
    full = np.ones((50, 50), bool)
    d = boundary_width(50, 50)  # 1
    ring = mask_boundary(full, d)
    assert ring[0].all() and ring[-1].all() and ring[:, 0].all() and not ring[1:-1, 1:-1].any()


def _reference_boundary(mask: np.ndarray, d: int) -> np.ndarray:
    """Chessboard distance to the nearest background pixel, outside the picture counting as background."""
    padded = np.pad(mask.astype(np.uint8), 1)
    distance = cv2.distanceTransform(padded, cv2.DIST_C, 3)[1:-1, 1:-1]
    return mask & (distance <= d)


@pytest.mark.parametrize("seed", range(4))
def test_matches_a_full_image_reference_on_random_blobs(seed):
    rng = np.random.default_rng(seed)
    masks = []
    for _ in range(2):
        mask = np.zeros((120, 90), np.uint8)
        for _ in range(3):  # blobs, some cut by the picture's border
            center = (int(rng.integers(-10, 100)), int(rng.integers(-10, 130)))
            cv2.ellipse(mask, center, (int(rng.integers(5, 40)), int(rng.integers(5, 40))), 0, 0, 360, 1, -1)
        masks.append(mask.astype(bool))
    d = boundary_width(120, 90)
    a, b = (_reference_boundary(m, d) for m in masks)
    np.testing.assert_array_equal(mask_boundary(masks[0], d), a)
    expected = np.count_nonzero(a & b) / np.count_nonzero(a | b)
    assert boundary_iou(*masks) == pytest.approx(expected, abs=1e-12)


def test_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        boundary_iou(np.zeros((4, 4), bool), np.zeros((4, 5), bool))
    with pytest.raises(ValueError, match="shape"):
        boundary_iou(np.zeros((2, 4, 4), bool), np.zeros((2, 4, 4), bool))


def _dataset() -> dict:
    big, small = square(), square(top=70, left=70, side=20)
    images = [{"id": 1, "file_name": "a.png", "height": 100, "width": 100},
              {"id": 2, "file_name": "b.png", "height": 100, "width": 100}]
    anns = [
        {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "segmentation": mask_to_rle(big)},
        {"id": 2, "image_id": 1, "category_id": 2, "iscrowd": 0, "segmentation": mask_to_rle(small)},
        {"id": 3, "image_id": 2, "category_id": 1, "iscrowd": 0,  # a polygon: the square rows/cols 10..49
         "segmentation": [[10, 10, 50, 10, 50, 50, 10, 50]]},
        {"id": 4, "image_id": 2, "category_id": 1, "iscrowd": 1, "segmentation": mask_to_rle(small)},
    ]
    cats = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    return {"images": images, "annotations": anns, "categories": cats}


def _as_detections(gt: dict) -> list[dict]:
    from splashseg.data.coco import segmentation_to_rle

    dets = []
    for ann in gt["annotations"]:
        if not ann["iscrowd"]:
            rle = segmentation_to_rle(ann["segmentation"], 100, 100)
            rle = {"size": rle["size"], "counts": rle["counts"].decode() if isinstance(rle["counts"], bytes)
                   else rle["counts"]}
            dets.append({"image_id": ann["image_id"], "category_id": ann["category_id"], "score": 0.9,
                         "segmentation": rle})
    return dets


def test_dataset_ground_truth_as_detections_scores_one():
    gt = _dataset()
    score = mean_boundary_iou(gt, _as_detections(gt))
    assert score.boundary_iou == 1.0 and score.matched == 3 and score.instances == 3  # the crowd one left out


def test_dataset_no_detections():
    score = mean_boundary_iou(_dataset(), [])
    assert score.boundary_iou is None and score.matched == 0 and score.instances == 3
    assert score.to_json() == {"boundary_iou": None, "matched": 0, "instances": 3}


def test_dataset_best_match_of_the_same_class_by_hand():
    gt = _dataset()
    dets = _as_detections(gt)
    dets[0]["segmentation"] = mask_to_rle(square(left=22))  # the big square moved by 2: 0.5 (see above)
    dets.append({**dets[0], "segmentation": mask_to_rle(square(left=40)), "score": 0.99})  # worse overlap
    dets[1]["category_id"] = 1  # the small square predicted as the wrong class: not matched
    score = mean_boundary_iou(gt, dets)
    assert score.matched == 2 and score.boundary_iou == pytest.approx((0.5 + 1.0) / 2)
    assert mean_boundary_iou(gt, dets, min_score=0.95).matched == 0  # only the poor one is left
    dets[0]["segmentation"] = mask_to_rle(square(left=45))  # mask IoU 15 / 65 < 0.5: not matched
    assert mean_boundary_iou(gt, dets).matched == 1


def test_dataset_size_mismatch_is_an_error():
    gt = _dataset()
    dets = _as_detections(gt)
    dets[0]["segmentation"] = mask_to_rle(np.zeros((50, 50), bool))
    with pytest.raises(ValueError, match="size"):
        mean_boundary_iou(gt, dets)
