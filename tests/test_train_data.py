"""The training dataset and its transforms, on a tiny canonical COCO dataset written by a fixture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils
from torchvision import tv_tensors

from splashseg.data.torch_dataset import CocoInstances
from splashseg.data.transforms import build_transforms
from splashseg.errors import InputError

CLASSES = ["square", "disc"]


def _shapes(rng: np.random.Generator, size: int, count: int) -> list[tuple[str, tuple[int, ...]]]:
    """``count`` shapes: squares (x, y, side) on the left half, discs (cx, cy, r) on the right."""
    shapes = []
    for i in range(count):
        if i % 2 == 0:
            side = int(rng.integers(size // 5, size // 3))
            shapes.append(
                (
                    "square",
                    (int(rng.integers(1, size // 2 - side)), int(rng.integers(1, size - side - 1)), side),
                )
            )
        else:
            radius = int(rng.integers(size // 10, size // 6))
            shapes.append(
                (
                    "disc",
                    (
                        int(rng.integers(size // 2 + radius, size - radius - 1)),
                        int(rng.integers(radius + 1, size - radius - 1)),
                        radius,
                    ),
                )
            )
    return shapes


def _draw(size: int, shapes: list, rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    """RGB uint8 [size, size, 3] picture and one bool mask per shape."""
    image = np.clip(rng.normal(90, 12, (size, size, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[:size, :size]
    masks = []
    for kind, params in shapes:
        if kind == "square":
            x, y, side = params
            mask = (xx >= x) & (xx < x + side) & (yy >= y) & (yy < y + side)
            image[mask] = (220, 40, 40)
        else:
            cx, cy, r = params
            mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
            image[mask] = (40, 200, 60)
        masks.append(mask)
    return image, masks


def _annotation(ann_id: int, image_id: int, kind: str, params: tuple, mask: np.ndarray) -> dict:
    if kind == "square":  # polygon
        x, y, side = params
        segmentation = [[x, y, x + side, y, x + side, y + side, x, y + side]]
    else:  # compressed RLE
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        segmentation = {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": CLASSES.index(kind) + 1,
        "segmentation": segmentation,
        "bbox": mask_utils.toBbox(rle).tolist(),
        "area": float(mask_utils.area(rle)),
        "iscrowd": 0,
    }


def make_dataset(
    root: Path,
    n_train: int = 6,
    n_val: int = 3,
    size: int = 64,
    seed: int = 0,
    negative: bool = True,
    crowd: bool = True,
) -> Path:
    """A canonical dataset: PNGs with 1-3 squares/discs; train image 0 has no objects (when ``negative``),
    train image 1 gets an extra crowd region (when ``crowd``)."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    image_id = ann_id = 0
    for split, count in (("train", n_train), ("val", n_val)):
        coco = {
            "images": [],
            "annotations": [],
            "categories": [{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(CLASSES)],
        }
        for i in range(count):
            image_id += 1
            shapes = [] if (negative and split == "train" and i == 0) else _shapes(rng, size, 1 + i % 3)
            image, masks = _draw(size, shapes, rng)
            name = f"{split}_{i}.png"
            Image.fromarray(image).save(root / "images" / name)
            coco["images"].append({"id": image_id, "file_name": name, "height": size, "width": size})
            for (kind, params), mask in zip(shapes, masks, strict=True):
                ann_id += 1
                coco["annotations"].append(_annotation(ann_id, image_id, kind, params, mask))
            if crowd and split == "train" and i == 1:
                ann_id += 1
                crowd_mask = np.zeros((size, size), bool)
                crowd_mask[:4, :8] = True
                ann = _annotation(ann_id, image_id, "disc", (0, 0, 0), crowd_mask)
                coco["annotations"].append({**ann, "iscrowd": 1})
        (root / "annotations" / f"{split}.json").write_text(json.dumps(coco))
    return root


@pytest.fixture(autouse=True)
def one_thread() -> None:
    """One intra-op thread: the CPU is shared with other test processes and oversubscription is slow."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "shapes")


def test_items_are_torchvision_targets(dataset: Path) -> None:
    data = CocoInstances(dataset, "train")
    assert len(data) == 6 and data.class_names == CLASSES
    image, target = data[2]
    assert image.dtype == torch.uint8 and image.shape == (3, 64, 64)
    n = len(target["labels"])
    assert n == 3
    assert target["boxes"].dtype == torch.float32 and target["boxes"].shape == (n, 4)
    assert target["labels"].dtype == torch.int64 and set(target["labels"].tolist()) <= {1, 2}
    assert target["masks"].dtype == torch.uint8 and target["masks"].shape == (n, 64, 64)
    assert target["area"].shape == (n,) and target["iscrowd"].tolist() == [0] * n
    # boxes are xyxy and enclose their masks exactly (pixel edges)
    for box, mask in zip(target["boxes"], target["masks"], strict=True):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        assert box.tolist() == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]


def test_negatives_kept_and_crowd_left_out(dataset: Path) -> None:
    data = CocoInstances(dataset, "train")
    _, empty = data[0]
    assert empty["boxes"].shape == (0, 4) and empty["masks"].shape == (0, 64, 64)
    _, with_crowd = data[1]
    raw = [a for a in data.coco["annotations"] if a["image_id"] == with_crowd["image_id"]]
    assert len(raw) == 3 and sum(a["iscrowd"] for a in raw) == 1
    assert len(with_crowd["labels"]) == 2


def test_height_and_width_from_json_without_decoding(dataset: Path) -> None:
    data = CocoInstances(dataset, "val")
    for image in (dataset / "images").glob("val_*.png"):
        image.unlink()  # sizes must come from the JSON alone
    assert [data.get_height_and_width(i) for i in range(len(data))] == [(64, 64)] * 3


def test_flip_moves_boxes_and_masks_with_the_image(dataset: Path) -> None:
    plain = CocoInstances(dataset, "train")[2]
    flip = build_transforms(True, hflip_prob=1.0, scale_range=(1.0, 1.0), photometric=0.0)
    image, target = flip(*CocoInstances(dataset, "train")[2])
    assert image.dtype == torch.float32 and 0.0 <= image.min() and image.max() <= 1.0
    assert torch.equal(target["masks"], plain[1]["masks"].flip(-1))
    assert torch.allclose(image, plain[0].flip(-1).float() / 255)
    boxes = plain[1]["boxes"]
    assert torch.equal(target["boxes"][:, 0], 64 - boxes[:, 2]) and torch.equal(
        target["boxes"][:, 2], 64 - boxes[:, 0]
    )


def test_scale_jitter_keeps_boxes_masks_and_labels_in_step(dataset: Path) -> None:
    torch.manual_seed(0)
    jitter = build_transforms(True, hflip_prob=0.0, scale_range=(0.5, 2.0), photometric=0.3)
    data = CocoInstances(dataset, "train", transforms=jitter)
    for _ in range(4):
        for index in range(1, len(data)):
            image, target = data[index]
            assert isinstance(target["masks"], tv_tensors.Mask) and image.shape == (3, 64, 64)
            n = len(target["boxes"])
            assert target["masks"].shape[0] == target["labels"].shape[0] == target["area"].shape[0] == n
            for box, mask in zip(target["boxes"], target["masks"], strict=True):
                ys, xs = torch.nonzero(mask, as_tuple=True)
                assert len(xs) > 0
                assert xs.min() >= box[0] - 1.5 and xs.max() + 1 <= box[2] + 1.5
                assert ys.min() >= box[1] - 1.5 and ys.max() + 1 <= box[3] + 1.5


def test_bad_splits_are_input_errors(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no annotations for split 'test'"):
        CocoInstances(dataset, "test")
    coco = json.loads((dataset / "annotations" / "val.json").read_text())
    (dataset / "annotations" / "val.json").write_text(json.dumps({**coco, "images": [], "annotations": []}))
    with pytest.raises(InputError, match="has no images"):
        CocoInstances(dataset, "val")
    (tmp_path / "bare").mkdir()
    with pytest.raises(InputError, match="no annotations"):
        CocoInstances(tmp_path / "bare", "train")
