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


@pytest.fixture(scope="session")
def small_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A splashseg checkpoint of a random-init maskrcnn_small with 3 named classes."""
    from splashseg.models import load_model, save_checkpoint

    loaded = load_model("maskrcnn_small", "none", class_names=["__background__", "balloon", "kite", "ball"],
                        min_size=64, max_size=96)
    path = tmp_path_factory.mktemp("ckpt") / "small.pt"
    save_checkpoint(path, loaded.model.state_dict(), loaded.meta)
    return path
