"""Models by name: each entry builds a torchvision ``MaskRCNN`` and knows its COCO weights and input size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from torch import nn
from torchvision.models.detection import (
    MaskRCNN,
    MaskRCNN_ResNet50_FPN_V2_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
    maskrcnn_resnet50_fpn,
    maskrcnn_resnet50_fpn_v2,
)
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
from torchvision.models.detection.mask_rcnn import MaskRCNNPredictor
from torchvision.ops import FrozenBatchNorm2d

from .small import build_small_maskrcnn

DEFAULT_MODEL = "maskrcnn_resnet50_fpn_v2"


@dataclass(frozen=True)
class ModelSpec:
    """How to build one architecture.

    build: ``build(num_classes, **maskrcnn_kwargs) -> MaskRCNN``, random weights, every layer trainable.
    coco_weights: torchvision's weights entry for COCO, or ``None`` when the model has none.
    build_coco: ``build_coco(**maskrcnn_kwargs) -> MaskRCNN``: the network exactly as torchvision builds it
        for ``coco_weights`` (91 classes, frozen stem, ...), not yet filled with them.
    min_size, max_size: the default resize (short side, long side limit) for inputs.
    """

    build: Callable[..., MaskRCNN]
    coco_weights: Any | None
    min_size: int
    max_size: int
    build_coco: Callable[..., MaskRCNN] | None = None


COCO_CLASSES = 91
COCO_TRAINABLE_LAYERS = 3  # torchvision's default with pretrained weights: layer2-4 train, conv1/layer1 frozen


def _freeze_stem(model: MaskRCNN, trainable_layers: int = COCO_TRAINABLE_LAYERS) -> None:
    """Freeze the backbone's parameters outside its last ``trainable_layers`` stages, as torchvision does."""
    trainable = ("layer4", "layer3", "layer2", "layer1", "conv1")[:trainable_layers]
    for name, parameter in model.backbone.body.named_parameters():
        if not name.startswith(trainable):
            parameter.requires_grad_(False)


def _resnet50_fpn(num_classes: int | None, **kwargs: Any) -> MaskRCNN:
    return maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=num_classes or COCO_CLASSES,
                                 **kwargs)


def _resnet50_fpn_coco(**kwargs: Any) -> MaskRCNN:
    """v1 as shipped with COCO weights: batch norms frozen into buffers with eps 0 (as it was trained)."""
    backbone = resnet_fpn_backbone(backbone_name="resnet50", weights=None,
                                   norm_layer=partial(FrozenBatchNorm2d, eps=0.0),
                                   trainable_layers=COCO_TRAINABLE_LAYERS)
    return MaskRCNN(backbone, num_classes=COCO_CLASSES, **kwargs)


def _resnet50_fpn_v2(num_classes: int | None, **kwargs: Any) -> MaskRCNN:
    return maskrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None,
                                    num_classes=num_classes or COCO_CLASSES, **kwargs)


def _resnet50_fpn_v2_coco(**kwargs: Any) -> MaskRCNN:
    """v2 as shipped with COCO weights: trainable batch norms, stem and first stage frozen."""
    model = _resnet50_fpn_v2(COCO_CLASSES, **kwargs)
    _freeze_stem(model)
    return model


def _small(num_classes: int | None, **kwargs: Any) -> MaskRCNN:
    return build_small_maskrcnn(num_classes or COCO_CLASSES, **kwargs)


MODELS: dict[str, ModelSpec] = {
    "maskrcnn_resnet50_fpn_v2": ModelSpec(_resnet50_fpn_v2, MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1, 800, 1333,
                                          _resnet50_fpn_v2_coco),
    "maskrcnn_resnet50_fpn": ModelSpec(_resnet50_fpn, MaskRCNN_ResNet50_FPN_Weights.COCO_V1, 800, 1333,
                                       _resnet50_fpn_coco),
    "maskrcnn_small": ModelSpec(_small, None, 384, 640),
}


def build_model(name: str, num_classes: int | None = None, *, min_size: int | None = None,
                max_size: int | None = None, **kwargs: Any) -> MaskRCNN:
    """Build model ``name`` with random weights for ``num_classes`` (background included; ``None``: COCO's
    91); sizes ``None``: the model's defaults. COCO weights: :func:`splashseg.models.weights.build_coco_model`."""
    spec = MODELS[name]
    return spec.build(num_classes, **input_size(name, min_size, max_size), **kwargs)


def input_size(name: str, min_size: int | None = None, max_size: int | None = None) -> dict[str, int]:
    """``{"min_size": ..., "max_size": ...}`` for model ``name``: the given values, else its defaults."""
    spec = MODELS[name]
    return {"min_size": min_size or spec.min_size, "max_size": max_size or spec.max_size}


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
