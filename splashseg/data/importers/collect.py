"""SOURCE arguments -> parsed annotation files, each image tagged with the split its location implies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InputError
from .coco_in import coco_kind
from .formats import FORMATS, find_annotation_files, parse_annotations, read_json, recognise_format
from .records import ParsedFile
from .report import ImportReport
from .split import split_from_path


def _tag_split(parsed: ParsedFile, split: str | None) -> ParsedFile:
    for image in parsed.images:
        image.split = split
    return parsed


def _ignored_because(data: Any, family: str) -> str | None:
    """Why a file found in a folder is left out (``None``: import it)."""
    name = recognise_format(data)
    if name is None:
        return "not a VIA, COCO or LabelMe annotation file"
    if family not in ("auto", FORMATS[name][0]):
        return f"a {name} file, not --format {family}"
    if name == "coco" and coco_kind(data) == "uncategorised":
        return "COCO file without categories (a captions file?): no instance masks"
    return None


def _read_in_folder(path: Path, folder: Path) -> Any:
    """The JSON value of a file found in ``folder``; one that cannot be parsed is an :class:`InputError`."""
    try:
        return read_json(path)
    except InputError as exc:
        raise InputError(f"{exc} (every .json file in {folder} is read: fix it or move it out)") from None


class _SeenFiles:
    """Annotation files already imported, by real path (links and ``a/../a`` resolved): each once."""

    def __init__(self, report: ImportReport) -> None:
        self.first: dict[Path, Path] = {}
        self.report = report

    def is_new(self, path: Path) -> bool:
        """Whether ``path`` is reached for the first time (else the repeat is noted in the report)."""
        real = path.resolve()
        if real in self.first:
            self.report.note(f"{path}: the same file as {self.first[real]}, given twice: imported once")
            return False
        self.first[real] = path
        return True


def _parse_folder(folder: Path, family: str, report: ImportReport, seen: _SeenFiles) -> list[ParsedFile]:
    """Every annotation file in ``folder`` not imported already. Files of no known format are noted and
    left out; a file that is not valid JSON or is malformed as its format raises :class:`InputError`. COCO
    keypoints files are left out when the folder holds COCO instances files (which hold the same people)."""
    parsed_files, keypoints, found = [], [], False
    for path in find_annotation_files(folder):
        data = _read_in_folder(path, folder)
        reason = _ignored_because(data, family)
        if reason is not None:
            report.note(f"ignored {path}: {reason}")
            continue
        found = True
        if recognise_format(data) == "coco" and coco_kind(data) == "keypoints":
            keypoints.append(path)
        elif seen.is_new(path):
            parsed = parse_annotations(data, path, path.parent, family, report)
            parsed_files.append(_tag_split(parsed, split_from_path(path, folder)))
    with_instances = any(parsed.format == "coco" for parsed in parsed_files)
    for path in keypoints:
        if with_instances:
            report.note(f"ignored {path}: COCO keypoints file (its people are in the instances files)")
        elif seen.is_new(path):
            parsed = parse_annotations(_read_in_folder(path, folder), path, path.parent, family, report)
            parsed_files.append(_tag_split(parsed, split_from_path(path, folder)))
    if not found:
        raise InputError(f"{folder}: no VIA, COCO or LabelMe annotation files found in this folder")
    return parsed_files


def collect_files(sources: list[Path], family: str, report: ImportReport) -> list[ParsedFile]:
    """Parse every SOURCE (a JSON file, or a folder searched for them).

    A file named on the command line must be an annotation file (else :class:`InputError`); files found
    in a folder that are not are noted and ignored. A file reached twice (the same source given twice, a
    folder and a file in it, a link) is imported once. Splits come from ``train/``, ``val/``, ``test/``
    folders, the SOURCE folder's own name included, or file names (``instances_val2017.json``).
    """
    parsed_files: list[ParsedFile] = []
    seen = _SeenFiles(report)
    for source in sources:
        source = Path(source)
        if source.is_dir():
            parsed_files.extend(_parse_folder(source, family, report, seen))
        elif source.is_file():
            data = read_json(source)
            if seen.is_new(source):
                parsed = parse_annotations(data, source, source.parent, family, report)
                parsed_files.append(_tag_split(parsed, split_from_path(source)))
        else:
            raise InputError(f"{source}: no such file or folder")
    return parsed_files
