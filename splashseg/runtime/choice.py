"""``--runtime torch|openvino|auto`` -> a :class:`RuntimeChoice`, made once per job where the device is chosen.

``auto``: on a CPU, OpenVINO when it is installed, in bfloat16 where the CPU computes it natively (AVX-512-BF16
or AMX), else float32; on CUDA, torch (its float16 autocast).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import InputError

RUNTIMES = ("torch", "openvino")
RUNTIME_CHOICES = ("auto", *RUNTIMES)
DEFAULT_RUNTIME = "auto"
RUNTIME_ENV = "SPLASHSEG_RUNTIME"  # the runtime when none is named (e.g. torch in the test suite)
INSTALL_OPENVINO = "pip install 'openvino>=2024.0'"
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo names of native bfloat16 arithmetic


@dataclass(frozen=True)
class RuntimeChoice:
    """Where the model's dense layers run. name: ``torch`` or ``openvino``; precision: ``fp32``, ``bf16``
    (OpenVINO's inference precision) or ``fp16`` (torch's CUDA autocast)."""

    name: str = "torch"
    precision: str = "fp32"

    @property
    def label(self) -> str:
        """``openvino-bf16``, ``torch-fp32``, ...: what ``--json`` reports as ``runtime``."""
        return f"{self.name}-{self.precision}"


TORCH_FP32 = RuntimeChoice("torch", "fp32")


def openvino_installed() -> bool:
    """Whether ``import openvino`` would find the package (without importing it)."""
    return importlib.util.find_spec("openvino") is not None


def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes bfloat16 natively: a :data:`BF16_CPU_FLAGS` flag in ``cpuinfo`` (Linux), else
    OpenVINO's ``OPTIMIZATION_CAPABILITIES`` of its CPU device (macOS, Windows)."""
    try:
        flags = set(cpuinfo.read_text(errors="replace").split())
    except OSError:
        flags = None
    if flags is not None:
        return any(flag in flags for flag in BF16_CPU_FLAGS)
    import openvino

    return "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def resolve_runtime(name: str | None, device: torch.device | str, *, amp: bool = True) -> RuntimeChoice:
    """``name`` (``auto``, ``torch`` or ``openvino``; ``None``: ``$SPLASHSEG_RUNTIME``, else ``auto``) on
    ``device`` -> the runtime this job uses. amp: whether torch autocasts to float16 on CUDA.

    Raises :class:`InputError` (exit 2) for an unknown name, ``openvino`` on CUDA, or ``openvino`` when the
    package is missing (the message holds the install command).
    """
    name = (name or os.environ.get(RUNTIME_ENV) or DEFAULT_RUNTIME).strip().lower()
    device = torch.device(device)
    if name not in RUNTIME_CHOICES:
        raise InputError(f"--runtime {name}: unknown runtime (use {', '.join(RUNTIME_CHOICES)})")
    if device.type == "cuda":
        if name == "openvino":
            raise InputError("--runtime openvino runs on the CPU: use --device cpu, or --runtime torch on CUDA")
        return RuntimeChoice("torch", "fp16" if amp else "fp32")
    if name == "torch" or (name == "auto" and not openvino_installed()):
        return TORCH_FP32
    if not openvino_installed():
        raise InputError(f"--runtime openvino: OpenVINO is not installed; install it with {INSTALL_OPENVINO} "
                         "(or use --runtime torch)")
    return RuntimeChoice("openvino", "bf16" if cpu_has_bf16() else "fp32")
