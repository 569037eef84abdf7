"""``video`` (and ``splash --video``): wire the predictor, the tracker and the compositor into the video
pipeline.

:mod:`splashseg.video` only moves frames (decode, encode, audio, timing) and follows objects; this job
gives it the model's ``predict``, the tracking hook (:mod:`.video_tracking`) and a ``render`` made from
the compositor or the overlay. The backend is chosen here, once: frames stay NumPy on the host, or (a
splash with a CUDA model) become torch tensors on that GPU.

A video is rendered in two passes over the decoded frames: the first runs the model on the keyframes
and tracks the objects (and writes ``--tracks``), the second replays the stored detections, keeps the
tracks ``--keep`` chose in colour and encodes. The model runs once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_files, weights_file
from ..predict import PredictConfig, Predictor, build_predictor, refining
from ..render import SplashStyle, build_compositor, build_refiner
from ..render.effects import CUTOUT
from ..video.instance_store import InstanceStore
from ..video.keep import check_keep, parse_keep
from ..video.pipeline import PipelineOptions, Predict, VideoReport, check_video_job, process_video, scan_video
from ..video.reader import VideoReader
from ..video.renderers import Render, overlay_renderer, splash_renderer
from ..video.smoothing import DEFAULT_WEIGHT, MaskSmoother
from ..video.tracks_json import check_tracks_target, write_tracks_json
from ..video.transfer import quarter_turns
from ..video.writer import EncoderSettings
from .splash import SplashOptions, check_cutout_options, load_style
from .video_tracking import FrameTracker, TrackingOptions, choose_tracks, replay_predict, tracked_keep, tracked_overlay

RENDERS = ("splash", "overlay")


@dataclass
class VideoConfig:
    """Everything ``video`` (and ``splash --video``) was asked for; the CLI's defaults are these.

    target: the output file (the CLI resolves ``--out`` with :func:`video_target`). render: ``splash``
    or ``overlay``. stride: the model runs on every Nth frame (tracking carries objects in between).
    smooth: temporal smoothing of the keep-mask (EMA with ``smooth_weight``, see
    :mod:`splashseg.video.smoothing`). refine: refine the model's masks against their frames (splash only;
    ``predict.soft_masks`` must be set). ``splash.effect`` ``cutout`` needs ``encoder.alpha`` (see
    :func:`needs_alpha`).
    """

    source: Path
    target: Path
    render: str = "splash"
    splash: SplashOptions = field(default_factory=SplashOptions)
    predict: PredictConfig = field(default_factory=PredictConfig)
    tracking: TrackingOptions = field(default_factory=TrackingOptions)
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    stride: int = 1
    smooth: bool = False
    smooth_weight: float = DEFAULT_WEIGHT
    force: bool = False
    refine: bool = False


def needs_alpha(render: str, effect: str) -> bool:
    """Whether the output video keeps an alpha channel: a splash with the cutout effect."""
    return render == "splash" and effect == CUTOUT


def video_target(source: Path, out: str | Path | None, render: str, alpha: bool = False) -> Path:
    """Where ``source`` rendered with ``render`` goes: no ``out``: ``clip.mov`` -> ``clip-splash.mp4``
    beside it (``clip-splash.webm`` with ``alpha``); an ``out`` that is an existing folder, ends with a
    slash or has no suffix: inside it; anything else: ``out`` itself."""
    name = f"{source.stem}-{render}{'.webm' if alpha else '.mp4'}"
    if out is None or str(out) == "":
        return source.with_name(name)
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", "\\")) or not path.suffix:
        return path / name
    return path


def host_predict(predictor: Predictor) -> Predict:
    """NumPy RGB ``uint8 [H, W, 3]`` frames -> NumPy :class:`Detections` (the model may be on a GPU)."""
    return predictor


def device_predict(predictor: Predictor) -> Predict:
    """Torch RGB ``uint8 [H, W, 3]`` frames on the model's device -> :class:`DeviceDetections` there."""

    def predict(frames: Sequence[Any]) -> list[Any]:
        return predictor.predict_tensors([frame.permute(2, 0, 1) for frame in frames])  # [3, H, W] views

    return predict


def frames_device(config: VideoConfig, predictor: Predictor) -> Any:
    """Where the job's frames live, decided once: on the GPU for a splash with a CUDA model (decoded
    frames are uploaded once, composited there and copied back), else NumPy on the host (None)."""
    return predictor.device if predictor.device.type == "cuda" and config.render == "splash" else None


def check_video_config(config: VideoConfig) -> None:
    """Everything the job would refuse, before a model is loaded: :class:`InputError`."""
    if config.render == "overlay" and config.refine:
        raise InputError("--refine applies to --render splash (the overlay draws the model's own masks)")
    if config.render == "overlay" and config.splash.effect == CUTOUT:
        raise InputError("--effect cutout needs --render splash (the overlay has no transparency)")
    if config.splash.effect == CUTOUT:
        check_cutout_options(config.splash)
    if needs_alpha(config.render, config.splash.effect) != config.encoder.alpha:
        raise InputError(f"--effect {config.splash.effect}: the encoder's alpha setting must be "
                         f"{needs_alpha(config.render, config.splash.effect)} (see needs_alpha)")
    check_video_job(config.source, config.target, config.encoder.codec, config.force, alpha=config.encoder.alpha)
    check_output_files([config.target], [config.splash.background, weights_file(config.predict.weights)],
                       config.force)
    parse_keep(config.tracking.keep)
    if config.tracking.tracks is not None:
        inputs = [config.source] + ([config.splash.background] if config.splash.background is not None else [])
        check_tracks_target(config.tracking.tracks, inputs, config.force, outputs=[config.target])


def run_video_job(config: VideoConfig, reporter: Reporter) -> VideoReport:
    """The whole ``video`` command: check, load the model, track, render, write; returns the report."""
    check_video_config(config)
    style = load_style(config.splash)
    predictor = build_predictor(config.predict)
    return run_video(config, predictor, style, reporter)


def run_video(config: VideoConfig, predictor: Predictor, style: SplashStyle, reporter: Reporter) -> VideoReport:
    """Track and render ``config.source`` with ``predictor`` (two passes, see the module), with progress."""
    started = time.perf_counter()
    policy = parse_keep(config.tracking.keep)
    size = upright_size(config.source)
    check_keep(policy, size)
    device = frames_device(config, predictor)
    options = PipelineOptions(batch_size=predictor.batch_size, stride=config.stride, device=device)
    store = InstanceStore()
    first = FrameTracker(config.tracking, policy, store)
    predict = host_predict(predictor) if device is None else device_predict(predictor)
    if config.refine:  # on the frames' backend: the GPU when frames live there
        predict = refining(predict, build_refiner(device), predictor.mask_threshold)
    with _progress(reporter, f"track {config.source.name}") as progress:
        frames, model_frames = scan_video(config.source, predict, first, options=options, progress=progress)
    first.tracker.finish()  # a clip with fewer model frames than --min-hits keeps what it saw on all of them
    chosen = choose_tracks(policy, first.log, size)  # before --tracks: a refused --keep writes nothing
    if config.tracking.tracks is not None:
        write_tracks_json(config.tracking.tracks, first.log, video=config.source.name, frames=frames,
                          fps=_fps(config.source), force=config.force)
    second = FrameTracker(config.tracking, policy, store, replay=True, final_ids=first.log.final_ids())
    render = _render(config, style, device, chosen, size)
    with _progress(reporter, f"{config.render} {config.source.name}") as progress:
        report = process_video(config.source, config.target, replay_predict, render, encoder=config.encoder,
                               options=options, progress=progress, force=config.force, follow=second)
    report.model_frames, report.seconds = model_frames, time.perf_counter() - started
    report.tracks, report.kept_tracks = first.log.ids(), sorted(chosen)
    report.speed = predictor.speed()
    if not chosen:
        report.warnings.append(f"{config.source}: no objects found; {_nothing_kept(config)}")
    return report


def _nothing_kept(config: VideoConfig) -> str:
    """What a clip without kept tracks looks like (the picture commands' "no objects found" warning)."""
    if config.render == "overlay":
        return "nothing is drawn"
    look = "transparent" if config.splash.effect == CUTOUT else config.splash.effect
    return f"every frame is {'kept' if config.splash.invert else look}"


def _render(config: VideoConfig, style: SplashStyle, device: Any, chosen: set[int],
            size: tuple[int, int]) -> Render:
    if config.render == "overlay":
        return overlay_renderer(tracked_overlay(chosen))
    compositor = build_compositor(style, device)
    smoother = MaskSmoother(config.smooth_weight) if config.smooth else None
    return splash_renderer(compositor.splash, smoother, keep=tracked_keep(chosen, size, compositor.from_host),
                           as_alpha=compositor.as_alpha)


def upright_size(source: Path) -> tuple[int, int]:
    """``(H, W)`` of the frames as a player shows them (the rotation applied)."""
    with VideoReader(Path(source)) as reader:
        info = reader.info
        turned = quarter_turns(info.rotation) % 2
    return (info.width, info.height) if turned else (info.height, info.width)


def _fps(source: Path) -> float | None:
    with VideoReader(Path(source)) as reader:
        rate = reader.info.rate
    return float(rate) if rate else None


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
