"""Options that cannot apply are refused with exit 2 naming the option, the same way everywhere
(issue 18.6): video options on pictures, the look of a splash on the overlay, a background no effect uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL
from video_samples import write_video

from splashseg.cli import main


def run(*args: object) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("args", [["--keep", "largest"], ["--stride", "3"], ["--tracks", "t.json"], ["--crf", "3"],
                                  ["--smooth"], ["--propagate", "hold"], ["--min-hits", "1"]])
def test_video_options_on_pictures_are_refused(image_dir: Path, tmp_path: Path, args: list[str]) -> None:
    result = run("splash", image_dir / "a.jpg", *SMALL, *args, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"{args[0]} does not apply to pictures" in result.output and "--video FILE" in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.json").exists()


def test_every_unused_option_is_named(image_dir: Path, tmp_path: Path) -> None:
    result = run("splash", image_dir / "a.jpg", *SMALL, "--keep", "largest", "--stride", "3", "--tracks",
                 tmp_path / "t.json", "--crf", "3", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "--stride, --keep, --tracks, --crf do not apply to pictures" in result.output


@pytest.mark.parametrize("args", [["--effect", "blur"], ["--feather", "3"], ["--smooth"], ["--invert"],
                                  ["--color", "1,2,3"], ["--blur-sigma", "2"]])
def test_the_look_of_a_splash_on_the_overlay_is_refused(tmp_path: Path, args: list[str]) -> None:
    clip = write_video(tmp_path / "clip.mp4", frames=3)
    result = run("video", clip, "--render", "overlay", *SMALL, *args, "--out", tmp_path / "o.mp4")
    assert result.exit_code == 2, result.output
    assert f"{args[0]} does not apply to --render overlay" in result.output
    assert not (tmp_path / "o.mp4").exists()


def test_a_background_without_effect_image_is_refused(image_dir: Path, tmp_path: Path) -> None:
    for command in (["splash", image_dir / "a.jpg"], ["video", write_video(tmp_path / "clip.mp4", frames=3)]):
        result = run(*command, *SMALL, "--effect", "gray", "--background", image_dir / "a.jpg",
                     "--out", tmp_path / "out.mp4")
        assert result.exit_code == 2, result.output
        assert "--background does not apply to --effect gray" in result.output


def test_options_that_apply_are_still_taken(image_dir: Path, tmp_path: Path) -> None:
    result = run("splash", image_dir / "a.jpg", *SMALL, "--conf", "1.0", "--effect", "image", "--background",
                 image_dir / "a.jpg", "--feather", "2", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
