"""Compositor throughput against a naive Matterport-style splash, on the same 1080p frames.

The reference is what Matterport's balloon sample does per frame: a float64 gray conversion of the whole
image (skimage's rgb2gray + gray2rgb, written here with NumPy) and ``np.where`` over the full image. The
colour splash is bound by memory bandwidth: one read and one write of the frame, plus the mask.

    .venv/bin/python benchmarks/bench_splash.py [--frames 8] [--repeat 3] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import cv2
import numpy as np
import torch

from splashseg.render import color_splash
from splashseg.render.splash_torch import color_splash_torch


def naive_splash(image_rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Matterport's ``color_splash``: float64 luma for every pixel, then ``np.where`` on ``[H, W, 3]``."""
    gray = image_rgb.astype(np.float64) / 255.0 @ np.array([0.2125, 0.7154, 0.0721])  # skimage rgb2gray
    gray = np.stack([gray] * 3, axis=-1) * 255  # gray2rgb
    return np.where(mask[..., None], image_rgb, gray).astype(np.uint8)


def frames_and_masks(count: int, width: int, height: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    items = []
    for _ in range(count):
        image = cv2.resize(rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8), (width, height))
        mask = np.zeros((height, width), np.uint8)
        for _ in range(3):
            center = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            axes = (int(rng.integers(50, width // 4)), int(rng.integers(50, height // 4)))
            cv2.ellipse(mask, center, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        items.append((image, mask.astype(bool)))
    return items


def megapixels_per_s(fn, items, repeat: int) -> float:  # noqa: ANN001
    fn(*items[0])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for image, mask in items:
            fn(image, mask)
        best = min(best, time.perf_counter() - start)
    pixels = sum(image.shape[0] * image.shape[1] for image, _ in items)
    return pixels / best / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    items = frames_and_masks(args.frames, width, height)
    for image, mask in items[:2]:  # same answer as the reference (its luma weights differ: compare inside only)
        assert np.array_equal(color_splash(image, mask)[mask], naive_splash(image, mask)[mask])
    results = {
        "naive_matterport_mpx_s": megapixels_per_s(naive_splash, items, args.repeat),
        "splashseg_gray_mpx_s": megapixels_per_s(color_splash, items, args.repeat),
        "splashseg_gray_feather3_mpx_s": megapixels_per_s(lambda i, m: color_splash(i, m, feather=3), items,
                                                          args.repeat),
        "splashseg_blur_mpx_s": megapixels_per_s(lambda i, m: color_splash(i, m, effect="blur"), items, args.repeat),
        "splashseg_torch_cpu_gray_mpx_s": megapixels_per_s(
            lambda i, m: color_splash_torch(torch.from_numpy(i), torch.from_numpy(m)), items, args.repeat),
    }
    results["ratio_gray_vs_naive"] = results["splashseg_gray_mpx_s"] / results["naive_matterport_mpx_s"]
    machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, " \
              f"OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads), NumPy {np.__version__}"
    print(json.dumps({"frames": args.frames, "size": args.size, "machine": machine,
                      **{k: round(v, 1) for k, v in results.items()}}, indent=2))


if __name__ == "__main__":
    main()
