"""``Predictor``: batches of RGB images in, per-image :class:`Detections` out."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torchvision.ops import nms

from ..errors import InputError
from ..runtime import RuntimeChoice, apply_runtime, resolve_runtime, unpasted_model
from ..runtime.paste import box_crops
from .detections import CroppedDetections, Detections, DeviceDetections, MaskCrop

IGNORED_NAMES = ("__background__", "N/A")
AGNOSTIC_IOU = 0.7
MASK_THRESHOLD = 0.5  # a pixel belongs to an instance where its soft-mask probability is above this


def known_class_names(class_names: Sequence[str]) -> list[str]:
    """The class names a user may ask for (background and COCO's ``N/A`` gaps left out)."""
    return [n for n in class_names if n not in IGNORED_NAMES]


def class_ids_for(names: Sequence[str] | None, class_names: Sequence[str]) -> list[int] | None:
    """Label ids of ``names`` (case-insensitive); :class:`InputError` listing the known names if one is unknown."""
    if not names:
        return None
    lookup = {n.lower(): i for i, n in enumerate(class_names) if n not in IGNORED_NAMES}
    unknown = [n for n in names if n.lower() not in lookup]
    if unknown:
        raise InputError(f"--classes: unknown class name(s) {', '.join(repr(n) for n in unknown)}; known: "
                         f"{', '.join(known_class_names(class_names))}")
    return sorted({lookup[n.lower()] for n in names})


def speed_line(speed: dict) -> str:
    """``speed: 1.20 s model per image (openvino-bf16)``: :meth:`Predictor.speed` for people."""
    return f"speed: {speed['model_seconds_per_image']:.2f} s model per image ({speed['runtime']})"


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _model_input(image: torch.Tensor) -> torch.Tensor:
    """RGB ``[3, H, W]`` uint8 0-255 -> float32 ``[0, 1]``; a float image is taken as already scaled."""
    return image if image.is_floating_point() else image.float().div_(255.0)


class Predictor:
    """Run a torchvision Mask R-CNN on batches of images.

    Args:
        model: a torchvision ``MaskRCNN`` (moved to ``device`` and put in eval mode here).
        class_names: label id -> name (index 0 background).
        device: where the model runs.
        conf: minimum score of a kept instance, in ``[0, 1]``.
        class_ids: keep only these label ids (``None``: all).
        batch_size: images per forward pass.
        amp: autocast to float16 on CUDA (ignored on the CPU).
        mask_threshold: soft-mask probability above which a pixel belongs to the instance
            (:data:`MASK_THRESHOLD`; detection, splash, video and evaluation all use it).
        agnostic_nms: also suppress boxes that overlap a better-scoring box of another class by more than
            ``AGNOSTIC_IOU`` (torchvision's own NMS only compares boxes of the same class).
        soft_masks: also return each instance's mask probabilities (``soft_masks``, float32 [N, H, W]), for
            mask refinement and tracking.
        runtime: where the dense layers run: ``torch``, ``openvino`` (CPU), ``auto`` or ``None``
            (``$SPLASHSEG_RUNTIME``, else ``auto``), or a resolved :class:`~splashseg.runtime.RuntimeChoice`.
        model_name: names the model in the OpenVINO compile cache.

    ``runtime_label`` (e.g. ``openvino-bf16``), ``model_seconds`` (time spent in the model so far) and
    ``images_seen`` report speed.

    The model's ``roi_heads.score_thresh`` is set to ``conf``, so detections below it are dropped before
    their masks are pasted at full resolution (the model object is changed in place).
    """

    def __init__(self, model: nn.Module, class_names: Sequence[str], *, device: torch.device | str = "cpu",
                 conf: float = 0.5, class_ids: Sequence[int] | None = None, batch_size: int = 1,
                 amp: bool = True, mask_threshold: float = MASK_THRESHOLD, agnostic_nms: bool = False,
                 soft_masks: bool = False, runtime: str | RuntimeChoice | None = None,
                 model_name: str = "model") -> None:
        self.device = torch.device(device)
        model = model.to(self.device).eval()
        self.class_names = list(class_names)
        self.conf = float(conf)
        self.class_ids = None if class_ids is None else torch.as_tensor(list(class_ids), dtype=torch.int64)
        self.batch_size = int(batch_size)
        self.amp = bool(amp) and self.device.type == "cuda"
        self.mask_threshold = float(mask_threshold)
        self.agnostic_nms = bool(agnostic_nms)
        self.soft_masks = bool(soft_masks)
        roi_heads = getattr(model, "roi_heads", None)
        if roi_heads is not None:  # let the model drop low scores before it pastes their masks
            roi_heads.score_thresh = min(roi_heads.score_thresh, self.conf) if self.conf < 0.05 else self.conf
        choice = runtime if isinstance(runtime, RuntimeChoice) else resolve_runtime(runtime, self.device, amp=amp)
        self.runtime_label = choice.label
        self.model = apply_runtime(model, choice, model_name=model_name)
        self._unpasted: nn.Module | None = None  # the model's view for crops=True, made on first use
        self.model_seconds = 0.0
        self.images_seen = 0

    def input_problem(self, height: int, width: int) -> str | None:
        """Why the model cannot take an ``height x width`` picture, or ``None``.

        torchvision scales a picture so its short side is ``min_size`` unless its long side would pass
        ``max_size``; a picture thinner than ``max_size`` : 1 (e.g. 2000 x 1 pixels) gets a side of 0 px.
        """
        transform = getattr(self.model, "transform", None)
        if transform is None:
            return None
        short, long = sorted((height, width))
        scale = min(float(transform.min_size[-1]) / short, float(transform.max_size) / long)
        if short * scale < 1:
            return (f"too thin for the model ({width} x {height} pixels: scaled to fit "
                    f"--max-size {transform.max_size}, its short side would be 0 pixels)")
        return None

    def __call__(self, images: Sequence[np.ndarray], *, crops: bool = False) -> list[Detections]:
        """images: RGB ``uint8 [H, W, 3]`` arrays (sizes may differ). Returns NumPy detections
        (:class:`CroppedDetections` with ``crops``: each mask only around its object). Without soft masks
        the hard masks are made from the crops too (a bool picture per instance; no float one is pasted)."""
        tensors = [torch.from_numpy(np.require(img, np.uint8, ["C", "W"])) for img in images]  # [H, W, 3]
        if self.device.type == "cuda":  # page-locked host memory: the copy to the GPU runs asynchronously
            tensors = [t.pin_memory() for t in tensors]
        tensors = [t.permute(2, 0, 1) for t in tensors]  # [3, H, W] views
        if crops or self.soft_masks:
            return [det.to_numpy() for det in self.predict_tensors(tensors, crops=crops)]
        return [det.as_detections() for det in self.predict_tensors(tensors, crops=True)]

    def predict_tensors(self, images: Sequence[torch.Tensor], *, crops: bool = False) -> list[DeviceDetections]:
        """images: RGB ``[3, H, W]`` tensors on any device, ``uint8`` in 0-255 or float in ``[0, 1]``
        (as the evaluation transforms make them). Results stay on the model's device; with ``crops``
        they are host :class:`CroppedDetections` (no mask is pasted into a whole picture)."""
        results: list[DeviceDetections] = []
        for batch in _batches(list(images), self.batch_size):
            results.extend(self._forward(batch, crops))
        return results

    def _model_for(self, crops: bool) -> nn.Module:
        if crops and self._unpasted is None:
            self._unpasted = unpasted_model(self.model)
        return self._unpasted if crops else self.model

    @torch.inference_mode()
    def _forward(self, batch: Sequence[torch.Tensor], crops: bool = False) -> list[DeviceDetections]:
        inputs = [_model_input(img.to(self.device, non_blocking=True)) for img in batch]  # [3, H, W] in [0, 1]
        model = self._model_for(crops)
        started = time.perf_counter()
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
            outputs = model(inputs)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.model_seconds += time.perf_counter() - started
        self.images_seen += len(inputs)
        convert = self._to_crops if crops else self._to_detections
        return [convert(out, img.shape[-2:]) for out, img in zip(outputs, inputs, strict=True)]

    def speed(self, since: tuple[float, int] = (0.0, 0)) -> dict[str, float | int | str]:
        """``{"runtime": "openvino-bf16", "model_seconds": total, "model_seconds_per_image": mean}`` for
        ``--json``: seconds inside the model (loading and conversion excluded); ``since``: a
        :meth:`speed_mark` taken earlier, to count only what ran after it (one video of several)."""
        seconds, images = self.model_seconds - since[0], self.images_seen - since[1]
        return {"runtime": self.runtime_label, "model_seconds": round(seconds, 4),
                "model_seconds_per_image": round(seconds / images, 4) if images else 0.0}

    def speed_mark(self) -> tuple[float, int]:
        """Model seconds and images so far, for :meth:`speed`'s ``since``."""
        return self.model_seconds, self.images_seen

    def _kept(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
        """bool ``[N]``: the model's instances that pass ``conf``, the class filter and agnostic NMS."""
        scores, labels = out["scores"].float(), out["labels"]
        keep = scores >= self.conf
        if self.class_ids is not None:
            keep &= torch.isin(labels, self.class_ids.to(labels.device))
        if self.agnostic_nms and bool(keep.any()):
            survivors = keep.nonzero()[:, 0]
            best = nms(out["boxes"][survivors].float(), scores[survivors], AGNOSTIC_IOU)
            keep = torch.zeros_like(keep)
            keep[survivors[best]] = True
        return keep

    def _names(self, labels: torch.Tensor) -> list[str]:
        return [self.class_names[i] if i < len(self.class_names) else str(i) for i in labels.tolist()]

    def _to_crops(self, out: dict[str, torch.Tensor], size: torch.Size) -> CroppedDetections:
        """An unpasted output (masks ``[N, 1, M, M]``) -> host :class:`CroppedDetections` (a model whose masks
        come pasted, ``[N, 1, H, W]``, is cut around each mask's pixels instead)."""
        keep = self._kept(out)
        boxes, labels, scores = out["boxes"][keep].float(), out["labels"][keep], out["scores"][keep].float()
        height, width = int(size[0]), int(size[1])
        if "masks" not in out:
            crops = [MaskCrop(0, 0, np.zeros((0, 0), bool)) for _ in range(len(labels))]
        elif self._unpasted is self.model:  # no torchvision transform to leave them unpasted: cut around each
            crops = [_cut(mask > self.mask_threshold) for mask in out["masks"][keep, 0]]
        else:
            crops = [MaskCrop(x, y, (values > self.mask_threshold).cpu().numpy())
                     for x, y, values in box_crops(out["masks"][keep].float(), boxes, (height, width))]
        return CroppedDetections(boxes.cpu().numpy(), labels.cpu().numpy().astype(np.int64, copy=False),
                                 scores.cpu().numpy(), crops, self._names(labels), (height, width))

    def _to_detections(self, out: dict[str, torch.Tensor], size: torch.Size) -> DeviceDetections:
        scores, labels = out["scores"].float(), out["labels"]
        keep = self._kept(out)
        if "masks" not in out:
            soft = torch.zeros((int(keep.sum()), *size), device=scores.device)
        elif bool(keep.all()):  # the model's threshold already kept only these: no copy of N full frames
            soft = out["masks"][:, 0].float()  # [N, H, W] probabilities
        else:
            soft = out["masks"][keep, 0].float()
        kept_labels = labels[keep]
        return DeviceDetections(out["boxes"][keep].float(), kept_labels, scores[keep], soft > self.mask_threshold,
                                self._names(kept_labels), soft if self.soft_masks else None)


def _cut(mask: torch.Tensor) -> MaskCrop:
    """bool ``[H, W]`` -> the :class:`MaskCrop` around its True pixels (``[0, 0]`` at (0, 0) when none is)."""
    rows, cols = mask.any(dim=1).nonzero()[:, 0], mask.any(dim=0).nonzero()[:, 0]
    if not len(rows):
        return MaskCrop(0, 0, np.zeros((0, 0), bool))
    y1, y2, x1, x2 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return MaskCrop(x1, y1, mask[y1:y2, x1:x2].cpu().numpy())
