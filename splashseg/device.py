"""``--device auto|cpu|cuda|cuda:N`` -> ``torch.device``, and the one place a device's *kind* is read.

Importing this module does not import torch (render/ and video/ use :func:`device_kind` on arrays' devices).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import torch


def device_kind(device: Any = None) -> str:
    """``"cpu"`` or ``"cuda"`` (or whatever the type is) of ``device``: None (the host), a ``torch.device``
    or a name such as ``"cuda:1"``. The key of every registry chosen by device (compositors, refiners,
    frame transfers)."""
    if device is None:
        return "cpu"
    return getattr(device, "type", None) or str(device).split(":")[0]


def resolve_device(name: str = "auto") -> torch.device:
    """Pick CUDA for ``auto`` when it is available; refuse a CUDA device that is not there."""
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"--device {name}: not a device (use auto, cpu, cuda or cuda:N)") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"--device {name}: CUDA is not available on this machine (torch "
                             f"{torch.__version__}); use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InputError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) present")
    elif device.type != "cpu":
        raise InputError(f"--device {name}: unsupported device type (use auto, cpu, cuda or cuda:N)")
    return device
