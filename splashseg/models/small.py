"""``maskrcnn_small``: a Mask R-CNN slim enough to train from scratch on a laptop CPU.

Design (for the demo, tests and CPU users with simple objects):

- Backbone: a 4-stage residual network (widths 32/64/96/128, strides 4/8/16/32) with GroupNorm, which
  normalises per sample, so it trains from random weights at batch sizes of 2-8. torchvision's
  FrozenBatchNorm, used by the COCO-pretrained models, holds fixed statistics and with random weights
  normalises nothing.
- FPN with 64 channels on strides 8, 16, 32 plus a max-pool level (no stride-4 map: at the sizes this
  model is for, it would cost more than the rest of the network), anchors 20-160 px at ratios 0.5/1/2.
- Box head: two 256-wide fully connected layers; mask head: two 32-channel convolutions.
- Fewer RPN proposals and sampled RoIs than the ResNet-50 models.

About 1.9 M parameters (most in the box head's first layer); objects from about 16 px up.
"""

from __future__ import annotations

from torch import nn
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

WIDTHS = (32, 64, 96, 128)
FPN_CHANNELS = 64


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(num_groups=8, num_channels=channels)


class ResidualStage(nn.Module):
    """Downsample by 2 with a strided 3x3 conv, then one residual block. ``[B, Cin, H, W] -> [B, Cout, H/2, W/2]``."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, 2, 1, bias=False), _norm(out_channels),
                                  nn.ReLU(inplace=True))
        self.block = nn.Sequential(nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False), _norm(out_channels),
                                   nn.ReLU(inplace=True),
                                   nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False), _norm(out_channels))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):  # noqa: ANN001, ANN201
        x = self.down(x)
        return self.relu(x + self.block(x))


class SmallBackbone(nn.Module):
    """``[B, 3, H, W]`` float -> stage outputs at strides 4, 8, 16, 32 (children run in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), _norm(24), nn.ReLU(inplace=True))
        self.layer1 = ResidualStage(24, WIDTHS[0])
        self.layer2 = ResidualStage(WIDTHS[0], WIDTHS[1])
        self.layer3 = ResidualStage(WIDTHS[1], WIDTHS[2])
        self.layer4 = ResidualStage(WIDTHS[2], WIDTHS[3])


def build_small_maskrcnn(num_classes: int, **kwargs) -> MaskRCNN:  # noqa: ANN003
    """Build ``maskrcnn_small`` for ``num_classes`` (background included). ``kwargs`` go to ``MaskRCNN``."""
    backbone = BackboneWithFPN(
        SmallBackbone(),
        return_layers={"layer2": "0", "layer3": "1", "layer4": "2"},
        in_channels_list=list(WIDTHS[1:]),
        out_channels=FPN_CHANNELS,
        extra_blocks=LastLevelMaxPool(),
    )
    anchors = AnchorGenerator(sizes=((20,), (40,), (80,), (160,)), aspect_ratios=((0.5, 1.0, 2.0),) * 4)
    box_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2"], output_size=7, sampling_ratio=2)
    mask_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2"], output_size=14, sampling_ratio=2)
    defaults = dict(
        rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=300,
        rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=100,
        box_batch_size_per_image=64, box_detections_per_img=50,
    )
    defaults.update(kwargs)
    return MaskRCNN(
        backbone,
        num_classes=None,
        rpn_anchor_generator=anchors,
        box_roi_pool=box_pool,
        box_head=TwoMLPHead(FPN_CHANNELS * 7 * 7, 256),
        box_predictor=FastRCNNPredictor(256, num_classes),
        mask_roi_pool=mask_pool,
        mask_head=MaskRCNNHeads(FPN_CHANNELS, [32, 32], 1),
        mask_predictor=MaskRCNNPredictor(32, 32, num_classes),
        **defaults,
    )
