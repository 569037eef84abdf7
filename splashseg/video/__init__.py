"""Video in, video out: PyAV decoding and H.264 encoding around any per-frame predict/render callables.

Frames are ``uint8`` [H, W, 3] RGB throughout; with ``EncoderSettings(alpha=True)`` render returns
[H, W, 4] RGBA and the output keeps the alpha (:data:`ALPHA_SUFFIXES`: VP9 .webm, ProRes 4444 .mov).
Only :mod:`splashseg.apps.video` knows the model and the compositor.
"""

from .alpha import ALPHA_SUFFIXES, alpha_container_for
from .pipeline import PipelineOptions, VideoReport, check_video_job, process_video
from .reader import DecodedFrame, VideoInfo, VideoReader
from .renderers import overlay_renderer, splash_renderer
from .smoothing import MaskSmoother
from .writer import EncoderSettings, VideoWriter

__all__ = ["ALPHA_SUFFIXES", "DecodedFrame", "EncoderSettings", "MaskSmoother", "PipelineOptions", "VideoInfo",
           "VideoReader", "VideoReport", "VideoWriter", "alpha_container_for", "check_video_job",
           "overlay_renderer", "process_video", "splash_renderer"]
