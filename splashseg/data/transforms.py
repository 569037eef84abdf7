"""Training and evaluation transforms: ``(image, target) -> (image, target)`` with torchvision.transforms.v2.

Geometric changes move ``boxes`` and ``masks`` together with the image (v2 dispatches on the
``tv_tensors`` types of :class:`splashseg.data.torch_dataset.CocoInstances`); objects pushed out of the
picture are dropped with their labels, masks, areas and crowd flags. The output image is float32
``[3, H, W]`` RGB in ``[0, 1]``, what torchvision's detection models expect.
"""

from __future__ import annotations

from typing import Any

import torch
from torchvision import tv_tensors
from torchvision.transforms import v2

# Mean RGB of ImageNet in 0-255: the fill for pixels uncovered by zooming out, so padding looks "average".
FILL_RGB = (124, 116, 104)


def _instance_fields(sample: Any) -> tuple[torch.Tensor, ...]:
    """Per-instance tensors SanitizeBoundingBoxes must filter along with the boxes (and masks)."""
    target = sample[1]
    return target["labels"], target["area"], target["iscrowd"]


def build_transforms(
    train: bool,
    *,
    augment: bool = True,
    hflip_prob: float = 0.5,
    scale_range: tuple[float, float] = (0.75, 1.25),
    photometric: float = 0.2,
) -> v2.Compose:
    """The transform pipeline for training (``train=True``) or evaluation.

    augment: no augmentation at all when false (nor for evaluation).
    hflip_prob: probability of a horizontal flip.
    scale_range: zoom factors drawn uniformly (``< 1`` zooms out, ``> 1`` in); the canvas size stays, so
        objects change size relative to the picture (the model's own resize would undo a plain rescale).
        ``(1, 1)`` turns scale jitter off.
    photometric: strength of random brightness/contrast/saturation changes (0 turns them off); hue
        moves by a tenth of it. Colours are never swapped between channels (classes may differ by colour).
    """
    steps: list[Any] = []
    if train and augment:
        if photometric > 0:
            jitter = v2.ColorJitter(
                brightness=photometric,
                contrast=photometric,
                saturation=photometric,
                hue=min(0.5, photometric / 10),
            )
            steps.append(v2.RandomApply([jitter], p=0.8))
        if hflip_prob > 0:
            steps.append(v2.RandomHorizontalFlip(p=hflip_prob))
        if scale_range != (1.0, 1.0):
            fill = {tv_tensors.Image: FILL_RGB, tv_tensors.Mask: 0, "others": 0}
            steps.append(v2.RandomAffine(degrees=0.0, scale=scale_range, fill=fill))
            steps.append(v2.ClampBoundingBoxes())
            steps.append(v2.SanitizeBoundingBoxes(min_size=1.0, labels_getter=_instance_fields))
    steps.append(v2.ToDtype(torch.float32, scale=True))  # uint8 0-255 -> float32 0-1 (images only)
    return v2.Compose(steps)
