"""``--force`` on a folder replaces it as a whole, and only when everything in it is splashseg's own.

The stamp (``.splashseg``) lists the files splashseg wrote; a forced run refuses (exit 2, naming them) a
folder holding anything else, and when it succeeds nothing of the earlier run it did not rewrite is left.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL, refused
from fixtures_import import via_polygon, write_image, write_via_project

from splashseg.cli import main
from splashseg.fsutil import LOCK, STAMP


def run(*args: object) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def listed(folder: Path) -> set[str]:
    return set(json.loads((folder / STAMP).read_text())["files"])


@pytest.fixture
def via_project(tmp_path: Path) -> Path:
    regions = [via_polygon([5, 40, 40, 5], [5, 5, 40, 40], name="balloon")]
    return write_via_project(tmp_path / "src", {f"{n}.jpg": regions for n in "abcde"})


@pytest.mark.parametrize("older", [False, True], ids=["stamped", "before-0.3"])
def test_forced_import_refuses_a_dataset_holding_a_user_file(via_project: Path, tmp_path: Path, older: bool):
    dataset = tmp_path / "ds"
    assert run("annotate-import", via_project, "--out", dataset).exit_code == 0
    assert listed(dataset) == files(dataset) - {STAMP}  # the stamp lists every file the import wrote
    if older:  # a dataset from 0.2: no stamp; its annotation files tell what the import wrote
        (dataset / STAMP).unlink()
    write_image(dataset / "images" / "mine.jpg", color=(9, 9, 9))
    before = {p: (dataset / p).read_bytes() for p in files(dataset)}
    refused(run("annotate-import", via_project, "--out", dataset, "--force"),
            "holds files splashseg did not write", "images/mine.jpg")
    assert {p: (dataset / p).read_bytes() for p in files(dataset)} == before
    assert not (dataset / LOCK).exists()


@pytest.mark.parametrize("older", [False, True], ids=["stamped", "before-0.3"])
def test_forced_import_leaves_no_stale_inspect_folder_nor_images(via_project: Path, tmp_path: Path, older: bool):
    dataset = tmp_path / "ds"
    assert run("annotate-import", via_project, "--out", dataset).exit_code == 0
    assert run("inspect", dataset, "--count", "2", "-q").exit_code == 0
    assert len(files(dataset / "inspect")) == 2
    if older:
        (dataset / STAMP).unlink()
    regions = [via_polygon([5, 40, 40, 5], [5, 5, 40, 40], name="balloon")]
    smaller = write_via_project(tmp_path / "src2", {"z.jpg": regions, "y.jpg": regions})
    result = run("annotate-import", smaller, "--out", dataset, "--force")
    assert result.exit_code == 0, result.output
    assert not (dataset / "inspect").exists()
    assert sorted(p.name for p in (dataset / "images").iterdir()) == ["y.jpg", "z.jpg"]
    assert listed(dataset) == files(dataset) - {STAMP}


def test_forced_detect_leaves_no_masks_of_the_previous_run(image_dir: Path, tmp_path: Path):
    out = tmp_path / "det"
    assert run("detect", image_dir, *SMALL, "--conf", "0", "--save-masks", "--out", out).exit_code == 0
    assert (out / "masks").is_dir() and listed(out) == files(out) - {STAMP}
    result = run("detect", image_dir / "a.jpg", *SMALL, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert files(out) == {STAMP, "a.jpg", "detections.json"}
    assert listed(out) == {"a.jpg", "detections.json"}


@pytest.mark.parametrize("command", ["detect", "splash"])
def test_forced_pictures_refuse_a_folder_holding_a_user_file(image_dir: Path, tmp_path: Path, command: str):
    out = tmp_path / "out"
    assert run(command, image_dir, *SMALL, "--out", out).exit_code == 0
    (out / "notes.txt").write_text("mine")
    refused(run(command, image_dir, *SMALL, "--out", out, "--force"), "notes.txt", "did not write")
    assert (out / "notes.txt").read_text() == "mine"
    assert run(command, image_dir / "gray.png", *SMALL, "--out", out / "sub").exit_code == 0  # a new folder is fine


def test_without_force_earlier_files_stay_listed(image_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run("splash", image_dir / "a.jpg", *SMALL, "--out", out).exit_code == 0
    assert run("splash", image_dir / "gray.png", *SMALL, "--out", out).exit_code == 0
    assert listed(out) == {"a.jpg", "gray.png"}
    assert run("splash", image_dir / "gray.png", *SMALL, "--out", out, "--force").exit_code == 0
    assert files(out) == {STAMP, "gray.png"}  # replaced as a whole
