"""``detect`` under ``torchrun``: every rank takes its share of the pictures, rank 0 merges the results.

Rank 0 checks the output folder before any rank writes; each rank loads the model on its own device
(``cuda:LOCAL_RANK``, or the CPU), writes the overlays and masks of its share, and rank 0 writes the one
``detections.json``, byte for byte what a single process writes for the same pictures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..console import Reporter
from ..device import resolve_device
from ..distributed import DistInfo, all_gather_objects, exit_together, local_device, main_first, process_group
from ..predict import PredictConfig, build_predictor
from .batches import output_names, raise_for_failures
from .detect import (
    DetectConfig,
    DetectedPictures,
    DetectJob,
    detect_job,
    detect_pictures,
    detect_summary,
    prepare_output,
    write_detections_json,
)

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


def _prepared(job: DetectJob) -> DetectJob:
    prepare_output(job)
    return job


def run_detect_on_ranks(prepare: Callable[[], DetectJob], config: PredictConfig, reporter: Reporter,
                        info: DistInfo) -> dict[str, Any]:
    """``detect`` on this rank's share of the pictures; every rank returns the whole run's summary.

    prepare: run on rank 0 only (expand the inputs, check them and the output folder); the job it returns,
    or the :class:`InputError` it raises, reaches every rank (see :func:`splashseg.distributed.main_first`).
    The summary adds ``world_size`` and ``images_per_rank`` (pictures each rank detected in) to
    :func:`splashseg.apps.detect.detect_summary`'s. Skipped pictures are warned of once, by rank 0.
    """
    job = main_first(info, lambda: _prepared(prepare()))
    device = local_device(resolve_device(config.device), info)
    predictor = build_predictor(dataclasses.replace(config, device=str(device)))
    mine = rank_share(job.inputs, info.rank, info.world_size)
    progress = reporter if info.is_main else Reporter(quiet=True)  # rank 0's progress bar shows its share
    part = detect_pictures(job, mine, output_names(job.inputs), predictor, progress, warn=None)
    parts: list[DetectedPictures] = all_gather_objects(part)
    merged = merge_parts(parts)
    if info.is_main:
        for _, message in merged.failed:
            reporter.warn(message)
        write_detections_json(job, merged.results)
    return detect_summary(job, merged) | predictor.speed() | {  # this rank's model time
        "world_size": info.world_size, "images_per_rank": [len(p.images) for p in parts]}



def run_detect_job_on_ranks(config: DetectConfig, reporter: Reporter, show: Callable[[dict[str, Any]], None]) -> None:
    """The whole ``detect`` command as one rank of torchrun's group: rank 0 checks, every rank detects in
    its share, rank 0 ``show``s the summary; then every rank ends alike (exit 2 when a picture was
    skipped, as a single run)."""
    with process_group(config.predict.device) as info:
        summary = run_detect_on_ranks(lambda: detect_job(config), config.model_config(), reporter, info)
        if info.is_main:
            show(summary)
        exit_together(info, lambda: raise_for_failures(summary["failed"], summary["errors"],
                                                       len(summary["images"]) + len(summary["failed"])))
