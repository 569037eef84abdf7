"""A dataset file is checked when it is opened: train, evaluate and inspect refuse a broken one with exit 2."""

from __future__ import annotations

import copy
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import save_small_checkpoint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import_property import json_values, mutate
from test_train_data import CLASSES, make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.cli import main
from splashseg.data.coco import load_split
from splashseg.data.torch_dataset import CocoInstances
from splashseg.data.validate import validate_coco
from splashseg.errors import InputError

SMALL = ["--model", "maskrcnn_small", "--min-size", "64", "--max-size", "96", "--device", "cpu"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("valid") / "shapes", n_train=3, n_val=2)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_small_checkpoint(tmp_path_factory.mktemp("ckpt") / "shapes.pt", CLASSES)


def _edited(clean: Path, tmp_path: Path, split: str, edit: Any) -> tuple[Path, dict[str, Any]]:
    """A copy of the dataset whose ``split`` JSON went through ``edit(coco)`` (by hand, as a user would)."""
    dataset = tmp_path / "edited"
    (dataset / "annotations").mkdir(parents=True)
    (dataset / "images").symlink_to(clean / "images")
    for name in ("train", "val"):
        coco = json.loads((clean / "annotations" / f"{name}.json").read_text())
        if name == split:
            edit(coco)
        (dataset / "annotations" / f"{name}.json").write_text(json.dumps(coco))
    return dataset, coco


def _unknown_category(coco: dict[str, Any]) -> None:
    coco["annotations"][-1]["category_id"] = 42


def test_unknown_category_is_exit_2_for_train_evaluate_and_inspect(
    clean: Path, checkpoint: Path, tmp_path: Path
) -> None:
    dataset, val = _edited(clean, tmp_path, "val", _unknown_category)
    bad_id = val["annotations"][-1]["id"]
    expected = f"val.json: annotation id {bad_id}: category_id 42 is not in categories (1, 2)"
    commands = {
        "train": ["train", "--dataset", str(dataset), *SMALL, "--weights", "none", "--epochs", "1",
                  "--workers", "0", "--out", str(tmp_path / "run")],
        "evaluate": ["evaluate", "--dataset", str(dataset), *SMALL, "--weights", str(checkpoint)],
        "inspect": ["inspect", str(dataset), "--count", "1", "--out", str(tmp_path / "pics")],
    }
    for name, args in commands.items():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (name, result.output)
        assert expected in result.output and "Traceback" not in result.output, (name, result.output)
        assert "KeyError" not in result.output
    assert not (tmp_path / "run" / "checkpoints" / "last.pt").exists()


def _set(path: str, value: Any) -> Any:
    """An edit that sets ``coco[a][i][b]... = value`` along a dotted path (``images.0.width``)."""

    def edit(coco: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.lstrip("-").isdigit() else p for p in path.split(".")]
        target = coco
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


def _append_copy(kind: str, index: int = 0) -> Any:
    def edit(coco: dict[str, Any]) -> None:
        coco[kind].append(copy.deepcopy(coco[kind][index]))

    return edit


BAD_FILES = [
    # (edit of train.json, words the one-line message must hold)
    (_append_copy("annotations"), "annotation id 1 is used twice"),
    (_append_copy("images"), "image id 1 is used twice"),
    (_append_copy("categories"), "category id 1 is used twice"),
    (_set("annotations.0.category_id", 42), "category_id 42 is not in categories"),
    (_set("annotations.0.category_id", "1"), "category_id '1' is not in categories"),
    (_set("annotations.0.image_id", 999), "image_id 999 is not in images"),
    (_set("annotations.0.id", "a"), "annotations[0]: id 'a' is not an integer"),
    (_set("annotations.0.bbox", [1, 2, 3]), "bbox [1, 2, 3] is not 4 finite numbers"),
    (_set("annotations.0.bbox", [1, 2, -3, 4]), "[1, 2, -3, 4] is not 4 finite numbers [x, y, w, h] with w, h >= 0"),
    (_set("annotations.0.bbox", [1, 2, math.nan, 4]), "bbox [1, 2, nan, 4] is not 4 finite numbers"),
    (_set("annotations.0.bbox", [1, 2, math.inf, 4]), "is not 4 finite numbers"),
    (_set("annotations.0.bbox", [1, 2, True, 4]), "is not 4 finite numbers"),
    (_set("annotations.0.bbox", None), "bbox None is not 4 finite numbers"),
    (_set("annotations.0.area", math.nan), "area nan is not a finite number >= 0"),
    (_set("annotations.0.area", 10**400), "is not a finite number >= 0"),
    (_set("annotations.0.iscrowd", 2), "iscrowd 2 is not 0 or 1"),
    (_set("annotations.0.segmentation", "polygon"), "segmentation is a JSON string, not polygons"),
    (_set("annotations.0.segmentation", []), "segmentation is an empty list of polygons"),
    (_set("annotations.0.segmentation", [1, 2, 3, 4, 5, 6]), "segmentation polygon 1 is not a list of 3 or more"),
    (_set("annotations.0.segmentation", [[1, 2, 3, 4]]), "is not a list of 3 or more x, y pairs"),
    (_set("annotations.0.segmentation", [[1, 2, 3, 4, 5, 6, 7]]), "is not a list of 3 or more x, y pairs"),
    (_set("annotations.0.segmentation", [[1, 2, 30, 4, math.nan, 6]]), "polygon value nan is not a finite number"),
    (_set("annotations.0.segmentation", [[1, 2, 30, 4, "5", 6]]), "polygon value '5' is not a finite number"),
    (_set("annotations.0.segmentation", [[1, 2, 30, 4, 1e12, 6]]), "is not a finite number near the image"),
    (_set("annotations.0.segmentation", {"size": [10, 10], "counts": [100]}), "RLE size [10, 10] is not its image's"),
    (_set("annotations.0.segmentation", {"size": [64, 64], "counts": "zzz"}), "RLE counts string is malformed"),
    (_set("annotations.0.segmentation", {"size": [64, 64], "counts": [5, 5]}), "RLE counts do not add up"),
    (_set("annotations.0.segmentation", {"size": [64, 64], "counts": [-5, 4101]}), "RLE counts is not a string"),
    (_set("images.0.width", 0), "image id 1: width and height must be positive integers (got 0, 64)"),
    (_set("images.0.height", -64), "width and height must be positive integers (got 64, -64)"),
    (_set("images.0.height", math.nan), "width and height must be positive integers (got 64, nan)"),
    (_set("images.0.width", 64.5), "width and height must be positive integers"),
    (lambda coco: coco["images"][0].pop("height"), "(got 64, None)"),
    (_set("images.0.file_name", ""), "image id 1: file_name '' is not a file name"),
    (_set("categories.0.name", " "), "category id 1: name ' ' is not a non-empty string"),
    (_set("categories.0", ["square"]), "categories[0] is a JSON array, not an object"),
    (lambda coco: coco.pop("categories"), "needs images, annotations and categories lists; no categories"),
    (_set("images", {}), "no images"),
]


@pytest.mark.parametrize(("edit", "message"), BAD_FILES)
def test_broken_invariants_are_input_errors_naming_file_and_entry(
    clean: Path, tmp_path: Path, edit: Any, message: str
) -> None:
    dataset, _ = _edited(clean, tmp_path, "train", edit)
    with pytest.raises(InputError) as caught:
        CocoInstances(dataset, "train")
    text = str(caught.value)
    assert text.startswith(f"{dataset / 'annotations' / 'train.json'}: ") and message in text
    assert "\n" not in text


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "train.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="the top level is a JSON array, not an object"):
        load_split(tmp_path, "train")
    (tmp_path / "annotations" / "train.json").write_text('{"images": [], "annotations": [], "categories": [')
    with pytest.raises(InputError, match="not a readable JSON file"):
        load_split(tmp_path, "train")


def test_every_problem_is_counted_and_a_clean_dataset_passes(clean: Path) -> None:
    coco = load_split(clean, "train")  # the fixture's own dataset is valid (polygons, RLE, crowd, negatives)
    validate_coco(coco, "train.json")
    broken = copy.deepcopy(coco)
    for annotation in broken["annotations"][:3]:
        annotation["category_id"] = 7
    with pytest.raises(InputError, match=r"^train.json: annotation id \d+: category_id 7 .* \(and 2 more problems\)$"):
        validate_coco(broken, "train.json")


def test_empty_split_is_valid_for_the_checks(tmp_path: Path) -> None:
    validate_coco({"images": [], "annotations": [], "categories": []}, "x.json")


# --- property: whatever validate_coco accepts, the readers take without crashing ---------------------
CANONICAL: dict[str, Any] = {
    "images": [
        {"id": 1, "file_name": "a.png", "width": 16, "height": 12},
        {"id": 2, "file_name": "b.png", "width": 16, "height": 12},
    ],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 9, 1, 9, 9]],
         "bbox": [1, 1, 8, 8], "area": 32.0, "iscrowd": 0},
        {"id": 2, "image_id": 1, "category_id": 2, "segmentation": {"size": [12, 16], "counts": "i32:0_1"},
         "bbox": [10, 1, 2, 2], "area": 4.0, "iscrowd": 1},
    ],
    "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
}


def _read_everything(coco: dict[str, Any]) -> None:
    """Open ``coco`` as a dataset beside real pictures, build every target, and score it against itself."""
    from PIL import Image

    from splashseg.data.coco import annotation_mask, mask_to_rle
    from splashseg.train import coco_evaluate

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "images").mkdir()
        (root / "annotations").mkdir()
        for name in ("a.png", "b.png"):
            Image.new("RGB", (16, 12), (90, 90, 90)).save(root / "images" / name)
        (root / "annotations" / "train.json").write_text(json.dumps(coco))
        try:
            data = CocoInstances(root, "train")
            for index in range(len(data)):
                data[index]
        except InputError:
            return
        sizes = {im["id"]: (im["height"], im["width"]) for im in data.coco["images"]}
        detections = [
            {"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 1.0,
             "segmentation": mask_to_rle(annotation_mask(a, *sizes[a["image_id"]]))}
            for a in data.coco["annotations"]
        ]
        coco_evaluate(data.coco, detections)


def test_canonical_template_is_read_and_scored() -> None:
    validate_coco(CANONICAL, "t.json")
    _read_everything(CANONICAL)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 8), max_size=5), json_values)
def test_mutated_datasets_are_read_or_refused_with_input_error(path: list[int], value: Any) -> None:
    _read_everything(mutate(CANONICAL, path, value))
