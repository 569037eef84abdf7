"""``CocoInstances``: a torch ``Dataset`` over one split of the canonical COCO dataset.

Each item is ``(image, target)`` in torchvision's detection form::

    image:  tv_tensors.Image uint8 [3, H, W], RGB (or what ``transforms`` makes of it)
    target: {"boxes": BoundingBoxes float32 [N, 4] x1, y1, x2, y2 in pixels,
             "labels": int64 [N] in 1..K (0 is background, never present),
             "masks": Mask uint8 [N, H, W] in {0, 1},
             "image_id": int, "area": float32 [N], "iscrowd": int64 [N] (all 0)}

Crowd annotations are left out of the targets (as torchvision's references do; COCO evaluation still
sees them through :attr:`CocoInstances.coco`). Images without objects stay in, as negatives
(``N == 0``). Nothing here imports the model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision import tv_tensors

from ..errors import InputError
from ..images import read_image
from .coco import annotation_mask, category_names, images_dir, load_split

Transform = Callable[[Any, dict[str, Any]], tuple[Any, dict[str, Any]]]


class CocoInstances(Dataset):
    """Images and instance targets of ``DATASET/annotations/{split}.json`` (masks rasterised at load).

    transforms: ``(image, target) -> (image, target)``, e.g. from ``data.transforms.build_transforms``.
    Raises :class:`InputError` when the split is missing, malformed or holds no images.
    """

    def __init__(self, dataset: str | Path, split: str, transforms: Transform | None = None) -> None:
        self.root = Path(dataset)
        self.split = split
        self.coco: dict[str, Any] = load_split(self.root, split)
        self.images: list[dict[str, Any]] = sorted(self.coco["images"], key=lambda im: im["id"])
        if not self.images:
            raise InputError(
                f"{self.root / 'annotations' / (split + '.json')}: split '{split}' has no images"
            )
        self.class_names: list[str] = category_names(self.coco)
        # category id -> contiguous label 1..K (ids are already 1..K in a canonical dataset)
        ids = sorted(c["id"] for c in self.coco["categories"])
        self.label_of_category = {cat_id: i + 1 for i, cat_id in enumerate(ids)}
        self.category_of_label = {label: cat_id for cat_id, label in self.label_of_category.items()}
        self._annotations: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for ann in self.coco["annotations"]:
            self._annotations[ann["image_id"]].append(ann)
        self.transforms = transforms

    def __len__(self) -> int:
        return len(self.images)

    def get_height_and_width(self, index: int) -> tuple[int, int]:
        """``(height, width)`` of image ``index`` from the JSON (no decoding; for aspect-ratio grouping)."""
        info = self.images[index]
        return int(info["height"]), int(info["width"])

    def image_id(self, index: int) -> int:
        return int(self.images[index]["id"])

    def __getitem__(self, index: int) -> tuple[Any, dict[str, Any]]:
        info = self.images[index]
        path = images_dir(self.root) / info["file_name"]
        rgb = read_image(path).rgb  # uint8 [H, W, 3] RGB
        height, width = rgb.shape[:2]
        if (height, width) != (int(info["height"]), int(info["width"])):
            raise InputError(
                f"{path}: image is {width}x{height} but the annotations say {info['width']}x{info['height']}"
            )
        rgb = rgb if rgb.flags.writeable and rgb.flags.c_contiguous else rgb.copy()
        image = tv_tensors.Image(torch.from_numpy(rgb).permute(2, 0, 1))
        target = self._target(info, height, width)
        if self.transforms is not None:
            image, target = self.transforms(image, target)
        return image, target

    def _target(self, info: dict[str, Any], height: int, width: int) -> dict[str, Any]:
        anns = [a for a in self._annotations.get(info["id"], []) if not a.get("iscrowd", 0)]
        boxes = torch.tensor([a["bbox"] for a in anns], dtype=torch.float32).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]  # xywh -> xyxy
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
        keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        anns = [a for a, k in zip(anns, keep.tolist(), strict=True) if k]
        masks = np.zeros((len(anns), height, width), dtype=np.uint8)
        for i, ann in enumerate(anns):
            masks[i] = annotation_mask(ann, height, width)
        return {
            "boxes": tv_tensors.BoundingBoxes(boxes[keep], format="XYXY", canvas_size=(height, width)),
            "labels": torch.tensor(
                [self.label_of_category[a["category_id"]] for a in anns], dtype=torch.int64
            ),
            "masks": tv_tensors.Mask(torch.from_numpy(masks)),
            "image_id": int(info["id"]),
            "area": torch.tensor([float(a.get("area", 0.0)) for a in anns], dtype=torch.float32),
            "iscrowd": torch.zeros(len(anns), dtype=torch.int64),
        }


def collate(batch: list[tuple[Any, dict[str, Any]]]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Keep images and targets as lists (images differ in size; the model batches them itself)."""
    images, targets = zip(*batch, strict=True)
    return list(images), list(targets)
