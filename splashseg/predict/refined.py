"""``--refine``: each instance's soft mask refined against its picture, between the predictor and the
pictures, overlays, masks and scores made from it.

The refinement itself is :mod:`splashseg.render.refine` (NumPy/OpenCV) or its torch twin, picked once
per job by :func:`splashseg.render.build_refiner` from the device the arrays live on; this module only
hands it a prediction's soft masks and thresholds the result like the predictor does. Where the work
runs is decided here once, by the model's device type (:data:`REFINE_STEPS`): on a CUDA model the
masks are refined on the GPU and copied to the host afterwards; on the CPU with NumPy/OpenCV, the faster
path there. Nothing checks array types at run time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import torch

from ..render.refiner import DeviceRefiner, HostRefiner, Refiner
from .detections import Detections, DeviceDetections
from .predictor import Predictor

D = TypeVar("D")  # Detections (NumPy) or DeviceDetections (torch): the same fields
TensorPredict = Callable[[Sequence[torch.Tensor]], list[Detections]]
PicturePredict = Callable[[Sequence[np.ndarray]], list[Detections]]


def refine_detections(det: D, image_rgb: Any, refiner: Refiner, threshold: float) -> D:
    """``det`` with its ``soft_masks`` refined against ``image_rgb`` and ``masks = refined > threshold``.

    det: :class:`Detections` with NumPy arrays, or :class:`DeviceDetections` on ``refiner``'s device, with
    ``soft_masks`` float32 ``[N, H, W]`` (a predictor made with ``soft_masks=True``). image_rgb: RGB
    ``uint8 [H, W, 3]`` of the same backend. Boxes, labels, scores and names are kept.
    """
    soft = det.soft_masks  # type: ignore[attr-defined]
    if soft is None:
        raise ValueError("refine: the detections carry no soft masks (make the Predictor with soft_masks=True)")
    refined = refiner(image_rgb, soft)  # float32 [N, H, W] in [0, 1]
    return dataclasses.replace(det, masks=refined > threshold, soft_masks=refined)  # type: ignore[type-var]


def refining(predict: Callable[[Sequence[Any]], Sequence[D]], refiner: Refiner,
             threshold: float) -> Callable[[Sequence[Any]], list[D]]:
    """Wrap a video job's ``predict`` (frames RGB ``uint8 [H, W, 3]`` of one backend -> detections of the
    same backend) so that its detections come back refined against their frames."""

    def predict_refined(frames: Sequence[Any]) -> list[D]:
        found = predict(frames)
        return [refine_detections(det, frame, refiner, threshold) for det, frame in zip(found, frames, strict=True)]

    return predict_refined


def hwc_uint8(image: torch.Tensor) -> torch.Tensor:
    """RGB ``[3, H, W]`` ``uint8`` (0-255) or float (``[0, 1]``, the evaluation transforms) -> RGB
    ``uint8 [H, W, 3]`` on the same device (a view for uint8)."""
    if image.is_floating_point():
        image = image.mul(255.0).round_().clamp_(0, 255).to(torch.uint8)
    return image.permute(1, 2, 0)


RefineStep = Callable[[DeviceDetections, torch.Tensor], Detections]


def _on_host(predictor: Predictor) -> RefineStep:
    refiner, threshold = HostRefiner(), predictor.mask_threshold

    def step(det: DeviceDetections, image: torch.Tensor) -> Detections:
        return refine_detections(det.to_numpy(), hwc_uint8(image).cpu().numpy(), refiner, threshold)

    return step


def _on_device(predictor: Predictor) -> RefineStep:
    refiner, threshold = DeviceRefiner(predictor.device), predictor.mask_threshold

    def step(det: DeviceDetections, image: torch.Tensor) -> Detections:
        return refine_detections(det, hwc_uint8(image.to(predictor.device)), refiner, threshold).to_numpy()

    return step


REFINE_STEPS: dict[str, Callable[[Predictor], RefineStep]] = {"cpu": _on_host, "cuda": _on_device}


def refine_step(predictor: Predictor) -> RefineStep:
    """``step(det, image) -> Detections``: one picture's :class:`DeviceDetections` (from
    ``predictor.predict_tensors``) refined against its RGB ``[3, H, W]`` tensor (``uint8`` or float in
    ``[0, 1]``, any device), returned on the host. Chosen by the model's device type; the predictor must
    keep soft masks. The step may overwrite ``det.soft_masks`` (``det.masks`` stays as it was)."""
    if not predictor.soft_masks:
        raise ValueError("refine: the Predictor must be made with soft_masks=True")
    if predictor.device.type not in REFINE_STEPS:
        raise ValueError(f"refine: no refiner for device {predictor.device}; choose from {', '.join(REFINE_STEPS)}")
    return REFINE_STEPS[predictor.device.type](predictor)


def refined_predict(predictor: Predictor) -> TensorPredict:
    """RGB ``[3, H, W]`` tensors (``uint8`` or float in ``[0, 1]``, any device) -> host :class:`Detections`
    with refined masks (and ``soft_masks`` the refined probabilities). The predictor must keep soft masks."""
    step = refine_step(predictor)

    def predict(images: Sequence[torch.Tensor]) -> list[Detections]:
        return [step(det, image) for det, image in zip(predictor.predict_tensors(images), images, strict=True)]

    return predict


def picture_predict(predictor: Predictor, refine: bool) -> PicturePredict:
    """The ``predict`` of ``detect`` and ``splash``: RGB ``uint8 [H, W, 3]`` arrays -> host
    :class:`Detections`, with refined masks when ``refine``."""
    if not refine:
        return predictor
    tensor_predict = refined_predict(predictor)

    def predict(images: Sequence[np.ndarray]) -> list[Detections]:
        return tensor_predict([torch.from_numpy(np.require(image, np.uint8, ["C", "W"])).permute(2, 0, 1)
                               for image in images])  # [3, H, W] views

    return predict
