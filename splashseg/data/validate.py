"""``validate_coco``: what training, evaluation and ``inspect`` assume of a dataset file, checked on opening.

A hand-edited ``annotations/{split}.json`` fails at once with the file, the entry and the problem
(:class:`InputError`, exit 2), not with a ``KeyError`` deep inside a training run. Checked:

- the top level is an object with ``images``, ``annotations`` and ``categories`` lists;
- categories: objects with a unique integer ``id`` and a non-empty ``name``;
- images: objects with a unique integer ``id``, a ``file_name`` and positive integer ``width``/``height``;
- annotations: objects with a unique integer ``id``, an ``image_id`` in images, a ``category_id`` in
  categories, ``bbox`` four finite numbers ``[x, y, w, h]`` with ``w, h >= 0``, ``area`` a finite number
  ``>= 0``, ``iscrowd`` 0 or 1, and ``segmentation`` either polygons (a list of lists of at least three
  ``x, y`` pairs of finite numbers, within one image size of the picture) or an RLE
  ``{"size": [height, width] of its image, "counts": str | list of ints >= 0}`` whose runs cover the image.

NaN and infinity are refused wherever a number is expected.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from .rle import decode_counts

LISTS = ("images", "annotations", "categories")
PLURALS = {"image": "images", "annotation": "annotations", "category": "categories"}
NUMBERS = {int, float}  # exact JSON number types (bool is an int subclass, so exact types are compared)
Problems = Iterator[str]

_short = reprlib.Repr()
_short.maxlist = _short.maxdict = 6
_short.maxstring = _short.maxother = 40


def validate_coco(coco: Any, path: Path | str) -> None:
    """Raise :class:`InputError` ``"PATH: <first problem> (and N more problems)"`` unless ``coco`` is a
    COCO instances dict the readers can rely on (see the module docstring for the checks)."""
    problems = coco_problems(coco)
    first = next(problems, None)
    if first is None:
        return
    more = sum(1 for _ in problems)
    raise InputError(f"{path}: {first}" + (f" (and {more} more problems)" if more else ""))


def coco_problems(coco: Any) -> Problems:
    """Every problem of ``coco`` as a short phrase, in file order (categories, images, annotations)."""
    if not isinstance(coco, dict):
        yield f"not a COCO instances file (the top level is a JSON {_json_type(coco)}, not an object)"
        return
    missing = [key for key in LISTS if not isinstance(coco.get(key), list)]
    if missing:
        yield f"not a COCO instances file (needs images, annotations and categories lists; no {', '.join(missing)})"
        return
    category_ids: set[int] = set()
    yield from _categories(coco["categories"], category_ids)
    sizes: dict[int, tuple[int, int]] = {}
    yield from _images(coco["images"], sizes)
    yield from _annotations(coco["annotations"], sizes, category_ids)


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", type(None): "null", dict: "object"}
    return names.get(type(value), "number")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite int or float (bools, NaN, infinities and integers beyond float range are not)."""
    try:
        return type(value) in NUMBERS and math.isfinite(value)
    except OverflowError:
        return False


def _entry(kind: str, index: int, entry: dict[str, Any]) -> str:
    """``"annotation id 7"``, or ``"annotations[3]"`` when the entry has no usable id."""
    return f"{kind} id {entry['id']}" if _is_int(entry.get("id")) else f"{PLURALS[kind]}[{index}]"


def _id_problem(kind: str, index: int, entry: Any, seen: set[int]) -> str | None:
    """Why ``entry`` is no object with a new integer id (``None`` when it is; the id is then added to ``seen``)."""
    if not isinstance(entry, dict):
        return f"{PLURALS[kind]}[{index}] is a JSON {_json_type(entry)}, not an object"
    if not _is_int(entry.get("id")):
        return f"{PLURALS[kind]}[{index}]: id {_short.repr(entry.get('id'))} is not an integer"
    if entry["id"] in seen:
        return f"{kind} id {entry['id']} is used twice"
    seen.add(entry["id"])
    return None


def _categories(categories: list[Any], ids: set[int]) -> Problems:
    for index, category in enumerate(categories):
        problem = _id_problem("category", index, category, ids)
        if problem is not None:
            yield problem
        elif not (isinstance(category.get("name"), str) and category["name"].strip()):
            yield f"category id {category['id']}: name {_short.repr(category.get('name'))} is not a non-empty string"


def _images(images: list[Any], sizes: dict[int, tuple[int, int]]) -> Problems:
    seen: set[int] = set()
    for index, image in enumerate(images):
        problem = _id_problem("image", index, image, seen)
        if problem is not None:
            yield problem
            continue
        where, width, height = f"image id {image['id']}", image.get("width"), image.get("height")
        if not (isinstance(image.get("file_name"), str) and image["file_name"]):
            yield f"{where}: file_name {_short.repr(image.get('file_name'))} is not a file name"
        if _is_int(width) and _is_int(height) and width > 0 and height > 0:
            sizes[image["id"]] = (height, width)
        else:
            got = f"{_short.repr(width)}, {_short.repr(height)}"
            yield f"{where}: width and height must be positive integers (got {got})"


def _annotations(
    annotations: list[Any], sizes: dict[int, tuple[int, int]], category_ids: set[int]
) -> Problems:
    seen: set[int] = set()
    known = ", ".join(map(str, sorted(category_ids)[:10])) + (", ..." if len(category_ids) > 10 else "")
    for index, annotation in enumerate(annotations):
        problem = _id_problem("annotation", index, annotation, seen)
        if problem is not None:
            yield problem
        if not isinstance(annotation, dict):
            continue
        where = _entry("annotation", index, annotation)
        image_id, category_id = annotation.get("image_id"), annotation.get("category_id")
        if not _is_int(category_id) or category_id not in category_ids:
            yield f"{where}: category_id {_short.repr(category_id)} is not in categories ({known or 'there are none'})"
        if not _is_int(image_id) or image_id not in sizes:
            yield f"{where}: image_id {_short.repr(image_id)} is not in images"
            continue
        for problem in _geometry(annotation, *sizes[image_id]):
            yield f"{where}: {problem}"


def _geometry(annotation: dict[str, Any], height: int, width: int) -> Problems:
    """Problems of ``bbox``, ``area``, ``iscrowd`` and ``segmentation`` on a ``height x width`` image."""
    bbox = annotation.get("bbox")
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(map(_is_number, bbox)) and min(bbox[2:]) >= 0):
        yield f"bbox {_short.repr(bbox)} is not 4 finite numbers [x, y, w, h] with w, h >= 0"
    area = annotation.get("area")
    if not (_is_number(area) and area >= 0):
        yield f"area {_short.repr(area)} is not a finite number >= 0"
    if annotation.get("iscrowd") not in (0, 1) or not isinstance(annotation.get("iscrowd"), int):
        yield f"iscrowd {_short.repr(annotation.get('iscrowd'))} is not 0 or 1"
    segmentation = annotation.get("segmentation")
    if isinstance(segmentation, list):
        problem = _polygons_problem(segmentation, height, width)
    elif isinstance(segmentation, dict):
        problem = _rle_problem(segmentation, height, width)
    else:
        problem = f"segmentation is a JSON {_json_type(segmentation)}, not polygons (a list) or an RLE (an object)"
    if problem is not None:
        yield problem


def _polygons_problem(polygons: list[Any], height: int, width: int) -> str | None:
    """Polygons ``[[x0, y0, x1, y1, x2, y2, ...], ...]``: finite numbers within one image size of it."""
    if not polygons:
        return "segmentation is an empty list of polygons"
    low, high = -max(height, width), 2 * max(height, width)
    for part in polygons:
        if type(part) is not list or len(part) < 6 or len(part) % 2:
            return f"segmentation polygon {_short.repr(part)} is not a list of 3 or more x, y pairs"
        # fast path in C loops: exact number types, bounds, and a finite sum (NaN propagates through it)
        if set(map(type, part)) <= NUMBERS and low <= min(part) and max(part) <= high and math.isfinite(sum(part)):
            continue
        bad = next((v for v in part if not (type(v) in NUMBERS and low <= v <= high)), part)  # NaN compares false
        return f"segmentation polygon value {_short.repr(bad)} is not a finite number near the image"
    return None


def _rle_problem(rle: dict[str, Any], height: int, width: int) -> str | None:
    """RLE ``{"size": [height, width], "counts": str | [int, ...]}`` whose runs add up to the image."""
    size, counts = rle.get("size"), rle.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(map(_is_int, size)) and size == [height, width]):
        return f"segmentation RLE size {_short.repr(size)} is not its image's [height, width] [{height}, {width}]"
    if isinstance(counts, str):
        try:
            runs = decode_counts(counts)
        except ValueError:
            return "segmentation RLE counts string is malformed"
    elif isinstance(counts, list) and all(_is_int(v) and v >= 0 for v in counts):
        runs = counts
    else:
        return "segmentation RLE counts is not a string or a list of integers >= 0"
    if any(v < 0 for v in runs) or sum(runs) != height * width:
        return f"segmentation RLE counts do not add up to the image's {height} x {width} pixels"
    return None
