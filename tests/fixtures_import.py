"""Writers of annotation files in every supported format, with tiny images, for the import tests.

Plain functions (not pytest fixtures) so that property tests can use them too. Every image is a real
file written with Pillow; sizes are (width, height).
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

SIZE = (64, 48)


def write_image(
    path: Path,
    size: tuple[int, int] = SIZE,
    fmt: str = "JPEG",
    exif_orientation: int | None = None,
    color: tuple[int, int, int] = (40, 90, 170),
) -> Path:
    """A plain-coloured image file of ``size`` (as stored, before any EXIF rotation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, color)
    kwargs: dict[str, Any] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    img.save(path, format=fmt, **kwargs)
    return path


def image_bytes(size: tuple[int, int] = SIZE, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 60)).save(buffer, format=fmt)
    return buffer.getvalue()


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- VIA 1.x / 2.x -------------------------------------------------------------------------------
def via_polygon(xs: list[float], ys: list[float], shape: str = "polygon", **attrs: Any) -> dict[str, Any]:
    """A VIA polygon (or ``shape="polyline"``) region; ``attrs`` become its ``region_attributes``."""
    return {
        "shape_attributes": {"name": shape, "all_points_x": xs, "all_points_y": ys},
        "region_attributes": attrs,
    }


def via_region(shape: dict[str, Any], **attrs: Any) -> dict[str, Any]:
    return {"shape_attributes": shape, "region_attributes": attrs}


def via_entry(
    folder: Path,
    file_name: str,
    regions: list[dict[str, Any]],
    as_dict: bool = False,
    size: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """One ``_via_img_metadata`` entry; ``as_dict`` writes regions as VIA 1.x did (``{"0": region}``)."""
    image = folder / file_name
    nbytes = size if size is not None else (os.path.getsize(image) if image.exists() else 0)
    stored = {str(i): r for i, r in enumerate(regions)} if as_dict else regions
    return f"{file_name}{nbytes}", {
        "filename": file_name,
        "size": nbytes,
        "regions": stored,
        "file_attributes": {},
    }


def balloon_regions() -> list[dict[str, Any]]:
    return [via_polygon([10, 30, 30, 10], [10, 10, 30, 30], name="balloon")]


def second_balloon() -> list[dict[str, Any]]:
    """Another balloon, beside the one of :func:`balloon_regions` (identical regions are imported once)."""
    return [via_polygon([35, 55, 55, 35], [12, 12, 40, 40], name="balloon")]


def write_via_export(
    folder: Path,
    images: dict[str, list[dict[str, Any]]],
    as_dict: bool = False,
    name: str = "via_region_data.json",
    make_images: bool = True,
) -> Path:
    """A VIA export in ``folder`` listing ``{file_name: regions}``, with a JPEG per file name."""
    if make_images:
        for file_name in images:
            if not (folder / file_name).exists():
                write_image(folder / file_name)
    data = dict(via_entry(folder, f, r, as_dict=as_dict) for f, r in images.items())
    return write_json(folder / name, data)


def write_via_project(
    folder: Path,
    images: dict[str, list[dict[str, Any]]],
    region_attributes: dict[str, Any] | None = None,
    name: str = "project.json",
) -> Path:
    """A VIA 2.x project file (``_via_settings``, ``_via_img_metadata``, ``_via_attributes``)."""
    for file_name in images:
        write_image(folder / file_name)
    metadata = dict(via_entry(folder, f, r) for f, r in images.items())
    data = {
        "_via_settings": {"ui": {}, "core": {"buffer_size": 18}, "project": {"name": "p"}},
        "_via_img_metadata": metadata,
        "_via_image_id_list": list(metadata),
        "_via_attributes": {"region": region_attributes or {}, "file": {}},
        "_via_data_format_version": "2.0.10",
    }
    return write_json(folder / name, data)


# --- VIA 3 ---------------------------------------------------------------------------------------
def write_via3(
    folder: Path,
    regions: dict[str, list[tuple[list[float], dict[str, str]]]],
    attribute: dict[str, Any] | None = None,
) -> Path:
    """A VIA 3 project: ``{file_name: [(xy, av), ...]}``."""
    files, views, metadata = {}, {}, {}
    for index, (file_name, items) in enumerate(regions.items(), start=1):
        write_image(folder / file_name)
        files[str(index)] = {"fid": str(index), "fname": file_name, "type": 2, "loc": 1, "src": ""}
        views[str(index)] = {"fid_list": [str(index)]}
        for k, (xy, av) in enumerate(items):
            metadata[f"{index}_{k}"] = {"vid": str(index), "flg": 0, "z": [], "xy": xy, "av": av}
    data = {
        "project": {"pid": "__VIA_PROJECT_ID__", "rev": "0", "pname": "p", "vid_list": list(views)},
        "config": {"file": {"loc_prefix": {"1": "", "2": "", "3": "", "4": ""}}},
        "attribute": attribute or {},
        "file": files,
        "view": views,
        "metadata": metadata,
    }
    return write_json(folder / "via3_project.json", data)


# --- COCO ----------------------------------------------------------------------------------------
def rle_of(mask: np.ndarray, compressed: bool = True) -> dict[str, Any]:
    """``bool [H, W]`` -> compressed RLE (counts str) or uncompressed RLE (counts list)."""
    if compressed:
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        return {"size": list(rle["size"]), "counts": rle["counts"].decode("ascii")}
    flat = mask.astype(np.uint8).reshape(-1, order="F")
    changes = np.flatnonzero(np.diff(np.concatenate([[0], flat, [1 - flat[-1]]])))
    counts = np.diff(np.concatenate([[0], changes])).tolist()
    return {"size": list(mask.shape), "counts": counts}


def write_coco(
    folder: Path,
    images: list[dict[str, Any]],
    annotations: list[dict[str, Any]],
    categories: list[dict[str, Any]],
    name: str = "instances.json",
    make_images: bool = True,
) -> Path:
    if make_images:
        for image in images:
            if not (folder / image["file_name"]).exists():
                write_image(folder / image["file_name"], (image.get("width", 64), image.get("height", 48)))
    return write_json(folder / name, {"images": images, "annotations": annotations, "categories": categories})


# --- LabelMe -------------------------------------------------------------------------------------
def labelme_shape(
    label: str, points: list[list[float]], shape_type: str = "polygon", group_id: Any = None
) -> dict[str, Any]:
    return {"label": label, "points": points, "group_id": group_id, "shape_type": shape_type, "flags": {}}


def write_labelme(
    folder: Path,
    stem: str,
    shapes: list[dict[str, Any]],
    embed: bool = False,
    image_path: str | None = None,
    size: tuple[int, int] = SIZE,
) -> Path:
    """A LabelMe file ``stem.json``; the image beside it, or only inside ``imageData`` with ``embed``."""
    image_name = image_path or f"{stem}.png"
    data = {
        "version": "5.2.1",
        "flags": {},
        "shapes": shapes,
        "imagePath": image_name,
        "imageData": None,
        "imageHeight": size[1],
        "imageWidth": size[0],
    }
    if embed:
        data["imageData"] = base64.b64encode(image_bytes(size)).decode("ascii")
    else:
        write_image(folder / image_name, size, fmt="PNG")
    return write_json(folder / f"{stem}.json", data)
