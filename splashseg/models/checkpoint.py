"""Checkpoint files: plain dicts of tensors and JSON-like metadata, read with ``weights_only=True``.

A splashseg checkpoint::

    {"format": "splashseg-checkpoint", "format_version": 1,
     "model": {name: Tensor, ...},                     # the model's state dict
     "meta": {"model_name": str, "class_names": [str, ...],   # index 0 is "__background__"
              "min_size": int, "max_size": int, "splashseg_version": str},
     ...}                                              # training state: optimizer, epoch, rng, ...

A plain torchvision state dict (``{name: Tensor}``) is accepted too. Loading never unpickles code: a file
holding anything else than tensors and plain containers is refused. Every field the model loader relies
on is checked here, when the file is read (see :mod:`.validate`): a damaged checkpoint is exit 2 naming
the file and the field, never a crash later.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from .. import __version__
from ..errors import InputError
from ..fsutil import atomic_path
from .torch_file import TorchFileError, check_torch_file
from .validate import HEAD, check_head, check_meta, check_tensors, head_classes

FORMAT = "splashseg-checkpoint"
FORMAT_VERSION = 1


def make_meta(model_name: str, class_names: list[str], min_size: int, max_size: int) -> dict[str, Any]:
    """The metadata every splashseg checkpoint carries."""
    return {"model_name": model_name, "class_names": list(class_names), "min_size": int(min_size),
            "max_size": int(max_size), "splashseg_version": __version__}


def save_checkpoint(path: Path, state_dict: dict[str, torch.Tensor], meta: dict[str, Any],
                    **extra: Any) -> None:
    """Write a checkpoint atomically (temporary file, then rename). ``extra``: training state entries."""
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": state_dict, "meta": meta, **extra}
    with atomic_path(Path(path)) as tmp:
        torch.save(payload, tmp)


def read_torch_file(path: Path) -> Any:
    """The content of a ``torch.save`` file, read with ``weights_only=True``: tensors and plain containers.

    The one ``torch.load`` of the package (COCO weights from torchvision's cache come through here too).
    A pickled Python object (a class, a function, ``os.system``...) is refused, never called. Raises
    :class:`TorchFileError` saying why the file cannot be read (a folder, empty, not a PyTorch file...).
    """
    check_torch_file(path)
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": the refusal below says enough
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "global" in str(exc).lower():  # a pickled object (class or function) was in the file
            raise TorchFileError("it holds Python objects, not just tensors", unsafe=True) from None
        raise TorchFileError("its content cannot be unpickled", damaged=True) from None
    except EOFError:
        raise TorchFileError("it ends early: truncated", damaged=True) from None
    except Exception as exc:  # torch.load fails in many ways on files that are not checkpoints
        raise TorchFileError(f"PyTorch cannot read it: {_first_sentence(exc)}", damaged=True) from None


def _first_sentence(exc: Exception) -> str:
    """The first sentence of an exception's message (whole, never cut mid-word), or its type's name."""
    text = " ".join(str(exc).split())
    sentence = text.split(". ")[0].rstrip(".")
    return sentence if sentence and len(sentence) <= 160 else type(exc).__name__


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint or plain state dict with ``torch.load(weights_only=True)`` and check its fields.

    Returns a splashseg checkpoint dict; a plain state dict is wrapped as ``{"model": sd, "meta": {}}``.
    Raises :class:`InputError` for a missing file, a file that is not a PyTorch checkpoint, one with a
    pickle payload (which is refused, never executed), and ``damaged checkpoint: PATH: field X: ...``
    for a field the model loader could not use (see :func:`.validate.check_meta`).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such checkpoint file")
    try:
        data = read_torch_file(path)
    except TorchFileError as exc:
        if exc.unsafe:
            raise InputError(f"{path}: refused: {exc} (checkpoints are data; it was not loaded)") from None
        if exc.damaged:
            raise InputError(f"damaged checkpoint: {path} ({exc})") from None
        raise InputError(f"{path}: not a PyTorch checkpoint ({exc})") from None
    ckpt = _wrap(path, data)
    _check_fields(path, ckpt, "field model" if "model" in data else "state dict")
    return ckpt


def _check_fields(path: Path, ckpt: dict[str, Any], where: str) -> None:
    """``damaged checkpoint: PATH: WHERE: problem`` for the first unusable tensor or meta entry."""
    state = ckpt["model"]
    problem = check_tensors(state)
    if problem is None and head_classes(state) is None:
        if where == "state dict":  # a plain state dict of some other network
            raise InputError(f"{path}: not a Mask R-CNN state dict (no {HEAD})")
        problem = f"not a Mask R-CNN state dict (no {HEAD})"
    problem = problem or check_head(state)
    if problem is not None:
        raise InputError(f"damaged checkpoint: {path}: {where}: {problem}")
    problem = check_meta(ckpt["meta"], head_classes(state))
    if problem is not None:
        raise InputError(f"damaged checkpoint: {path}: field {problem}")


def _wrap(path: Path, data: Any) -> dict[str, Any]:
    """A splashseg checkpoint dict for whichever layout ``data`` has; :class:`InputError` for none."""
    if isinstance(data, dict) and data.get("format") == FORMAT:
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
            raise InputError(f"damaged checkpoint: {path}: field format_version: {version!r} (this splashseg "
                             f"reads version {FORMAT_VERSION}; a newer splashseg may have written it)")
        for key in ("model", "meta"):
            if not isinstance(data.get(key), dict):
                raise InputError(f"damaged checkpoint: {path}: field {key}: expected a dict, found "
                                 f"{type(data.get(key)).__name__}")
        return data
    if isinstance(data, dict) and data and all(isinstance(v, torch.Tensor) for v in data.values()):
        return {"format": "state_dict", "model": data, "meta": {}}
    if isinstance(data, dict) and isinstance(data.get("model"), dict):  # e.g. torchvision references' format
        return {"format": "state_dict", "model": data["model"], "meta": {}}
    raise InputError(f"{path}: not a model checkpoint (expected a state dict of tensors)")


def fit_state_dict(model: torch.nn.Module, state_dict: dict[str, torch.Tensor]) -> str | None:
    """Load ``state_dict`` into ``model``; return what does not fit (one line), or ``None`` when all did."""
    try:
        result = model.load_state_dict(state_dict, strict=False)
    except RuntimeError as exc:  # shape mismatches
        return str(exc).strip().splitlines()[-1].strip()[:200]
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    unexpected = result.unexpected_keys
    if missing or unexpected:
        return (f"{len(missing)} missing, {len(unexpected)} unexpected tensors, "
                f"e.g. {(missing or unexpected)[0]}")
    return None


def num_classes_in(state_dict: dict[str, torch.Tensor]) -> int | None:
    """Classes (background included) a Mask R-CNN state dict was trained for, or ``None`` if not one."""
    return head_classes(state_dict)
