"""From images to instances: the ``Predictor`` and its ``Detections``."""

from .builder import PredictConfig, build_predictor
from .coco_results import coco_results
from .detections import Detections, DeviceDetections
from .predictor import Predictor, class_ids_for, known_class_names, speed_line
from .refined import picture_predict, refine_detections, refine_step, refined_predict, refining

__all__ = ["Detections", "DeviceDetections", "PredictConfig", "Predictor", "build_predictor", "class_ids_for",
           "coco_results", "known_class_names", "picture_predict", "refine_detections", "refine_step",
           "refined_predict", "refining", "speed_line"]
