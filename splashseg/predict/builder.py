"""``PredictConfig`` (what the user asked for) -> a ready :class:`Predictor`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..configs import known_fields
from ..device import resolve_device
from ..models import load_model
from ..runtime import resolve_runtime
from .predictor import Predictor, class_ids_for


@dataclass
class PredictConfig:
    """Options of ``detect``, ``splash`` and ``video`` that choose and run the model.

    classes: class names to keep (``None``: all). min_size/max_size ``None``: the model's or checkpoint's.
    agnostic_nms: suppress overlapping detections across classes (torchvision's NMS is per class).
    soft_masks: keep each instance's mask probabilities (``Detections.soft_masks``), for ``--soft-masks``.
    refine: refine each mask against its picture (``--refine``); it needs the soft masks, so a predictor
    built for it keeps them (:attr:`keeps_soft_masks`: the one place that rule lives).
    """

    model_name: str | None = None
    weights: str = "coco"
    device: str = "auto"
    conf: float = 0.5
    classes: list[str] | None = None
    batch_size: int = 1
    min_size: int | None = None
    max_size: int | None = None
    amp: bool = True
    agnostic_nms: bool = False
    soft_masks: bool = False
    refine: bool = False
    runtime: str | None = None  # torch|openvino|auto; None: $SPLASHSEG_RUNTIME, else auto (splashseg.runtime)

    @property
    def keeps_soft_masks(self) -> bool:
        """Whether the predictor keeps the mask probabilities: asked for, or needed by ``--refine``."""
        return self.soft_masks or self.refine

    @classmethod
    def from_options(cls, **params: Any) -> PredictConfig:
        """The model options of ``detect``, ``splash`` and ``video`` (click's parameters by name; the others
        are ignored). ``classes``: ``"person, dog"`` or a list."""
        config = cls(**known_fields(cls, params))
        if isinstance(config.classes, str):
            config.classes = [name.strip() for name in config.classes.split(",") if name.strip()] or None
        return config


def build_predictor(config: PredictConfig) -> Predictor:
    """Load the model named by ``config`` and wrap it in a :class:`Predictor` on the resolved device, its
    dense layers in the resolved runtime (the job's one choice of device and runtime; the job's backend
    record, :func:`splashseg.apps.backend.build_backend`, reads both from the predictor)."""
    device = resolve_device(config.device)
    runtime = resolve_runtime(config.runtime, device, amp=config.amp)
    loaded = load_model(config.model_name, config.weights, min_size=config.min_size, max_size=config.max_size)
    class_ids = class_ids_for(config.classes, loaded.class_names)
    return Predictor(loaded.model, loaded.class_names, device=device, conf=config.conf, class_ids=class_ids,
                     batch_size=config.batch_size, amp=config.amp, agnostic_nms=config.agnostic_nms,
                     soft_masks=config.keeps_soft_masks, runtime=runtime, model_name=loaded.model_name)
