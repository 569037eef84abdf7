"""Start-up check that torch and torchvision are a working pair.

A CPU-only torch wheel next to a torchvision built for another torch fails deep inside torchvision with
"operator torchvision::nms does not exist". This module finds that before any command runs and says,
in one message, which versions are installed and which command repairs them.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re

from .errors import InputError


def _installed(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _torch_pin_of_torchvision() -> str | None:
    """Return the torch version torchvision's metadata pins (``"2.9.0"``), or ``None``."""
    try:
        requires = metadata.requires("torchvision") or []
    except metadata.PackageNotFoundError:
        return None
    for req in requires:
        match = re.match(r"^torch\s*(?:\(\s*)?==\s*([0-9][^,;\s)]*)", req)
        if match:
            return match.group(1)
    return None


def fix_command() -> str:
    """The pip command that installs a matching torch/torchvision pair from the package registry."""
    vision = _installed("torchvision")
    pin = _torch_pin_of_torchvision()
    if pin and vision != "not installed":
        return f"pip install --force-reinstall 'torch=={pin}' 'torchvision=={vision}'"
    return "pip install --force-reinstall torch torchvision"


def mismatch_message(detail: str) -> str:
    """One message naming the installed versions, the underlying error and the fix."""
    return (
        f"torchvision {_installed('torchvision')} cannot use torch {_installed('torch')} "
        f"({detail.strip().splitlines()[0] if detail.strip() else 'compiled operators missing'}). "
        f"Install a matching pair: {fix_command()}"
    )


def check_torch_pair() -> None:
    """Import torch and torchvision and run one compiled torchvision operator on the CPU.

    Raises :class:`InputError` (exit 2) with :func:`mismatch_message` when that fails.
    """
    try:
        import torch
        import torchvision  # noqa: F401  (importing registers torchvision's operators)
        from torchvision.ops import nms

        nms(torch.zeros((1, 4)), torch.zeros(1), 0.5)
    except ImportError as exc:
        raise InputError(mismatch_message(f"import failed: {exc}")) from None
    except RuntimeError as exc:
        raise InputError(mismatch_message(str(exc))) from None
