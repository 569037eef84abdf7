"""The demo end to end, shrunk to seconds: every step runs and every output is there and valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from video_samples import read_back

from splashseg.cli import main


@pytest.mark.slow
def test_demo_small(tmp_path: Path):
    out = tmp_path / "demo"
    args = ["demo", "--images", "12", "--size", "96", "--epochs", "1", "--device", "cpu", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--json", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert 0.0 <= summary["segm_AP"] <= 1.0 and summary["epochs"] == 1
    index = (out / "index.md").read_text()
    for effect in ("gray", "blur", "solid", "image"):
        pictures = sorted((out / f"splash-{effect}").glob("*.png"))
        assert pictures and Image.open(pictures[0]).size == (96, 96)
        assert f"splash-{effect}/{pictures[0].name}" in index
    assert (out / "run" / "checkpoints" / "best.pt").exists() and (out / "evaluation.json").exists()
    clip = read_back(out / "clip-splash.mp4")
    assert clip.codec == "h264" and len(clip.frames) == summary["video_frames"] and clip.audio
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "--force" in again.output
