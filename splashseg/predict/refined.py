"""``--refine``: each instance's soft mask refined against its picture, between the predictor and the
pictures, overlays, masks and scores made from it.

The refinement itself is a *refiner* handed in by the job (:func:`splashseg.render.build_refiner`, chosen
once per job from the device in ``apps/``): NumPy/OpenCV on the host (``refiner.device`` None) or torch on
the model's GPU. This module only hands it a prediction's soft masks, moved to where the refiner works,
and thresholds the result like the predictor does. It never imports ``render/`` and never checks array
types at run time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import torch

from .detections import Detections, DeviceDetections
from .predictor import Predictor

D = TypeVar("D")  # Detections (NumPy) or DeviceDetections (torch): the same fields
TensorPredict = Callable[[Sequence[torch.Tensor]], list[Detections]]
PicturePredict = Callable[[Sequence[np.ndarray]], list[Detections]]


class Refiner(Protocol):
    """``refiner(image_rgb, soft_masks) -> refined``: RGB ``uint8 [H, W, 3]`` and ``float [N, H, W]`` in
    ``[0, 1]`` -> ``float32 [N, H, W]``, all of one backend; ``device`` None for NumPy on the host, else
    the torch device its tensors live on (see :mod:`splashseg.render.refiner`)."""

    device: Any

    def __call__(self, image_rgb: Any, soft_masks: Any) -> Any: ...


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


def refine_step(predictor: Predictor, refiner: Refiner) -> RefineStep:
    """``step(det, image) -> Detections``: one picture's :class:`DeviceDetections` (from
    ``predictor.predict_tensors``) refined by ``refiner`` against its RGB ``[3, H, W]`` tensor (``uint8`` or
    float in ``[0, 1]``, any device), returned on the host. The detections and the picture go where the
    refiner works (the host for a NumPy refiner); the predictor must keep soft masks. The step may
    overwrite ``det.soft_masks`` (``det.masks`` stays as it was)."""
    if not predictor.soft_masks:
        raise ValueError("refine: the Predictor must be made with soft_masks=True")
    threshold, device = predictor.mask_threshold, refiner.device

    def on_host(det: DeviceDetections, image: torch.Tensor) -> Detections:
        return refine_detections(det.to_numpy(), hwc_uint8(image).cpu().numpy(), refiner, threshold)

    def on_device(det: DeviceDetections, image: torch.Tensor) -> Detections:
        return refine_detections(det, hwc_uint8(image.to(device)), refiner, threshold).to_numpy()

    return on_host if device is None else on_device


def refined_predict(predictor: Predictor, refiner: Refiner) -> TensorPredict:
    """RGB ``[3, H, W]`` tensors (``uint8`` or float in ``[0, 1]``, any device) -> host :class:`Detections`
    with masks refined by ``refiner`` (and ``soft_masks`` the refined probabilities)."""
    step = refine_step(predictor, refiner)

    def predict(images: Sequence[torch.Tensor]) -> list[Detections]:
        return [step(det, image) for det, image in zip(predictor.predict_tensors(images), images, strict=True)]

    return predict


def picture_predict(predictor: Predictor, refiner: Refiner | None = None) -> PicturePredict:
    """The ``predict`` of ``detect`` and ``splash``: RGB ``uint8 [H, W, 3]`` arrays -> host
    :class:`Detections`, with masks refined by ``refiner`` when one is given."""
    if refiner is None:
        return predictor
    tensor_predict = refined_predict(predictor, refiner)

    def predict(images: Sequence[np.ndarray]) -> list[Detections]:
        return tensor_predict([torch.from_numpy(np.require(image, np.uint8, ["C", "W"])).permute(2, 0, 1)
                               for image in images])  # [3, H, W] views

    return predict
