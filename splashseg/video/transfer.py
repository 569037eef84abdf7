"""Moving decoded frames to where the model and compositor work, and back for the encoder.

On the way in a frame (``uint8`` [H, W, 3] RGB NumPy) is turned upright as a player would show it
(the display-matrix rotation, in quarter turns) and, for a CUDA device, copied to the GPU as a torch
``uint8`` [H, W, 3] tensor. On the way out the rendered frame is turned back and copied to the host, so
the output keeps the input's stored orientation and its rotation metadata. The kind of transfer is
chosen once per video by :func:`build_transfer`.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..device import device_kind


def quarter_turns(rotation_degrees: int) -> int:
    """Counter-clockwise quarter turns that make a stored frame upright (0-3); odd angles round."""
    return round(rotation_degrees / 90) % 4


class FrameTransfer(Protocol):
    """``to_work(rgb) -> frame`` and ``to_host(frame) -> rgb`` for one video and one device;
    ``upright(rgb)``: the decoded frame turned upright, NumPy on the host (for optical flow)."""

    def to_work(self, rgb: np.ndarray) -> Any: ...

    def to_host(self, frame: Any) -> np.ndarray: ...

    def upright(self, rgb: np.ndarray) -> np.ndarray: ...


class HostTransfer:
    """Frames stay NumPy on the host; only the quarter turns are applied and undone."""

    def __init__(self, turns: int = 0) -> None:
        self.turns = turns % 4

    def to_work(self, rgb: np.ndarray) -> np.ndarray:
        return self.upright(rgb)

    def upright(self, rgb: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.rot90(rgb, self.turns)) if self.turns else rgb

    def to_host(self, frame: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.rot90(frame, -self.turns)) if self.turns else frame


class DeviceTransfer:
    """Frames become torch ``uint8 [H, W, 3]`` tensors on ``device`` (a GPU) and come back as NumPy."""

    def __init__(self, device: Any, turns: int = 0) -> None:
        self.device, self.turns = device, turns % 4

    def to_work(self, rgb: np.ndarray) -> Any:
        import torch

        tensor = torch.from_numpy(rgb).to(self.device, non_blocking=True)  # uint8 [H, W, 3]
        return torch.rot90(tensor, self.turns, dims=(0, 1)).contiguous() if self.turns else tensor

    def upright(self, rgb: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.rot90(rgb, self.turns)) if self.turns else rgb

    def to_host(self, frame: Any) -> np.ndarray:
        import torch

        if self.turns:
            frame = torch.rot90(frame, -self.turns, dims=(0, 1))
        return np.ascontiguousarray(frame.contiguous().cpu().numpy())


def build_transfer(device: Any = None, turns: int = 0) -> FrameTransfer:
    """None or a CPU device: :class:`HostTransfer`; ``"cuda"``/``"cuda:N"``/a torch.device: :class:`DeviceTransfer`."""
    kind = device_kind(device)
    return HostTransfer(turns) if kind == "cpu" else DeviceTransfer(device, turns)
