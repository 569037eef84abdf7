"""splashseg: instance segmentation and colour splash with torchvision's Mask R-CNN.

The public API (the CLI is a thin layer over it); run from the repository root, this example is a
test (``tests/test_api_doc.py``)::

    >>> from splashseg import Predictor, color_splash, load_model, read_image
    >>> loaded = load_model(weights="examples/shapes-small.pt")  # or load_model("maskrcnn_resnet50_fpn_v2")
    >>> loaded.class_names[1:]                                    # the checkpoint's classes (0: background)
    ['kite', 'box', 'balloon']
    >>> predictor = Predictor(loaded.model, loaded.class_names, device="cpu", conf=0.5)
    >>> image = read_image("examples/pictures/scene_012.png").rgb  # uint8 [H, W, 3], RGB
    >>> det = predictor([image])[0]              # boxes [N, 4] xyxy, labels, names, scores, masks [N, H, W]
    >>> len(det) > 0 and det.masks.shape[1:] == image.shape[:2]
    True
    >>> out = color_splash(image, det.union_mask())  # uint8 [H, W, 3] RGB, gray outside the objects
    >>> out.shape == image.shape and out.dtype.name
    'uint8'
"""

from __future__ import annotations

__version__ = "0.3.0"  # the one place the version is written (pyproject reads it)

from .images import LoadedImage, read_image, write_image  # noqa: E402

# torch-based parts load on first use, so `import splashseg` (and the CLI's start-up check of the
# torch/torchvision pair) never imports torchvision before it is known to work.
_LAZY = {
    "load_model": ("splashseg.models", "load_model"),
    "save_checkpoint": ("splashseg.models", "save_checkpoint"),
    "Predictor": ("splashseg.predict", "Predictor"),
    "PredictConfig": ("splashseg.predict", "PredictConfig"),
    "build_predictor": ("splashseg.predict", "build_predictor"),
    "Detections": ("splashseg.predict", "Detections"),
    "color_splash": ("splashseg.render", "color_splash"),
    "draw_detections": ("splashseg.render", "draw_detections"),
}


def __getattr__(name: str):  # noqa: ANN202
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'splashseg' has no attribute {name!r}")


__all__ = ["__version__", "LoadedImage", "read_image", "write_image", *_LAZY]
