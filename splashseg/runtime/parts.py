"""The dense parts of a torchvision Mask R-CNN: how each is exported to OpenVINO and what runs it after.

Anchors, proposal selection and NMS, RoIAlign, mask pasting and post-processing stay in torch (they are
data-dependent); these convolutional and fully connected parts move:

========================  ==========================================  =======================================
part                      input                                       output
========================  ==========================================  =======================================
``backbone``              images ``[B, 3, H, W]`` float32, normalised  FPN maps ``[B, C, H/s, W/s]`` per level
``rpn.head``              the FPN maps                                objectness and box deltas per level
``roi_heads.box_head``    pooled RoIs ``[N, C, 7, 7]``                 ``[N, F]`` features
``roi_heads.box_predictor``  ``[N, F]``                               class logits ``[N, K]``, deltas ``[N, 4K]``
``roi_heads.mask_head``   pooled RoIs ``[N, C, 14, 14]``               ``[N, C', 14, 14]``
``roi_heads.mask_predictor``  ``[N, C', 14, 14]``                     mask logits ``[N, K, 28, 28]``
========================  ==========================================  =======================================

Every dimension that varies (batch, RoI count, padded picture size) is dynamic in the exported model.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


class _Backbone(nn.Module):
    """Export wrapper: the backbone's ordered dict of maps as a tuple."""

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.inner = backbone

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(self.inner(images).values())


class _RPNHead(nn.Module):
    """Export wrapper: the RPN head on ``L`` maps -> ``L`` objectness maps, then ``L`` delta maps."""

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.inner = head

    def forward(self, *maps: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits, deltas = self.inner(list(maps))
        return (*logits, *deltas)


def _run(compiled: Any, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
    """Run an OpenVINO compiled model on float32 tensors -> its outputs as torch tensors, in order."""
    arrays = [t.detach().float().contiguous().numpy() for t in inputs]
    results = compiled(arrays, share_inputs=True)
    return [torch.from_numpy(results[out]) for out in compiled.outputs]


class OpenVINOBackbone(nn.Module):
    """Runs the exported backbone + FPN: ``[B, 3, H, W]`` -> ``OrderedDict`` of maps, named as torch's."""

    def __init__(self, compiled: Any, names: list[str], out_channels: int) -> None:
        super().__init__()
        self.compiled, self.names, self.out_channels = compiled, names, out_channels

    def forward(self, images: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        return OrderedDict(zip(self.names, _run(self.compiled, [images]), strict=True))


class OpenVINORPNHead(nn.Module):
    """Runs the exported RPN head: a list of ``L`` maps -> (``L`` objectness maps, ``L`` delta maps)."""

    def __init__(self, compiled: Any) -> None:
        super().__init__()
        self.compiled = compiled

    def forward(self, maps: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        outputs = _run(self.compiled, list(maps))
        return outputs[:len(maps)], outputs[len(maps):]


class OpenVINORoIPart(nn.Module):
    """Runs an exported RoI head or predictor on ``[N, ...]``; with ``N = 0`` RoIs, the torch module does
    (an empty batch, no work)."""

    def __init__(self, compiled: Any, fallback: nn.Module) -> None:
        super().__init__()
        self.compiled, self.fallback = compiled, fallback

    def forward(self, rois: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if rois.shape[0] == 0:
            return self.fallback(rois)
        outputs = _run(self.compiled, [rois])
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


@dataclass
class Examples:
    """Example inputs for export: ``images`` ``[1, 3, H, W]`` float32 and the backbone's ``maps`` on them."""

    images: torch.Tensor
    maps: OrderedDict[str, torch.Tensor]


def module_at(model: nn.Module, path: tuple[str, ...]) -> nn.Module:
    """``module_at(model, ("roi_heads", "box_head")) is model.roi_heads.box_head``."""
    for attribute in path:
        model = getattr(model, attribute)
    return model


@dataclass(frozen=True)
class DensePart:
    """One part: ``path`` of attributes in the model; ``export(model, examples)`` -> (module to convert,
    example inputs); ``runner(compiled, model, map_names)`` -> the module that replaces it (map_names: the
    backbone's output names, in order); ``dynamic``: the dimensions of every input that vary between calls."""

    path: tuple[str, ...]
    export: Callable[[nn.Module, Examples], tuple[nn.Module, tuple[torch.Tensor, ...]]]
    runner: Callable[[Any, nn.Module, list[str]], nn.Module]
    dynamic: tuple[int, ...] = (0,)

    @property
    def name(self) -> str:
        return ".".join(self.path)

    def input_shapes(self, inputs: tuple[torch.Tensor, ...]) -> list[list[int]]:
        """Each input's shape with the :attr:`dynamic` dimensions as ``-1``."""
        return [[-1 if i in self.dynamic else int(s) for i, s in enumerate(t.shape)] for t in inputs]


def _rois(pool: nn.Module, examples: Examples) -> torch.Tensor:
    """Example pooled RoIs ``[2, C, S, S]`` for a RoI pool with output size ``S``."""
    size = pool.output_size if isinstance(pool.output_size, (tuple, list)) else (pool.output_size,) * 2
    channels = next(iter(examples.maps.values())).shape[1]
    return torch.rand(2, channels, *size)


def _roi_part(path: tuple[str, ...], example: Callable[[nn.Module, Examples], torch.Tensor]) -> DensePart:
    def export(model: nn.Module, examples: Examples) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
        return module_at(model, path), (example(model, examples),)

    def runner(compiled: Any, model: nn.Module, map_names: list[str]) -> nn.Module:
        return OpenVINORoIPart(compiled, module_at(model, path))

    return DensePart(path, export, runner)


def _box_rois(model: nn.Module, examples: Examples) -> torch.Tensor:
    return _rois(model.roi_heads.box_roi_pool, examples)


def _mask_rois(model: nn.Module, examples: Examples) -> torch.Tensor:
    return _rois(model.roi_heads.mask_roi_pool, examples)


def _box_features(model: nn.Module, examples: Examples) -> torch.Tensor:
    return model.roi_heads.box_head(_box_rois(model, examples))


def _mask_features(model: nn.Module, examples: Examples) -> torch.Tensor:
    return model.roi_heads.mask_head(_mask_rois(model, examples))


PARTS: list[DensePart] = [
    DensePart(("backbone",), lambda model, ex: (_Backbone(model.backbone), (ex.images,)),
              lambda compiled, model, names: OpenVINOBackbone(compiled, names, model.backbone.out_channels),
              dynamic=(0, 2, 3)),
    DensePart(("rpn", "head"), lambda model, ex: (_RPNHead(model.rpn.head), tuple(ex.maps.values())),
              lambda compiled, model, names: OpenVINORPNHead(compiled), dynamic=(0, 2, 3)),
    _roi_part(("roi_heads", "box_head"), _box_rois),
    _roi_part(("roi_heads", "box_predictor"), _box_features),
    _roi_part(("roi_heads", "mask_head"), _mask_rois),
    _roi_part(("roi_heads", "mask_predictor"), _mask_features),
]
