"""inspect: statistics of a canonical dataset and sample pictures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fixtures_import import via_polygon, via_region, write_image, write_via_export
from PIL import Image

from splashseg.cli import main
from splashseg.data.coco import annotation_mask
from splashseg.data.inspect import render_sample, size_bucket, split_statistics


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """An imported dataset: train with small and large instances plus a negative; val with one."""
    src = tmp_path / "src"
    write_image(src / "train" / "big.jpg", (128, 112), color=(240, 240, 240))
    big = [
        via_region({"name": "rect", "x": 0, "y": 0, "width": 100, "height": 100}, label="balloon"),
        via_region({"name": "rect", "x": 101, "y": 0, "width": 20, "height": 20}, label="kite"),
    ]
    write_via_export(
        src / "train",
        {
            "big.jpg": big,
            "small.jpg": [via_polygon([2, 20, 20], [2, 2, 20], label="balloon")],
            "empty.jpg": [],
        },
    )
    write_via_export(src / "val", {"v.jpg": [via_polygon([2, 40, 40, 2], [2, 2, 40, 40], label="kite")]})
    out = tmp_path / "ds"
    result = CliRunner().invoke(main, ["annotate-import", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_size_buckets_follow_coco() -> None:
    assert [size_bucket(a) for a in (0, 32**2 - 1, 32**2, 96**2 - 1, 96**2)] == [
        "small",
        "small",
        "medium",
        "medium",
        "large",
    ]


def test_statistics(dataset: Path) -> None:
    coco = json.loads((dataset / "annotations" / "train.json").read_text())
    stats = split_statistics(coco)
    assert stats["images"] == 3 and stats["instances"] == 3 and stats["images_without_objects"] == 1
    assert stats["instances_per_class"] == {"balloon": 2, "kite": 1}
    assert stats["sizes"] == {"large": 1, "small": 2}
    assert stats["instances_per_image"]["max"] == 2 and stats["instances_per_image"]["histogram"] == {
        "0": 1,
        "1": 1,
        "2": 1,
    }


def test_inspect_cli_writes_pictures_and_json(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "pics"
    result = CliRunner().invoke(main, ["inspect", str(dataset), "--out", str(out), "--count", "3", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["statistics"]["all"]["instances"] == 4
    assert summary["statistics"]["val"]["instances_per_class"] == {"balloon": 0, "kite": 1}
    pictures = sorted(out.iterdir())
    assert len(pictures) == 3 and all(p.suffix == ".jpg" for p in pictures)
    with Image.open(pictures[0]) as img:
        assert max(img.size) >= 320  # tiny images are enlarged for legible labels
    again = CliRunner().invoke(main, ["inspect", str(dataset), "--out", str(out), "--count", "3"])
    assert again.exit_code == 2 and "--force" in again.output
    assert (
        CliRunner()
        .invoke(main, ["inspect", str(dataset), "--out", str(out), "--count", "3", "--force"])
        .exit_code
        == 0
    )


def test_inspect_table_and_split_option(dataset: Path) -> None:
    result = CliRunner().invoke(main, ["inspect", str(dataset), "--count", "0", "--split", "val"])
    assert result.exit_code == 0, result.output
    assert "kite" in result.output and "images without objects" in result.output
    assert not (dataset / "inspect").exists()
    missing = CliRunner().invoke(main, ["inspect", str(dataset), "--split", "test"])
    assert missing.exit_code == 2 and "test" in missing.output


def test_render_sample_draws_masks_boxes_and_labels(dataset: Path) -> None:
    coco = json.loads((dataset / "annotations" / "train.json").read_text())
    image = next(im for im in coco["images"] if im["file_name"] == "big.jpg")
    annotations = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
    rgb = np.full((112, 128, 3), 240, np.uint8)
    drawn = render_sample(rgb, annotations, {1: "balloon", 2: "kite"})
    assert drawn.shape == (336, 384, 3) and drawn.dtype == np.uint8  # enlarged x3
    inside = annotation_mask(annotations[0], 112, 128)
    assert (drawn[150, 150] != 240).any()  # tinted inside the first mask (pixel 50, 50 at x3)
    assert inside[50, 50]
    assert (drawn[330, 380] == 240).all()  # untouched outside every object
    first, second = drawn[150, 150], drawn[20 * 3, 110 * 3]
    assert not np.array_equal(first, second)  # distinct colours per instance


def test_inspect_refuses_a_folder_that_is_no_dataset(tmp_path: Path) -> None:
    pictures = tmp_path / "pictures"
    write_image(pictures / "a.jpg")
    write_image(pictures / "b.jpg")
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (pictures, empty):
        result = CliRunner().invoke(main, ["inspect", str(folder), "--json"])
        assert result.exit_code == 2, result.output
        assert f"not a dataset: {folder} (no annotations/*.json; make one with splashseg annotate-import)" in (
            result.output
        )
        assert result.stdout == "" and not (folder / "inspect").exists()
    (empty / "annotations").mkdir()
    (empty / "annotations" / "mine.json").write_text("{}")
    result = CliRunner().invoke(main, ["inspect", str(empty)])
    assert result.exit_code == 2 and "no train.json, val.json, test.json (found mine.json)" in result.output
