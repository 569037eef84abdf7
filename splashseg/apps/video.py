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
from ..predict import Predictor
from ..render import SplashStyle, build_compositor, draw_detections
from ..video.pipeline import PipelineOptions, Predict, VideoReport, process_video
from ..video.renderers import Render, overlay_renderer, splash_renderer
from ..video.smoothing import DEFAULT_WEIGHT, MaskSmoother
from ..video.writer import EncoderSettings


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


def host_predict(predictor: Predictor) -> Predict:
    """NumPy RGB ``uint8 [H, W, 3]`` frames -> NumPy :class:`Detections` (the model may be on a GPU)."""
    return predictor


def device_predict(predictor: Predictor) -> Predict:
    """Torch RGB ``uint8 [H, W, 3]`` frames on the model's device -> :class:`DeviceDetections` there."""

    def predict(frames: Sequence[Any]) -> list[Any]:
        return predictor.predict_tensors([frame.permute(2, 0, 1) for frame in frames])  # [3, H, W] views

    return predict


def _splash_render(job: VideoJob, device: Any) -> Render:
    compositor = build_compositor(job.style or SplashStyle(), device)
    smoother = MaskSmoother(job.smooth_weight) if job.smooth else None
    return splash_renderer(compositor.splash, smoother, keep=lambda det: det.union_mask(),
                           as_alpha=compositor.as_alpha)


def _overlay_render(job: VideoJob, device: Any) -> Render:
    return overlay_renderer(draw_detections)


RENDERS: dict[str, Any] = {"splash": _splash_render, "overlay": _overlay_render}


def frames_device(job: VideoJob, predictor: Predictor) -> Any:
    """Where the job's frames live, decided once: on the GPU for a splash with a CUDA model (decoded
    frames are uploaded once, composited there and copied back), else NumPy on the host (None)."""
    return predictor.device if predictor.device.type == "cuda" and job.render == "splash" else None


def run_video(job: VideoJob, predictor: Predictor, reporter: Reporter) -> VideoReport:
    """Render ``job`` with ``predictor`` (a :class:`splashseg.predict.Predictor`), showing progress."""
    device = frames_device(job, predictor)
    options = PipelineOptions(batch_size=predictor.batch_size, stride=job.stride, device=device)
    predict = host_predict(predictor) if device is None else device_predict(predictor)
    with reporter.progress() as bar:
        task = bar.add_task(f"{job.render} {job.source.name}", total=None, rate="")

        def progress(done: int, total: int | None) -> None:
            # headers can be wrong (682 claimed, 341 held): past the estimate, keep the bar just short of full
            speed = bar.tasks[0].speed
            bar.update(task, completed=done, total=total if total else done + 1,
                       rate=f"{speed:.1f} fps" if speed else "")

        report = process_video(job.source, job.target, predict, RENDERS[job.render](job, device),
                               encoder=job.encoder, options=options, progress=progress, force=job.force)
        bar.update(task, completed=report.frames, total=report.frames)
    return report
