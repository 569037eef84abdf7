"""``detect`` writes each picture's files in a writer thread while the model runs on the next picture:
the files are byte for byte what the model found, picture by picture, in order; a failed write stops the run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_disk_full import needs_tmpfs, on_full_disk, one_error_line

from splashseg.apps.detect import mask_file_name
from splashseg.cli import main
from splashseg.images import read_image, write_gray_png, write_image
from splashseg.predict import PredictConfig, build_predictor, coco_results
from splashseg.render import draw_detections
from splashseg.render.cutout import alpha_to_uint8

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "examples" / "shapes-small.pt"  # trained: finds several objects in every example picture
PICTURES = sorted((ROOT / "examples" / "pictures").glob("*.png"))
MODEL = ["--weights", str(WEIGHTS), "--device", "cpu", "--runtime", "torch"]


def _expected(tmp_path: Path) -> tuple[dict[str, bytes], list[dict]]:
    """Every file detect should write, made one picture at a time with the library (no writer thread)."""
    predictor = build_predictor(PredictConfig(weights=str(WEIGHTS), device="cpu", runtime="torch", soft_masks=True))
    results = []
    for image_id, path in enumerate(PICTURES, start=1):
        image = read_image(path)
        det = predictor([image.rgb])[0]
        assert len(det) > 0
        write_image(tmp_path / path.name, draw_detections(image.rgb, det), format=image.format)
        for i in range(len(det)):
            name = mask_file_name(path.stem, i, det.names[i])
            write_gray_png(tmp_path / "masks" / name, det.masks[i].astype("uint8") * 255)
            write_gray_png(tmp_path / "soft-masks" / name, alpha_to_uint8(det.soft_masks[i]))
        fields = {"file_name": str(path), "width": image.width, "height": image.height}
        results.extend(coco_results(det, image_id, image_fields=fields, rounded=True))
    files = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*.png")}
    return files, results


def test_detect_writes_what_the_model_found_picture_by_picture(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["detect", *map(str, PICTURES), *MODEL, "--save-masks", "--soft-masks",
                                       "--out", str(out), "--json", "-q"])
    assert result.exit_code == 0, result.output
    files, results = _expected(tmp_path / "expected")
    written = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*.png")}
    assert sorted(written) == sorted(files) and len(written) > len(PICTURES)
    assert [name for name in files if written[name] != files[name]] == []
    assert json.loads((out / "detections.json").read_text()) == json.loads(json.dumps(results))
    images = json.loads(result.stdout)["images"]
    assert [image["file"] for image in images] == [str(p) for p in PICTURES]
    assert [image["instances"] for image in images] == \
        [sum(r["image_id"] == i for r in results) for i in range(1, len(PICTURES) + 1)]


@pytest.mark.slow
@needs_tmpfs
def test_a_failed_write_stops_detect_at_that_picture(tmp_path: Path) -> None:
    mount = tmp_path / "mnt"
    result = on_full_disk(mount, "16k", "detect", *map(str, PICTURES), *MODEL, "--out", str(mount / "det"))
    assert result.returncode == 1, result.stderr
    assert f"{mount / 'det' / PICTURES[0].name}: cannot write it: no space left on device" in one_error_line(result)
    assert [f for f in result.stdout.split("--- files\n", 1)[1].split() if f.endswith(".png")] == []
