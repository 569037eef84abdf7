"""COCO weights through torchvision's weights API and its cache (``TORCH_HOME``).

The file torchvision expects lives at ``$TORCH_HOME/hub/checkpoints/<name from the weights URL>``
(``~/.cache/torch/hub/checkpoints`` by default). Offline and uncached, loading fails with one message that
names that exact path and how to put the file there.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch

from ..errors import InputError


def cache_path(weights: Any) -> Path:
    """The path where torchvision's cache keeps ``weights`` (a torchvision ``Weights`` enum entry)."""
    file_name = os.path.basename(urlparse(weights.url).path)
    return Path(torch.hub.get_dir()) / "checkpoints" / file_name


def coco_class_names(weights: Any) -> list[str]:
    """The 91 category names of torchvision's COCO layout (index 0 ``__background__``, gaps ``N/A``)."""
    return list(weights.meta["categories"])


@contextlib.contextmanager
def coco_weights_guard(model_name: str, weights: Any | None) -> Iterator[None]:
    """Run a torchvision build with COCO weights; turn a failed download or a bad cached file into InputError."""
    if weights is None:
        raise InputError(f"model {model_name} has no COCO weights; use --weights none or a checkpoint PATH")
    path = cache_path(weights)
    cached = path.is_file()
    try:
        yield
    except InputError:
        raise
    except Exception as exc:  # urllib, hash, unpickling and state-dict errors all land here
        if not cached:
            raise InputError(
                f"{path}: COCO weights for {model_name} are not in torchvision's cache and could not be "
                f"downloaded ({type(exc).__name__}). Download {weights.url} on a machine with internet and "
                f"copy it to that path (or set TORCH_HOME to a folder holding hub/checkpoints/{path.name})"
            ) from None
        raise InputError(f"{path}: cached COCO weights for {model_name} cannot be loaded ({exc}); "
                         f"delete the file to download it again") from None
