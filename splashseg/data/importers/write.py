"""Writing a dataset folder: everything is staged in a hidden folder inside DATASET, then moved into place,
so an interrupted import leaves the previous dataset (or nothing) behind."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...errors import InputError, RunFailure
from ...fsutil import check_output_dir, disk_full_reason, ensure_dir, make_output_dir, place_tree, refuse_overwrite
from ..coco import annotation_path, images_dir, write_coco
from .images import CheckedImage

REPORT_NAME = "import-report.json"


def dataset_outputs(dataset: Path) -> list[Path]:
    """What an import writes in DATASET (and what ``--force`` replaces)."""
    return [Path(dataset) / "annotations", images_dir(dataset), Path(dataset) / REPORT_NAME]


def check_output(dataset: Path, force: bool, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse a DATASET that is, holds or lies inside one of ``inputs`` or is a non-empty folder other than
    an earlier import (always); replace an earlier import only with ``force``."""
    check_output_dir(dataset, inputs, "dataset")
    refuse_overwrite(dataset_outputs(dataset), force)


def _copy_images(images: list[CheckedImage], folder: Path) -> None:
    ensure_dir(folder)
    for image in images:
        target = folder / image.name
        try:
            if image.data is not None:
                target.write_bytes(image.data)
            else:
                shutil.copyfile(image.path, target)
        except OSError as exc:
            if disk_full_reason(exc):
                raise RunFailure(f"{target}: cannot write image: {disk_full_reason(exc).lower()}") from None
            raise InputError(f"{target}: cannot write image ({exc.strerror or exc})") from None


def write_dataset(
    dataset: Path,
    splits: dict[str, dict[str, Any]],
    images: list[CheckedImage],
    report: dict[str, Any],
    force: bool,
    inputs: Iterable[Path | None] = (),
) -> None:
    """Write ``annotations/{split}.json``, ``images/`` and ``import-report.json`` into ``dataset``
    (never when it is, holds or lies inside one of ``inputs``)."""
    check_output(dataset, force, inputs)
    make_output_dir(dataset, "dataset", force=force)  # locked; with force, only splashseg's files in it
    staging = ensure_dir(Path(dataset) / f".import-{uuid.uuid4().hex[:8]}")
    try:
        _copy_images(images, images_dir(staging))
        for split, coco in splits.items():
            write_coco(annotation_path(staging, split), coco)
        (staging / REPORT_NAME).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        for staged, target in zip(dataset_outputs(staging), dataset_outputs(dataset), strict=True):
            place_tree(staged, target)  # never onto what appeared meanwhile, unless --force
    finally:
        shutil.rmtree(staging, ignore_errors=True)
