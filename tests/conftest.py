"""Shared fixtures: tiny pictures and a small random-init checkpoint, all made in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from samples import scene

os.environ.setdefault("OMP_NUM_THREADS", "2")
# Converting a model for OpenVINO takes 15-40 s on a 2-core machine, and every ``--weights none`` run has new
# weights: the suite runs torch unless a test names a runtime (tests/test_runtime*.py do, and test auto).
os.environ.setdefault("SPLASHSEG_RUNTIME", "torch")
SMALL = ["--model", "maskrcnn_small", "--weights", "none", "--min-size", "64", "--max-size", "96"]


@pytest.fixture(scope="session", autouse=True)
def splashseg_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The OpenVINO compile cache of the whole session, in a temporary folder (never ~/.cache)."""
    folder = tmp_path_factory.mktemp("splashseg-cache")
    os.environ["SPLASHSEG_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    """A folder with a JPEG, a grayscale PNG and an RGBA PNG."""
    folder = tmp_path / "pics"
    folder.mkdir()
    Image.fromarray(scene()).save(folder / "a.jpg", quality=95)
    Image.fromarray(scene(seed=1)).convert("L").save(folder / "gray.png")
    rgba = np.dstack([scene(seed=2), np.full((48, 64), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(folder / "alpha.png")
    return folder


def save_small_checkpoint(path: Path, class_names: list[str]) -> Path:
    """A splashseg checkpoint at ``path`` of a random-init maskrcnn_small (64/96 px) for ``class_names``
    (background excluded)."""
    from splashseg.models import load_model, save_checkpoint

    loaded = load_model("maskrcnn_small", "none", class_names=["__background__", *class_names], min_size=64,
                        max_size=96)
    save_checkpoint(path, loaded.model.state_dict(), loaded.meta)
    return path


def refused(result: object, *words: str) -> None:
    """``result`` (click's) is exit 2 whose last line is one ``error:`` line holding every word, no traceback."""
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: ") and "Traceback" not in result.output
    for word in words:
        assert word in line, line


@pytest.fixture(scope="session")
def small_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A splashseg checkpoint of a random-init maskrcnn_small with 3 named classes."""
    return save_small_checkpoint(tmp_path_factory.mktemp("ckpt") / "small.pt", ["balloon", "kite", "ball"])
