"""``video`` (and ``splash --video``): wire the predictor and the compositor into the video pipeline.

:mod:`splashseg.video` only moves frames (decode, encode, audio, timing); this job gives it the model's
``predict`` and a ``render`` made from the compositor or the overlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..console import Reporter
from ..render import draw_detections
from ..video.pipeline import PipelineOptions, VideoReport, process_video
from ..video.renderers import Render, overlay_renderer, splash_renderer
from ..video.smoothing import DEFAULT_WEIGHT, MaskSmoother
from ..video.writer import EncoderSettings
from .splash import SplashStyle

RENDERS = ("splash", "overlay")



@dataclass
class VideoJob:
    """One video to render. render: ``splash`` or ``overlay``; stride: model on every Nth frame;
    smooth: temporal smoothing of the keep-mask (EMA with ``smooth_weight``, see :mod:`.smoothing`)."""

    source: Path
    target: Path
    render: str = "splash"
    style: SplashStyle | None = None
    stride: int = 1
    smooth: bool = False
    smooth_weight: float = DEFAULT_WEIGHT
    encoder: EncoderSettings | None = None
    force: bool = False


def model_predict(predictor: Any) -> Any:
    """A pipeline ``predict``: NumPy frames -> ``predictor(...)``; torch [H, W, 3] frames on the device ->
    ``predictor.predict_tensors`` with [3, H, W] views, so the results stay on the device."""

    def predict(frames: Sequence[Any]) -> list[Any]:
        if frames and not hasattr(frames[0], "__array_interface__"):
            return predictor.predict_tensors([frame.permute(2, 0, 1) for frame in frames])
        return predictor(frames)

    return predict


def build_render(job: VideoJob) -> Render:
    """The per-frame render callable for ``job.render``."""
    if job.render == "overlay":
        return overlay_renderer(draw_detections)
    style = job.style or SplashStyle()
    return splash_renderer(style.apply, MaskSmoother(job.smooth_weight) if job.smooth else None)


def run_video(job: VideoJob, predictor: Any, reporter: Reporter) -> VideoReport:
    """Render ``job`` with ``predictor`` (a :class:`splashseg.predict.Predictor`), showing progress."""
    device = predictor.device if getattr(predictor.device, "type", "cpu") == "cuda" else None
    options = PipelineOptions(batch_size=predictor.batch_size, stride=job.stride, device=device)
    with reporter.progress() as bar:
        task = bar.add_task(f"{job.render} {job.source.name}", total=None, rate="")

        def progress(done: int, total: int | None) -> None:
            # headers can be wrong (682 claimed, 341 held): past the estimate, keep the bar just short of full
            speed = bar.tasks[0].speed
            bar.update(task, completed=done, total=total if total else done + 1,
                       rate=f"{speed:.1f} fps" if speed else "")

        report = process_video(job.source, job.target, model_predict(predictor), build_render(job),
                               encoder=job.encoder, options=options, progress=progress, force=job.force)
        bar.update(task, completed=report.frames, total=report.frames)
    return report
