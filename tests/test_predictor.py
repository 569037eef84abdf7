"""The Predictor with the demo's trained small model (examples/shapes-small.pt) on the example pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.ops import box_iou

from splashseg.demo.synth import draw_object, synth_picture
from splashseg.images import read_image
from splashseg.models import load_model
from splashseg.predict import Predictor
from splashseg.render import color_splash

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def trained() -> tuple:
    loaded = load_model(weights=str(EXAMPLES / "shapes-small.pt"))
    return loaded.model, loaded.class_names


def test_trained_model_finds_the_objects(trained):
    model, names = trained
    assert names == ["__background__", "kite", "box", "balloon"]
    rng = np.random.default_rng(123)
    pictures = [synth_picture(rng, 160, 160) for _ in range(4)]
    results = Predictor(model, names, conf=0.5, batch_size=4)([p for p, _ in pictures])
    hits, total = 0, 0
    for (image, objects), det in zip(pictures, results, strict=True):
        assert det.masks.shape[1:] == image.shape[:2] and det.masks.dtype == bool
        assert set(det.names) <= {"kite", "box", "balloon"}
        assert np.all(det.scores >= 0.5) and np.all(np.diff(det.scores) <= 0)
        for obj in objects:  # each drawn object: is there a detection of its class on it?
            canvas = np.zeros_like(image)
            draw_object(canvas, obj, (255, 255, 255))
            ys, xs = np.nonzero(canvas[..., 0])
            truth = torch.tensor([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], dtype=torch.float32)
            same_class = [i for i, name in enumerate(det.names) if name == obj.name]
            total += 1
            if same_class and float(box_iou(truth, torch.from_numpy(det.boxes[same_class])).max()) > 0.5:
                hits += 1
    assert total >= 4 and hits / total >= 0.6, f"found {hits} of {total} objects with the right class"


def test_batches_give_the_same_answer_as_single_images(trained):
    model, names = trained
    images = [read_image(p).rgb for p in sorted((EXAMPLES / "pictures").glob("*.png"))]
    single = Predictor(model, names, conf=0.5, batch_size=1)(images)
    batched = Predictor(model, names, conf=0.5, batch_size=4)(images)
    for a, b in zip(single, batched, strict=True):
        assert len(a) == len(b)
        np.testing.assert_allclose(a.boxes, b.boxes, atol=1e-2)


def test_float_images_in_zero_one_give_the_uint8_answer(trained):
    """Evaluation passes float images in [0, 1] (its transforms' output); pictures are uint8 0-255."""
    model, names = trained
    image = read_image(sorted((EXAMPLES / "pictures").glob("*.png"))[0]).rgb
    as_uint8 = torch.from_numpy(image.copy()).permute(2, 0, 1)  # [3, H, W] uint8
    predictor = Predictor(model, names, conf=0.5)
    from_uint8 = predictor.predict_tensors([as_uint8])[0].to_numpy()
    from_float = predictor.predict_tensors([as_uint8.float() / 255])[0].to_numpy()
    assert len(from_uint8) > 0 and len(from_float) == len(from_uint8)
    np.testing.assert_allclose(from_float.boxes, from_uint8.boxes, atol=1e-2)
    assert (from_float.masks != from_uint8.masks).mean() < 1e-3


def test_agnostic_nms_keeps_one_detection_per_object(trained):
    model, names = trained
    images = [read_image(p).rgb for p in sorted((EXAMPLES / "pictures").glob("*.png"))]
    plain = Predictor(model, names, conf=0.3)(images)
    agnostic = Predictor(model, names, conf=0.3, agnostic_nms=True)(images)
    assert sum(map(len, agnostic)) < sum(map(len, plain))  # the small model doubles some objects
    for det in agnostic:
        iou = box_iou(torch.from_numpy(det.boxes), torch.from_numpy(det.boxes)).fill_diagonal_(0)
        assert len(det) == 0 or float(iou.max()) <= 0.7


def test_class_filter_and_splash_of_a_trained_detection(trained):
    model, names = trained
    image = read_image(sorted((EXAMPLES / "pictures").glob("*.png"))[0]).rgb
    boxes_only = Predictor(model, names, conf=0.5, class_ids=[2])([image])[0]
    assert set(boxes_only.names) <= {"box"}
    det = Predictor(model, names, conf=0.5)([image])[0]
    keep = det.union_mask()
    out = color_splash(image, keep)
    np.testing.assert_array_equal(out[keep], image[keep])
    assert np.all(out[~keep][:, 0] == out[~keep][:, 1])
