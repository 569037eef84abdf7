"""Pictures from detections: the colour-splash compositor and the detection overlay.

Pure NumPy/OpenCV (and torch on arrays, for frames on a GPU); nothing here knows about torchvision or
the model. A job picks its compositor once with :func:`build_compositor`.
"""

from .compositor import COMPOSITORS, DeviceCompositor, HostCompositor, build_compositor
from .effects import EFFECTS
from .overlay import Instances, draw_detections, instance_colors
from .refiner import REFINERS, DeviceRefiner, HostRefiner, build_refiner
from .splash import color_splash
from .style import SplashStyle

__all__ = ["COMPOSITORS", "EFFECTS", "REFINERS", "DeviceCompositor", "DeviceRefiner", "HostCompositor",
           "HostRefiner", "Instances", "SplashStyle", "build_compositor", "build_refiner", "color_splash",
           "draw_detections", "instance_colors"]
