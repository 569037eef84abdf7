"""``annotate-import`` end to end: parse every source, assign classes, check images, split, write.

:func:`build_dataset` does everything in memory (no output written); :func:`import_annotations` also
writes the dataset folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InputError
from .build import build_splits, segment_images
from .classes import assign_classes
from .collect import collect_files
from .images import CheckedImage, Track, check_images
from .report import ImportReport, count_by_split
from .split import assign_splits
from .write import check_output, write_dataset


@dataclass
class ImportConfig:
    """Options of ``annotate-import`` (defaults live here only).

    images_dirs: ``--images`` folders, searched in order before the folders found from each annotation
    file (its own folder; the parent of an ``annotations/`` folder; split folders such as ``val2017/``).
    """

    sources: list[Path]
    out: Path
    format: str = "auto"
    images_dirs: list[Path] = field(default_factory=list)
    class_key: str | None = None
    default_class: str = "object"
    val_fraction: float = 0.2
    seed: int = 0
    force: bool = False


@dataclass
class ImportedDataset:
    """The imported dataset in memory: ``{split: COCO dict}``, the images to copy, and the report."""

    splits: dict[str, dict[str, Any]]
    images: list[CheckedImage]
    report: ImportReport


def _nothing_valid(report: ImportReport) -> InputError:
    rows = report.skipped_summary()[:3]
    reasons = "; ".join(f"{r['count']} {r['kind']}s: {r['reason']} (e.g. {r['examples'][0]})" for r in rows)
    return InputError(
        f"no usable image remains after checking the annotations ({reasons or 'no images listed'})"
    )


def build_dataset(config: ImportConfig, track: Track | None = None) -> ImportedDataset:
    """Parse, check and split everything; raises :class:`InputError` when no valid image remains."""
    report = ImportReport()
    files = collect_files(config.sources, config.format, report)
    assign_classes(files, config.class_key, config.default_class.strip() or "object", report)
    images = segment_images(check_images(files, config.images_dirs, report, track), report)
    if not images:
        raise _nothing_valid(report)
    grouped = assign_splits(
        images,
        lambda im: im.record.split,
        lambda im: im.name + str(im.path),
        config.val_fraction,
        config.seed,
    )
    splits = build_splits(files, grouped, report)
    report.counts = count_by_split(splits)
    negatives = sum(c["negatives"] for c in report.counts.values())
    if negatives:
        report.note(f"{negatives} images without regions were kept as negatives (no objects)")
    return ImportedDataset(splits=splits, images=images, report=report)


def import_annotations(config: ImportConfig, track: Track | None = None) -> ImportedDataset:
    """Import ``config.sources`` into the canonical COCO dataset at ``config.out`` (see ``data/coco.py``)."""
    inputs = [*config.sources, *config.images_dirs]
    check_output(config.out, config.force, inputs)
    dataset = build_dataset(config, track)
    write_dataset(config.out, dataset.splits, dataset.images, dataset.report.to_dict(), config.force,
                  inputs=[*inputs, *(image.path for image in dataset.images)])
    return dataset
