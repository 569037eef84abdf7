"""Reading annotation files, recognising their format, and finding them in folders.

Formats are chosen by name from :data:`FORMATS`; ``--format`` restricts the choice to one family
(``via`` covers VIA 1.x/2.x exports, VIA 2.x projects and VIA 3 projects).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...errors import InputError
from .coco_in import looks_like_coco, parse_coco
from .labelme import looks_like_labelme, parse_labelme
from .records import ParsedFile
from .report import ImportReport
from .via import looks_like_export, parse_export, parse_project
from .via3 import looks_like_via3, parse_via3

Parser = Callable[[Any, Path, Path, ImportReport], ParsedFile]


def _is_via_project(data: Any) -> bool:
    return isinstance(data, dict) and "_via_img_metadata" in data


# name -> (family for --format, recogniser, parser); tried in this order.
FORMATS: dict[str, tuple[str, Callable[[Any], bool], Parser]] = {
    "via2-project": ("via", _is_via_project, parse_project),
    "via3-project": ("via", looks_like_via3, parse_via3),
    "coco": ("coco", looks_like_coco, parse_coco),
    "labelme": ("labelme", looks_like_labelme, parse_labelme),
    "via-export": ("via", looks_like_export, parse_export),
}
FAMILIES = ("auto", "via", "coco", "labelme")
IGNORED_NAMES = ("import-report.json",)


def read_json(path: Path) -> Any:
    """Parse a JSON file; :class:`InputError` naming the file when it cannot be read or parsed."""
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({str(exc)[:120]})") from None


def recognise_format(data: Any) -> str | None:
    """The name in :data:`FORMATS` of the first format ``data`` looks like, or ``None``."""
    for name, (_, recognise, _) in FORMATS.items():
        if recognise(data):
            return name
    return None


def parse_annotations(data: Any, path: Path, base_dir: Path, family: str, report: ImportReport) -> ParsedFile:
    """Recognise and parse one annotation file's JSON value.

    Raises :class:`InputError` when the value is no known format or not of the forced ``family``.
    """
    name = recognise_format(data)
    if name is None:
        raise InputError(f"{path}: not a VIA, COCO or LabelMe annotation file")
    if family not in ("auto", FORMATS[name][0]):
        raise InputError(f"{path}: --format {family} was given but the file is {name}")
    parsed = FORMATS[name][2](data, path, base_dir, report)
    report.sources[str(path)] = parsed.format
    return parsed


def find_annotation_files(folder: Path) -> list[Path]:
    """JSON files in ``folder`` and its subfolders (hidden folders and import reports left out), sorted."""
    found = []
    for path in sorted(folder.rglob("*.json")):
        relative = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") for p in relative) and path.name not in IGNORED_NAMES:
            found.append(path)
    return found
