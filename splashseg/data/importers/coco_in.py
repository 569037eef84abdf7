"""COCO instances JSON: polygons, multi-part polygons, uncompressed and compressed RLE, ``iscrowd``.

Category ids may be anything; they are renumbered 1..K later, by name, and the mapping is reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InputError
from .records import ImageRecord, ParsedFile, Region, claimed_size
from .report import ImportReport
from .shapes import ShapeError, flat_polygon, number


def looks_like_coco(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("images"), list)
        and isinstance(data.get("annotations"), list)
    )


def coco_kind(data: dict[str, Any]) -> str:
    """``"instances"``; ``"keypoints"`` (a person-keypoints file: its people are also in the instances
    file); or ``"uncategorised"`` (no ``categories`` list, e.g. a captions file: nothing to segment)."""
    categories = data.get("categories")
    if not isinstance(categories, list):
        return "uncategorised"
    if any(isinstance(c, dict) and "keypoints" in c for c in categories):
        return "keypoints"
    return "instances"


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _categories(data: dict[str, Any], path: Path, report: ImportReport) -> dict[Any, str]:
    """category id -> stripped name, in the file's order; malformed entries reported."""
    categories = data.get("categories")
    if not isinstance(categories, list):
        raise InputError(f"{path}: COCO file without a 'categories' list (a captions file? only instances hold masks)")
    names: dict[Any, str] = {}
    for entry in categories:
        if (
            not isinstance(entry, dict)
            or not _is_id(entry.get("id"))
            or not isinstance(entry.get("name"), str)
        ):
            report.skip("file", "malformed COCO category", f"{path.name}: {str(entry)[:80]}")
        elif entry["id"] in names:
            report.skip("file", "duplicate COCO category id", f"{path.name}: id {entry['id']}")
        elif not entry["name"].strip():
            report.skip("file", "COCO category with an empty name", f"{path.name}: id {entry['id']}")
        else:
            names[entry["id"]] = entry["name"].strip()
    return names


def _image_record(
    entry: Any, path: Path, base_dir: Path, report: ImportReport
) -> tuple[Any, ImageRecord] | None:
    if (
        not isinstance(entry, dict)
        or not _is_id(entry.get("id"))
        or not isinstance(entry.get("file_name"), str)
    ):
        report.skip("image", "malformed COCO image entry", f"{path.name}: {str(entry)[:80]}")
        return None
    width, height = entry.get("width"), entry.get("height")
    claimed = claimed_size(width, height)
    record = ImageRecord(file_name=entry["file_name"], base_dir=base_dir, source=path, claimed_size=claimed)
    return entry["id"], record


def segmentation_region(segmentation: Any, where: str) -> Region:
    """COCO ``segmentation`` -> :class:`Region` (polygon parts, or RLE checked later against the image)."""
    if isinstance(segmentation, dict):
        return Region(where=where, rle=segmentation)
    if (
        isinstance(segmentation, list)
        and segmentation
        and all(isinstance(v, (int, float)) for v in segmentation)
    ):
        segmentation = [segmentation]  # a single flat polygon written without the outer list
    if not isinstance(segmentation, list) or not segmentation:
        raise ShapeError("no segmentation")
    return Region(where=where, polygons=[flat_polygon(part) for part in segmentation])


def _annotation(
    entry: Any,
    index: int,
    path: Path,
    images: dict[Any, ImageRecord],
    names: dict[Any, str],
    report: ImportReport,
) -> None:
    where = f"{path.name}: annotation {entry.get('id', index) if isinstance(entry, dict) else index}"
    if not isinstance(entry, dict):
        report.skip("region", "malformed COCO annotation", where)
        return
    image = images.get(entry.get("image_id")) if _is_id(entry.get("image_id")) else None
    if image is None:
        report.skip("region", "annotation points at a missing image", where)
        return
    category = names.get(entry.get("category_id")) if _is_id(entry.get("category_id")) else None
    if category is None:
        image.drop(report, "annotation with an unknown category id", where)
        return
    try:
        region = segmentation_region(entry.get("segmentation"), f"{where} ({image.file_name})")
        region.iscrowd = 1 if number(entry.get("iscrowd", 0)) else 0
    except ShapeError as exc:
        image.drop(report, str(exc), where)
        return
    region.class_name = category
    image.regions.append(region)


def parse_coco(data: Any, path: Path, base_dir: Path, report: ImportReport) -> ParsedFile:
    """A COCO instances file -> image records, with declared categories kept (even unused ones)."""
    names = _categories(data, path, report)
    images: dict[Any, ImageRecord] = {}
    for entry in data["images"]:
        parsed = _image_record(entry, path, base_dir, report)
        if parsed is not None and parsed[0] in images:
            report.skip("image", "duplicate COCO image id", f"{path.name}: id {parsed[0]}")
        elif parsed is not None:
            images[parsed[0]] = parsed[1]
    seen: set[Any] = set()
    for index, entry in enumerate(data["annotations"]):
        annotation_id = entry.get("id") if isinstance(entry, dict) else None
        if _is_id(annotation_id) and annotation_id in seen:
            where = f"{path.name}: annotation {annotation_id}"
            report.skip("region", "duplicate COCO annotation id (the first is kept)", where)
            continue
        if _is_id(annotation_id):
            seen.add(annotation_id)
        _annotation(entry, index, path, images, names, report)
    ids: dict[str, list[int]] = {}
    for category_id, name in names.items():
        ids.setdefault(name, []).append(category_id)
    return ParsedFile(
        path=path,
        format="coco",
        images=list(images.values()),
        categories=list(dict.fromkeys(names.values())),
        category_ids=ids,
    )
