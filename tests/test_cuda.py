"""CUDA paths: AMP inference, the GPU compositor, an AMP training step, the video pipeline on the GPU.

Skipped without a CUDA device (CI is CPU-only); run them on a GPU machine with `pytest -m cuda`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from samples import scene

from splashseg.models import build_model
from splashseg.predict import Predictor
from splashseg.render import DeviceCompositor, SplashStyle, build_compositor, color_splash

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]
CLASSES = ["__background__", "a", "b", "c"]


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("maskrcnn_small", len(CLASSES), min_size=128, max_size=160)


def test_amp_inference_gives_the_fp32_detections():
    images = [scene(120, 160, seed=i) for i in range(4)]
    model = _model()
    fp32 = Predictor(model, CLASSES, device="cuda", conf=0.0, amp=False, batch_size=4)(images)
    amp = Predictor(model, CLASSES, device="cuda", conf=0.0, amp=True, batch_size=4)(images)
    for a, b in zip(fp32, amp, strict=True):
        assert b.masks.dtype == bool and b.masks.shape[1:] == (120, 160) and b.boxes.dtype == np.float32
        n = min(len(a), len(b), 5)
        assert n > 0 and np.abs(a.boxes[:n] - b.boxes[:n]).max() < 4.0


def test_predict_tensors_stays_on_the_gpu():
    frame = torch.from_numpy(scene(120, 160)).permute(2, 0, 1).cuda()
    det = Predictor(_model(), CLASSES, device="cuda", conf=0.0)([scene(120, 160)])[0]
    on_gpu = Predictor(_model(), CLASSES, device="cuda", conf=0.0).predict_tensors([frame])[0]
    assert on_gpu.masks.is_cuda and on_gpu.union_mask().is_cuda
    assert len(on_gpu) == len(det)


@pytest.mark.parametrize("effect", ["gray", "blur", "solid", "image"])
@pytest.mark.parametrize("feather", [0, 3])
def test_gpu_compositor_equals_cpu_within_one_level(effect, feather):
    image = scene(90, 120)
    mask = np.zeros(image.shape[:2], bool)
    mask[20:60, 30:90] = True
    background = scene(50, 50, seed=3)
    cpu = color_splash(image, mask, effect=effect, feather=feather, background=background)
    style = SplashStyle(effect=effect, feather=feather, background=background if effect == "image" else None)
    compositor = build_compositor(style, "cuda")
    assert isinstance(compositor, DeviceCompositor)
    gpu = compositor.splash(torch.from_numpy(image).cuda(), torch.from_numpy(mask).cuda())
    assert gpu.is_cuda
    tolerance = 4 if effect == "blur" else 1  # blur: different resampling kernels on a reduced copy
    assert np.abs(gpu.cpu().numpy().astype(int) - cpu.astype(int)).max() <= tolerance


def test_training_step_with_amp():
    model = _model().cuda().train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler("cuda")
    image = torch.rand(3, 128, 160, device="cuda")
    masks = torch.zeros(1, 128, 160, dtype=torch.uint8, device="cuda")
    masks[0, 30:90, 40:120] = 1
    target = {"boxes": torch.tensor([[40.0, 30.0, 120.0, 90.0]], device="cuda"),
              "labels": torch.tensor([1], device="cuda"), "masks": masks}
    before = [p.detach().clone() for p in model.parameters()]
    with torch.autocast("cuda", dtype=torch.float16):
        losses = model([image], [target])
    loss = sum(losses.values())
    assert torch.isfinite(loss)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_video_splash_on_the_gpu(tmp_path: Path):
    from click.testing import CliRunner
    from video_samples import read_back, write_video

    from splashseg.cli import main

    clip = write_video(tmp_path / "clip.mp4", size=(64, 48), frames=8)
    result = CliRunner().invoke(main, ["video", str(clip), "--model", "maskrcnn_small", "--weights", "none",
                                       "--device", "cuda", "--min-size", "64", "--max-size", "96",
                                       "--batch-size", "4", "--out", str(tmp_path / "out.mp4")])
    assert result.exit_code == 0, result.output
    assert len(read_back(tmp_path / "out.mp4").frames) == 8
