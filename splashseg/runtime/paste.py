"""Mask pasting without torchvision's per-mask frame: the same numbers, written into one tensor.

torchvision pastes each instance's 28 x 28 mask into a frame of its own (a zeroed ``[H, W]`` per
instance) and then stacks the frames: with 100 instances on a 1280 x 720 picture that is 100 allocations
and a 370 MB copy, more than the OpenVINO backbone takes. :func:`paste_masks` zeroes one ``[N, 1, H, W]``
tensor and writes each resized mask into its box only. A caller that wants each mask only around its
object (video's tracker) takes :func:`box_crops` of the unpasted masks (:class:`UnpastedTransform`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torchvision.models.detection.roi_heads import expand_boxes, expand_masks
from torchvision.models.detection.transform import GeneralizedRCNNTransform, resize_boxes, resize_keypoints

from .views import shallow


def box_crops(masks: torch.Tensor, boxes: torch.Tensor, image_size: tuple[int, int],
              padding: int = 1) -> list[tuple[int, int, torch.Tensor]]:
    """masks ``[N, 1, M, M]`` float probabilities, boxes ``[N, 4]`` float xyxy in the picture -> per
    instance ``(x, y, values [h, w])``: torchvision's pasted mask (``paste_masks_in_image``) inside the
    instance's expanded box, clipped to the picture (``image_size`` = ``(H, W)``), with its top-left pixel
    at column x, row y; the pasted mask is zero everywhere else. A box outside the picture gives ``[0, 0]``."""
    masks, scale = expand_masks(masks, padding=padding)
    boxes = expand_boxes(boxes, scale).to(dtype=torch.int64)
    height, width = image_size
    crops = []
    for index, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
        left, right, top, bottom = max(x0, 0), min(x1 + 1, width), max(y0, 0), min(y1 + 1, height)
        if right <= left or bottom <= top:
            crops.append((0, 0, masks.new_zeros((0, 0))))
            continue
        size = (max(y1 - y0 + 1, 1), max(x1 - x0 + 1, 1))
        resized = F.interpolate(masks[index:index + 1], size=size, mode="bilinear", align_corners=False)[0, 0]
        crops.append((left, top, resized[top - y0:bottom - y0, left - x0:right - x0]))
    return crops


def paste_masks(masks: torch.Tensor, boxes: torch.Tensor, image_size: tuple[int, int],
                padding: int = 1) -> torch.Tensor:
    """masks ``[N, 1, M, M]`` float probabilities, boxes ``[N, 4]`` float xyxy in the picture ->
    ``[N, 1, H, W]`` (``image_size`` = ``(H, W)``), equal to torchvision's ``paste_masks_in_image``."""
    pasted = masks.new_zeros((masks.shape[0], 1, *image_size))
    for index, (x, y, values) in enumerate(box_crops(masks, boxes, image_size, padding)):
        pasted[index, 0, y:y + values.shape[0], x:x + values.shape[1]] = values
    return pasted


class UnpastedTransform(GeneralizedRCNNTransform):
    """torchvision's transform whose masks stay the mask head's ``[N, 1, M, M]`` probabilities (boxes are
    scaled back to the picture as usual), for :func:`box_crops`: no ``[N, H, W]`` frame is made."""

    def postprocess(self, result: list[dict[str, torch.Tensor]], image_shapes: list[tuple[int, int]],
                    original_image_sizes: list[tuple[int, int]]) -> list[dict[str, torch.Tensor]]:
        if self.training:
            return result
        for prediction, size, original in zip(result, image_shapes, original_image_sizes, strict=True):
            prediction["boxes"] = resize_boxes(prediction["boxes"], size, original)
            if "keypoints" in prediction:
                prediction["keypoints"] = resize_keypoints(prediction["keypoints"], size, original)
        return result


class PastingTransform(UnpastedTransform):
    """torchvision's transform (resize, normalise, batch), its masks pasted by :func:`paste_masks`."""

    def postprocess(self, result: list[dict[str, torch.Tensor]], image_shapes: list[tuple[int, int]],
                    original_image_sizes: list[tuple[int, int]]) -> list[dict[str, torch.Tensor]]:
        result = super().postprocess(result, image_shapes, original_image_sizes)
        if not self.training:
            for prediction, original in zip(result, original_image_sizes, strict=True):
                if "masks" in prediction:
                    prediction["masks"] = paste_masks(prediction["masks"], prediction["boxes"], original)
        return result


def pasting_transform(transform: GeneralizedRCNNTransform) -> GeneralizedRCNNTransform:
    """A copy of ``transform`` (same settings) that pastes with :func:`paste_masks`; ``transform`` unchanged."""
    return shallow(transform, PastingTransform)


def unpasted_transform(transform: GeneralizedRCNNTransform) -> GeneralizedRCNNTransform:
    """A copy of ``transform`` (same settings) that leaves the masks unpasted (:class:`UnpastedTransform`)."""
    return shallow(transform, UnpastedTransform)
