"""SOURCE arguments -> parsed annotation files, each image tagged with the split its location implies."""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from .formats import find_annotation_files, parse_annotations, read_json, recognise_format, split_of
from .records import ParsedFile
from .report import ImportReport


def _tag_split(parsed: ParsedFile, split: str | None) -> ParsedFile:
    for image in parsed.images:
        image.split = split
    return parsed


def _parse_folder(
    folder: Path, family: str, images_dir: Path | None, report: ImportReport
) -> list[ParsedFile]:
    """Every annotation file in ``folder``; unrelated or broken JSON is noted and left out."""
    parsed_files = []
    for path in find_annotation_files(folder):
        try:
            data = read_json(path)
        except InputError as exc:
            report.skip("file", "unreadable JSON file", f"{path} ({str(exc).split(': ', 1)[-1][:80]})")
            continue
        if recognise_format(data) is None:
            report.note(f"ignored {path}: not a VIA, COCO or LabelMe annotation file")
            continue
        try:
            parsed = parse_annotations(data, path, path.parent, family, report)
        except InputError as exc:
            report.skip("file", "annotation file left out", str(exc))
            continue
        parsed_files.append(_tag_split(parsed, split_of(path, folder)))
    if not parsed_files:
        raise InputError(f"{folder}: no VIA, COCO or LabelMe annotation files found in this folder")
    return parsed_files


def collect_files(
    sources: list[Path], family: str, images_dir: Path | None, report: ImportReport
) -> list[ParsedFile]:
    """Parse every SOURCE (a JSON file, or a folder searched for them).

    A file named on the command line must be an annotation file (else :class:`InputError`); files found
    in a folder that are not are noted and ignored. Splits come from ``train/``, ``val/``, ``test/``
    folders or file names (``instances_val2017.json``).
    """
    parsed_files: list[ParsedFile] = []
    for source in sources:
        source = Path(source)
        if source.is_dir():
            parsed_files.extend(_parse_folder(source, family, images_dir, report))
        elif source.is_file():
            parsed = parse_annotations(read_json(source), source, source.parent, family, report)
            parsed_files.append(_tag_split(parsed, split_of(source)))
        else:
            raise InputError(f"{source}: no such file or folder")
    return parsed_files
