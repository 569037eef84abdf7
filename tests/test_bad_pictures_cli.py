"""detect and splash with bad pictures among good ones: each bad one is skipped with a warning naming it,
the good ones are written, and the command exits 2 at the end (never 1, never stopping early)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_pictures import png_bomb
from click.testing import CliRunner
from conftest import SMALL
from PIL import Image

from splashseg.cli import main


def run(*args: object) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _thin(path: Path) -> Path:
    Image.new("RGB", (2000, 1), (200, 10, 10)).save(path)  # at --max-size 96 its height would be 0 px
    return path


BAD: list[tuple[str, Callable[[Path], object], str]] = [
    ("bomb.png", png_bomb, "image too large"),
    ("empty.jpg", lambda p: p.write_bytes(b""), "not an image file"),
    ("notes.jpg", lambda p: p.write_text("a text file named .jpg"), "not an image file"),
    ("line.png", _thin, "too thin for the model (2000 x 1 pixels"),
]


@pytest.mark.parametrize("command", ["detect", "splash"])
@pytest.mark.parametrize(("name", "write", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_picture_among_good_ones_is_skipped(command: str, name: str, write, message: str, image_dir: Path,
                                                tmp_path: Path):
    bad = tmp_path / name
    write(bad)
    out = tmp_path / "out"
    result = run(command, image_dir / "a.jpg", bad, image_dir / "gray.png", *SMALL, "--conf", "0", "--out", out,
                 "--json")
    assert result.exit_code == 2, result.output
    assert f"warning: {bad}: {message}" in result.stderr
    assert f"error: 1 of 3 inputs skipped: {bad}: {message}" in result.stderr
    assert "unexpected" not in result.output and "Traceback" not in result.output
    assert (out / "a.jpg").exists() and (out / "gray.png").exists()  # the picture after the bad one too
    summary = json.loads(result.stdout)
    assert summary["failed"] == [str(bad)] and len(summary["images"]) == 2
    if command == "detect":
        files = {entry["file_name"] for entry in json.loads((out / "detections.json").read_text())}
        assert str(bad) not in files


def test_bomb_as_background_names_the_option_and_file(image_dir: Path, tmp_path: Path):
    bomb = png_bomb(tmp_path / "back.png")
    result = run("splash", image_dir / "a.jpg", *SMALL, "--effect", "image", "--background", bomb,
                 "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"error: --background {bomb}: image too large" in result.output
    assert not (tmp_path / "out").exists()


def test_one_pixel_pictures_work(image_dir: Path, tmp_path: Path):
    Image.new("RGB", (1, 1), (200, 10, 10)).save(tmp_path / "dot.png")
    result = run("splash", tmp_path / "dot.png", *SMALL, "--conf", "1.0", "--effect", "image", "--background",
                 tmp_path / "dot.png", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "out" / "dot.png").size == (1, 1)
    result = run("detect", tmp_path / "dot.png", *SMALL, "--out", tmp_path / "det")
    assert result.exit_code == 0, result.output


def test_background_of_the_same_size_as_the_pictures(image_dir: Path, tmp_path: Path):
    """The backdrop is written into: it must be a copy, not the (read-only, shared) --background picture."""
    from samples import scene

    Image.fromarray(scene(48, 64, seed=7)).save(tmp_path / "back.png")  # a.jpg and gray.png are 64 x 48 too
    before = (tmp_path / "back.png").read_bytes()
    result = run("splash", image_dir / "a.jpg", image_dir / "gray.png", *SMALL, "--conf", "0", "--effect", "image",
                 "--background", tmp_path / "back.png", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "back.png").read_bytes() == before and (tmp_path / "out" / "gray.png").exists()


XPM = """/* XPM */
static char *dots[] = {
"4 2 2 1",
"a c #FF0000",
"b c #0000FF",
"abab",
"baba"
};
"""


@pytest.mark.parametrize("command", ["detect", "splash"])
def test_picture_in_a_format_pillow_reads_but_cannot_write(command: str, image_dir: Path, tmp_path: Path):
    """An XPM (or PSD) input: Pillow cannot write RGB as XPM, so its output is a PNG named x.png."""
    (tmp_path / "dots.xpm").write_text(XPM)
    result = run(command, tmp_path / "dots.xpm", image_dir / "a.jpg", *SMALL, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "out" / "dots.png") as written:
        assert (written.format, written.size) == ("PNG", (4, 2))
    assert (tmp_path / "out" / "a.jpg").exists()


def test_mask_file_names_survive_odd_class_names(tmp_path: Path, image_dir: Path):
    from splashseg.models import load_model, save_checkpoint

    names = ["__background__", "../up/and:out*?", "ü" * 300, "traffic light"]  # 600 bytes: too long a file name
    loaded = load_model("maskrcnn_small", "none", class_names=names, min_size=64, max_size=96)
    save_checkpoint(tmp_path / "odd.pt", loaded.model.state_dict(), loaded.meta)
    out = tmp_path / "out"
    result = run("detect", image_dir / "a.jpg", "--weights", tmp_path / "odd.pt", "--conf", "0", "--save-masks",
                 "--out", out, "--json", "-q")
    assert result.exit_code == 0, result.output
    masks = sorted((out / "masks").iterdir())
    assert masks and all(p.parent == out / "masks" and len(p.name) < 80 for p in masks)

    from splashseg.apps.detect import mask_file_name

    assert mask_file_name("a", 7, names[1]) == "a_007_..-up-and_out__.png"
    assert mask_file_name("a", 7, names[3]) == "a_007_traffic_light.png"


def test_bomb_as_background_of_a_video(tmp_path: Path):
    from video_samples import write_video

    clip = write_video(tmp_path / "clip.mp4", size=(64, 48), frames=2)
    bomb = png_bomb(tmp_path / "back.png")
    result = run("video", clip, *SMALL, "--effect", "image", "--background", bomb, "--out", tmp_path / "out.mp4")
    assert result.exit_code == 2, result.output
    assert f"error: --background {bomb}: image too large" in result.output
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("command", ["detect", "splash"])
def test_when_every_picture_is_bad_nothing_claims_to_be_written(command: str, tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.jpg").write_bytes(b"")
    (tmp_path / "in" / "notes.png").write_text("a text file named .png")
    out = tmp_path / "out"
    result = run(command, tmp_path / "in", *SMALL, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"no picture written to {out}: every input was skipped" in result.output
    assert "written to" not in result.output.replace("no picture written to", "") and "0 images" not in result.output
    assert "error: 2 of 2 inputs skipped: " in result.stderr
    as_json = run(command, tmp_path / "in", *SMALL, "--out", tmp_path / "out2", "--json")
    summary = json.loads(as_json.stdout)
    assert as_json.exit_code == 2 and summary["images"] == [] and len(summary["failed"]) == 2
