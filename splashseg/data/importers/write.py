"""Writing a dataset folder: everything is staged in a hidden folder inside DATASET, then moved into place,
so an interrupted import leaves the previous dataset (or nothing) behind."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...fsutil import ensure_dir, refuse_overwrite
from ..coco import annotation_path, images_dir, write_coco
from .images import CheckedImage

REPORT_NAME = "import-report.json"


def dataset_outputs(dataset: Path) -> list[Path]:
    """What an import writes in DATASET (and what ``--force`` replaces)."""
    return [Path(dataset) / "annotations", images_dir(dataset), Path(dataset) / REPORT_NAME]


def check_output(dataset: Path, force: bool) -> None:
    """Refuse to import into a DATASET that already holds an import unless ``force``."""
    if Path(dataset).exists() and not Path(dataset).is_dir():
        raise InputError(f"{dataset}: exists and is not a folder")
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
            raise InputError(f"{target}: cannot write image ({exc.strerror or exc})") from None


def write_dataset(
    dataset: Path,
    splits: dict[str, dict[str, Any]],
    images: list[CheckedImage],
    report: dict[str, Any],
    force: bool,
) -> None:
    """Write ``annotations/{split}.json``, ``images/`` and ``import-report.json`` into ``dataset``."""
    check_output(dataset, force)
    staging = ensure_dir(Path(dataset) / f".import-{uuid.uuid4().hex[:8]}")
    try:
        _copy_images(images, images_dir(staging))
        for split, coco in splits.items():
            write_coco(annotation_path(staging, split), coco)
        (staging / REPORT_NAME).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        for staged, target in zip(dataset_outputs(staging), dataset_outputs(dataset), strict=True):
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(staged, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
