"""Dataset commands: ``annotate-import`` (VIA/COCO/LabelMe -> canonical COCO) and ``inspect``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..configs import known_fields
from ..data.coco import SPLITS
from ..data.importers import FAMILIES, ImportConfig
from ..data.inspect import InspectConfig
from .options import FiniteFloatRange, output_options, reporter


def import_config(*, sources: Sequence[Path], images_dirs: Sequence[Path], out: str, **params: Any) -> ImportConfig:
    """``annotate-import``'s parameters (click's, by name) -> :class:`ImportConfig`."""
    return ImportConfig(sources=list(sources), images_dirs=list(images_dirs), out=Path(out),
                        **known_fields(ImportConfig, params))


def inspect_config(*, out: str | None, splits: Sequence[str], **params: Any) -> InspectConfig:
    """``inspect``'s parameters (click's, by name) -> :class:`InspectConfig`."""
    return InspectConfig(out=Path(out) if out else None, splits=list(splits) or None,
                         **known_fields(InspectConfig, params))


@click.command("annotate-import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    type=click.Choice(FAMILIES),
    default=ImportConfig.format,
    show_default=True,
    help="Annotation format (auto-detected per file; via covers VIA 1.x, 2.x and 3).",
)
@click.option(
    "--images",
    "images_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the images when they are not beside the annotation files (repeatable; searched "
    "in order, before the annotation file's folder and its split folders such as val2017/).",
)
@click.option(
    "--class-key", default=None, help="region_attributes key that names the class [default: found]."
)
@click.option(
    "--default-class", default=ImportConfig.default_class, show_default=True,
    help="Class of regions without a class value."
)
@click.option(
    "--val-fraction",
    type=FiniteFloatRange(0.0, 1.0),
    default=ImportConfig.val_fraction,
    show_default=True,
    help="Share of images put in val when the source has no train/val split.",
)
@click.option("--seed", type=int, default=ImportConfig.seed, show_default=True, help="Seed of that random split.")
@output_options("Dataset folder to create (DATASET).")
def annotate_import(out: str | None, json_mode: bool, quiet: bool, **params: Any) -> None:
    """Import VIA, COCO or LabelMe annotations into one COCO dataset.

    SOURCES are annotation files or folders (searched for them; train/, val/ and test/ subfolders keep
    their split, as do file names like instances_val2017.json). Images are looked for beside each
    annotation file, in --images folders, and in the COCO layout (ROOT/annotations/instances_val2017.json
    with pictures in ROOT/val2017/). Writes DATASET/annotations/{train,val}.json, DATASET/images/ and
    DATASET/import-report.json, and prints what was imported and what was skipped and why.

    \b
    Example:
        splashseg annotate-import balloon/ --out data/balloon
    """
    from ..data.importers import import_annotations
    from .tables import counts_table, skipped_table

    if out is None:
        raise click.UsageError("--out DATASET is required")
    report = reporter(json_mode, quiet)
    config = import_config(out=out, **params)
    dataset = import_annotations(config, track=report.track)
    summary = dataset.report.to_dict()
    report.table(counts_table(summary["counts"]))
    if summary["skipped_summary"]:
        report.table(skipped_table(summary["skipped_summary"]))
    for note in summary["notes"] + summary["size_mismatches"][:5]:
        report.info(note)
    report.info(f"wrote {out} ({sum(c['images'] for c in summary['counts'].values())} images)")
    report.emit_json(
        {
            "dataset": str(out),
            **{
                k: summary[k]
                for k in (
                    "counts",
                    "skipped_summary",
                    "class_merges",
                    "category_mapping",
                    "rotated_images",
                    "notes",
                )
            },
        }
    )


@click.command("inspect")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--count",
    type=click.IntRange(0, 10000),
    default=InspectConfig.count,
    show_default=True,
    help="How many sample pictures to draw.",
)
@click.option(
    "--split",
    "splits",
    multiple=True,
    type=click.Choice(SPLITS),
    help="Splits to look at (repeatable) [default: all present].",
)
@click.option("--seed", type=int, default=InspectConfig.seed, show_default=True, help="Seed of the sample choice.")
@output_options("Folder for the sample pictures [default: DATASET/inspect].")
def inspect(out: str | None, splits: tuple[str, ...], json_mode: bool, quiet: bool, **params: Any) -> None:
    """Show what a dataset holds: statistics and pictures of annotated samples.

    Prints instances per class, object sizes (COCO small/medium/large), instances per image and images
    without objects; draws masks, boxes and class names on COUNT samples.

    \b
    Example:
        splashseg inspect data/balloon --count 4 --out inspect/
    """
    from ..data.inspect import inspect_dataset
    from .tables import statistics_table

    report = reporter(json_mode, quiet)
    config = inspect_config(out=out, splits=splits, **params)
    result = inspect_dataset(config)
    report.table(statistics_table(result.statistics))
    if result.pictures:
        report.info(f"wrote {len(result.pictures)} pictures to {result.pictures[0].parent}")
    report.emit_json({"statistics": result.statistics, "pictures": [str(p) for p in result.pictures]})


COMMANDS = [annotate_import, inspect]
