"""VIA 3 project files: ``project``, ``config``, ``attribute``, ``file``, ``view``, ``metadata``.

A region is ``{"vid", "z": [], "xy": [shape_id, coords...], "av": {attribute_id: value}}``; ``vid`` names a
view whose ``fid_list`` names the file. Choice attributes store option ids (checkboxes as ``"0,2"``);
they are mapped to option names here so the class resolver sees names.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError
from .records import ImageRecord, ParsedFile, Region
from .report import ImportReport
from .shapes import ShapeError, ellipse_polygon, number, rect_polygon

CHECKBOX, RADIO, SELECT = 2, 3, 4
CHOICE_TYPES = (CHECKBOX, RADIO, SELECT)


def _rect(c: list[float]) -> np.ndarray:
    return rect_polygon(c[0], c[1], c[2], c[3])


def _circle(c: list[float]) -> np.ndarray:
    return ellipse_polygon(c[0], c[1], c[2], c[2])


def _ellipse(c: list[float]) -> np.ndarray:
    return ellipse_polygon(c[0], c[1], c[2], c[3])


def _points(c: list[float]) -> np.ndarray:
    if len(c) % 2:
        raise ShapeError("odd number of polygon coordinates")
    return np.array(c, dtype=np.float64).reshape(-1, 2)


# shape id -> (name, number of coordinates or None for "pairs", builder)
SHAPES = {
    2: ("rect", 4, _rect),
    3: ("circle", 3, _circle),
    4: ("ellipse", 4, _ellipse),
    6: ("polyline", None, _points),
    7: ("polygon", None, _points),
}
SKIPPED_SHAPES = {
    1: "point shape (no area)",
    5: "line shape (no area)",
    8: "extreme rectangle shape (unsupported)",
    9: "extreme circle shape (unsupported)",
}


def looks_like_via3(data: Any) -> bool:
    return isinstance(data, dict) and all(k in data for k in ("project", "file", "metadata"))


def xy_polygon(xy: Any) -> np.ndarray:
    """VIA 3 ``xy`` ``[shape_id, coords...]`` -> polygon ``[N, 2]``."""
    if not isinstance(xy, list) or not xy:
        raise ShapeError("region without xy")
    shape_id = xy[0]
    if not isinstance(shape_id, (int, float, str)) or isinstance(shape_id, bool):
        raise ShapeError(f"unknown shape {str(shape_id)[:40]!r}")
    if shape_id in SKIPPED_SHAPES:
        raise ShapeError(SKIPPED_SHAPES[shape_id])
    if shape_id not in SHAPES or isinstance(shape_id, bool):
        raise ShapeError(f"unknown shape {str(shape_id)[:40]!r}")
    _, count, build = SHAPES[shape_id]
    coords = [number(v) for v in xy[1:]]
    if count is not None and len(coords) != count:
        raise ShapeError("wrong number of shape coordinates")
    return build(coords)


def _option_names(definition: dict[str, Any], value: Any) -> Any:
    """Map option ids in ``value`` to option names for choice attributes."""
    options = definition.get("options") if isinstance(definition.get("options"), dict) else {}
    if definition.get("type") == CHECKBOX and isinstance(value, str):
        ticked = [v.strip() for v in value.split(",") if v.strip()]
        return {str(options.get(v, v)): True for v in ticked}
    if isinstance(value, str) and value in options:
        return str(options[value])
    return value


def _attributes(av: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """``{attribute_id: value}`` -> ``{attribute name: value with option names}``."""
    if not isinstance(av, dict):
        return {}
    named: dict[str, Any] = {}
    for attribute_id, value in av.items():
        definition = definitions.get(attribute_id)
        if isinstance(definition, dict):
            named[str(definition.get("aname", attribute_id))] = _option_names(definition, value)
        else:
            named[str(attribute_id)] = value
    return named


def _file_record(entry: Any, path: Path, base_dir: Path, report: ImportReport) -> ImageRecord | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("fname"), str) or not entry["fname"]:
        report.skip("image", "malformed VIA 3 file entry", f"{path.name}: {str(entry)[:80]}")
        return None
    src = entry.get("src") if isinstance(entry.get("src"), str) else ""
    record = ImageRecord(file_name=entry["fname"], base_dir=base_dir, source=path)
    if src.startswith("data:") and "," in src:
        try:
            record.embedded = base64.b64decode(src.split(",", 1)[1], validate=False)
        except (binascii.Error, ValueError):
            report.skip("image", "inline image data is not base64", f"{path.name}: {entry['fname']}")
            return None
    elif src and "://" not in src:
        record.file_name = src
    return record


def _view_files(data: dict[str, Any]) -> dict[str, str]:
    """view id -> file id (first file of the view)."""
    views = data.get("view") if isinstance(data.get("view"), dict) else {}
    return {
        str(vid): str(v["fid_list"][0])
        for vid, v in views.items()
        if isinstance(v, dict) and isinstance(v.get("fid_list"), list) and v["fid_list"]
    }


def parse_via3(data: Any, path: Path, base_dir: Path, report: ImportReport) -> ParsedFile:
    """A VIA 3 project -> image records (video files' temporal segments are ignored)."""
    files, metadata = data.get("file"), data.get("metadata")
    if not isinstance(files, dict) or not isinstance(metadata, dict):
        raise InputError(f"{path}: VIA 3 project without 'file' and 'metadata' objects")
    definitions = data.get("attribute") if isinstance(data.get("attribute"), dict) else {}
    records = {str(fid): _file_record(entry, path, base_dir, report) for fid, entry in files.items()}
    view_files = _view_files(data)
    for mid, item in metadata.items():
        if not isinstance(item, dict) or item.get("z") or not item.get("xy"):
            continue  # file-level or temporal metadata, not a spatial region
        vid = str(item.get("vid"))
        record = records.get(view_files.get(vid, vid))
        where = f"{path.name}: region {str(mid)[:60]}"
        if record is None:
            report.skip("region", "region of an unknown or skipped file", where)
            continue
        try:
            polygon = xy_polygon(item.get("xy"))
        except ShapeError as exc:
            record.drop(report, str(exc), f"{path.name}: {record.file_name} region {str(mid)[:60]}")
            continue
        record.regions.append(
            Region(
                where=f"{path.name}: {record.file_name} region {str(mid)[:60]}",
                polygons=[polygon],
                attributes=_attributes(item.get("av"), definitions),
            )
        )
    class_options = {
        str(d.get("aname", aid)): [str(o) for o in (d.get("options") or {}).values()]
        for aid, d in definitions.items()
        if isinstance(d, dict) and d.get("type") in CHOICE_TYPES and isinstance(d.get("options"), dict)
    }
    return ParsedFile(
        path=path,
        format="via3-project",
        images=[r for r in records.values() if r is not None],
        class_options=class_options,
    )
