"""``video`` (and ``splash --video``): one video in, one :class:`~splashseg.video.pipeline.VideoReport` out.

:mod:`splashseg.video` only moves frames (decode, encode, audio, timing) and follows objects; this job
gives it the model's ``predict`` (from the job's backend record, :mod:`.backend`), the tracking hook
(:mod:`.video_tracking`) and a ``render`` made from the compositor or the overlay.

The road, in order (see ARCHITECTURE.md, "How a video frame flows"):

1. :func:`open_video_job` checks everything before a model is loaded, opens the source (the reader of
   pass 1) and makes the :class:`VideoPlan` once: the ``--keep`` policy parsed, the upright frame size.
2. Pass 1 (``scan_video`` with the :class:`~.video_tracking.FrameTracker` hook) decodes, runs the model on
   every ``--stride``-th frame, carries the masks by optical flow, tracks, and stores every frame's tracks
   compressed (:class:`~splashseg.video.track_store.TrackStore`).
3. Between the passes the ``--keep`` policy chooses tracks over the whole clip and ``--tracks`` is written.
4. Pass 2 (``process_video`` with ``recall``) decodes once more and only renders the stored tracks and
   encodes.

Two passes because the choice needs the whole clip: ``--keep largest``/``center``/``longest``/``at:X,Y``
compare tracks over every frame, and ``--min-hits`` confirms a track only after it was seen that often,
so a track's id and colour on its first frames are known only at the end. The source is opened three
times (pass 1, pass 2, the audio copy); the model and the flow run once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_files, weights_file
from ..predict import Predictor, build_predictor
from ..render import SplashStyle
from ..render.effects import CUTOUT
from ..video.keep import KeepPolicy, check_keep, parse_keep
from ..video.pipeline import PipelineOptions, VideoReport, check_video_target, process_video, scan_video
from ..video.quality_meter import QualityMeter
from ..video.reader import VideoReader
from ..video.renderers import Render, overlay_renderer, splash_renderer
from ..video.smoothing import MaskSmoother
from ..video.stages import StageClock
from ..video.track_store import TrackStore
from ..video.tracks_json import check_tracks_target, write_tracks_json
from ..video.transfer import quarter_turns
from .backend import Backend, build_backend
from .splash import check_cutout_options, load_style
from .video_config import RENDERS, VideoConfig, needs_alpha, refuse_overlay_options, video_options_given, video_target
from .video_tracking import FrameTracker, choose_tracks, recall_tracks, tracked_keep, tracked_overlay

__all__ = ["RENDERS", "VideoConfig", "VideoJob", "VideoPlan", "needs_alpha", "open_video_job", "run_video",
           "run_video_job", "video_options_given", "video_target"]


@dataclass(frozen=True)
class VideoPlan:
    """What a video job decided once, before pass 1. policy: the parsed ``--keep``; frame_size: ``(H, W)``
    of the frames upright (as a player shows them); fps: the source's frame rate (None: unknown)."""

    policy: KeepPolicy
    frame_size: tuple[int, int]
    fps: float | None


@dataclass
class VideoJob:
    """One checked video: its config, its plan and the open reader pass 1 decodes (close it, or use the
    job as a context manager)."""

    config: VideoConfig
    plan: VideoPlan
    reader: VideoReader

    def __enter__(self) -> VideoJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reader.close()


def check_video_config(config: VideoConfig) -> None:
    """Everything about the options and outputs the job would refuse, before a model is loaded (the
    source is opened by :func:`open_video_job`): :class:`InputError`."""
    if config.render == "overlay":
        refuse_overlay_options(config)
    if config.splash.effect == CUTOUT:
        check_cutout_options(config.splash)
    if needs_alpha(config.render, config.splash.effect) != config.encoder.alpha:
        raise InputError(f"--effect {config.splash.effect}: the encoder's alpha setting must be "
                         f"{needs_alpha(config.render, config.splash.effect)} (see needs_alpha)")
    check_video_target(config.source, config.target, config.encoder, config.force)


def open_video_job(config: VideoConfig) -> VideoJob:
    """Check ``config``, open its source and make the plan: :class:`InputError` for anything refused."""
    check_video_config(config)
    reader = VideoReader(config.source)
    try:
        check_output_files([config.target], [config.splash.background, weights_file(config.predict.weights)],
                           config.force)
        policy = parse_keep(config.tracking.keep)
        if config.tracking.tracks is not None:
            inputs = [config.source] + ([config.splash.background] if config.splash.background is not None else [])
            check_tracks_target(config.tracking.tracks, inputs, config.force, outputs=[config.target])
        info = reader.info
        size = (info.width, info.height) if quarter_turns(info.rotation) % 2 else (info.height, info.width)
        check_keep(policy, size)
    except BaseException:
        reader.close()
        raise
    return VideoJob(config, VideoPlan(policy, size, float(info.rate) if info.rate else None), reader)


def run_video_job(config: VideoConfig, reporter: Reporter) -> VideoReport:
    """The whole ``video`` command for one video: check, load the model, track, render, write."""
    with open_video_job(config) as job:
        style = load_style(config.splash)
        return run_video(job, build_predictor(config.predict), style, reporter)


def run_video(job: VideoJob, predictor: Predictor, style: SplashStyle, reporter: Reporter) -> VideoReport:
    """Track and render one opened video (:func:`open_video_job`) with a loaded ``predictor`` (reusable
    across videos) and ``style``: the two passes of the module docstring."""
    started = time.perf_counter()
    config = job.config
    # a splash with a CUDA model keeps its frames on that GPU (uploaded once, composited there, copied back)
    backend = build_backend(predictor, refine=config.refine, frames_on_model=config.render == "splash", crops=True)
    clock = StageClock()  # seconds per stage for --json (video.stages.STAGES), timed where each runs
    mark = predictor.speed_mark()  # the predictor may have done other videos of the run
    options = PipelineOptions(batch_size=predictor.batch_size, stride=config.stride, transfer=backend.transfer,
                              clock=clock)
    store = TrackStore(job.plan.frame_size)
    quality = QualityMeter(config.smooth_weight if config.smooth else None,
                           own_flow=config.tracking.propagate != "flow")
    tracker = FrameTracker(config.tracking, job.plan.policy, store, quality, clock=clock)
    with _progress(reporter, f"track {config.source.name}") as progress:
        frames, model_frames = scan_video(job.reader, backend.predict, tracker, options=options, progress=progress)
    tracker.tracker.finish()  # a clip with fewer model frames than --min-hits keeps what it saw on all of them
    chosen = choose_tracks(job.plan.policy, tracker.log, job.plan.frame_size)  # a refused --keep writes nothing
    if config.tracking.tracks is not None:
        write_tracks_json(config.tracking.tracks, tracker.log, video=config.source.name, frames=frames,
                          fps=job.plan.fps, force=config.force)
    render = _render(config, style, backend, chosen, job.plan.frame_size)
    recall = recall_tracks(store, tracker.log)
    with _progress(reporter, f"{config.render} {config.source.name}") as progress:
        report = process_video(config.source, config.target, None, render, encoder=config.encoder, options=options,
                               progress=progress, force=config.force, recall=recall)
    report.model_frames, report.seconds = model_frames, time.perf_counter() - started
    report.tracks, report.kept_tracks = tracker.log.ids(), sorted(chosen)
    report.speed, report.stage_seconds = predictor.speed(since=mark), clock.seconds()
    report.quality = quality.result(tracker.log, chosen, frames, job.plan.fps)
    if not chosen:
        report.warnings.append(f"{config.source}: no objects found; {_nothing_kept(config)}")
    return report


def _nothing_kept(config: VideoConfig) -> str:
    """What a clip without kept tracks looks like (the picture commands' "no objects found" warning)."""
    if config.render == "overlay":
        return "nothing is drawn"
    look = "transparent" if config.splash.effect == CUTOUT else config.splash.effect
    return f"every frame is {'kept' if config.splash.invert else look}"


def _render(config: VideoConfig, style: SplashStyle, backend: Backend, chosen: set[int],
            size: tuple[int, int]) -> Render:
    if config.render == "overlay":
        return overlay_renderer(tracked_overlay(chosen))
    compositor = backend.compositor(style)
    smoother = MaskSmoother(config.smooth_weight) if config.smooth else None
    return splash_renderer(compositor.splash, smoother, keep=tracked_keep(chosen, size, compositor.from_host),
                           as_alpha=compositor.as_alpha)


class _progress:
    """A progress bar for one pass, updated with ``(done, total)`` from the pipeline."""

    def __init__(self, reporter: Reporter, description: str) -> None:
        self.reporter, self.description = reporter, description

    def __enter__(self) -> Callable[[int, int | None], None]:
        self._bars = self.reporter.progress()
        bar = self._bars.__enter__()
        task = bar.add_task(self.description, total=None, rate="")

        def progress(done: int, total: int | None) -> None:
            # headers can be wrong (682 claimed, 341 held): past the estimate, keep the bar just short of full
            speed = bar.tasks[task].speed
            bar.update(task, completed=done, total=total if total else done + 1,
                       rate=f"{speed:.1f} fps" if speed else "")

        return progress

    def __exit__(self, *exc: object) -> None:
        self._bars.__exit__(*exc)
