"""annotate-import on LabelMe per-image JSON (embedded imageData too) and VIA 3 projects."""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from fixtures_import import labelme_shape, write_labelme, write_via3
from PIL import Image
from test_import_via import imported, reasons

from splashseg.cli import main
from splashseg.data.coco import annotation_mask, load_split


def test_labelme_shapes_and_groups(tmp_path: Path) -> None:
    shapes = [
        labelme_shape("cat ", [[2, 2], [20, 2], [20, 20]]),
        labelme_shape("Cat", [[30, 5], [40, 15]], "rectangle"),
        labelme_shape("dog", [[50, 30], [50, 36]], "circle"),
        labelme_shape("dog", [[1, 30], [10, 30], [10, 40]], "linestrip", group_id=1),
        labelme_shape("dog", [[20, 30], [30, 30], [30, 40]], "polygon", group_id=1),
        labelme_shape("dog", [[5, 5]], "point"),
        labelme_shape("dog", [[5, 5], [9, 9]], "line"),
        labelme_shape("dog", [[5, 5], [9, 9], [12, 1]], "cuboid"),
    ]
    result = imported([write_labelme(tmp_path, "a", shapes)], tmp_path, val_fraction=0)
    names = {c["id"]: c["name"] for c in result["train"]["categories"]}
    anns = result["train"]["annotations"]
    assert [names[a["category_id"]] for a in anns] == ["cat", "cat", "dog", "dog"]
    assert result["report"]["class_merges"] == {"Cat": "cat"}
    assert anns[1]["area"] == 100 and anns[1]["bbox"] == [30.0, 5.0, 10.0, 10.0]
    assert abs(anns[2]["area"] - math.pi * 36) < 0.1 * math.pi * 36
    assert len(anns[3]["segmentation"]) == 2  # two shapes of group 1 -> one instance in two parts
    found = reasons(result["report"])
    assert found["point shape (no area)"] == 1 and found["line shape (no area)"] == 1
    assert found["unknown shape 'cuboid'"] == 1


def test_labelme_embedded_image_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    write_labelme(
        source,
        "only_json",
        [labelme_shape("cat", [[2, 2], [20, 2], [20, 20]])],
        embed=True,
        image_path="../elsewhere/photo.png",
    )
    out = tmp_path / "ds"
    result = CliRunner().invoke(
        main, ["annotate-import", str(source), "--out", str(out), "--val-fraction", "0"]
    )
    assert result.exit_code == 0, result.output
    train = load_split(out, "train")
    assert train["images"][0]["file_name"] == "photo.png" and (
        train["images"][0]["width"],
        train["images"][0]["height"],
    ) == (64, 48)
    with Image.open(out / "images" / "photo.png") as img:
        assert img.format == "PNG" and img.size == (64, 48)


def test_labelme_mask_shape(tmp_path: Path) -> None:
    bitmap = np.zeros((10, 8), np.uint8)
    bitmap[2:6, 1:5] = 255
    buffer = io.BytesIO()
    Image.fromarray(bitmap).save(buffer, format="PNG")
    shape = labelme_shape("blob", [[10, 20], [17, 29]], "mask")
    shape["mask"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    result = imported([write_labelme(tmp_path, "m", [shape])], tmp_path, val_fraction=0)
    annotation = result["train"]["annotations"][0]
    mask = annotation_mask(annotation, 48, 64)
    assert mask.sum() == 16 and mask[22:26, 11:15].all()


def test_via3_project(tmp_path: Path) -> None:
    attribute = {
        "1": {
            "aname": "class",
            "anchor_id": "FILE1_Z0_XY1",
            "type": 4,
            "desc": "",
            "options": {"0": "balloon", "1": "kite"},
            "default_option_id": "",
        },
        "2": {"aname": "note", "anchor_id": "FILE1_Z0_XY1", "type": 1, "desc": ""},
    }
    regions = {
        "a.jpg": [
            ([2, 5, 6, 10, 8], {"1": "0", "2": "x"}),
            ([3, 40, 20, 5], {"1": "1"}),
            ([4, 30, 30, 8, 4], {"1": "1"}),
            ([7, 1, 1, 20, 1, 20, 20], {"1": "0"}),
            ([1, 5, 5], {"1": "0"}),
            ([5, 1, 1, 9, 9], {"1": "0"}),
            ([2, 1, 1], {"1": "0"}),
        ],
        "neg.jpg": [],
    }
    result = imported([write_via3(tmp_path, regions, attribute)], tmp_path, val_fraction=0)
    names = {c["id"]: c["name"] for c in result["train"]["categories"]}
    anns = result["train"]["annotations"]
    assert [names[a["category_id"]] for a in anns] == ["balloon", "kite", "kite", "balloon"]
    assert result["report"]["class_key"] == "class"
    assert anns[0]["area"] == 80 and anns[0]["bbox"] == [5.0, 6.0, 10.0, 8.0]
    assert len(result["train"]["images"]) == 2
    found = reasons(result["report"])
    assert found["point shape (no area)"] == 1 and found["line shape (no area)"] == 1
    assert found["wrong number of shape coordinates"] == 1


def test_via3_cli(tmp_path: Path) -> None:
    source = write_via3(tmp_path / "src", {"a.jpg": [([7, 1, 1, 20, 1, 20, 20], {})]})
    result = CliRunner().invoke(
        main,
        [
            "annotate-import",
            str(source),
            "--out",
            str(tmp_path / "ds"),
            "--format",
            "via",
            "--default-class",
            "thing",
            "--val-fraction",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert load_split(tmp_path / "ds", "train")["categories"][0]["name"] == "thing"
    wrong = CliRunner().invoke(
        main, ["annotate-import", str(source), "--out", str(tmp_path / "d2"), "--format", "coco"]
    )
    assert wrong.exit_code == 2 and "--format coco" in wrong.output
