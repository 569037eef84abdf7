"""``torchrun ... -m splashseg splash``: two CPU ranks (gloo) share the pictures as ``detect`` does and write
what one process writes, with one JSON document (issue 18.7)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from samples import scene
from test_detect_torchrun import MODEL, ONE_THREAD, TIMEOUT, TORCHRUN, _files


def _splash(*args: object, launcher: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [*(launcher or [sys.executable]), "-m", "splashseg", "splash", *map(str, args), "--weights", MODEL]
    return subprocess.run(command, env=ONE_THREAD, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.slow
def test_two_ranks_splash_what_one_process_splashes(tmp_path: Path) -> None:
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    for i in range(5):
        Image.fromarray(scene(48 + 8 * i, 64, seed=i)).save(pictures / f"p{i}.png")
    alone = _splash(pictures, "--effect", "blur", "--out", tmp_path / "alone", "--json")
    assert alone.returncode == 0, alone.stderr[-3000:]
    done = _splash(pictures, "--effect", "blur", "--out", tmp_path / "ranks", "--json", launcher=TORCHRUN)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)  # one JSON document: only rank 0 printed
    assert result["world_size"] == 2 and result["images_per_rank"] == [2, 3]
    single = json.loads(alone.stdout)
    assert "world_size" not in single
    timing = ("model_seconds", "model_seconds_per_image")  # rank 0's model time, not the same run's
    assert {k: v for k, v in result.items() if k not in ("out", "world_size", "images_per_rank", *timing)} == \
        {k: v for k, v in single.items() if k not in ("out", *timing)} | {"images": [
            {**image, "output": image["output"].replace("alone", "ranks")} for image in single["images"]]}
    assert _files(tmp_path / "ranks") == _files(tmp_path / "alone")  # every picture once, the same bytes
