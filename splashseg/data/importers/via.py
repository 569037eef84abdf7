"""VIA 1.x/2.x annotation exports and the VIA 2.x project file.

Export: ``{"<filename><size>": {"filename", "size", "regions", "file_attributes"}}`` with ``regions`` a
dict ``{"0": region}`` (1.x) or a list (2.x). Project: the same under ``_via_img_metadata``, with the
attribute definitions in ``_via_attributes``. A region is ``{"shape_attributes", "region_attributes"}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InputError
from .records import ImageRecord, ParsedFile, Region
from .report import ImportReport
from .shapes import ShapeError, via_shape_polygons

CHOICE_TYPES = ("dropdown", "radio", "checkbox")


def looks_like_export(data: Any) -> bool:
    """True for a non-empty dict whose values are dicts with a ``filename``."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(v, dict) and "filename" in v for v in data.values())
    )


def _ordered_regions(regions: Any) -> list[Any]:
    """Regions as a list: 2.x lists as they are, 1.x dicts by numeric key."""
    if isinstance(regions, list):
        return regions
    if isinstance(regions, dict):

        def key(item: tuple[str, Any]) -> tuple[int, str]:
            return (int(item[0]), "") if str(item[0]).isdigit() else (1 << 62, str(item[0]))

        return [value for _, value in sorted(regions.items(), key=key)]
    return []


def parse_region(region: Any, where: str) -> Region:
    """One VIA region -> :class:`Region` with polygons and raw ``region_attributes``."""
    if not isinstance(region, dict):
        raise ShapeError("region is not an object")
    polygons = via_shape_polygons(region.get("shape_attributes"))
    attributes = region.get("region_attributes")
    return Region(
        where=where, polygons=polygons, attributes=attributes if isinstance(attributes, dict) else {}
    )


def parse_entry(entry: Any, key: str, path: Path, base_dir: Path, report: ImportReport) -> ImageRecord | None:
    """One image entry of ``_via_img_metadata`` or an export -> :class:`ImageRecord` (None if malformed)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str) or not entry["filename"]:
        report.skip("image", "malformed VIA image entry", f"{path.name}: {str(key)[:80]}")
        return None
    file_name = entry["filename"]
    size = entry.get("size")
    record = ImageRecord(
        file_name=file_name,
        base_dir=base_dir,
        source=path,
        claimed_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )
    regions = entry.get("regions")
    if regions is not None and not isinstance(regions, (list, dict)):
        record.drop(report, "regions is neither a list nor a dict", f"{path.name}: {file_name}")
    for index, region in enumerate(_ordered_regions(regions)):
        where = f"{path.name}: {file_name} region {index}"
        try:
            record.regions.append(parse_region(region, where))
        except ShapeError as exc:
            record.drop(report, str(exc), where)
    return record


def parse_metadata(metadata: Any, path: Path, base_dir: Path, report: ImportReport) -> list[ImageRecord]:
    """The ``{key: entry}`` mapping shared by exports and project files -> image records."""
    if not isinstance(metadata, dict):
        raise InputError(f"{path}: VIA image metadata is not an object")
    records = [parse_entry(entry, key, path, base_dir, report) for key, entry in metadata.items()]
    return [r for r in records if r is not None]


def choice_options(attributes: Any) -> dict[str, list[str]]:
    """``_via_attributes`` -> region attribute name -> option names, for dropdown/radio/checkbox types."""
    region_defs = attributes.get("region") if isinstance(attributes, dict) else None
    if not isinstance(region_defs, dict):
        return {}
    found: dict[str, list[str]] = {}
    for name, definition in region_defs.items():
        if isinstance(definition, dict) and definition.get("type") in CHOICE_TYPES:
            options = definition.get("options")
            found[str(name)] = [str(k) for k in options] if isinstance(options, dict) else []
    return found


def parse_export(data: Any, path: Path, base_dir: Path, report: ImportReport) -> ParsedFile:
    """A VIA 1.x (regions dict) or 2.x (regions list) annotation export."""
    records = parse_metadata(data, path, base_dir, report)
    dict_regions = any(
        isinstance(v, dict) and isinstance(v.get("regions"), dict) and v["regions"] for v in data.values()
    )
    return ParsedFile(path=path, format="via1-export" if dict_regions else "via2-export", images=records)


def parse_project(data: Any, path: Path, base_dir: Path, report: ImportReport) -> ParsedFile:
    """A VIA 2.x project file (``_via_settings``, ``_via_img_metadata``, ``_via_attributes``)."""
    records = parse_metadata(data.get("_via_img_metadata"), path, base_dir, report)
    return ParsedFile(
        path=path,
        format="via2-project",
        images=records,
        class_options=choice_options(data.get("_via_attributes")),
    )
