"""The video pipeline: decode -> batched prediction + rendering -> encode, three threads, bounded queues.

It knows nothing of the model: ``predict`` is any callable mapping a batch of frames to one result per
frame (a ``Detections``, or simply a keep-mask), ``render(frame, result) -> frame`` draws it. Frames are
``uint8`` [H, W, 3] **RGB** (torch tensors on ``device`` when one is given); with
:attr:`EncoderSettings.alpha` render returns [H, W, 4] **RGBA** and the output keeps the alpha (.webm or
.mov, see :mod:`.alpha`). Decoding runs in one
thread, prediction and rendering in another, encoding in the calling thread; queues hold a few batches,
so memory does not grow with the length of the video and frame order is kept.

Safety: the output is written to a temporary file beside ``target`` and renamed only when complete; an
exception or Ctrl-C anywhere (in any thread) removes it and is re-raised in the calling thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fsutil import atomic_path, check_output_files
from .alpha import check_alpha_encoder
from .reader import DecodedFrame, VideoReader
from .renderers import Render
from .stages import NO_CLOCK
from .threads import END, Failure, drain, put, run_threads
from .transfer import FrameTransfer, build_transfer, quarter_turns
from .writer import EncoderSettings, VideoWriter, check_encoder, container_for

Predict = Callable[[Sequence[Any]], Sequence[Any]]
# follow(frame_index, upright_rgb, keyframe_result_or_None) -> the frame's result for render: called for
# every frame in order (host NumPy RGB uint8 [H, W, 3], as shown upright), so a tracker can carry objects
# from keyframe to keyframe (optical flow in between).
Follow = Callable[[int, Any, Any], Any]
# recall(frame_index) -> the frame's result for render, stored by an earlier pass (no model, no follow).
Recall = Callable[[int], Any]
Progress = Callable[[int, "int | None"], None]  # (frames done, expected total or None)


@dataclass
class PipelineOptions:
    """batch_size: frames per ``predict`` call; stride: run ``predict`` on every Nth frame and reuse its
    result for the frames in between; device: where frames go for predict/render (None: NumPy on the
    CPU; ``"cuda:0"``: torch tensors there); upright: show predict/render the frames turned as a player
    shows them (rotation metadata), turned back before encoding; queue_batches: batches per queue;
    transfer: ``transfer(quarter_turns)`` -> the :class:`~.transfer.FrameTransfer` the job chose (None:
    :func:`~.transfer.build_transfer` of ``device``); clock: where each stage's seconds go
    (:class:`~.stages.StageClock`; the default times nothing)."""

    batch_size: int = 1
    stride: int = 1
    device: Any = None
    upright: bool = True
    queue_batches: int = 2
    transfer: Callable[[int], FrameTransfer] | None = None
    clock: Any = NO_CLOCK

    def make_transfer(self, rotation_degrees: int) -> FrameTransfer:
        """The frame transfer for a video stored with ``rotation_degrees`` (undone when ``upright``)."""
        turns = quarter_turns(rotation_degrees) if self.upright else 0
        return self.transfer(turns) if self.transfer is not None else build_transfer(self.device, turns)


@dataclass
class VideoReport:
    """What :func:`process_video` did. notes: for the user's information (padding, rotation, dropped
    streams); warnings: what changed or was lost (frames that did not decode, audio re-encoded);
    tracks / kept_tracks: ids of the confirmed tracks and of those kept in colour (when tracked);
    stage_seconds: seconds per stage (:meth:`~.stages.StageClock.seconds`; threads overlap)."""

    source: Path
    target: Path
    frames: int
    header_frames: int
    lost_frames: int
    model_frames: int
    seconds: float
    width: int
    height: int
    rotation: int
    audio_streams: int
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tracks: list[int] = field(default_factory=list)
    kept_tracks: list[int] = field(default_factory=list)
    speed: dict = field(default_factory=dict)  # runtime and model seconds (Predictor.speed), for --json
    stage_seconds: dict[str, float] = field(default_factory=dict)  # StageClock.seconds, for --json
    quality: Any = None  # the temporal-quality figures (splashseg.video.quality.VideoQuality), when measured

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class _Infer:
    """The middle thread: group frames by stride, predict a batch of group heads, render every frame.

    Without ``follow`` every frame of a group is rendered with its head's result; with it, each frame's
    result is what ``follow`` returns. ``render=None`` renders nothing (a scan: frames are only counted).
    With ``recall`` there is no ``predict``: every frame is rendered with ``recall(frame_index)``.
    """

    def __init__(self, predict: Predict | None, render: Render | None, options: PipelineOptions,
                 transfer: FrameTransfer, follow: Follow | None = None, recall: Recall | None = None):
        self.predict, self.render, self.options, self.transfer = predict, render, options, transfer
        self.follow, self.recall = follow, recall
        self.model_frames = 0

    def run(self, inbox: queue.Queue, outbox: queue.Queue, stop: threading.Event) -> None:
        try:
            if self.recall is not None:
                self._replay(inbox, outbox, stop)
                return
            groups: list[list[DecodedFrame]] = []
            for count, frame in enumerate(drain(inbox, stop)):
                if count % self.options.stride:
                    groups[-1].append(frame)
                    continue
                if len(groups) == self.options.batch_size:
                    self._flush(groups, outbox, stop)
                    groups = []
                groups.append([frame])
            if not stop.is_set():
                self._flush(groups, outbox, stop)
                put(outbox, END, stop)
        except BaseException as exc:  # noqa: BLE001 - carried to the calling thread
            put(outbox, Failure(exc), stop)

    def _replay(self, inbox: queue.Queue, outbox: queue.Queue, stop: threading.Event) -> None:
        clock = self.options.clock
        for frame in drain(inbox, stop):
            if self.render is not None:
                with clock("store"):
                    result = self.recall(frame.index)
                with clock("render"):
                    frame.rgb = self.transfer.to_host(self.render(self.transfer.to_work(frame.rgb), result))
            if not put(outbox, frame, stop):
                return
        if not stop.is_set():
            put(outbox, END, stop)

    def _flush(self, groups: list[list[DecodedFrame]], outbox: queue.Queue, stop: threading.Event) -> None:
        if not groups:
            return
        heads = [self.transfer.to_work(group[0].rgb) for group in groups]
        with self.options.clock("model"):
            results = list(self.predict(heads))
        if len(results) != len(heads):
            raise RuntimeError(f"predictor returned {len(results)} results for {len(heads)} frames")
        self.model_frames += len(heads)
        for group, head, result in zip(groups, heads, results, strict=True):
            for position, frame in enumerate(group):
                frame_result = result
                if self.follow is not None:
                    frame_result = self.follow(frame.index, self.transfer.upright(frame.rgb),
                                               result if position == 0 else None)
                if self.render is not None:
                    with self.options.clock("render"):
                        image = head if position == 0 else self.transfer.to_work(frame.rgb)
                        frame.rgb = self.transfer.to_host(self.render(image, frame_result))
                if not put(outbox, frame, stop):
                    return


def _check_output(source: Path, target: Path, encoder: EncoderSettings, force: bool) -> str:
    """The muxer for ``target``; InputError for a target that is (or is behind a link to) the input, exists
    (without ``force``), has a suffix that cannot hold the output, or needs an encoder this FFmpeg lacks."""
    check_output_files([target], [source], force)
    container = container_for(target, alpha=encoder.alpha)
    if encoder.alpha:
        check_alpha_encoder(container)
    else:
        check_encoder(encoder.codec)
    return container


def check_video_target(source: Path, target: Path, encoder: EncoderSettings, force: bool) -> None:
    """Everything :func:`process_video` would refuse about ``target`` (see :func:`check_video_job`), without
    opening ``source``: InputError."""
    _check_output(Path(source), Path(target), encoder, force)


def check_video_job(source: Path, target: Path, codec: str, force: bool, *, alpha: bool = False) -> None:
    """Everything :func:`process_video` would refuse, checked before a model is loaded: InputError.
    alpha: the output will keep an alpha channel (``target`` must be .webm or .mov)."""
    _check_output(Path(source), Path(target), EncoderSettings(codec=codec, alpha=alpha), force)
    VideoReader(Path(source)).close()


def process_video(source: Path, target: Path, predict: Predict | None, render: Render, *,
                  encoder: EncoderSettings | None = None, options: PipelineOptions | None = None,
                  progress: Progress | None = None, force: bool = False,
                  follow: Follow | None = None, recall: Recall | None = None) -> VideoReport:
    """Read ``source``, ``render`` every frame with ``predict``'s result, write H.264 (or a format with
    alpha, see :attr:`EncoderSettings.alpha`) to ``target``.

    predict: batch of frames (uint8 [H, W, 3] RGB, NumPy or torch on ``options.device``) -> one result
    per frame. render: (frame, result) -> frame of the same size, type and colour order; RGBA
    [H, W, 4] when ``encoder.alpha`` (a frame with the wrong channel count is a ValueError). follow: see
    :data:`Follow` (None: frames between keyframes reuse the keyframe's result). recall: instead of
    ``predict`` and ``follow``, each frame's stored result (:data:`Recall`; a second pass that only renders).
    Raises InputError (unreadable input, no video stream, existing target without ``force``, bad
    suffix or encoder) before any work; anything raised later leaves nothing at ``target``.
    """
    source, target = Path(source), Path(target)
    encoder, options = encoder or EncoderSettings(), options or PipelineOptions()
    container = _check_output(source, target, encoder, force)
    started = time.perf_counter()
    with VideoReader(source) as reader:
        info = reader.info
        transfer = options.make_transfer(info.rotation)
        infer = _Infer(predict, render, options, transfer, follow, recall)
        with atomic_path(target) as tmp:
            writer = VideoWriter(tmp, info, encoder, container)

            def encode(frame: DecodedFrame) -> None:
                with options.clock("encode"):
                    writer.write(frame.rgb, frame.pts, frame.duration)

            try:
                run_threads(reader, infer, encode, options, progress)
                with options.clock("encode"):
                    writer.finish()
            except BaseException:
                writer.abandon()
                raise
        report = VideoReport(source, target, writer.frames_written, info.frames, reader.lost_frames(),
                             infer.model_frames, time.perf_counter() - started, info.width, info.height,
                             info.rotation, len(writer.audio.tracks), notes=list(writer.notes))
        report.notes += _stream_notes(reader, report)
        report.warnings += writer.audio.notes
        if report.lost_frames:
            report.warnings.insert(0, f"{source}: {report.lost_frames} frame(s) could not be decoded "
                                   f"({reader.stats.broke_off or 'damaged data'}); wrote the {report.frames} "
                                   "that could")
    return report


def scan_video(reader: VideoReader, predict: Predict, follow: Follow, *, options: PipelineOptions | None = None,
               progress: Progress | None = None) -> tuple[int, int]:
    """A first pass without rendering or encoding over an open ``reader`` (its frames not yet read):
    ``predict`` on the keyframes, ``follow`` on every frame (as in :func:`process_video`). Returns
    ``(frames, model_frames)``."""
    options = options or PipelineOptions()
    transfer = options.make_transfer(reader.info.rotation)
    infer = _Infer(predict, None, options, transfer, follow)
    frames = [0]

    def count(_frame: DecodedFrame) -> None:
        frames[0] += 1

    run_threads(reader, infer, count, options, progress)
    return frames[0], infer.model_frames


def _stream_notes(reader: VideoReader, report: VideoReport) -> list[str]:
    notes = [f"dropped stream {name}: only video and audio are written" for name in reader.info.other_streams]
    if report.rotation:
        notes.append(f"rotation {report.rotation} degrees kept as metadata (frames stored as in the input)")
    if report.header_frames and report.header_frames != report.frames and not report.lost_frames:
        notes.append(f"the header claims {report.header_frames} frames; the stream holds {report.frames}")
    return notes
