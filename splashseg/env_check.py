"""Start-up check that torch and torchvision are a working pair.

A CPU-only torch wheel next to a torchvision built for another torch fails deep inside torchvision with
"operator torchvision::nms does not exist". This module finds that before any command runs and says,
in one message, which versions are installed and which command repairs them.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import re


def _installed(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def torch_requirement_of_torchvision() -> str | None:
    """The torch version specifier in torchvision's metadata (``"==2.9.0"``, ``">=2.14.0"``), or ``None``."""
    try:
        requires = metadata.requires("torchvision") or []
    except metadata.PackageNotFoundError:
        return None
    for req in requires:
        match = re.match(r"^torch\s*\(?\s*([<>=!~][^;)]*)\)?\s*(;.*)?$", req)
        if match and "extra" not in (match.group(2) or ""):
            return match.group(1).replace(" ", "")
    return None


def fix_command() -> str:
    """The pip command that reinstalls torch and torchvision together as a matching pair."""
    vision = _installed("torchvision")
    spec = torch_requirement_of_torchvision()
    if spec and vision != "not installed":
        return f"pip install --force-reinstall 'torch{spec}' 'torchvision=={vision}'"
    return "pip install --force-reinstall torch torchvision"


def mismatch_message(detail: str) -> str:
    """One message naming the installed versions, the underlying error and the fix."""
    return (
        f"torchvision {_installed('torchvision')} cannot use torch {_installed('torch')} "
        f"({detail.strip().splitlines()[0] if detail.strip() else 'compiled operators missing'}). "
        f"Install a matching pair: {fix_command()}"
    )


@functools.cache
def torch_pair_problem() -> str | None:
    """Import torch and torchvision and run one compiled torchvision operator on the CPU.

    Returns ``None`` when they work together, else :func:`mismatch_message`. Runs once per process.
    """
    try:
        import torch
        import torchvision  # noqa: F401  (importing registers torchvision's operators)
        from torchvision.ops import nms

        nms(torch.zeros((1, 4)), torch.zeros(1), 0.5)
    except ImportError as exc:
        return mismatch_message(f"import failed: {exc}")
    except RuntimeError as exc:
        return mismatch_message(str(exc))
    return None
