"""Model time per frame in torch fp32 against OpenVINO (bf16 and f32), and ``detect``'s wall time.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_runtime.py model --frames 3
    PYTHONPATH=. .venv/bin/python benchmarks/bench_runtime.py detect --pictures 8

``model``: the same 1280x720 frames (the example pictures, scaled) through each model at 800 px
(torchvision's default resize), seeded random weights and ``--conf 0.6``, so every runtime builds the same
network and finds the same objects; one frame of warm-up, then the mean seconds per frame inside the model
(``Predictor.model_seconds``), the seconds in each dense part (forward hooks) and outside them (anchors,
NMS, RoIAlign, mask pasting). The runtimes take turns frame by frame (fair on a shared machine). The
OpenVINO cache is filled before timing. ``detect``: ``splashseg detect`` on 8 such pictures as a new process,
``--runtime torch`` against ``--runtime auto`` with the cache already filled, wall time start to end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch

from splashseg.images import read_image
from splashseg.models.registry import build_model
from splashseg.predict import Predictor
from splashseg.runtime import RuntimeChoice
from splashseg.runtime.choice import cpu_has_bf16
from splashseg.runtime.parts import PARTS, module_at

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUNTIMES = {"torch-fp32": RuntimeChoice("torch", "fp32"), "openvino-bf16": RuntimeChoice("openvino", "bf16"),
            "openvino-fp32": RuntimeChoice("openvino", "fp32")}


def frames(count: int, size: tuple[int, int] = (1280, 720)) -> list[np.ndarray]:
    """``count`` RGB uint8 ``[720, 1280, 3]`` frames: the example pictures scaled, in turn."""
    pictures = sorted((EXAMPLES / "pictures").glob("*.png"))
    return [cv2.resize(read_image(pictures[i % len(pictures)]).rgb, size, interpolation=cv2.INTER_LINEAR)
            for i in range(count)]


def seeded_model(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(name, min_size=800, max_size=1333).eval()


def _time_parts(model: torch.nn.Module) -> dict[str, float]:
    """Seconds spent in each dense part of ``model`` from now on (filled as the model runs)."""
    seconds: dict[str, float] = defaultdict(float)
    for part in PARTS:
        module = module_at(model, part.path)
        start: list[float] = []
        module.register_forward_pre_hook(lambda *_, s=start: s.append(time.perf_counter()))
        module.register_forward_hook(lambda *_, s=start, n=part.name: seconds.__setitem__(
            n, seconds[n] + time.perf_counter() - s.pop()))
    return seconds


def model_times(name: str, runtimes: list[str], images: list[np.ndarray], conf: float) -> list[dict]:
    """Each runtime's mean model seconds per frame on ``images[1:]`` (``images[0]`` warms up). The runtimes
    take turns frame by frame, so load from other processes falls on all of them alike."""
    predictors = {runtime: Predictor(seeded_model(name), [str(i) for i in range(91)], device="cpu", conf=conf,
                                     runtime=RUNTIMES[runtime], model_name=f"bench-{name}") for runtime in runtimes}
    parts, found = {}, defaultdict(list)
    for runtime, predictor in predictors.items():
        predictor(images[:1])  # warm-up: OpenVINO's first inference of a shape
        predictor.model_seconds, predictor.images_seen = 0.0, 0
        parts[runtime] = _time_parts(predictor.model)
    for image in images[1:]:
        for runtime, predictor in predictors.items():
            found[runtime].append(len(predictor([image])[0]))
    count = len(images) - 1
    return [{"model": name, "runtime": runtime, "frames": count, "seconds_per_frame": p.model_seconds / count,
             "parts_per_frame": {k: round(v / count, 3) for k, v in parts[runtime].items()},
             "objects_per_frame": found[runtime]} for runtime, p in predictors.items()]


def bench_models(args: argparse.Namespace) -> None:
    images = frames(args.frames + 1)
    for name in args.models:
        rows = model_times(name, args.runtimes, images, args.conf)
        base = rows[0]["seconds_per_frame"] if rows[0]["runtime"] == "torch-fp32" else None
        for row in rows:
            row["speed_up"] = round(base / row["seconds_per_frame"], 2) if base else None
            row["seconds_per_frame"] = round(row["seconds_per_frame"], 3)
            row["outside_parts"] = round(row["seconds_per_frame"] - sum(row["parts_per_frame"].values()), 3)
            print(json.dumps(row), flush=True)


def _detect(runtime: str, folder: Path, weights: Path, out: Path) -> float:
    command = [sys.executable, "-m", "splashseg", "detect", str(folder), "--model", "maskrcnn_resnet50_fpn",
               "--weights", str(weights), "--conf", "0.6", "--device", "cpu", "--runtime", runtime,
               "--out", str(out), "--force", "-q"]
    start = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(EXAMPLES.parent)})
    return time.perf_counter() - start


def bench_detect(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, weights = Path(tmp) / "pictures", Path(tmp) / "seeded.pt"
        folder.mkdir()
        for i, frame in enumerate(frames(args.pictures)):
            cv2.imwrite(str(folder / f"frame{i}.png"), frame[:, :, ::-1])  # OpenCV writes BGR
        torch.save(seeded_model("maskrcnn_resnet50_fpn").state_dict(), weights)
        _detect("auto", folder, weights, Path(tmp) / "warm")  # fill the compile cache
        seconds = {runtime: _detect(runtime, folder, weights, Path(tmp) / runtime) for runtime in ("torch", "auto")}
    print(json.dumps({"pictures": args.pictures, "wall_seconds": {k: round(v, 1) for k, v in seconds.items()},
                      "speed_up": round(seconds["torch"] / seconds["auto"], 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    model = commands.add_parser("model")
    model.add_argument("--models", nargs="+", default=["maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2"])
    model.add_argument("--runtimes", nargs="+", default=list(RUNTIMES), choices=list(RUNTIMES))
    model.add_argument("--frames", type=int, default=3, help="timed frames (after one of warm-up)")
    model.add_argument("--conf", type=float, default=0.6)
    detect = commands.add_parser("detect")
    detect.add_argument("--pictures", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps({"threads": torch.get_num_threads(), "load_average": os.getloadavg(),
                      "cpu_bf16": cpu_has_bf16()}), flush=True)
    (bench_models if args.command == "model" else bench_detect)(args)


if __name__ == "__main__":
    main()
