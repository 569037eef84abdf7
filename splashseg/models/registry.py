"""Models by name: each entry builds a torchvision ``MaskRCNN`` and knows its COCO weights and input size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn
from torchvision.models.detection import (
    MaskRCNN,
    MaskRCNN_ResNet50_FPN_V2_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
    maskrcnn_resnet50_fpn,
    maskrcnn_resnet50_fpn_v2,
)
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
from torchvision.models.detection.mask_rcnn import MaskRCNNPredictor

from .small import build_small_maskrcnn

DEFAULT_MODEL = "maskrcnn_resnet50_fpn_v2"


@dataclass(frozen=True)
class ModelSpec:
    """How to build one architecture.

    build: ``build(weights_enum_or_None, num_classes, **maskrcnn_kwargs) -> MaskRCNN``.
    coco_weights: torchvision's weights entry for COCO, or ``None`` when the model has none.
    min_size, max_size: the default resize (short side, long side limit) for inputs.
    """

    build: Callable[..., MaskRCNN]
    coco_weights: Any | None
    min_size: int
    max_size: int


def _torchvision_builder(fn: Callable[..., MaskRCNN]) -> Callable[..., MaskRCNN]:
    def build(weights: Any | None, num_classes: int | None, **kwargs: Any) -> MaskRCNN:
        if weights is not None:  # torchvision insists on the weights' own class count
            return fn(weights=weights, weights_backbone=None, **kwargs)
        return fn(weights=None, weights_backbone=None, num_classes=num_classes or 91, **kwargs)

    return build


def _small_builder(weights: Any | None, num_classes: int | None, **kwargs: Any) -> MaskRCNN:
    return build_small_maskrcnn(num_classes or 91, **kwargs)


MODELS: dict[str, ModelSpec] = {
    "maskrcnn_resnet50_fpn_v2": ModelSpec(_torchvision_builder(maskrcnn_resnet50_fpn_v2),
                                          MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1, 800, 1333),
    "maskrcnn_resnet50_fpn": ModelSpec(_torchvision_builder(maskrcnn_resnet50_fpn),
                                       MaskRCNN_ResNet50_FPN_Weights.COCO_V1, 800, 1333),
    "maskrcnn_small": ModelSpec(_small_builder, None, 384, 640),
}


def build_model(name: str, num_classes: int | None = None, *, coco: bool = False,
                min_size: int | None = None, max_size: int | None = None, **kwargs: Any) -> MaskRCNN:
    """Build model ``name`` for ``num_classes`` (background included; ``None``: COCO's 91).

    ``coco=True`` loads torchvision's COCO weights (through its cache; see :mod:`.weights`) and, when
    ``num_classes`` differs from 91, replaces the box and mask predictors for fine-tuning.
    """
    spec = MODELS[name]
    size = {"min_size": min_size or spec.min_size, "max_size": max_size or spec.max_size}
    if not coco:
        return spec.build(None, num_classes, **size, **kwargs)
    from .weights import coco_weights_guard

    with coco_weights_guard(name, spec.coco_weights):
        model = spec.build(spec.coco_weights, None, **size, **kwargs)
    if num_classes is not None and num_classes != len(spec.coco_weights.meta["categories"]):
        replace_heads(model, num_classes)
    return model


def num_classes_of(model: MaskRCNN) -> int:
    """Number of classes (background included) the box predictor scores."""
    return int(model.roi_heads.box_predictor.cls_score.out_features)


def replace_heads(model: MaskRCNN, num_classes: int) -> None:
    """Swap the box and mask predictors for new ones with ``num_classes`` outputs (randomly initialised)."""
    box_in = model.roi_heads.box_predictor.cls_score.in_features
    model.roi_heads.box_predictor = FastRCNNPredictor(box_in, num_classes)
    old_mask: nn.Module = model.roi_heads.mask_predictor
    mask_in = old_mask.conv5_mask.in_channels
    mask_hidden = old_mask.conv5_mask.out_channels
    model.roi_heads.mask_predictor = MaskRCNNPredictor(mask_in, mask_hidden, num_classes)
