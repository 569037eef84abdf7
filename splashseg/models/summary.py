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
class SummaryConfig:
    """Which model ``summary`` builds: ``model_name``/``num_classes`` ``None``: the checkpoint's, else the
    default model with COCO's 90 classes; ``weights``: ``coco``, ``none`` or a checkpoint path."""

    model_name: str | None = None
    num_classes: int | None = None
    weights: str = "none"


@dataclass
class ModelSummary:
    """Every module that holds parameters or buffers, and the totals; ``model``/``classes``: as built
    (``classes`` counts the background)."""

    rows: list[LayerRow]
    total: int
    trainable: int
    frozen: int
    buffers: int
    model: str = ""
    classes: int = 0

    def to_dict(self) -> dict:
        return {"model": self.model, "num_classes": self.classes,
                "total_parameters": self.total, "trainable_parameters": self.trainable,
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


def summarize_config(config: SummaryConfig) -> ModelSummary:
    """Build the model ``config`` names (as ``load_model`` would for these weights) and :func:`summarize` it."""
    from .loading import BACKGROUND, load_model

    names = None
    if config.num_classes is not None:
        names = [BACKGROUND, *(f"class{i}" for i in range(1, config.num_classes + 1))]
    loaded = load_model(config.model_name, config.weights, class_names=names)
    result = summarize(loaded.model)
    result.model, result.classes = loaded.model_name, len(loaded.class_names)
    return result
