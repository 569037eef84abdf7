"""The ``video`` command over one or many videos, in one process or on every ``torchrun`` rank.

Rank 0 plans and checks (:mod:`.video_batch`), each rank loads the model once on its own device
(``cuda:LOCAL_RANK`` on a CUDA machine) and renders its share, rank 0 gathers the reports and shows the
one summary (:func:`batch_summary`); every rank then exits alike: 0, or 2 when a video was skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.progress import Progress

from ..console import Reporter
from ..device import resolve_device
from ..distributed import DistInfo, all_gather_objects, exit_together, local_device, main_first, process_group
from ..errors import InputError
from ..fsutil import check_output_files, record_written, weights_file, written_under
from ..predict import build_predictor
from ..video.tracks_json import check_tracks_target
from .batches import raise_for_failures
from .splash import load_style
from .video import VideoConfig, check_video_config, open_video_job, run_video
from .video_batch import VideoBatch, merged, prepare_batch, run_shares
from .video_report import batch_summary


class NestedReporter(Reporter):
    """A :class:`Reporter` whose progress bars are rows of one shared display: a pass's rows are hidden
    when it ends, so the display holds the videos row and the current video's pass."""

    def __init__(self, parent: Reporter, bar: Progress) -> None:  # noqa: D107 - no dataclass init
        self.json_mode, self.quiet, self.out, self.err = parent.json_mode, parent.quiet, parent.out, parent.err
        self._bar = bar

    @contextmanager
    def progress(self, *extra_columns: Any) -> Iterator[Progress]:
        first = len(self._bar.tasks)
        try:
            yield self._bar
        finally:
            for task in self._bar.tasks[first:]:
                self._bar.update(task.id, visible=False)


@contextmanager
def videos_progress(reporter: Reporter, total: int, show: bool) -> Iterator[tuple[Reporter, Callable[[int], None]]]:
    """One display for the run: ``videos done/total``, and the current video's frames below it. Yields the
    reporter each video's job uses and the callback that counts a video done. ``show``: False on ranks
    other than 0 (nothing drawn there)."""
    shown = reporter if show else Reporter(reporter.json_mode, quiet=True)
    with shown.progress() as bar:
        task = bar.add_task("videos", total=total, rate="")

        def done(_index: int) -> None:
            bar.update(task, advance=1)

        yield NestedReporter(shown, bar), done


def prepare_checked(inputs: Sequence[str | Path], template: VideoConfig, out: str | Path | None,
                    estimate: bool) -> VideoBatch:
    """Rank 0, before any rank starts: collect, plan and check every output, and each video's options
    (:func:`splashseg.apps.video.check_video_config`; no source is opened: a damaged video is found, and
    skipped, when its rank opens it). estimate: read each video's frame count from its headers, to share
    the videos between ranks."""
    batch = prepare_batch(inputs, template, out, estimate=estimate)
    for config in batch.configs:
        check_video_config(config)
        background = config.splash.background
        check_output_files([config.target], [background, weights_file(config.predict.weights)], config.force)
        if config.tracking.tracks is not None:
            check_tracks_target(config.tracking.tracks, [config.source, *([background] if background else [])],
                                config.force, outputs=[config.target])
    return batch


def load_video_runner(template: VideoConfig, info: DistInfo, reporter: Reporter) -> Callable[[VideoConfig], Any]:
    """``config -> report``: open the video (the reader of pass 1; a damaged one raises
    :class:`InputError` here), then track and render it. The model and the splash style are loaded on this
    rank's device for the first video that opens, once (a rank without videos loads nothing)."""
    device = local_device(resolve_device(template.predict.device), info)
    predict = dataclasses.replace(template.predict, device=str(device))
    loaded: list[Any] = []

    def process(config: VideoConfig) -> Any:
        with open_video_job(dataclasses.replace(config, predict=predict)) as job:
            if not loaded:
                loaded.extend((build_predictor(predict), load_style(template.splash)))
            return run_video(job, *loaded, reporter)

    return process


def run_video_batch(inputs: Sequence[str | Path], template: VideoConfig, out: str | Path | None,
                    reporter: Reporter, show: Callable[[dict[str, Any], list[Any]], None]) -> None:
    """The whole ``video`` command on ``inputs`` (files, folders, globs): plan and check on rank 0, render
    each rank's share with the model loaded once, ``show(summary, reports)`` on rank 0, then exit alike
    (InputError, exit 2, when a video was skipped)."""
    with process_group(template.predict.device) as info:
        batch = main_first(info, lambda: prepare_checked(inputs, template, out, estimate=info.enabled))
        with videos_progress(reporter, len(batch.configs), info.is_main) as (nested, done):
            process = load_video_runner(template, info, nested)
            parts = run_shares(batch, info, process, done)
        for folder in batch.folders:
            _record_every_ranks_files(info, folder)
        reports, failed = merged(batch, parts)
        if info.is_main:
            for _, message in failed:
                reporter.warn(message)
            rendered = [sum(report.frames for report in part.reports.values()) for part in parts]
            show(batch_summary(reports, failed, info.world_size, rendered, batch.several), reports)
        exit_together(info, lambda: _raise_for(batch, failed))


def _raise_for(batch: VideoBatch, failed: list[tuple[Path, str]]) -> None:
    if failed and not batch.several:
        raise InputError(failed[0][1])
    raise_for_failures([str(p) for p, _ in failed], [m for _, m in failed], len(batch.configs))


def _record_every_ranks_files(info: DistInfo, folder: Path) -> None:
    """Rank 0 notes the files every rank wrote in ``folder`` as this run's, so that the folder's stamp lists
    them all (as ``detect`` does under torchrun)."""
    gathered = all_gather_objects([str(p) for p in written_under(folder)])
    if info.is_main:
        record_written(Path(folder) / name for names in gathered for name in names)
