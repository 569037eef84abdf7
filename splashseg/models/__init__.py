"""Mask R-CNN models by name, their weights, checkpoints and layer summaries."""

from .checkpoint import load_checkpoint, save_checkpoint
from .loading import LoadedModel, load_model
from .registry import MODELS, build_model, replace_heads

__all__ = ["MODELS", "LoadedModel", "build_model", "load_checkpoint", "load_model", "replace_heads",
           "save_checkpoint"]
