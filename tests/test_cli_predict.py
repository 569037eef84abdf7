"""CliRunner tests of detect, splash and summary with a random-init small model (no downloads)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SMALL
from PIL import Image
from pycocotools import mask as mask_utils

from splashseg.cli import main
from splashseg.images import read_image


def run(*args: str) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_detect_writes_overlays_json_and_masks(image_dir: Path, tmp_path: Path):
    out = tmp_path / "det"
    result = run("detect", image_dir, *SMALL, "--conf", "0", "--save-masks", "--out", out, "--json", "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["instances"] > 0 and len(summary["images"]) == 3
    assert sorted(p.name for p in out.iterdir()) == [".splashseg", "a.jpg", "alpha.png", "detections.json", "gray.png",
                                                     "masks"]
    assert Image.open(out / "a.jpg").format == "JPEG" and Image.open(out / "a.jpg").size == (64, 48)
    results = json.loads((out / "detections.json").read_text())
    assert len(results) == summary["instances"]
    first = results[0]
    assert {"image_id", "file_name", "width", "height", "category_id", "category_name", "bbox", "score",
            "segmentation"} <= set(first)
    decoded = mask_utils.decode({"size": first["segmentation"]["size"],
                                 "counts": first["segmentation"]["counts"].encode()})
    assert decoded.shape == (first["height"], first["width"])
    assert len(list((out / "masks").iterdir())) == summary["instances"]
    for path in (out / "masks").iterdir():  # black/white: one 8-bit channel holding only 0 and 255
        with Image.open(path) as mask_png:
            assert mask_png.mode == "L", path
            assert set(np.unique(np.asarray(mask_png)).tolist()) <= {0, 255}


def test_detect_refuses_to_overwrite_without_force(image_dir: Path, tmp_path: Path):
    out = tmp_path / "det"
    assert run("detect", image_dir / "a.jpg", *SMALL, "--out", out).exit_code == 0
    before = (out / "a.jpg").read_bytes()
    again = run("detect", image_dir / "a.jpg", *SMALL, "--out", out)
    assert again.exit_code == 2 and "already exists; use --force" in again.output
    assert (out / "a.jpg").read_bytes() == before
    assert run("detect", image_dir / "a.jpg", *SMALL, "--out", out, "--force").exit_code == 0


def test_splash_keeps_size_format_and_alpha(image_dir: Path, tmp_path: Path):
    out = tmp_path / "sp"
    result = run("splash", image_dir, *SMALL, "--conf", "1.0", "--out", out)
    assert result.exit_code == 0, result.output
    assert "no objects found" in result.output  # conf 1.0 keeps nothing: everything gray, with a warning
    for name in ("a.jpg", "gray.png", "alpha.png"):
        src, dst = Image.open(image_dir / name), Image.open(out / name)
        assert (dst.format, dst.size) == (src.format, src.size)
    splashed = read_image(out / "alpha.png")
    assert splashed.alpha is not None and int(splashed.alpha[0, 0]) == 200
    rgb = splashed.rgb.astype(int)
    assert np.all(rgb[..., 0] == rgb[..., 1]) and np.all(rgb[..., 1] == rgb[..., 2])


@pytest.mark.parametrize("effect", ["blur", "solid"])
def test_splash_effects(image_dir: Path, tmp_path: Path, effect: str):
    out = tmp_path / effect
    result = run("splash", image_dir / "a.jpg", *SMALL, "--effect", effect, "--color", "0,177,64",
                 "--feather", "2", "--conf", "1.0", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "a.jpg").exists()


def test_splash_effect_image_needs_background(image_dir: Path, tmp_path: Path):
    result = run("splash", image_dir / "a.jpg", *SMALL, "--effect", "image", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "--background" in result.output


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.jpg", "missing.jpg: no such file"),
    (lambda d: (d / "notes.png").write_text("hi") and d / "notes.png", "notes.png: not an image"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "empty: folder holds no images"),
])
def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, make, message):
    target = make(tmp_path)
    result = run("detect", target, *SMALL, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_truncated_jpeg(tmp_path: Path, image_dir: Path):
    data = (image_dir / "a.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    result = run("splash", tmp_path / "cut.jpg", image_dir / "gray.png", *SMALL, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "cut.jpg" in result.output
    assert (tmp_path / "o" / "gray.png").exists()  # the good picture is still written


def test_unknown_class_lists_known(image_dir: Path, tmp_path: Path):
    result = run("splash", image_dir / "a.jpg", *SMALL, "--classes", "persn", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "'persn'" in result.output and "person" in result.output


def test_bad_weights_and_class_mismatch(image_dir: Path, tmp_path: Path, small_checkpoint: Path):
    (tmp_path / "w.pt").write_text("garbage")
    result = run("detect", image_dir / "a.jpg", "--weights", tmp_path / "w.pt", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "w.pt: not a PyTorch checkpoint" in result.output
    result = run("summary", "--weights", small_checkpoint, "--num-classes", "5")
    assert result.exit_code == 2 and "has 3 classes" in result.output and "5 are asked" in result.output


def test_checkpoint_needs_no_other_flag(image_dir: Path, tmp_path: Path, small_checkpoint: Path):
    result = run("detect", image_dir / "a.jpg", "--weights", small_checkpoint, "--conf", "0",
                 "--classes", "balloon", "--out", tmp_path / "o", "--json", "-q")
    assert result.exit_code == 0, result.output
    names = {r["category_name"] for r in json.loads((tmp_path / "o" / "detections.json").read_text())}
    assert names <= {"balloon"}


def test_summary_totals_and_json(small_checkpoint: Path):
    result = run("summary", "--model", "maskrcnn_resnet50_fpn", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total_parameters"] == 44_454_513 == sum(r["parameters"] for r in data["layers"])
    table = run("summary", "--weights", small_checkpoint)
    assert table.exit_code == 0 and "maskrcnn_small (4 classes" in table.output and "total parameters" in table.output


def test_debug_shows_traceback(tmp_path: Path):
    plain = CliRunner().invoke(main, ["detect", str(tmp_path / "none.jpg")])
    assert plain.exit_code == 2 and plain.exception is not None and "Traceback" not in plain.output
    debug = CliRunner().invoke(main, ["--debug", "detect", str(tmp_path / "none.jpg")])
    assert debug.exit_code == 1 and type(debug.exception).__name__ == "InputError"
    late = CliRunner().invoke(main, ["detect", str(tmp_path / "none.jpg"), "--debug"])
    assert type(late.exception).__name__ == "InputError"


def test_splash_video_into_a_folder(tmp_path: Path):
    from video_samples import read_back, write_video

    clip = write_video(tmp_path / "clip.mp4", size=(64, 48), frames=6)
    result = run("splash", "--video", clip, *SMALL, "--conf", "1.0", "--out", tmp_path / "out", "--preset", "ultrafast")
    assert result.exit_code == 0, result.output
    decoded = read_back(tmp_path / "out" / "clip-splash.mp4")
    assert decoded.codec == "h264" and len(decoded.frames) == 6 and decoded.audio
    both = run("splash", clip, "--video", clip, *SMALL)
    assert both.exit_code == 2 and "not both" in both.output
