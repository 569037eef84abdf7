"""Training and evaluation: ``train(config, reporter)`` and COCO evaluation (models may be imported here)."""

from .config import TrainConfig
from .evaluate import EvalResult, EvaluateConfig, coco_evaluate, evaluate_model, evaluate_weights
from .run import TrainSummary, train

__all__ = [
    "EvalResult",
    "TrainConfig",
    "TrainSummary",
    "coco_evaluate",
    "evaluate_model",
    "EvaluateConfig",
    "evaluate_weights",
    "train",
]
