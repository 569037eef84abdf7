"""annotate-import image handling: EXIF, sizes, lying extensions, odd names, unsafe paths, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_import import balloon_regions, via_entry, write_coco, write_image, write_json, write_via_export
from test_import_via import imported, reasons

from splashseg.cli import main
from splashseg.data.coco import load_split
from splashseg.data.importers.locate import read_header


def test_exif_rotation_counted_and_size_from_header(tmp_path: Path) -> None:
    write_image(tmp_path / "rot.jpg", (64, 48), exif_orientation=6)  # stored 64x48, shown 48x64
    source = write_via_export(tmp_path, {"rot.jpg": balloon_regions(), "flat.jpg": balloon_regions()})
    result = imported([source], tmp_path, val_fraction=0)
    sizes = {im["file_name"]: (im["width"], im["height"]) for im in result["train"]["images"]}
    assert sizes == {"rot.jpg": (48, 64), "flat.jpg": (64, 48)}
    assert result["report"]["rotated_images"] == 1


def test_claimed_size_mismatch_reported(tmp_path: Path) -> None:
    images = [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}]
    write_image(tmp_path / "a.jpg", (64, 48))
    source = write_coco(tmp_path, images, [], [{"id": 1, "name": "x"}])
    result = imported([source], tmp_path, val_fraction=0)
    assert result["train"]["images"][0]["width"] == 64
    assert any("100x80" in m and "64x48" in m for m in result["report"]["size_mismatches"])
    via = write_json(tmp_path / "v" / "via.json", dict([via_entry(tmp_path, "a.jpg", [], size=12345)]))
    write_image(tmp_path / "v" / "a.jpg")
    assert any("12345 bytes" in m for m in imported([via], tmp_path)["report"]["size_mismatches"])


def test_png_named_jpg_and_non_ascii_names(tmp_path: Path) -> None:
    write_image(tmp_path / "lying.jpg", (32, 40), fmt="PNG")
    write_image(tmp_path / "ballon rouge é 気球.jpg", (40, 32))
    source = write_via_export(
        tmp_path, {"lying.jpg": balloon_regions(), "ballon rouge é 気球.jpg": balloon_regions()}
    )
    out = tmp_path / "ds"
    result = CliRunner().invoke(
        main, ["annotate-import", str(source), "--out", str(out), "--val-fraction", "0"]
    )
    assert result.exit_code == 0, result.output
    images = {im["file_name"]: (im["width"], im["height"]) for im in load_split(out, "train")["images"]}
    assert images == {"lying.jpg": (32, 40), "ballon rouge é 気球.jpg": (40, 32)}
    assert (out / "images" / "ballon rouge é 気球.jpg").is_file()
    assert read_header(out / "images" / "lying.jpg").format == "PNG"


@pytest.mark.parametrize(
    "name",
    [
        "../secret.jpg",
        "sub/../../secret.jpg",
        "..\\secret.jpg",
        "/etc/secret.jpg",
        "C:\\secret.jpg",
        "http://example.com/a.jpg",
    ],
)
def test_unsafe_paths_skipped_and_never_read(tmp_path: Path, name: str) -> None:
    write_image(tmp_path / "secret.jpg")  # exists outside the annotation folder: must not be used
    folder = tmp_path / "ann"
    write_image(folder / "ok.jpg")
    data = dict(
        [via_entry(folder, "ok.jpg", balloon_regions()), via_entry(folder, name, balloon_regions(), size=1)]
    )
    result = imported([write_json(folder / "via.json", data)], tmp_path, val_fraction=0)
    assert [im["file_name"] for im in result["train"]["images"]] == ["ok.jpg"]
    skipped = [row for row in result["report"]["skipped_summary"] if row["kind"] == "image"]
    assert len(skipped) == 1 and ("never read" in skipped[0]["reason"] or "URL" in skipped[0]["reason"])


def test_symlink_leading_outside_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "secret.jpg")
    folder = tmp_path / "ann"
    folder.mkdir()
    (folder / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    write_image(folder / "ok.jpg")
    source = write_via_export(
        folder, {"ok.jpg": balloon_regions(), "link.jpg": balloon_regions()}, make_images=False
    )
    result = imported([source], tmp_path, val_fraction=0)
    assert [im["file_name"] for im in result["train"]["images"]] == ["ok.jpg"]


def test_missing_truncated_and_unreadable_images(tmp_path: Path) -> None:
    write_image(tmp_path / "good.jpg")
    (tmp_path / "text.jpg").write_text("not an image")
    full = write_image(tmp_path / "cut.png", fmt="PNG").read_bytes()
    (tmp_path / "cut.png").write_bytes(full[: len(full) // 2])
    names = ["good.jpg", "text.jpg", "cut.png", "missing.jpg"]
    source = write_via_export(tmp_path, {n: balloon_regions() for n in names}, make_images=False)
    result = imported([source], tmp_path, val_fraction=0)
    assert [im["file_name"] for im in result["train"]["images"]] == ["good.jpg"]
    found = reasons(result["report"])
    assert found["missing image file"] == 1 and found["not an image file"] == 1


def test_jpeg_cut_short_is_truncated(tmp_path: Path) -> None:
    from fixtures_import import image_bytes

    data = image_bytes((64, 48), fmt="JPEG")
    (tmp_path / "cut.jpg").write_bytes(data[:-40])
    write_image(tmp_path / "good.jpg")
    source = write_via_export(tmp_path, {"cut.jpg": balloon_regions(), "good.jpg": balloon_regions()})
    result = imported([source], tmp_path, val_fraction=0)
    assert [im["file_name"] for im in result["train"]["images"]] == ["good.jpg"]
    assert reasons(result["report"])["truncated image file"] == 1


def test_exit_2_when_nothing_valid_remains(tmp_path: Path) -> None:
    source = write_via_export(tmp_path, {"missing.jpg": balloon_regions()}, make_images=False)
    out = tmp_path / "ds"
    result = CliRunner().invoke(main, ["annotate-import", str(source), "--out", str(out)])
    assert result.exit_code == 2
    assert "missing image file" in result.output and "Traceback" not in result.output
    assert not (out / "annotations").exists()


def test_images_option_and_unrelated_json(tmp_path: Path) -> None:
    pictures = tmp_path / "pictures"
    write_image(pictures / "a.jpg")
    folder = tmp_path / "ann"
    write_via_export(folder, {"a.jpg": balloon_regions()}, make_images=False)
    write_json(folder / "settings.json", {"theme": "dark"})
    out = tmp_path / "ds"
    result = CliRunner().invoke(
        main,
        ["annotate-import", str(folder), "--images", str(pictures), "--out", str(out), "--val-fraction", "0"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "import-report.json").read_text())
    assert any("settings.json" in note for note in report["notes"])
    assert load_split(out, "train")["images"][0]["file_name"] == "a.jpg"


@pytest.mark.parametrize("flags", [[], ["-q"], ["--json"]])
def test_a_split_file_that_cannot_be_parsed_is_an_error_not_a_skipped_split(tmp_path: Path, flags: list[str]) -> None:
    source = tmp_path / "src"
    write_via_export(source / "train", {"a.jpg": balloon_regions()})
    broken = write_via_export(source / "val", {"b.jpg": balloon_regions()})
    broken.write_text(broken.read_text()[:-20])  # truncated JSON
    out = tmp_path / "ds"
    result = CliRunner().invoke(main, ["annotate-import", str(source), "--out", str(out), *flags])
    assert result.exit_code == 2, result.output
    assert f"{broken}: not valid JSON" in result.output and "Traceback" not in result.output
    assert not (out / "annotations").exists()


def test_a_recognised_file_malformed_as_its_format_is_an_error_in_a_folder(tmp_path: Path) -> None:
    source = tmp_path / "src"
    write_via_export(source, {"a.jpg": balloon_regions()})
    write_json(source / "project.json", {"_via_settings": {}, "_via_img_metadata": []})
    result = CliRunner().invoke(main, ["annotate-import", str(source), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 2 and "project.json: VIA image metadata is not an object" in result.output


def test_format_option_leaves_other_formats_in_a_folder_out_with_a_note(tmp_path: Path) -> None:
    source = tmp_path / "src"
    write_via_export(source, {"a.jpg": balloon_regions()})
    images = [{"id": 1, "file_name": "b.jpg", "width": 64, "height": 48}]
    annotations = [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[2, 2, 20, 2, 20, 20]]}]
    write_coco(source, images, annotations, [{"id": 1, "name": "kite"}])
    out = tmp_path / "ds"
    result = CliRunner().invoke(
        main, ["annotate-import", str(source), "--format", "coco", "--out", str(out), "--val-fraction", "0"]
    )
    assert result.exit_code == 0, result.output
    assert [im["file_name"] for im in load_split(out, "train")["images"]] == ["b.jpg"]
    notes = json.loads((out / "import-report.json").read_text())["notes"]
    assert any("via_region_data.json: a via-export file, not --format coco" in note for note in notes)


def test_explicit_non_annotation_file_is_an_error(tmp_path: Path) -> None:
    source = write_json(tmp_path / "x.json", {"theme": "dark"})
    result = CliRunner().invoke(main, ["annotate-import", str(source), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 2 and "not a VIA, COCO or LabelMe" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    result = CliRunner().invoke(main, ["annotate-import", str(bad), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_help_has_example() -> None:
    for command in ("annotate-import", "inspect"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert (
            result.exit_code == 0 and "Example:" in result.output and f"splashseg {command}" in result.output
        )
