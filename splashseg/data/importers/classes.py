"""Class names for every region: ``--class-key``, the one key found in VIA ``region_attributes``, or
``--default-class``; names stripped, and names equal up to case merged (the merge is reported).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ...errors import InputError
from .records import ParsedFile, Region
from .report import ImportReport
from .shapes import ShapeError

TRUE_VALUES = (True, 1, "true", "1", "yes")


def attribute_to_name(value: Any) -> str | None:
    """A ``region_attributes`` value -> class name, ``None`` when empty.

    Text/dropdown/radio values are strings; checkbox values are ``{"option": true, ...}`` and exactly one
    option must be ticked (several raise :class:`ShapeError`).
    """
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        ticked = [str(k).strip() for k, v in value.items() if v in TRUE_VALUES and str(k).strip()]
        if len(ticked) > 1:
            raise ShapeError("several class options ticked")
        return ticked[0] if ticked else None
    if isinstance(value, list):
        names = [attribute_to_name(v) for v in value]
        names = [n for n in names if n]
        if len(names) > 1:
            raise ShapeError("several class values")
        return names[0] if names else None
    return None


def find_class_key(files: list[ParsedFile], report: ImportReport) -> str | None:
    """The attribute that names the class when the user gave no ``--class-key``.

    The one key with a value in any region; among several, the one choice attribute (dropdown, radio,
    checkbox) the VIA project defines. Raises :class:`InputError` when it stays ambiguous.
    """
    keys: Counter[str] = Counter()
    for region in _attribute_regions(files):
        keys.update(str(k) for k, v in region.attributes.items() if _has_value(v))
    if len(keys) <= 1:
        return next(iter(keys), None)
    choices = {name for f in files for name in f.class_options} & set(keys)
    if len(choices) == 1:
        key = choices.pop()
        report.note(f"class attribute '{key}' chosen among {sorted(keys)}: the only choice attribute")
        return key
    listing = ", ".join(f"{k} ({n} regions)" for k, n in keys.most_common())
    raise InputError(
        f"{files[0].path}: regions have several attributes ({listing}); "
        "say which one is the class with --class-key"
    )


def _has_value(value: Any) -> bool:
    try:
        return attribute_to_name(value) is not None
    except ShapeError:
        return True


def _attribute_regions(files: list[ParsedFile]) -> list[Region]:
    return [r for f in files for im in f.images for r in im.regions if r.class_name is None and r.attributes]


def check_class_key(files: list[ParsedFile], class_key: str) -> None:
    """:class:`InputError` when no region's ``region_attributes`` holds ``class_key``, naming the keys
    that the regions do hold (with how many regions hold each)."""
    keys: Counter[str] = Counter()
    for region in _attribute_regions(files):
        if class_key in region.attributes:
            return
        keys.update(str(k) for k in region.attributes)
    listing = ", ".join(f"{k} ({n} region{'s' * (n != 1)})" for k, n in keys.most_common())
    found = f"their attributes are: {listing}" if listing else "no region has attributes to name its class"
    raise InputError(f"--class-key {class_key!r}: no region has this attribute ({found})")


def assign_classes(
    files: list[ParsedFile], class_key: str | None, default_class: str, report: ImportReport
) -> None:
    """Set ``class_name`` on every region; regions whose class cannot be told are dropped and reported.

    A ``class_key`` that no region holds is an :class:`InputError` (see :func:`check_class_key`).
    """
    if class_key is not None:
        check_class_key(files, class_key)
    key = class_key if class_key is not None else find_class_key(files, report)
    report.class_key = key
    defaulted = 0
    for parsed in files:
        for image in parsed.images:
            kept = []
            for region in image.regions:
                try:
                    if region.class_name is None:
                        region.class_name = (
                            attribute_to_name((region.attributes or {}).get(key)) if key else None
                        )
                except ShapeError as exc:
                    image.drop(report, str(exc), region.where)
                    continue
                region.class_name = (region.class_name or "").strip() or None
                if region.class_name is None:
                    region.class_name = default_class
                    defaulted += 1
                kept.append(region)
            image.regions = kept
    if defaulted:
        report.note(
            f"{defaulted} regions had no class value and were given the default class '{default_class}'"
        )


def merge_case_variants(names: list[str], report: ImportReport) -> dict[str, str]:
    """Map every name to one spelling per case-insensitive group (the most frequent, then the first seen).

    ``names`` holds one entry per instance (or declared category), in order of appearance.
    """
    counts = Counter(names)
    chosen: dict[str, str] = {}
    for name in dict.fromkeys(names):
        folded = name.casefold()
        if folded not in chosen or counts[name] > counts[chosen[folded]]:
            chosen[folded] = name
    mapping = {name: chosen[name.casefold()] for name in counts}
    for name, target in mapping.items():
        if name != target:
            report.class_merges[name] = target
    return mapping
