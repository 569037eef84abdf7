"""Where the model's dense layers run: torch, or OpenVINO on a CPU (``--runtime torch|openvino|auto``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from torch import nn

from .cache import DamagedCacheWarning, cache_root
from .choice import (
    DEFAULT_RUNTIME,
    RUNTIME_CHOICES,
    RUNTIME_ENV,
    RUNTIMES,
    TORCH_FP32,
    RuntimeChoice,
    resolve_runtime,
)


def _torch_model(model: nn.Module, *, precision: str, model_name: str, cache: Path | None = None) -> nn.Module:
    return model


def _openvino_model(model: nn.Module, *, precision: str, model_name: str, cache: Path | None = None) -> nn.Module:
    from .openvino_model import openvino_model

    return openvino_model(model, precision=precision, model_name=model_name, cache=cache)


RUNTIME_BUILDERS: dict[str, Callable[..., nn.Module]] = {"torch": _torch_model, "openvino": _openvino_model}


def unpasted_model(model: nn.Module) -> nn.Module:
    """A view of ``model`` (a torchvision R-CNN, any runtime; weights shared, ``model`` unchanged) whose
    ``masks`` come out unpasted, ``[N, 1, M, M]`` probabilities beside boxes in picture pixels, for
    :func:`~.paste.box_crops`. A model without torchvision's transform is returned as it is."""
    from torchvision.models.detection.transform import GeneralizedRCNNTransform

    from .paste import unpasted_transform
    from .views import with_parts

    transform = getattr(model, "transform", None)
    if not isinstance(transform, GeneralizedRCNNTransform):
        return model
    return with_parts(model, {("transform",): unpasted_transform(transform)})


def apply_runtime(model: nn.Module, choice: RuntimeChoice, *, model_name: str = "model",
                  cache: Path | None = None) -> nn.Module:
    """``model`` ready to run in ``choice``'s runtime (for torch: ``model`` itself; else a copy sharing its
    weights, ``model`` unchanged)."""
    return RUNTIME_BUILDERS[choice.name](model, precision=choice.precision, model_name=model_name, cache=cache)


__all__ = ["DEFAULT_RUNTIME", "RUNTIMES", "RUNTIME_BUILDERS", "RUNTIME_CHOICES", "RUNTIME_ENV", "TORCH_FP32",
           "DamagedCacheWarning", "RuntimeChoice", "apply_runtime", "cache_root", "resolve_runtime",
           "unpasted_model"]
