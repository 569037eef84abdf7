"""Predictor throughput against a naive loop, on the same decoded images, in one run.

Naive loop: the torchvision model in fp32, one image at a time, every result copied to the host with
``.cpu()`` (how most scripts call Mask R-CNN). splashseg: ``Predictor`` with batching and, on CUDA,
fp16 autocast; the masks end on the host as boolean arrays, as ``detect`` needs them.

    .venv/bin/python benchmarks/bench_detect.py --device cuda --model maskrcnn_resnet50_fpn_v2 --images 64
    .venv/bin/python benchmarks/bench_detect.py --device cpu --model maskrcnn_small --size 480x360 --images 8

Random-init weights (``--weights none``) are the default, so it runs offline; the work per image is the
same as with trained weights only if detections are not capped, so the score threshold is set to keep
the top 100 as a trained model on busy pictures would (``--conf 0``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

from splashseg.models import load_model
from splashseg.predict import Predictor


def naive(model: torch.nn.Module, images: list[np.ndarray], device: torch.device) -> float:
    model.eval().to(device)
    start = time.perf_counter()
    with torch.no_grad():
        for img in images:
            tensor = torch.from_numpy(img).permute(2, 0, 1).float().div(255).to(device)
            out = model([tensor])[0]
            _ = {k: v.cpu() for k, v in out.items()}
            _ = (out["masks"][:, 0] > 0.5).cpu().numpy()
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
    parser.add_argument("--model", default="maskrcnn_resnet50_fpn_v2")
    parser.add_argument("--weights", default="none")
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT of the test images")
    parser.add_argument("--batch-sizes", default="1,8")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(args.images)]
    device = torch.device(args.device)
    loaded = load_model(args.model, args.weights)
    naive(loaded.model, images[:2], device)  # warm-up
    results = {"naive_fp32_bs1_img_s": naive(loaded.model, images, device)}
    for amp in ([False, True] if device.type == "cuda" else [False]):
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            predictor = Predictor(loaded.model, loaded.class_names, device=device, conf=0.0, batch_size=batch,
                                  amp=amp)
            ours(predictor, images[:batch])  # warm-up
            results[f"splashseg_{'amp' if amp else 'fp32'}_bs{batch}_img_s"] = ours(predictor, images)
    best = max(v for k, v in results.items() if k.startswith("splashseg"))
    results["best_vs_naive"] = best / results["naive_fp32_bs1_img_s"]
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    print(json.dumps({"model": args.model, "size": args.size, "images": args.images, "device": machine,
                      "torch": torch.__version__, **{k: round(v, 2) for k, v in results.items()}}, indent=2))


if __name__ == "__main__":
    main()
