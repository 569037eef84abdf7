"""``-q`` leaves only warnings and errors: every command that prints a result table prints nothing with it
(``--json`` is the way to get the data), and still prints its table without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL, save_small_checkpoint
from fixtures_import import via_polygon, write_image, write_via_export
from test_train_data import CLASSES, make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.cli import main

TRAIN = ["--model", "maskrcnn_small", "--weights", "none", "--min-size", "64", "--max-size", "96", "--device",
         "cpu", "--workers", "0", "--epochs", "1", "--batch-size", "2"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("quiet") / "shapes", n_train=2, n_val=1)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_small_checkpoint(tmp_path_factory.mktemp("ckpt") / "shapes.pt", CLASSES)


@pytest.fixture(scope="module")
def via_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("via")
    write_image(src / "a.jpg")
    write_via_export(src, {"a.jpg": [via_polygon([2, 40, 40, 2], [2, 2, 40, 40], label="kite")]})
    return src


def _commands(tmp: Path, dataset: Path, checkpoint: Path, via_source: Path, pictures: Path) -> dict[str, list]:
    """Each table-printing command, with the words its table always holds."""
    return {
        "annotate-import": [["annotate-import", via_source, "--out", tmp / "ds"], "kite"],
        "inspect": [["inspect", dataset, "--out", tmp / "inspect"], "disc"],
        "detect": [["detect", pictures, *SMALL, "--out", tmp / "det"], "images"],
        "splash": [["splash", pictures, *SMALL, "--out", tmp / "splash"], "images"],
        "summary": [["summary", "--model", "maskrcnn_small", "--weights", "none"], "total parameters"],
        "evaluate": [["evaluate", "--dataset", dataset, "--weights", checkpoint, "--device", "cpu"], "AP50"],
        "train": [["train", "--dataset", dataset, *TRAIN, "--out", tmp / "run"], "epochs"],
    }


@pytest.mark.parametrize("name", ["annotate-import", "inspect", "detect", "splash", "summary", "evaluate", "train"])
def test_quiet_hides_the_result_table(name: str, tmp_path: Path, dataset: Path, checkpoint: Path,
                                      via_source: Path, image_dir: Path) -> None:
    args, word = _commands(tmp_path / "quiet", dataset, checkpoint, via_source, image_dir)[name]
    result = CliRunner().invoke(main, [str(a) for a in [*args, "-q"]])
    assert result.exit_code == 0, result.output
    assert result.stdout == "", result.output
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines()), result.stderr  # splash: gray
    args, word = _commands(tmp_path / "loud", dataset, checkpoint, via_source, image_dir)[name]
    loud = CliRunner().invoke(main, [str(a) for a in args])
    assert loud.exit_code == 0 and word in loud.output, loud.output


def test_quiet_json_keeps_the_data(tmp_path: Path, image_dir: Path) -> None:
    result = CliRunner().invoke(main, ["detect", str(image_dir), *SMALL, "--out", str(tmp_path / "d"), "-q", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["images"], result.output
    assert result.stderr == ""
