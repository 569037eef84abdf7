"""Checked images with class-named regions -> COCO dicts per split, categories numbered 1..K."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from .classes import merge_case_variants
from .images import CheckedImage
from .records import ParsedFile
from .report import ImportReport
from .segment import annotation_body
from .shapes import ShapeError


def _shape_key(class_name: str, body: dict[str, Any]) -> str:
    """Identity of an annotation: class and shape (segmentation, crowd flag) as canonical JSON."""
    return json.dumps([class_name, body["segmentation"], body["iscrowd"]], sort_keys=True)


def segment_images(images: list[CheckedImage], report: ImportReport) -> list[CheckedImage]:
    """Turn every region into an annotation body on its image's size; drop images that lost every region.

    A region identical to one already on its image (same class, same shape) is imported once (noted).
    """
    kept, repeats = [], 0
    for image in images:
        shapes: set[str] = set()
        for record in image.records:
            for region in record.regions:
                try:
                    body = annotation_body(region, image.header.width, image.header.height)
                except ShapeError as exc:
                    record.drop(report, str(exc), region.where)
                    continue
                key = _shape_key(region.class_name, body)
                repeats += key in shapes
                if key not in shapes:
                    shapes.add(key)
                    image.annotations.append((region.class_name, body))
        if not image.annotations and any(record.dropped for record in image.records):
            report.skip(
                "image",
                "every region was skipped (not kept as a negative)",
                f"{image.record.source.name}: {image.record.file_name}",
            )
            continue
        kept.append(image)
    if repeats:
        report.note(f"{repeats} regions repeat another region of their image (same class and shape): "
                    "imported once")
    return kept


def category_list(files: list[ParsedFile], images: list[CheckedImage], report: ImportReport) -> list[str]:
    """Final class names in order: declared COCO categories first, then names as they appear.

    Names equal up to case are merged (each annotation's class name is rewritten to the kept spelling).
    """
    declared = [name for parsed in files for name in parsed.categories]
    used = [name for image in images for name, _ in image.annotations]
    mapping = merge_case_variants(declared + used, report)
    for image in images:
        image.annotations = [(mapping[name], body) for name, body in image.annotations]
    return list(dict.fromkeys(mapping[name] for name in declared + used))


def report_category_mapping(files: list[ParsedFile], ids: dict[str, int], report: ImportReport) -> None:
    """For each COCO source: its category id -> the new id 1..K (by name, after merging)."""
    for parsed in files:
        if parsed.category_ids:
            mapping = {
                str(old): ids[report.class_merges.get(name, name)]
                for name, olds in parsed.category_ids.items()
                for old in olds
            }
            report.category_mapping[str(parsed.path)] = mapping


def unique_name(name: str, used: set[str]) -> str:
    """``name`` or ``stem-2.ext``, ``stem-3.ext``... so no two images share a name (case-insensitively)."""
    path = PurePosixPath(name)
    candidate, index = path.name, 2
    while candidate.casefold() in used:
        candidate = f"{path.stem}-{index}{path.suffix}"
        index += 1
    used.add(candidate.casefold())
    return candidate


def split_coco(
    images: list[CheckedImage], ids: dict[str, int], categories: list[dict[str, Any]]
) -> dict[str, Any]:
    """One split's COCO dict (image and annotation ids 1..N in order)."""
    coco: dict[str, Any] = {
        "info": {"description": "imported by splashseg annotate-import"},
        "images": [],
        "annotations": [],
        "categories": categories,
    }
    for image_id, image in enumerate(images, start=1):
        coco["images"].append(
            {
                "id": image_id,
                "file_name": image.name,
                "width": image.header.width,
                "height": image.header.height,
                "source": str(image.path or image.record.source),
            }
        )
        for name, body in image.annotations:
            coco["annotations"].append(
                {"id": len(coco["annotations"]) + 1, "image_id": image_id, "category_id": ids[name], **body}
            )
    return coco


def build_splits(
    files: list[ParsedFile], splits: dict[str, list[CheckedImage]], report: ImportReport
) -> dict[str, dict[str, Any]]:
    """``{split: [CheckedImage]}`` (already segmented) -> ``{split: COCO dict}`` with shared categories 1..K.

    Image names in ``DATASET/images`` are made unique across all splits (renames reported).
    """
    every_image = [image for images in splits.values() for image in images]
    names = category_list(files, every_image, report)
    ids = {name: index for index, name in enumerate(names, start=1)}
    report_category_mapping(files, ids, report)
    categories = [{"id": ids[name], "name": name, "supercategory": ""} for name in names]
    used: set[str] = set()
    for image in every_image:
        wanted = PurePosixPath(image.name).name
        image.name = unique_name(wanted, used)
        if image.name != wanted:
            report.renamed_images[str(image.path or Path(image.record.source))] = image.name
    return {split: split_coco(images, ids, categories) for split, images in splits.items()}
