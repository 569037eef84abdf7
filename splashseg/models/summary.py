"""Layer-by-layer parameter counts of a model, exactly as built."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from torch import nn


@dataclass
class LayerRow:
    """One module that holds parameters or buffers of its own (``recurse=False``)."""

    name: str
    type: str
    parameters: int
    trainable: int
    buffers: int


@dataclass
class ModelSummary:
    rows: list[LayerRow]
    total: int
    trainable: int
    frozen: int
    buffers: int

    def to_dict(self) -> dict:
        return {"total_parameters": self.total, "trainable_parameters": self.trainable,
                "frozen_parameters": self.frozen, "buffer_elements": self.buffers,
                "layers": [asdict(r) for r in self.rows]}


def summarize(model: nn.Module) -> ModelSummary:
    """Count parameters per module (its own, not its children's) and in total.

    ``total`` is ``sum(p.numel() for p in model.parameters())``; frozen batch norms hold buffers, not
    parameters, so they show under ``buffers`` only.
    """
    rows = []
    for name, module in model.named_modules():
        params = list(module.parameters(recurse=False))
        buffers = list(module.buffers(recurse=False))
        if not params and not buffers:
            continue
        rows.append(LayerRow(name or "(model)", type(module).__name__, sum(p.numel() for p in params),
                             sum(p.numel() for p in params if p.requires_grad), sum(b.numel() for b in buffers)))
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for b in model.buffers())
    return ModelSummary(rows, total, trainable, total - trainable, buffers)
