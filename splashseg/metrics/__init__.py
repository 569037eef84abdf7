"""Measures of segmentation quality beyond COCO AP: boundary IoU per mask and per dataset."""

from .boundary import DILATION_RATIO, boundary_iou, boundary_width, mask_boundary
from .boundary_eval import BoundaryScore, mean_boundary_iou

__all__ = ["DILATION_RATIO", "BoundaryScore", "boundary_iou", "boundary_width", "mask_boundary",
           "mean_boundary_iou"]
