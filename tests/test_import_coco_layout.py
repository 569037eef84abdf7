"""annotate-import of the standard COCO layout: ROOT/annotations/instances_{train,val}2017.json with the
pictures in ROOT/train2017/ and ROOT/val2017/ (and the variants: train/ val/ folders, sub-folders in
file_name, several --images folders)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixtures_import import write_image, write_json

from splashseg.cli import main
from splashseg.data.coco import load_split

PERSON = {"id": 1, "name": "person", "supercategory": "person"}
KITE = {"id": 38, "name": "kite", "supercategory": "sports"}


def _square(x: int, y: int, side: int) -> list[float]:
    return [x, y, x + side, y, x + side, y + side, x, y + side]


def _instances(names: list[str], first_id: int) -> dict[str, Any]:
    """A COCO instances dict: one person and one kite on each picture of ``names`` (64x48)."""
    images, annotations = [], []
    for offset, name in enumerate(names):
        image_id = first_id + offset
        images.append({"id": image_id, "file_name": name, "width": 64, "height": 48})
        for k, (category, x) in enumerate(((1, 2), (38, 30))):
            annotations.append(
                {"id": image_id * 10 + k, "image_id": image_id, "category_id": category,
                 "segmentation": [_square(x, 4, 12)], "area": 144.0, "bbox": [x, 4, 12, 12], "iscrowd": 0}
            )
    return {"info": {}, "licenses": [], "images": images, "annotations": annotations, "categories": [PERSON, KITE]}


def make_coco_root(root: Path, folders: dict[str, str] | None = None) -> Path:
    """ROOT/annotations/{instances,captions,person_keypoints}_{train,val}2017.json and the pictures in
    ROOT/<folders[split]>/ (``train2017``/``val2017`` by default)."""
    folders = folders or {"train": "train2017", "val": "val2017"}
    for split, first_id in (("train", 100), ("val", 500)):
        names = [f"{first_id + i:012d}.jpg" for i in range(3 if split == "train" else 2)]
        for name in names:
            write_image(root / folders[split] / name)
        coco = _instances(names, first_id)
        write_json(root / "annotations" / f"instances_{split}2017.json", coco)
        people = [a for a in coco["annotations"] if a["category_id"] == 1]
        people = [{**a, "num_keypoints": 1, "keypoints": [5, 5, 2]} for a in people]
        keypoints = {**coco, "annotations": people, "categories": [{**PERSON, "keypoints": ["nose"], "skeleton": []}]}
        write_json(root / "annotations" / f"person_keypoints_{split}2017.json", keypoints)
        captions = [{"id": i, "image_id": im["id"], "caption": "a kite"} for i, im in enumerate(coco["images"])]
        write_json(  # COCO's captions files have images and annotations but no categories
            root / "annotations" / f"captions_{split}2017.json", {"images": coco["images"], "annotations": captions}
        )
    return root


def _import(*args: str) -> Any:
    return CliRunner().invoke(main, ["annotate-import", *args])


def _names(dataset: Path, split: str) -> list[str]:
    return [im["file_name"] for im in load_split(dataset, split)["images"]]


@pytest.mark.parametrize("source", ["ROOT", "ROOT/annotations"])
def test_coco_layout_imports_with_the_split_of_each_file(tmp_path: Path, source: str) -> None:
    root = make_coco_root(tmp_path / "coco")
    out = tmp_path / "ds"
    result = _import(source.replace("ROOT", str(root)), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _names(out, "train") == [f"{i:012d}.jpg" for i in (100, 101, 102)]
    assert _names(out, "val") == [f"{i:012d}.jpg" for i in (500, 501)]
    train = load_split(out, "train")
    assert [c["name"] for c in train["categories"]] == ["person", "kite"]
    assert len(train["annotations"]) == 6  # one person and one kite each: the keypoints file adds none
    report = json.loads((out / "import-report.json").read_text())
    assert report["skipped_summary"] == []
    notes = "\n".join(report["notes"])
    assert "captions_train2017.json: COCO file without categories" in notes
    assert "person_keypoints_val2017.json: COCO keypoints file" in notes


def test_one_coco_file_named_on_the_command_line(tmp_path: Path) -> None:
    root = make_coco_root(tmp_path / "coco")
    out = tmp_path / "ds"
    result = _import(str(root / "annotations" / "instances_val2017.json"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _names(out, "val") == ["000000000500.jpg", "000000000501.jpg"] and _names(out, "train") == []
    keypoints = _import(str(root / "annotations" / "person_keypoints_val2017.json"), "--out", str(tmp_path / "k"))
    assert keypoints.exit_code == 0 and len(load_split(tmp_path / "k", "val")["annotations"]) == 2
    captions = _import(str(root / "annotations" / "captions_val2017.json"), "--out", str(tmp_path / "c"))
    assert captions.exit_code == 2 and "COCO file without a 'categories' list" in captions.output


def test_plain_train_and_val_picture_folders(tmp_path: Path) -> None:
    root = make_coco_root(tmp_path / "coco", folders={"train": "train", "val": "val"})
    result = _import(str(root), "--out", str(tmp_path / "ds"))
    assert result.exit_code == 0, result.output
    assert len(_names(tmp_path / "ds", "train")) == 3 and len(_names(tmp_path / "ds", "val")) == 2


def test_file_name_with_its_own_sub_folders(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    write_image(root / "val2017" / "a.jpg")
    write_image(root / "val2017" / "part" / "b.jpg")
    coco = _instances(["val2017/a.jpg", "part/b.jpg"], 1)
    write_json(root / "annotations" / "instances_val2017.json", coco)
    result = _import(str(root), "--out", str(tmp_path / "ds"))
    assert result.exit_code == 0, result.output
    assert _names(tmp_path / "ds", "val") == ["a.jpg", "b.jpg"]


def test_several_images_options_are_searched_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_image(first / "a.jpg", (64, 48))
    write_image(second / "a.jpg", (32, 24))  # the same name: the first --images folder wins
    write_image(second / "b.jpg", (64, 48))
    source = write_json(tmp_path / "labels" / "instances.json", _instances(["a.jpg", "b.jpg"], 1))
    out = tmp_path / "ds"
    args = [str(source), "--images", str(first), "--images", str(second), "--out", str(out), "--val-fraction", "0"]
    result = _import(*args)
    assert result.exit_code == 0, result.output
    images = {im["file_name"]: (im["width"], im["height"]) for im in load_split(out, "train")["images"]}
    assert images == {"a.jpg": (64, 48), "b.jpg": (64, 48)}
    report = json.loads((out / "import-report.json").read_text())
    assert report["size_mismatches"] == []


def test_pictures_are_not_looked_for_above_a_folder_that_is_not_annotations(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    write_image(root / "val2017" / "a.jpg")  # beside labels/, which is no COCO annotations/ folder
    write_image(root / "labels" / "val2017" / "b.jpg")
    source = write_json(root / "labels" / "instances_val2017.json", _instances(["a.jpg", "b.jpg"], 1))
    out = tmp_path / "ds"
    result = _import(str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _names(out, "val") == ["b.jpg"]
    skipped = json.loads((out / "import-report.json").read_text())["skipped_summary"]
    assert [(row["reason"], row["count"]) for row in skipped] == [("missing image file", 1)]


def test_a_link_in_a_split_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "secret.jpg")
    root = tmp_path / "coco"
    write_image(root / "val2017" / "a.jpg")
    (root / "val2017" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    write_json(root / "annotations" / "instances_val2017.json", _instances(["a.jpg", "link.jpg"], 1))
    out = tmp_path / "ds"
    result = _import(str(root), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _names(out, "val") == ["a.jpg"]
    assert "leads outside" in (out / "import-report.json").read_text()
