"""``detect --refine --soft-masks``, ``splash --effect cutout`` and ``evaluate --refine`` through the command
line, with the demo's trained small model (examples/shapes-small.pt) on made pictures whose objects are known."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from pycocotools import mask as mask_utils
from shapes_dataset import shapes_dataset

from splashseg.cli import main
from splashseg.demo.synth import draw_object, synth_picture
from splashseg.images import write_image
from splashseg.metrics import boundary_iou

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = ["--weights", str(EXAMPLES / "shapes-small.pt"), "--device", "cpu"]


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[np.ndarray]]]:
    """Three made pictures (two .jpg, one .png) and each one's true object masks (bool [H, W])."""
    folder = tmp_path_factory.mktemp("scenes")
    rng = np.random.default_rng(123)
    truths = {}
    for index, suffix in enumerate((".jpg", ".jpg", ".png")):
        image, objects = synth_picture(rng, 200, 200)
        name = f"scene{index}{suffix}"
        write_image(folder / name, image)
        masks = []
        for obj in objects:
            canvas = np.zeros_like(image)
            draw_object(canvas, obj, (255, 255, 255))
            masks.append(canvas[..., 0] > 0)
        truths[name] = masks
    return folder, truths


def _decoded(out: Path) -> dict[str, list[np.ndarray]]:
    """detections.json's masks per picture file name, in file order."""
    masks: dict[str, list[np.ndarray]] = {}
    for entry in json.loads((out / "detections.json").read_text()):
        rle = {"size": entry["segmentation"]["size"], "counts": entry["segmentation"]["counts"].encode()}
        masks.setdefault(Path(entry["file_name"]).name, []).append(mask_utils.decode(rle).astype(bool))
    return masks


def _far_from_edge(mask: np.ndarray, distance: int) -> np.ndarray:
    """bool [H, W]: pixels more than ``distance`` (chessboard) from ``mask``'s contour, either side."""
    solid = mask.astype(np.uint8)
    inside = cv2.distanceTransform(solid, cv2.DIST_C, 3)
    outside = cv2.distanceTransform(1 - solid, cv2.DIST_C, 3)
    return np.where(mask, inside, outside) > distance


@pytest.fixture(scope="module")
def detected(scenes, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """detect's output folders for the scenes: plain, and refined with soft-mask PNGs."""
    folder, _ = scenes
    plain, refined = tmp_path_factory.mktemp("plain") / "det", tmp_path_factory.mktemp("refined") / "det"
    assert run("detect", folder, *MODEL, "--out", plain, "-q").exit_code == 0
    result = run("detect", folder, *MODEL, "--refine", "--save-masks", "--soft-masks", "--out", refined, "--json",
                 "-q")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["refine"] is True
    return plain, refined


def test_refine_moves_edges_toward_the_truth_and_keeps_the_interior(scenes, detected):
    _, truths = scenes
    plain, refined = (_decoded(out) for out in detected)
    before, after = [], []
    for name, true_masks in truths.items():
        assert len(plain[name]) == len(refined[name]) > 0
        for old, new in zip(plain[name], refined[name], strict=True):
            np.testing.assert_array_equal(old[_far_from_edge(old, 12)], new[_far_from_edge(old, 12)])
            overlaps = [np.count_nonzero(t & old) / np.count_nonzero(t | old) for t in true_masks]
            if max(overlaps) >= 0.5:  # the object this detection found
                truth = true_masks[int(np.argmax(overlaps))]
                before.append(boundary_iou(truth, old))
                after.append(boundary_iou(truth, new))
    assert len(before) >= 5
    assert np.mean(after) > np.mean(before) + 0.01, (np.mean(before), np.mean(after))


def test_soft_mask_pngs_hold_the_refined_probabilities(scenes, detected):
    _, refined = detected
    masks = _decoded(refined)
    soft_files = sorted((refined / "soft-masks").iterdir())
    assert [p.name for p in soft_files] == sorted(p.name for p in (refined / "masks").iterdir())
    assert len(soft_files) == sum(len(m) for m in masks.values())
    first = Image.open(soft_files[0])
    assert (first.mode, first.format, first.size) == ("L", "PNG", (200, 200))
    values = np.asarray(first)
    assert len(np.unique(values)) > 10  # probabilities, not a black/white mask
    name = soft_files[0].name  # scene0_000_CLASS.png: the first detection of scene0
    hard = masks[name.split("_")[0] + ".jpg"][0]
    assert np.count_nonzero((values >= 128) != hard) <= 2  # p > 0.5 <-> round(255 p) >= 128 (bar p = 0.5)


@pytest.mark.parametrize(("args", "message"), [
    (["--soft-masks"], "--soft-masks writes PNGs beside the black/white masks: add --save-masks"),
    (["--soft-masks", "--refine"], "add --save-masks"),
])
def test_soft_masks_without_save_masks_is_a_usage_error(scenes, tmp_path, args, message):
    folder, _ = scenes
    result = run("detect", folder / "scene0.jpg", *MODEL, *args, "--out", tmp_path / "det")
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "det").exists()


def test_splash_cutout_writes_rgba_png_with_the_objects_opaque(scenes, detected, tmp_path):
    folder, truths = scenes
    refined_masks = _decoded(detected[1])
    out = tmp_path / "cut"
    result = run("splash", folder, *MODEL, "--effect", "cutout", "--refine", "--out", out, "--json", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["scene0.png", "scene1.png", "scene2.png"]  # .jpg in, .png out
    for name in ("scene0.jpg", "scene2.png"):
        picture = Image.open(out / (Path(name).stem + ".png"))
        assert (picture.format, picture.mode, picture.size) == ("PNG", "RGBA", (200, 200))
        rgba = np.asarray(picture)
        union = np.logical_or.reduce(refined_masks[name])
        np.testing.assert_array_equal(rgba[..., 3], np.where(union, 255, 0))  # detect --refine's masks exactly
        source = np.asarray(Image.open(folder / name).convert("RGB"))
        np.testing.assert_array_equal(rgba[union][:, :3], source[union])
        assert not rgba[~union][:, :3].any()
        truth = np.logical_or.reduce(truths[name])
        assert np.count_nonzero(union & truth) / np.count_nonzero(union | truth) > 0.7


def test_splash_cutout_invert_and_feather(scenes, tmp_path):
    folder, _ = scenes
    picture = folder / "scene1.jpg"
    assert run("splash", picture, *MODEL, "--effect", "cutout", "--out", tmp_path / "a", "-q").exit_code == 0
    result = run("splash", picture, *MODEL, "--effect", "cutout", "--invert", "--feather", "3", "--out",
                 tmp_path / "b", "-q")
    assert result.exit_code == 0, result.output
    keep = np.asarray(Image.open(tmp_path / "a" / "scene1.png"))[..., 3].astype(int)
    world = np.asarray(Image.open(tmp_path / "b" / "scene1.png"))[..., 3].astype(int)
    assert set(np.unique(keep)) == {0, 255}
    assert len(np.unique(world)) > 10  # feathered edges
    far = _far_from_edge(keep > 0, 8)
    np.testing.assert_array_equal(world[far], 255 - keep[far])  # the world without the objects


@pytest.mark.parametrize(("args", "message"), [
    (["--blur-sigma", "4"], "--blur-sigma cannot apply"),
    (["--color", "0,177,64"], "--color cannot apply"),
    (["--background", "{picture}"], "--background cannot apply"),
    (["--effect", "transparent"], "Invalid value for '--effect'"),
])
def test_cutout_refuses_options_that_do_not_apply(scenes, tmp_path, args, message):
    folder, _ = scenes
    args = [a.replace("{picture}", str(folder / "scene2.png")) for a in args]
    result = run("splash", folder / "scene0.jpg", *MODEL, "--effect", "cutout", *args, "--out", tmp_path / "o")
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "o").exists()


def test_cutout_outputs_never_overlap_inputs(scenes, tmp_path):
    folder, _ = scenes
    copy = tmp_path / "in"
    copy.mkdir()
    (copy / "scene0.jpg").write_bytes((folder / "scene0.jpg").read_bytes())
    (copy / "scene0.png").write_bytes((folder / "scene2.png").read_bytes())  # what the cutout would write
    before = (copy / "scene0.png").read_bytes()
    for source, out in ((copy / "scene0.jpg", copy), (copy, copy / "sub")):  # out holds or lies inside an input
        result = run("splash", source, *MODEL, "--effect", "cutout", "--out", out, "--force")
        assert result.exit_code == 2, result.output
    assert (copy / "scene0.png").read_bytes() == before and not (copy / "sub").exists()
    out = tmp_path / "cut"
    assert run("splash", copy / "scene0.jpg", *MODEL, "--effect", "cutout", "--out", out, "-q").exit_code == 0
    again = run("splash", copy / "scene0.jpg", *MODEL, "--effect", "cutout", "--out", out)
    assert again.exit_code == 2 and "scene0.png" in again.output and "--force" in again.output


def test_evaluate_refine_reports_boundary_iou_for_plain_and_refined(tmp_path):
    dataset = shapes_dataset(tmp_path / "shapes", count=10)
    args = ["evaluate", "--dataset", dataset, *MODEL, "--json", "-q"]
    plain = run(*args)
    assert plain.exit_code == 0, plain.output
    plain = json.loads(plain.stdout)
    assert plain["refined"] is False and set(plain["metrics"]) == {"bbox", "segm"}
    assert set(plain["boundary"]) == {"segm"}
    result = run(*args, "--refine")
    assert result.exit_code == 0, result.output
    refined = json.loads(result.stdout)
    assert refined["refined"] is True and set(refined["metrics"]) == {"bbox", "segm", "segm_plain"}
    assert refined["metrics"]["segm_plain"] == plain["metrics"]["segm"]  # the same forward pass
    assert refined["metrics"]["bbox"] == plain["metrics"]["bbox"]
    assert refined["boundary"]["segm_plain"] == plain["boundary"]["segm"]
    for kind in ("segm", "segm_plain"):
        score = refined["boundary"][kind]
        assert 0.5 < score["boundary_iou"] <= 1.0 and 0 < score["matched"] <= score["instances"]
    assert refined["boundary"]["segm"]["boundary_iou"] > refined["boundary"]["segm_plain"]["boundary_iou"]
    table = run(*args[:-2], "--refine")
    assert "segm (refined)" in table.output and "segm (plain)" in table.output and "boundary IoU" in table.output
