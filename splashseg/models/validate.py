"""Checks of what a checkpoint holds, so that a damaged file is refused when it is read (exit 2, naming
the field) rather than crashing the model later or labelling detections with the letters of a string.

Each check returns ``None`` when the value is usable, else a short phrase saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .registry import MODELS

BACKGROUND = "__background__"
COCO_GAP = "N/A"  # torchvision's COCO layout repeats this name for unused category ids
SIZE_RANGES = {"min_size": (32, 4096), "max_size": (32, 8192)}  # as --min-size / --max-size accept
HEAD = "roi_heads.box_predictor.cls_score.weight"  # [num_classes, features]
ROWS_PER_CLASS = {  # first dimension of these tensors = factor x num_classes
    "roi_heads.box_predictor.cls_score.bias": 1,
    "roi_heads.box_predictor.bbox_pred.weight": 4,
    "roi_heads.box_predictor.bbox_pred.bias": 4,
    "roi_heads.mask_predictor.mask_fcn_logits.weight": 1,
    "roi_heads.mask_predictor.mask_fcn_logits.bias": 1,
}


def check_tensors(state_dict: Mapping[Any, Any]) -> str | None:
    """A state dict must map names to plain (dense, real) tensors with no NaN or infinite value.

    NaN weights are an error, not a warning: every score and box computed from them is NaN, so no
    detection made with them means anything.
    """
    if not state_dict:
        return "empty (no tensors)"
    for key, value in state_dict.items():
        if not isinstance(key, str):
            return f"key {key!r} is not a tensor name"
        if not isinstance(value, torch.Tensor):
            return f"{key} is a {type(value).__name__}, not a tensor"
        if value.is_meta or value.layout != torch.strided or value.is_quantized or value.is_complex():
            return f"{key} is not a plain tensor of real numbers ({value.layout}, {value.dtype}, {value.device})"
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            return f"{key} holds NaN or infinite values"
    return None


def head_classes(state_dict: Mapping[str, torch.Tensor]) -> int | None:
    """Classes (background included) the box predictor of a Mask R-CNN state dict scores; ``None``: no head."""
    weight = state_dict.get(HEAD)
    return int(weight.shape[0]) if isinstance(weight, torch.Tensor) and weight.ndim == 2 else None


def check_head(state_dict: Mapping[str, torch.Tensor]) -> str | None:
    """The box and mask predictors must agree on the number of classes (at least background + 1)."""
    weight = state_dict[HEAD]
    if weight.ndim != 2 or weight.shape[0] < 2:
        return f"{HEAD} has shape {list(weight.shape)}; expected [classes (2 or more), features]"
    classes = int(weight.shape[0])
    for key, factor in ROWS_PER_CLASS.items():
        tensor = state_dict.get(key)
        if tensor is not None and (tensor.ndim == 0 or tensor.shape[0] != factor * classes):
            return (f"{key} has shape {list(tensor.shape)}, not {factor * classes} rows for the {classes} "
                    f"classes of {HEAD}")
    return None


def _model_name(value: Any, num_classes: int) -> str | None:
    if not isinstance(value, str) or value not in MODELS:
        return f"unknown model (known: {', '.join(MODELS)})"
    return None


def _size(name: str) -> Any:
    low, high = SIZE_RANGES[name]

    def check(value: Any, num_classes: int) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}"
        return None

    return check


def check_class_names(value: Any, num_classes: int) -> str | None:
    """Class names must be distinct (up to case; COCO's ``N/A`` gap may repeat) printable non-blank strings,
    ``__background__`` first, ``num_classes`` of them (background included)."""
    if not isinstance(value, (list, tuple)):
        return "must be a list of class names"
    if not value:
        return "is empty"
    bad = next((i for i, name in enumerate(value)
                if not isinstance(name, str) or not name.strip() or not name.isprintable()), None)
    if bad is not None:
        return f"entry {bad} ({value[bad]!r}) is not a class name"
    if value[0] != BACKGROUND:
        return f"entry 0 must be '{BACKGROUND}'"
    if len(value) != num_classes:
        return f"has {len(value)} names but the model's head scores {num_classes} classes (background included)"
    seen: set[str] = set()
    for name in value:
        if name != COCO_GAP and name.lower() in seen:
            return f"names '{name}' twice"
        seen.add(name.lower())
    return None


META_CHECKS = {"model_name": _model_name, "class_names": check_class_names, "min_size": _size("min_size"),
               "max_size": _size("max_size")}


def check_meta(meta: Mapping[str, Any], num_classes: int) -> str | None:
    """Problem with a ``meta`` entry, as ``"meta.NAME: what is wrong (found VALUE)"``; absent entries are fine.

    model_name: a known model. class_names: a list of distinct printable non-blank strings (no newline or
    control character), ``__background__`` first, one per class of the head (``num_classes``, background
    included). min_size / max_size: whole numbers in the ranges of ``--min-size`` / ``--max-size``.
    """
    for name, check in META_CHECKS.items():
        value = meta.get(name)
        problem = None if value is None else check(value, num_classes)
        if problem is not None:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            return f"meta.{name}: {problem} (found {shown})"
    return None
