"""annotate-import SOURCE...: split folders given as sources keep their split, a file reached twice is
imported once, identical regions are never doubled, and a ``--class-key`` no region has is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_import import (
    balloon_regions,
    second_balloon,
    via_polygon,
    write_coco,
    write_via_export,
    write_via_project,
)

from splashseg.cli import main
from splashseg.data.coco import load_split

TRAIN = ["t1.jpg", "t2.jpg", "t3.jpg", "t4.jpg", "t5.jpg", "t6.jpg"]
VAL = ["v1.jpg", "v2.jpg"]


@pytest.fixture
def balloon(tmp_path: Path) -> Path:
    """The Matterport balloon layout: ``train/`` and ``val/``, each with its own VIA 2.x export."""
    root = tmp_path / "balloon"
    write_via_export(root / "train", {name: balloon_regions() + second_balloon() for name in TRAIN})
    write_via_export(root / "val", {name: balloon_regions() for name in VAL})
    return root


def run_import(tmp_path: Path, *sources: Path | str, extra: tuple[str, ...] = ()) -> tuple[object, Path]:
    out = tmp_path / "ds"
    result = CliRunner().invoke(main, ["annotate-import", *map(str, sources), "--out", str(out), *extra])
    return result, out


def split_files(out: Path) -> dict[str, list[str]]:
    """File names in each split written under ``out``."""
    return {split: sorted(im["file_name"] for im in load_split(out, split)["images"]) for split in ("train", "val")}


def instances(out: Path) -> dict[str, int]:
    return {split: len(load_split(out, split)["annotations"]) for split in ("train", "val")}


@pytest.mark.parametrize("sources", [
    ["train", "val"],
    ["val", "train"],
    ["train", "."],
    [".", "val"],
    ["train/via_region_data.json", "val"],
], ids=["train-val", "val-train", "train-parent", "parent-val", "file-folder"])
def test_split_folders_as_sources_keep_their_split(balloon: Path, tmp_path: Path, sources: list[str]):
    """``balloon/train balloon/val`` is the same dataset as ``balloon``: no re-split, nothing twice."""
    result, out = run_import(tmp_path, *(balloon / source for source in sources))
    assert result.exit_code == 0, result.output
    assert split_files(out) == {"train": TRAIN, "val": VAL}
    assert instances(out) == {"train": 12, "val": 2}


def test_a_val_folder_alone_is_the_val_split(balloon: Path, tmp_path: Path):
    result, out = run_import(tmp_path, balloon / "val")
    assert result.exit_code == 0, result.output
    assert split_files(out) == {"train": [], "val": VAL}


def test_split_folder_named_by_dot(balloon: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``cd balloon/val && annotate-import .``: the folder's real name decides."""
    monkeypatch.chdir(balloon / "val")
    result, out = run_import(tmp_path, ".")
    assert result.exit_code == 0, result.output
    assert split_files(out) == {"train": [], "val": VAL}


def test_roboflow_style_split_folders(tmp_path: Path):
    """COCO files named alike in ``train/`` and ``valid/`` (Roboflow's export): the folder names decide."""
    square = [[4.0, 4.0, 20.0, 4.0, 20.0, 20.0, 4.0, 20.0]]
    for split, names in (("train", ["a.jpg", "b.jpg", "c.jpg"]), ("valid", ["d.jpg"])):
        images = [{"id": i, "file_name": n, "width": 64, "height": 48} for i, n in enumerate(names, 1)]
        annotations = [{"id": i, "image_id": i, "category_id": 1, "segmentation": square} for i in range(1, 4)]
        write_coco(tmp_path / "rf" / split, images, annotations[: len(names)], [{"id": 1, "name": "x"}],
                   name="_annotations.coco.json")
    result, out = run_import(tmp_path, tmp_path / "rf" / "valid", tmp_path / "rf" / "train")
    assert result.exit_code == 0, result.output
    assert split_files(out) == {"train": ["a.jpg", "b.jpg", "c.jpg"], "val": ["d.jpg"]}


@pytest.mark.parametrize("twice", ["folder", "file", "link", "dot-dot"])
def test_one_source_reached_twice_is_imported_once(balloon: Path, tmp_path: Path, twice: str):
    export = balloon / "train" / "via_region_data.json"
    if twice == "link":
        (tmp_path / "link.json").symlink_to(export)
    second = {"folder": balloon, "file": export, "link": tmp_path / "link.json",
              "dot-dot": balloon / "val" / ".." / "train"}[twice]
    result, out = run_import(tmp_path, balloon, second)
    assert result.exit_code == 0, result.output
    assert instances(out) == {"train": 12, "val": 2}
    assert split_files(out) == {"train": TRAIN, "val": VAL}
    assert "given twice: imported once" in result.output
    notes = json.loads((out / "import-report.json").read_text())["notes"]
    assert any("given twice: imported once" in note for note in notes)


def test_identical_regions_from_two_files_are_imported_once(tmp_path: Path):
    """A VIA export and a VIA project of the same pictures in one folder: each balloon once."""
    folder = tmp_path / "src"
    regions = {"a.jpg": balloon_regions() + second_balloon(), "b.jpg": balloon_regions()}
    write_via_export(folder, regions)
    write_via_project(folder, regions)
    result, out = run_import(tmp_path, folder, extra=("--val-fraction", "0"))
    assert result.exit_code == 0, result.output
    assert instances(out) == {"train": 3, "val": 0}
    assert "3 regions repeat another region of their image (same class and shape): imported once" in result.output


def test_same_shape_with_another_class_is_kept(tmp_path: Path):
    square = via_polygon([10, 30, 30, 10], [10, 10, 30, 30], name="balloon")
    other = via_polygon([10, 30, 30, 10], [10, 10, 30, 30], name="kite")
    source = write_via_export(tmp_path / "src", {"a.jpg": [square, other, square]})
    result, out = run_import(tmp_path, source, extra=("--val-fraction", "0"))
    assert result.exit_code == 0, result.output
    assert instances(out) == {"train": 2, "val": 0}


@pytest.fixture
def typed(tmp_path: Path) -> Path:
    """Regions whose attributes are ``name`` (3 regions) and ``Type`` (1 region)."""
    regions = [via_polygon([5, 20, 20], [5, 5, 20], name="balloon"),
               via_polygon([25, 40, 40], [5, 5, 20], name="balloon", Type="round"),
               via_polygon([5, 20, 20], [25, 25, 40], name="kite")]
    return write_via_export(tmp_path / "src", {"a.jpg": regions})


@pytest.mark.parametrize("key", ["nosuch", "Name"])
def test_a_class_key_no_region_has_is_refused(typed: Path, tmp_path: Path, key: str):
    result, out = run_import(tmp_path, typed, extra=("--class-key", key))
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (f"error: --class-key {key!r}: no region has this attribute (their "
                                     "attributes are: name (3 regions), Type (1 region))")
    assert not out.exists()


def test_an_empty_class_key_is_refused_as_every_empty_value_is(typed: Path, tmp_path: Path):
    result, out = run_import(tmp_path, typed, extra=("--class-key", ""))
    assert result.exit_code == 2, result.output
    assert "empty value for --class-key" in result.output and not out.exists()


def test_a_class_key_some_regions_have_is_used(typed: Path, tmp_path: Path):
    result, out = run_import(tmp_path, typed, extra=("--class-key", "Type", "--val-fraction", "0"))
    assert result.exit_code == 0, result.output
    assert [c["name"] for c in load_split(out, "train")["categories"]] == ["object", "round"]


def test_a_class_key_on_coco_is_refused(tmp_path: Path):
    images = [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}]
    annotations = [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[4, 4, 20, 4, 20, 20]]}]
    source = write_coco(tmp_path / "src", images, annotations, [{"id": 1, "name": "x"}])
    result, _ = run_import(tmp_path, source, extra=("--class-key", "name"))
    assert result.exit_code == 2
    assert "--class-key 'name': no region has this attribute (no region has attributes" in result.output
