"""annotate-import on COCO instances JSON: polygons, multi-part polygons, RLE, iscrowd, category ids."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from fixtures_import import rle_of, write_coco
from test_import_via import imported, reasons

from splashseg.cli import main
from splashseg.data.coco import annotation_mask, load_split


def square(x: int, y: int, size: int) -> list[float]:
    return [x, y, x + size, y, x + size, y + size, x, y + size]


def disc_mask(cx: int, cy: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:48, :64]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def coco_source(folder: Path) -> Path:
    images = [
        {"id": 17, "file_name": "a.jpg", "width": 64, "height": 48},
        {"id": 5, "file_name": "b.jpg", "width": 64, "height": 48},
        {"id": 9, "file_name": "empty.jpg", "width": 64, "height": 48},
    ]
    annotations = [
        {"id": 1, "image_id": 17, "category_id": 90, "segmentation": [square(2, 2, 10)], "iscrowd": 0},
        {"id": 2, "image_id": 17, "category_id": 3, "segmentation": [square(20, 2, 5), square(40, 2, 5)]},
        {
            "id": 3,
            "image_id": 5,
            "category_id": 3,
            "segmentation": rle_of(disc_mask(20, 20, 6), compressed=False),
            "iscrowd": 1,
        },
        {"id": 4, "image_id": 5, "category_id": 90, "segmentation": rle_of(disc_mask(45, 30, 8))},
        {"id": 5, "image_id": 404, "category_id": 3, "segmentation": [square(1, 1, 5)]},
        {"id": 6, "image_id": 5, "category_id": 3, "segmentation": {"size": [10, 10], "counts": [100]}},
        {"id": 7, "image_id": 5, "category_id": 77, "segmentation": [square(1, 1, 5)]},
    ]
    categories = [{"id": 90, "name": "toothbrush"}, {"id": 3, "name": "car"}, {"id": 12, "name": "unused"}]
    return write_coco(folder, images, annotations, categories)


def test_coco_ids_remapped_and_segmentations_kept(tmp_path: Path) -> None:
    result = imported([coco_source(tmp_path / "src")], tmp_path, val_fraction=0)
    train = result["train"]
    assert [(c["id"], c["name"]) for c in train["categories"]] == [
        (1, "toothbrush"),
        (2, "car"),
        (3, "unused"),
    ]
    assert result["report"]["category_mapping"][str(tmp_path / "src" / "instances.json")] == {
        "90": 1,
        "3": 2,
        "12": 3,
    }
    by_file = {im["id"]: im["file_name"] for im in train["images"]}
    anns = train["annotations"]
    assert [(by_file[a["image_id"]], a["category_id"]) for a in anns] == [
        ("a.jpg", 1),
        ("a.jpg", 2),
        ("b.jpg", 2),
        ("b.jpg", 1),
    ]
    assert anns[1]["segmentation"] == [square(20, 2, 5), square(40, 2, 5)] and anns[1]["area"] == 50
    assert isinstance(anns[2]["segmentation"]["counts"], str) and anns[2]["iscrowd"] == 1
    assert np.array_equal(annotation_mask(anns[2], 48, 64), disc_mask(20, 20, 6))
    assert np.array_equal(annotation_mask(anns[3], 48, 64), disc_mask(45, 30, 8))
    assert anns[3]["area"] == disc_mask(45, 30, 8).sum()
    assert "empty.jpg" in by_file.values()  # images without annotations are negatives
    found = reasons(result["report"])
    assert found["annotation points at a missing image"] == 1
    assert found["RLE size differs from the image"] == 1
    assert found["annotation with an unknown category id"] == 1


def test_coco_cli_json_summary(tmp_path: Path) -> None:
    source = coco_source(tmp_path / "src")
    out = tmp_path / "ds"
    result = CliRunner().invoke(
        main, ["annotate-import", str(source), "--out", str(out), "--json", "--val-fraction", "0.34"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["train"]["images"] + summary["counts"]["val"]["images"] == 3
    assert summary["category_mapping"]
    assert len(load_split(out, "val")["images"]) == 1


def test_coco_split_from_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    for split in ("train", "val", "test"):
        write_coco(
            folder,
            [{"id": 1, "file_name": f"{split}.jpg", "width": 64, "height": 48}],
            [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [square(2, 2, 10)]}],
            [{"id": 1, "name": "thing"}],
            name=f"instances_{split}2017.json",
        )
    out = tmp_path / "ds"
    result = CliRunner().invoke(main, ["annotate-import", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [load_split(out, s)["images"][0]["file_name"] for s in ("train", "val", "test")] == [
        "train.jpg",
        "val.jpg",
        "test.jpg",
    ]


def test_coco_bad_rle_counts_skipped(tmp_path: Path) -> None:
    images = [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}]
    annotations = [
        {"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [48, 64], "counts": "zzz"}},
        {"id": 2, "image_id": 1, "category_id": 1, "segmentation": {"size": [48, 64], "counts": [5, 5]}},
        {"id": 3, "image_id": 1, "category_id": 1, "segmentation": [square(1, 1, 4)]},
    ]
    result = imported(
        [write_coco(tmp_path, images, annotations, [{"id": 1, "name": "x"}])], tmp_path, val_fraction=0
    )
    assert len(result["train"]["annotations"]) == 1
    found = reasons(result["report"])
    assert found["malformed RLE counts"] + found.get("RLE counts do not cover the image", 0) == 2


def test_duplicate_annotation_ids_are_reported_not_imported_twice(tmp_path: Path) -> None:
    images = [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}]
    first = {"id": 7, "image_id": 1, "category_id": 1, "segmentation": [square(2, 2, 10)]}
    annotations = [first, dict(first), {**first, "segmentation": [square(30, 2, 5)]},
                   {**first, "id": 8, "segmentation": [square(40, 20, 6)]}]
    source = write_coco(tmp_path / "src", images, annotations, [{"id": 1, "name": "x"}])
    result = imported([source], tmp_path, val_fraction=0)
    assert len(result["train"]["annotations"]) == 2  # id 7 once (the first), id 8
    assert result["train"]["annotations"][0]["segmentation"] == [square(2, 2, 10)]
    assert reasons(result["report"])["duplicate COCO annotation id (the first is kept)"] == 2
    out = tmp_path / "ds"
    cli = CliRunner().invoke(main, ["annotate-import", str(source), "--out", str(out), "--val-fraction", "0"])
    assert cli.exit_code == 0 and "duplicate COCO annotation id" in cli.output
    assert len(load_split(out, "train")["annotations"]) == 2
