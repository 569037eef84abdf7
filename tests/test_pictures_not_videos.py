"""A video named where pictures are expected (``splash clip.mp4``, ``detect clip.mp4``, a glob that matches
one): exit 2 with one line naming the file and the command that takes it; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL
from video_samples import write_video

from splashseg.cli import main


@pytest.fixture
def clip(image_dir: Path) -> Path:
    return write_video(image_dir / "clip.mp4", frames=3, audio=None)


def _refused(args: list[str], out: Path) -> str:
    result = CliRunner().invoke(main, [*map(str, args), *SMALL, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1, result.output
    assert not out.exists()
    return result.stderr.strip()


def test_splash_points_to_splash_video(clip: Path, image_dir: Path, tmp_path: Path) -> None:
    line = f"error: {clip}: a video, not a picture; use splashseg splash --video {clip}"
    assert _refused(["splash", clip], tmp_path / "out") == line
    assert _refused(["splash", image_dir / "a.jpg", clip], tmp_path / "out") == line
    assert _refused(["splash", str(image_dir / "*.mp4")], tmp_path / "out") == line


def test_detect_points_to_video(clip: Path, tmp_path: Path) -> None:
    assert _refused(["detect", clip], tmp_path / "out") == (
        f"error: {clip}: a video, not a picture; for a video use splashseg video {clip} (--render overlay draws "
        "the detections)")


def test_a_folder_with_a_video_beside_its_pictures_is_fine(clip: Path, image_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["splash", str(image_dir), *SMALL, "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0 and "clip.mp4" not in result.stdout, result.output
