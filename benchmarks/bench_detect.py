"""Predictor throughput against a naive loop, on the same decoded images, in one run.

Naive loop: the torchvision model in fp32, one image at a time, every result copied to the host with
``.cpu()`` (how most scripts call Mask R-CNN). splashseg: ``Predictor`` with batching and, on CUDA,
fp16 autocast; the masks end on the host as boolean arrays, as ``detect`` needs them.

    .venv/bin/python benchmarks/bench_detect.py --device cuda --model maskrcnn_resnet50_fpn_v2 --images 64
    .venv/bin/python benchmarks/bench_detect.py --device cpu --weights examples/shapes-small.pt --size 320x240

The pictures are the demo's synthetic scenes at ``--size``. Both loops keep detections scoring at least
``--conf``: the naive loop as scripts do (torchvision's default 0.05 threshold inside the model, then a
filter on the host, so it pastes masks it throws away); the Predictor moves the threshold into the model.
Weights: ``--weights none`` (random, offline), ``coco`` or a checkpoint such as ``examples/shapes-small.pt``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from splashseg.demo.synth import synth_picture
from splashseg.models import load_model
from splashseg.predict import Predictor


def naive(model: torch.nn.Module, images: list[np.ndarray], device: torch.device, conf: float) -> float:
    model.eval().to(device)
    model.roi_heads.score_thresh = 0.05  # torchvision's default
    start = time.perf_counter()
    with torch.no_grad():
        for img in images:
            tensor = torch.from_numpy(img).permute(2, 0, 1).float().div(255).to(device)
            out = {k: v.cpu() for k, v in model([tensor])[0].items()}
            keep = out["scores"] >= conf
            _ = (out["masks"][keep, 0] > 0.5).numpy()
    return len(images) / (time.perf_counter() - start)


def ours(predictor: Predictor, images: list[np.ndarray]) -> float:
    start = time.perf_counter()
    predictor(images)
    if predictor.device.type == "cuda":
        torch.cuda.synchronize()
    return len(images) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--model", default=None, help="default: maskrcnn_resnet50_fpn_v2, or the checkpoint's")
    parser.add_argument("--weights", default="none")
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT of the test images")
    parser.add_argument("--batch-sizes", default="1,8")
    parser.add_argument("--conf", type=float, default=0.5)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    rng = np.random.default_rng(0)
    images = [synth_picture(rng, height, width)[0] for _ in range(args.images)]
    device = torch.device(args.device)
    loaded = load_model(args.model, args.weights)
    naive(loaded.model, images[:2], device, args.conf)  # warm-up
    results = {"naive_fp32_bs1_img_s": naive(loaded.model, images, device, args.conf)}
    for amp in ([False, True] if device.type == "cuda" else [False]):
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            predictor = Predictor(loaded.model, loaded.class_names, device=device, conf=args.conf, batch_size=batch,
                                  amp=amp)
            ours(predictor, images[:batch])  # warm-up
            results[f"splashseg_{'amp' if amp else 'fp32'}_bs{batch}_img_s"] = ours(predictor, images)
    best = max(v for k, v in results.items() if k.startswith("splashseg"))
    results["best_vs_naive"] = best / results["naive_fp32_bs1_img_s"]
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    print(json.dumps({"model": loaded.model_name, "size": args.size, "images": args.images, "device": machine,
                      "torch": torch.__version__, **{k: round(v, 2) for k, v in results.items()}}, indent=2))


if __name__ == "__main__":
    main()
