"""Pictures from detections: the colour-splash compositor and the detection overlay.

Pure NumPy/OpenCV and torch on arrays; nothing here knows about torchvision or the model.
"""

from .overlay import Instances, draw_detections, instance_colors
from .splash import EFFECTS, color_splash

__all__ = ["EFFECTS", "Instances", "color_splash", "draw_detections", "instance_colors"]
