"""Checkpoint files: plain dicts of tensors and JSON-like metadata, read with ``weights_only=True``.

A splashseg checkpoint::

    {"format": "splashseg-checkpoint", "format_version": 1,
     "model": {name: Tensor, ...},                     # the model's state dict
     "meta": {"model_name": str, "class_names": [str, ...],   # index 0 is "__background__"
              "min_size": int, "max_size": int, "splashseg_version": str},
     ...}                                              # training state: optimizer, epoch, rng, ...

A plain torchvision state dict (``{name: Tensor}``) is accepted too. Loading never unpickles code: a file
holding anything else than tensors and plain containers is refused.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch

from .. import __version__
from ..errors import InputError
from ..fsutil import atomic_path

FORMAT = "splashseg-checkpoint"


def make_meta(model_name: str, class_names: list[str], min_size: int, max_size: int) -> dict[str, Any]:
    """The metadata every splashseg checkpoint carries."""
    return {"model_name": model_name, "class_names": list(class_names), "min_size": int(min_size),
            "max_size": int(max_size), "splashseg_version": __version__}


def save_checkpoint(path: Path, state_dict: dict[str, torch.Tensor], meta: dict[str, Any],
                    **extra: Any) -> None:
    """Write a checkpoint atomically (temporary file, then rename). ``extra``: training state entries."""
    payload = {"format": FORMAT, "format_version": 1, "model": state_dict, "meta": meta, **extra}
    with atomic_path(Path(path)) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint or plain state dict with ``torch.load(weights_only=True)``.

    Returns a splashseg checkpoint dict; a plain state dict is wrapped as ``{"model": sd, "meta": {}}``.
    Raises :class:`InputError` for a missing file, a file that is not a PyTorch checkpoint, or one with a
    pickle payload (which is refused, never executed).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such checkpoint file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "global" in str(exc).lower():  # a pickled object (class or function) was in the file
            raise InputError(f"{path}: refused: the file holds Python objects, not just tensors "
                             "(checkpoints are data; it was not loaded)") from None
        raise InputError(f"{path}: not a PyTorch checkpoint (its content cannot be unpickled)") from None
    except Exception as exc:  # torch.load fails in many ways on files that are not checkpoints
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a PyTorch checkpoint ({message[:160]})") from None
    if isinstance(data, dict) and data.get("format") == FORMAT:
        if not isinstance(data.get("model"), dict) or not isinstance(data.get("meta"), dict):
            raise InputError(f"{path}: damaged splashseg checkpoint (no model or meta entry)")
        return data
    if isinstance(data, dict) and data and all(isinstance(v, torch.Tensor) for v in data.values()):
        return {"format": "state_dict", "model": data, "meta": {}}
    if isinstance(data, dict) and isinstance(data.get("model"), dict):  # e.g. torchvision references' format
        return {"format": "state_dict", "model": data["model"], "meta": {}}
    raise InputError(f"{path}: not a model checkpoint (expected a state dict of tensors)")


def num_classes_in(state_dict: dict[str, torch.Tensor]) -> int | None:
    """Classes (background included) a Mask R-CNN state dict was trained for, or ``None`` if not one."""
    weight = state_dict.get("roi_heads.box_predictor.cls_score.weight")
    return int(weight.shape[0]) if weight is not None else None
