"""annotate-import on VIA 1.x/2.x exports and VIA 2.x project files: shapes, geometry, classes, splits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fixtures_import import (
    balloon_regions,
    second_balloon,
    via_polygon,
    via_region,
    write_image,
    write_via_export,
    write_via_project,
)

from splashseg.cli import main
from splashseg.data.coco import annotation_mask, load_split
from splashseg.data.importers import ImportConfig, build_dataset
from splashseg.errors import InputError


def run_import(*args: str) -> object:
    return CliRunner().invoke(main, ["annotate-import", *args])


def imported(sources: list[Path], tmp_path: Path, **options: object) -> dict:
    """build_dataset in memory; returns {split: coco} plus the report under "report"."""
    dataset = build_dataset(ImportConfig(sources=sources, out=tmp_path / "ds", **options))
    return {**dataset.splits, "report": dataset.report.to_dict()}


def all_annotations(result: dict) -> list[dict]:
    return [a for split in ("train", "val", "test") if split in result for a in result[split]["annotations"]]


def reasons(report: dict) -> dict[str, int]:
    return {row["reason"]: row["count"] for row in report["skipped_summary"]}


@pytest.fixture
def balloon(tmp_path: Path) -> Path:
    """Matterport balloon layout: train/ and val/ each with via_region_data.json (VIA 2.x export)."""
    root = tmp_path / "balloon"
    write_via_export(
        root / "train", {"a.jpg": balloon_regions(), "b.jpg": balloon_regions() + second_balloon(), "neg.jpg": []}
    )
    write_via_export(root / "val", {"c.jpg": balloon_regions()})
    return root


def test_balloon_folder_keeps_split_and_writes_dataset(balloon: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = run_import(str(balloon), "--out", str(out))
    assert result.exit_code == 0, result.output
    train, val = load_split(out, "train"), load_split(out, "val")
    assert [c["name"] for c in train["categories"]] == ["balloon"]
    assert len(train["images"]) == 3 and len(train["annotations"]) == 3
    assert len(val["images"]) == 1 and len(val["annotations"]) == 1
    assert not (out / "annotations" / "test.json").exists()
    assert sorted(p.name for p in (out / "images").iterdir()) == ["a.jpg", "b.jpg", "c.jpg", "neg.jpg"]
    report = json.loads((out / "import-report.json").read_text())
    assert report["counts"]["train"]["negatives"] == 1
    assert report["class_key"] == "name"
    assert "imported" in result.output and "balloon" in result.output
    annotation = train["annotations"][0]
    assert isinstance(annotation["segmentation"], list) and len(annotation["segmentation"][0]) == 8
    assert annotation["bbox"] == [10.0, 10.0, 20.0, 20.0] and annotation["area"] == 400.0
    assert annotation["iscrowd"] == 0


def test_rerun_needs_force(balloon: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    assert run_import(str(balloon), "--out", str(out)).exit_code == 0
    again = run_import(str(balloon), "--out", str(out))
    assert again.exit_code == 2 and "--force" in again.output
    (out / "images" / "mine.jpg").write_bytes(b"x")  # a file the user added: --force may not delete it
    refused = run_import(str(balloon), "--out", str(out), "--force")
    assert refused.exit_code == 2 and "images/mine.jpg" in refused.output
    assert (out / "images" / "mine.jpg").read_bytes() == b"x"
    (out / "images" / "mine.jpg").unlink()
    forced = run_import(str(balloon), "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert not [p for p in out.iterdir() if p.name.startswith(".import-")]


def test_via1_regions_dict_and_via2_list_give_the_same_dataset(tmp_path: Path) -> None:
    regions = [
        via_polygon([5, 40, 40, 5], [5, 5, 40, 40], name="balloon"),
        via_region({"name": "rect", "x": 2, "y": 3, "width": 10, "height": 7}, name="balloon"),
    ]
    v1 = imported(
        [write_via_export(tmp_path / "v1", {"a.jpg": regions}, as_dict=True)], tmp_path, val_fraction=0
    )
    v2 = imported([write_via_export(tmp_path / "v2", {"a.jpg": regions})], tmp_path, val_fraction=0)
    assert v1["report"]["sources"][str(tmp_path / "v1" / "via_region_data.json")] == "via1-export"
    assert v2["report"]["sources"][str(tmp_path / "v2" / "via_region_data.json")] == "via2-export"
    assert v1["train"]["annotations"] == v2["train"]["annotations"]
    assert len(v1["train"]["annotations"]) == 2


def test_rect_mask_area_is_width_times_height(tmp_path: Path) -> None:
    shape = {"name": "rect", "x": 7, "y": 5, "width": 13, "height": 9}
    result = imported([write_via_export(tmp_path, {"a.jpg": [via_region(shape)]})], tmp_path, val_fraction=0)
    annotation = result["train"]["annotations"][0]
    mask = annotation_mask(annotation, 48, 64)
    assert mask.sum() == 13 * 9 == annotation["area"]
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (7, 19, 5, 13)


def test_circle_and_rotated_ellipse_geometry(tmp_path: Path) -> None:
    circle = {"name": "circle", "cx": 32, "cy": 24, "r": 10}
    ellipse = {"name": "ellipse", "cx": 32, "cy": 24, "rx": 20, "ry": 5, "theta": math.pi / 2}
    result = imported(
        [write_via_export(tmp_path, {"a.jpg": [via_region(circle), via_region(ellipse)]})],
        tmp_path,
        val_fraction=0,
    )
    circle_ann, ellipse_ann = result["train"]["annotations"]
    assert abs(circle_ann["area"] - math.pi * 100) / (math.pi * 100) < 0.05
    assert abs(ellipse_ann["area"] - math.pi * 100) / (math.pi * 100) < 0.08
    mask = annotation_mask(ellipse_ann, 48, 64)
    # rotated a quarter turn: the long axis is vertical (clipped by the image), the short one horizontal
    assert mask[6, 32] and mask[42, 32] and not mask[24, 44] and not mask[24, 20]
    assert ellipse_ann["bbox"][2] <= 10.01 and ellipse_ann["bbox"][3] > 35


def test_vertices_clipped_and_degenerate_shapes_reported(tmp_path: Path) -> None:
    regions = [
        via_polygon([0, 64, 64, 0], [0, 0, 48, 48]),  # exactly the border: x == width
        via_polygon([-10, 100, 100, -10], [-5, -5, 60, 60]),  # past the border
        via_polygon([1, 2, 3], [1, 2, 3]),  # collinear: zero area
        via_polygon([5, 5, 5], [5, 5, 5]),  # one point
        via_polygon([100, 120, 120], [100, 100, 120]),  # outside the image
        via_region({"name": "point", "cx": 3, "cy": 3}),
        via_region({"name": "hexagon", "cx": 3}),
        via_polygon([1, 2], [1, 2, 3]),  # lists of different length
        via_polygon([1, 20, 20], [1, 1, 20], shape="polyline"),  # closed into a triangle
    ]
    result = imported([write_via_export(tmp_path, {"a.jpg": regions})], tmp_path, val_fraction=0)
    areas = [a["area"] for a in result["train"]["annotations"]]
    assert areas[:2] == [64 * 48, 64 * 48] and len(areas) == 3
    for annotation in result["train"]["annotations"]:
        flat = np.array(annotation["segmentation"][0]).reshape(-1, 2)
        assert flat[:, 0].min() >= 0 and flat[:, 0].max() <= 64 and flat[:, 1].max() <= 48
    found = reasons(result["report"])
    assert found["zero area"] == 1 and found["fewer than 3 distinct points"] == 1
    assert found["outside the image"] == 1 and found["point shape (no area)"] == 1
    assert found["unknown shape 'hexagon'"] == 1 and found["polygon x and y lists differ in length"] == 1


def test_project_file_checkbox_and_dropdown_classes(tmp_path: Path) -> None:
    attributes = {
        "type": {"type": "checkbox", "options": {"balloon": "", "kite": ""}, "default_options": {}},
        "note": {"type": "text", "description": ""},
    }
    regions = [
        via_polygon([5, 20, 20], [5, 5, 20], type={"balloon": True, "kite": False}, note="big"),
        via_polygon([30, 50, 50], [5, 5, 20], type={"kite": True}, note=""),
        via_polygon([30, 50, 50], [25, 25, 40], type={"kite": True, "balloon": True}),
    ]
    result = imported([write_via_project(tmp_path, {"a.jpg": regions}, attributes)], tmp_path, val_fraction=0)
    names = {c["id"]: c["name"] for c in result["train"]["categories"]}
    assert [names[a["category_id"]] for a in result["train"]["annotations"]] == ["balloon", "kite"]
    assert result["report"]["class_key"] == "type"
    assert reasons(result["report"])["several class options ticked"] == 1


def test_dropdown_names_stripped_and_case_merged(tmp_path: Path) -> None:
    regions = [
        via_polygon([5, 20, 20], [5, 5, 20], label=" Balloon\n"),
        via_polygon([30, 50, 50], [5, 5, 20], label="balloon"),
        via_polygon([30, 50, 50], [25, 25, 40], label="balloon"),
    ]
    result = imported([write_via_export(tmp_path, {"a.jpg": regions})], tmp_path, val_fraction=0)
    assert [c["name"] for c in result["train"]["categories"]] == ["balloon"]
    assert result["report"]["class_merges"] == {"Balloon": "balloon"}


def test_class_key_choice_and_ambiguity(tmp_path: Path) -> None:
    regions = [via_polygon([5, 20, 20], [5, 5, 20], kind="cat", colour="red")]
    source = write_via_export(tmp_path, {"a.jpg": regions})
    with pytest.raises(InputError, match="--class-key"):
        imported([source], tmp_path)
    result = imported([source], tmp_path, class_key="colour", val_fraction=0)
    assert [c["name"] for c in result["train"]["categories"]] == ["red"]
    cli = run_import(str(source), "--out", str(tmp_path / "x"))
    assert cli.exit_code == 2 and "kind" in cli.output and "colour" in cli.output


def test_default_class_when_no_attributes(tmp_path: Path) -> None:
    source = write_via_export(tmp_path, {"a.jpg": [via_polygon([5, 20, 20], [5, 5, 20])]})
    result = imported([source], tmp_path, default_class="balloon", val_fraction=0)
    assert [c["name"] for c in result["train"]["categories"]] == ["balloon"]


def test_seeded_split_is_reproducible(tmp_path: Path) -> None:
    source = write_via_export(tmp_path, {f"{i}.jpg": balloon_regions() for i in range(10)})
    first = imported([source], tmp_path, val_fraction=0.3, seed=1)
    again = imported([source], tmp_path, val_fraction=0.3, seed=1)
    names = [im["file_name"] for im in first["val"]["images"]]
    assert len(names) == 3 and len(first["train"]["images"]) == 7
    assert names == [im["file_name"] for im in again["val"]["images"]]
    assert {im["file_name"] for im in first["train"]["images"]}.isdisjoint(names)


def test_name_collisions_between_splits_are_renamed(tmp_path: Path) -> None:
    write_via_export(tmp_path / "src" / "train", {"img.jpg": balloon_regions()})
    write_image(tmp_path / "src" / "val" / "img.jpg", color=(1, 2, 3))
    write_via_export(tmp_path / "src" / "val", {"img.jpg": balloon_regions()})
    out = tmp_path / "ds"
    assert run_import(str(tmp_path / "src"), "--out", str(out)).exit_code == 0
    assert load_split(out, "train")["images"][0]["file_name"] == "img.jpg"
    assert load_split(out, "val")["images"][0]["file_name"] == "img-2.jpg"
    assert (out / "images" / "img-2.jpg").read_bytes() == (tmp_path / "src" / "val" / "img.jpg").read_bytes()


def test_every_region_skipped_image_is_not_a_negative(tmp_path: Path) -> None:
    source = write_via_export(
        tmp_path, {"a.jpg": [via_region({"name": "point", "cx": 1, "cy": 1})], "b.jpg": balloon_regions()}
    )
    result = imported([source], tmp_path, val_fraction=0)
    assert [im["file_name"] for im in result["train"]["images"]] == ["b.jpg"]
    assert reasons(result["report"])["every region was skipped (not kept as a negative)"] == 1
