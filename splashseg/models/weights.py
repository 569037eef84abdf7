"""COCO weights in torchvision's cache (``TORCH_HOME``), read as data only.

The file torchvision expects lives at ``$TORCH_HOME/hub/checkpoints/<name from the weights URL>``
(``~/.cache/torch/hub/checkpoints`` by default). splashseg reads it itself with
``torch.load(weights_only=True)`` rather than through torchvision's ``weights.get_state_dict()``, which
unpickles without that guard: a file copied there by hand is data, and one carrying pickled code is
refused, never run. Uncached, the file is downloaded to that path (hash checked, as torchvision does);
offline, loading fails with one message that names that exact path and how to put the file there.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torchvision.models.detection import MaskRCNN

from ..errors import InputError
from .checkpoint import TorchFileError, fit_state_dict, read_torch_file
from .registry import COCO_CLASSES, MODELS, input_size, replace_heads
from .validate import check_tensors

HASH_IN_NAME = re.compile(r"-([a-f0-9]+)\.")  # ``name-<sha256 prefix>.pth``, torch.hub's convention


def cache_path(weights: Any) -> Path:
    """The path where torchvision's cache keeps ``weights`` (a torchvision ``Weights`` enum entry)."""
    file_name = os.path.basename(urlparse(weights.url).path)
    return Path(torch.hub.get_dir()) / "checkpoints" / file_name


def coco_class_names(weights: Any) -> list[str]:
    """The 91 category names of torchvision's COCO layout (index 0 ``__background__``, gaps ``N/A``)."""
    return list(weights.meta["categories"])


def build_coco_model(name: str, num_classes: int | None = None, *, min_size: int | None = None,
                     max_size: int | None = None, **kwargs: Any) -> MaskRCNN:
    """Model ``name`` with torchvision's COCO weights (from its cache, read as data only) and, when
    ``num_classes`` (background included) differs from 91, new box and mask predictors for fine-tuning."""
    spec = MODELS[name]
    if spec.coco_weights is None or spec.build_coco is None:
        raise InputError(f"model {name} has no COCO weights; use --weights none or a checkpoint PATH")
    build = partial(spec.build_coco, **input_size(name, min_size, max_size), **kwargs)
    model = build_with_coco_weights(build, name, spec.coco_weights)
    if num_classes is not None and num_classes != COCO_CLASSES:
        replace_heads(model, num_classes)
    return model


def build_with_coco_weights(build: Callable[[], MaskRCNN], model_name: str, weights: Any) -> MaskRCNN:
    """``build()`` the network torchvision builds for ``weights`` and fill it with them from the cache.

    The file is read (and downloaded first when not cached) before the network is built. Raises
    :class:`InputError` naming the cache path when it is neither cached nor downloadable, and
    ``damaged/unsafe weights file: PATH`` when the cached file is not a state dict of finite tensors that
    fits the model (pickled code in it is refused, never run).
    """
    path = cache_path(weights)
    if not path.exists():
        _download(model_name, weights, path)
    state = _read_weights(path, weights.url)
    model = build()
    problem = fit_state_dict(model, state)
    if problem is not None:
        raise _damaged(path, f"weights do not fit {model_name}: {problem}", weights.url)
    return model


def _damaged(path: Path, reason: str, url: str) -> InputError:
    return InputError(f"damaged/unsafe weights file: {path} ({reason}); delete it and run again to download "
                      f"{url}, or copy a good copy of that file there")


def _read_weights(path: Path, url: str) -> dict[str, torch.Tensor]:
    try:
        state = read_torch_file(path)
    except TorchFileError as exc:
        raise _damaged(path, f"{exc}{': refused, not run' if exc.unsafe else ''}", url) from None
    if not isinstance(state, dict):
        raise _damaged(path, f"a {type(state).__name__}, not a state dict", url)
    problem = check_tensors(state)
    if problem is not None:
        raise _damaged(path, problem, url)
    return state


def _download(model_name: str, weights: Any, path: Path) -> None:
    """Fetch ``weights.url`` to ``path`` (torch.hub writes a temporary file, checks the hash, renames)."""
    match = HASH_IN_NAME.search(path.name)
    print(f"downloading {weights.url} to {path}", file=sys.stderr)  # stdout stays clean for --json
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(weights.url, str(path), match.group(1) if match else None, progress=True)
    except Exception as exc:  # urllib errors, a hash mismatch, a read-only cache folder
        raise InputError(
            f"{path}: COCO weights for {model_name} are not in torchvision's cache and could not be "
            f"downloaded ({type(exc).__name__}). Download {weights.url} on a machine with internet and "
            f"copy it to that path (or set TORCH_HOME to a folder holding hub/checkpoints/{path.name})"
        ) from None
