"""Moving decoded frames to where the model and compositor work, and back for the encoder.

On the way in a frame (``uint8`` [H, W, 3] RGB NumPy) is turned upright as a player would show it
(the display-matrix rotation, in quarter turns) and, for a CUDA device, copied to the GPU as a torch
``uint8`` [H, W, 3] tensor. On the way out the rendered frame is turned back and copied to the host, so
the output keeps the input's stored orientation and its rotation metadata.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def quarter_turns(rotation_degrees: int) -> int:
    """Counter-clockwise quarter turns that make a stored frame upright (0-3); odd angles round."""
    return round(rotation_degrees / 90) % 4


class FrameTransfer:
    """``to_work(rgb) -> frame`` and ``to_host(frame) -> rgb`` for one video and one device.

    device: None or a CPU device for NumPy frames; ``"cuda"``/``"cuda:N"`` (or a torch.device) for torch
    tensors on that GPU. turns: counter-clockwise quarter turns applied on the way in (undone on the way
    out); 0 to show the model the frames as stored.
    """

    def __init__(self, device: Any = None, turns: int = 0) -> None:
        self.turns = turns % 4
        self.device = None if device is None or str(device).startswith("cpu") else device

    def to_work(self, rgb: np.ndarray) -> Any:
        if self.device is None:
            return np.ascontiguousarray(np.rot90(rgb, self.turns)) if self.turns else rgb
        import torch

        tensor = torch.from_numpy(rgb).to(self.device, non_blocking=True)  # uint8 [H, W, 3]
        return torch.rot90(tensor, self.turns, dims=(0, 1)).contiguous() if self.turns else tensor

    def to_host(self, frame: Any) -> np.ndarray:
        if not isinstance(frame, np.ndarray):
            import torch

            if self.turns:
                frame = torch.rot90(frame, -self.turns, dims=(0, 1))
            return np.ascontiguousarray(frame.contiguous().cpu().numpy())
        return np.ascontiguousarray(np.rot90(frame, -self.turns)) if self.turns else frame
