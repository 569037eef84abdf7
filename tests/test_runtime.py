"""``--runtime``: which runtime ``auto`` picks, the fallback without OpenVINO, and the compile cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from video_samples import write_video

from splashseg.cli import main
from splashseg.errors import InputError
from splashseg.models.registry import build_model
from splashseg.runtime import DamagedCacheWarning, RuntimeChoice, apply_runtime, resolve_runtime
from splashseg.runtime.choice import INSTALL_OPENVINO, cpu_has_bf16
from splashseg.video.stages import STAGES

ROOT = Path(__file__).resolve().parents[1]
FP32 = RuntimeChoice("openvino", "fp32")
SMALL_CPU = ["--model", "maskrcnn_small", "--weights", "none", "--min-size", "64", "--max-size", "96",
             "--device", "cpu"]


def test_cpu_flags_decide_bf16(tmp_path: Path) -> None:
    avx2 = tmp_path / "avx2"
    avx2.write_text("processor\t: 0\nflags\t\t: fpu sse avx avx2 fma\n")
    sapphire = tmp_path / "amx"
    sapphire.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n")
    zen4 = tmp_path / "zen4"
    zen4.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert (cpu_has_bf16(avx2), cpu_has_bf16(sapphire), cpu_has_bf16(zen4)) == (False, True, True)


def test_auto_picks_openvino_on_the_cpu_and_torch_on_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPLASHSEG_RUNTIME", raising=False)
    expected = "bf16" if cpu_has_bf16() else "fp32"
    assert resolve_runtime("auto", "cpu") == RuntimeChoice("openvino", expected)
    assert resolve_runtime(None, "cpu") == RuntimeChoice("openvino", expected)
    assert resolve_runtime("torch", "cpu").label == "torch-fp32"
    assert resolve_runtime("auto", "cuda").label == "torch-fp16"
    assert resolve_runtime("auto", "cuda", amp=False).label == "torch-fp32"
    monkeypatch.setenv("SPLASHSEG_RUNTIME", "torch")
    assert resolve_runtime(None, "cpu").label == "torch-fp32"


@pytest.mark.parametrize(("name", "device", "message"), [
    ("tensorrt", "cpu", "unknown runtime"),
    ("openvino", "cuda", "runs on the CPU"),
])
def test_bad_runtime_is_refused(name: str, device: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        resolve_runtime(name, device)


def _without_openvino(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the CLI where ``import openvino`` fails (as on a machine without the package)."""
    code = ("import sys; sys.modules['openvino'] = None; from splashseg.cli import main; "
            "sys.argv[0] = 'splashseg'; main()")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SPLASHSEG_RUNTIME", None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=tmp_path)


@pytest.mark.slow
def test_without_openvino_auto_falls_back_and_openvino_exits_2(tmp_path: Path, image_dir: Path) -> None:
    auto = _without_openvino(["detect", str(image_dir / "a.jpg"), *SMALL_CPU, "--out", "auto", "--json"], tmp_path)
    assert auto.returncode == 0, auto.stderr
    assert json.loads(auto.stdout)["runtime"] == "torch-fp32"
    asked = _without_openvino(["detect", str(image_dir / "a.jpg"), *SMALL_CPU, "--runtime", "openvino"], tmp_path)
    assert asked.returncode == 2
    assert INSTALL_OPENVINO in asked.stderr and "Traceback" not in asked.stderr


@pytest.fixture(scope="module")
def small_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("maskrcnn_small", 4, min_size=64, max_size=96).eval()


def _entry_files(cache: Path) -> dict[str, int]:
    """Every file in the cache with its modification time (ns)."""
    return {str(p.relative_to(cache)): p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory: pytest.TempPathFactory, small_model: torch.nn.Module) -> Path:
    """A cache holding ``small_model`` converted and compiled in fp32 (converting takes 10-20 s)."""
    cache = tmp_path_factory.mktemp("filled-cache")
    apply_runtime(small_model, FP32, model_name="maskrcnn_small", cache=cache)
    return cache


def _copy_of(cache: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(cache, tmp_path / "cache"))


def test_second_run_hits_the_cache(small_model: torch.nn.Module, filled_cache: Path) -> None:
    cache = filled_cache  # in place: OpenVINO keys its compiled blobs by the model file's path
    first = _entry_files(cache)
    assert any(name.endswith("backbone.xml") for name in first) and any("compiled" in name for name in first)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedCacheWarning)
        apply_runtime(small_model, FP32, model_name="maskrcnn_small", cache=cache)
    assert _entry_files(cache) == first  # nothing converted or compiled again, the manifest not rewritten


def test_a_damaged_cache_entry_is_rebuilt_with_a_warning(tmp_path: Path, small_model: torch.nn.Module,
                                                         filled_cache: Path) -> None:
    cache = _copy_of(filled_cache, tmp_path)
    weights = next(cache.rglob("backbone.bin"))
    data = bytearray(weights.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)  # zero some weights: still loads, wrong answers
    weights.write_bytes(bytes(data))
    with pytest.warns(DamagedCacheWarning, match="backbone.bin is missing or changed"):
        rebuilt = apply_runtime(small_model, FP32, model_name="maskrcnn_small", cache=cache)
    images = torch.rand(1, 3, 64, 96)
    with torch.inference_mode():
        want = small_model.backbone(images)
        got = rebuilt.backbone(images)
    for key in want:
        torch.testing.assert_close(got[key], want[key], atol=1e-4, rtol=1e-4)


def test_an_unlisted_file_in_the_cache_is_not_trusted(tmp_path: Path, small_model: torch.nn.Module,
                                                      filled_cache: Path) -> None:
    cache = _copy_of(filled_cache, tmp_path)
    stranger = next(cache.rglob("backbone.xml")).parent / "compiled" / "planted.blob"
    stranger.write_bytes(b"not OpenVINO's")
    with pytest.warns(DamagedCacheWarning, match="planted.blob is not in"):
        apply_runtime(small_model, FP32, model_name="maskrcnn_small", cache=cache)
    assert not stranger.exists()


def test_the_torch_model_is_left_unchanged(small_model: torch.nn.Module, filled_cache: Path) -> None:
    accelerated = apply_runtime(small_model, FP32, model_name="maskrcnn_small", cache=filled_cache)
    assert type(small_model.backbone).__name__ == "BackboneWithFPN"
    assert type(accelerated.backbone).__name__ == "OpenVINOBackbone"
    assert accelerated.roi_heads.box_roi_pool.pool is small_model.roi_heads.box_roi_pool  # wrapped, shared
    assert type(small_model.roi_heads.box_roi_pool).__name__ == "MultiScaleRoIAlign"


def test_detect_and_splash_report_the_runtime_and_model_seconds(image_dir: Path, tmp_path: Path) -> None:
    pictures = [str(image_dir / name) for name in ("a.jpg", "gray.png")]
    human = CliRunner().invoke(main, ["detect", *pictures, *SMALL_CPU, "--runtime", "torch",
                                      "--out", str(tmp_path / "d")])
    assert human.exit_code == 0, human.output
    assert re.search(r"speed: \d+\.\d\d s model per image \(torch-fp32\)", human.output)
    splash = CliRunner().invoke(main, ["splash", *pictures, *SMALL_CPU, "--runtime", "torch", "--json",
                                       "--out", str(tmp_path / "s")])
    summary = json.loads(splash.stdout)
    assert summary["runtime"] == "torch-fp32" and len(summary["images"]) == 2
    assert 0 < summary["model_seconds_per_image"] <= summary["model_seconds"]


@pytest.mark.slow
def test_video_json_reports_the_runtime_and_seconds_per_stage(tmp_path: Path) -> None:
    source = write_video(tmp_path / "clip.mp4", frames=6, audio=None)
    result = CliRunner().invoke(main, ["video", str(source), *SMALL_CPU, "--runtime", "openvino", "--json", "-q",
                                       "--stride", "2", "--out", str(tmp_path / "out.mp4")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["runtime"] in ("openvino-bf16", "openvino-fp32") and summary["model_seconds"] > 0
    stages = summary["stage_seconds"]
    assert list(stages) == list(STAGES), stages
    assert stages["model"] > 0 and all(seconds >= 0 for seconds in stages.values()), stages  # others: ~0 at 64 px
    assert stages["model"] >= summary["model_seconds"]  # the predictor's time is inside the model stage
