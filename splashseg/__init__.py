"""splashseg: instance segmentation and colour splash with torchvision's Mask R-CNN.

The public API (the CLI is a thin layer over it)::

    from splashseg import load_model, Predictor, color_splash, read_image
    model = load_model("maskrcnn_resnet50_fpn_v2", weights="coco")
    predictor = Predictor(model, conf=0.5)
    image = read_image("photo.jpg").rgb              # uint8 [H, W, 3] RGB
    det = predictor([image])[0]                       # boxes, labels, names, scores, masks
    out = color_splash(image, det.union_mask())       # uint8 [H, W, 3] RGB
"""

from __future__ import annotations

__version__ = "0.1.0"

from .images import LoadedImage, read_image, write_image  # noqa: E402

__all__ = ["__version__", "LoadedImage", "read_image", "write_image"]
