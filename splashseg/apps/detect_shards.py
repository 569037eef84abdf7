"""``detect`` and ``splash`` under ``torchrun``: every rank takes its share of the pictures, rank 0 reports.

Rank 0 checks the inputs and the output folder before any rank writes; each rank loads the model on its
own device (``cuda:LOCAL_RANK``, or the CPU) and writes the pictures (overlays and masks, or splashes) of
its share; rank 0 writes ``detect``'s one ``detections.json``, byte for byte what a single process
writes for the same pictures, and alone returns the result the CLI prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..console import Reporter
from ..device import resolve_device
from ..distributed import DistInfo, all_gather_objects, exit_together, local_device, main_first, process_group
from ..fsutil import record_written, written_under
from ..predict import PredictConfig, Predictor, build_predictor
from .batches import output_names
from .detect import DetectConfig, DetectedPictures, detect_job, detect_pictures, prepare_output, write_detections_json
from .results import DetectResult, SplashResult
from .splash import SplashConfig, SplashJob, splash_job, splash_pictures
from .splash import prepare_output as prepare_splash_output

T = TypeVar("T")


def rank_share(items: Sequence[T], rank: int, world_size: int) -> list[T]:
    """Rank ``rank``'s contiguous share of ``items`` (in their order): shares differ in size by at most one,
    every item is in exactly one share, and a share is empty when there are fewer items than ranks."""
    count = len(items)
    return list(items[rank * count // world_size: (rank + 1) * count // world_size])


def merge_parts(parts: Sequence[DetectedPictures]) -> DetectedPictures:
    """The shares' results in rank order, as one process would have them: image ids renumbered 1, 2, ...
    over the pictures read (skipped pictures take no id), every other field unchanged and in place."""
    images, results, failed = [], [], []
    for part in parts:
        offset = len(images)
        results.extend({**entry, "image_id": entry["image_id"] + offset} for entry in part.results)
        images.extend(part.images)
        failed.extend(part.failed)
    return DetectedPictures(images, results, failed)


def _rank_predictor(config: PredictConfig, info: DistInfo) -> Predictor:
    device = local_device(resolve_device(config.device), info)
    return build_predictor(dataclasses.replace(config, device=str(device)))


def _warn_once(info: DistInfo, reporter: Reporter, failed: list[tuple[Any, str]]) -> None:
    if info.is_main:
        for _, message in failed:
            reporter.warn(message)


def run_detect_on_ranks(prepare: Callable[[], DetectConfig], config: PredictConfig, reporter: Reporter,
                        info: DistInfo) -> DetectResult:
    """``detect`` on this rank's share of the pictures; every rank returns the whole run's result.

    prepare: run on rank 0 only (expand the inputs, check them and the output folder); the job it returns,
    or the :class:`InputError` it raises, reaches every rank (see :func:`splashseg.distributed.main_first`).
    The result has ``world_size`` and ``images_per_rank`` (pictures each rank detected in). Skipped pictures
    are warned of once, by rank 0.
    """
    job = main_first(info, lambda: _prepared(prepare(), prepare_output))
    predictor = _rank_predictor(config, info)
    mine = rank_share(job.inputs, info.rank, info.world_size)
    progress = reporter if info.is_main else Reporter(quiet=True)  # rank 0's progress bar shows its share
    parts: list[DetectedPictures] = all_gather_objects(
        detect_pictures(job, mine, output_names(job.inputs), predictor, progress, warn=None))
    merged = merge_parts(parts)
    _record_every_ranks_files(info, job.out)
    _warn_once(info, reporter, merged.failed)
    if info.is_main:
        write_detections_json(job, merged.results)
    return DetectResult(job.out, job.refine, merged.images, merged.failed, info.world_size,
                        [len(p.images) for p in parts], speed=predictor.speed())


def run_splash_on_ranks(prepare: Callable[[], SplashJob], config: PredictConfig, reporter: Reporter,
                        info: DistInfo) -> SplashResult:
    """``splash`` on this rank's share of the pictures (as :func:`run_detect_on_ranks`): the same files as
    one process writes; every rank returns the whole run's result."""
    job = main_first(info, lambda: _prepared(prepare(), prepare_splash_output))
    predictor = _rank_predictor(config, info)
    names = output_names(job.inputs, ".png" if job.style.rgba else None)
    progress = reporter if info.is_main else Reporter(quiet=True)
    mine = rank_share(job.inputs, info.rank, info.world_size)
    parts = all_gather_objects(splash_pictures(job, mine, names, predictor, progress, warn=None))
    _record_every_ranks_files(info, job.out)
    images = [image for part_images, _ in parts for image in part_images]
    failed = [item for _, part_failed in parts for item in part_failed]
    _warn_once(info, reporter, failed)
    return SplashResult(job.out, job.refine, images, failed, info.world_size, [len(i) for i, _ in parts],
                        speed=predictor.speed())


def _record_every_ranks_files(info: DistInfo, folder: Path) -> None:
    """Rank 0 notes the files every rank wrote in ``folder`` as this run's, so that the folder's stamp
    lists them all (a later ``--force`` would take them for files splashseg did not write)."""
    gathered = all_gather_objects([str(p) for p in written_under(folder)])
    if info.is_main:
        record_written(Path(folder) / name for names in gathered for name in names)


def _prepared(job: T, prepare_output: Callable[[T], Any]) -> T:
    prepare_output(job)
    return job


def _run_on_ranks(device: str, run: Callable[[DistInfo], Any], show: Callable[[Any], None]) -> None:
    """As one rank of torchrun's group: ``run``, rank 0 ``show``s the result; then every rank ends alike
    (exit 2 when a picture was skipped, as a single run)."""
    with process_group(device) as info:
        result = run(info)
        if info.is_main:
            show(result)
        exit_together(info, result.raise_for_failures)


def run_detect_job_on_ranks(config: DetectConfig, reporter: Reporter, show: Callable[[DetectResult], None]) -> None:
    """The whole ``detect`` command as one rank of torchrun's group."""
    _run_on_ranks(config.predict.device,
                  lambda info: run_detect_on_ranks(lambda: detect_job(config), config.model_config(), reporter, info),
                  show)


def run_splash_job_on_ranks(config: SplashConfig, reporter: Reporter, show: Callable[[SplashResult], None]) -> None:
    """The whole ``splash`` command on pictures as one rank of torchrun's group."""
    _run_on_ranks(config.predict.device,
                  lambda info: run_splash_on_ranks(lambda: splash_job(config), config.predict, reporter, info),
                  show)
