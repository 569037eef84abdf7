"""Mask refinement: milliseconds per 1080p frame on the CPU, and the boundary IoU it gains on made pictures.

Cost: a textured 1920x1080 frame with 1, 5 and 20 objects (discs, stars and ellipses, 40-400 px across)
and the soft masks Mask R-CNN would paste for them (28x28 grid, bilinear); ``refine_masks`` on the
whole ``[N, H, W]`` stack, NumPy/OpenCV and torch on the CPU (best of ``--repeat``), with ``--threads``
threads for both; by default (a new ``[N, H, W]`` float32 array: the copy is a large part of the cost)
and with ``inplace=True`` (what a pipeline that owns the model's masks should use).

Quality: made pictures with a known edge (60 of them: three shapes, four sizes, five kinds of difficulty:
low contrast, cluttered background, strong texture, equal brightness, masks off by up to 0.6 cells);
boundary IoU (d = 2% of the diagonal) and mask IoU of the 0.5-thresholded mask against the truth, before
and after refinement, with the default settings.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_refine.py [--repeat 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from refine_samples import blocky_soft_mask, edge_scene, shape_coverage, texture  # noqa: E402

from splashseg.metrics import boundary_iou  # noqa: E402
from splashseg.render.refine import refine_masks  # noqa: E402
from splashseg.render.refine_torch import refine_masks_torch  # noqa: E402

SHAPES = ("disc", "star", "ellipse")


def frame_with_objects(count: int, height: int = 1080, width: int = 1920, seed: int = 0) -> tuple[np.ndarray,
                                                                                                    np.ndarray]:
    """(RGB ``uint8 [H, W, 3]``, soft masks ``float32 [count, H, W]``) of ``count`` objects on a texture."""
    rng = np.random.default_rng(seed)
    picture = texture(rng, height, width, rng.uniform(40, 215, 3), 12.0)
    masks = []
    for index in range(count):
        size = float(rng.uniform(20, 200))
        center = (float(rng.uniform(size, width - size)), float(rng.uniform(size, height - size)))
        coverage = shape_coverage(SHAPES[index % 3], height, width, center, size)[..., None]
        picture = texture(rng, height, width, rng.uniform(40, 215, 3), 12.0) * coverage + picture * (1 - coverage)
        masks.append(blocky_soft_mask(coverage[..., 0] >= 0.5, blur=0.5))
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8), np.stack(masks)


def best_ms(fn, soft, repeat: int) -> float:  # noqa: ANN001
    """Best time of ``fn(soft_copy)`` in ms; the copies are made before the clock starts."""
    copies = [soft.clone() if isinstance(soft, torch.Tensor) else soft.copy() for _ in range(repeat + 1)]
    fn(copies.pop())  # warm-up
    times = []
    for copy in copies:
        start = time.perf_counter()
        fn(copy)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def cost(repeat: int) -> dict[str, float]:
    """ms per 1080p frame: the default (returns a new ``[N, H, W]`` array) and ``inplace=True``."""
    results = {}
    for count in (1, 5, 20):
        image, soft = frame_with_objects(count, seed=count)
        image_t, soft_t = torch.from_numpy(image), torch.from_numpy(soft)
        runs = {
            "numpy": lambda s, i=image: refine_masks(i, s),
            "numpy_inplace": lambda s, i=image: refine_masks(i, s, inplace=True),
            "numpy_gray_inplace": lambda s, i=image: refine_masks(i, s, guide="gray", inplace=True),
            "torch_cpu": lambda s, i=image_t: refine_masks_torch(i, s),
            "torch_cpu_inplace": lambda s, i=image_t: refine_masks_torch(i, s, inplace=True),
        }
        for name, fn in runs.items():
            results[f"{name}_{count}_instances_ms"] = best_ms(fn, soft_t if name.startswith("torch") else soft,
                                                              repeat)
    return results


def quality_cases() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(kind, picture, true mask, soft mask) for every shape, size and kind of difficulty."""
    rng = np.random.default_rng(5)
    cases = []
    for shape in SHAPES:
        for size, (h, w) in [(20, (120, 160)), (60, (240, 320)), (150, (540, 720)), (300, (1080, 1440))]:
            for kind in ("low_contrast", "clutter", "strong_texture", "equal_brightness", "offset"):
                settings, offset = {}, (0.0, 0.0)
                if kind == "low_contrast":
                    base = rng.uniform(60, 190, 3)
                    settings["colors"] = (tuple(base), tuple(base + rng.choice([-1, 1], 3) * 20))
                elif kind == "clutter":
                    settings["clutter"] = 12
                elif kind == "strong_texture":
                    settings["strength"] = 30.0
                elif kind == "equal_brightness":
                    settings["colors"] = ((200, 80, 80), (80, 140, 120))  # BT.601 luma 121 and 122
                else:
                    offset = tuple(rng.uniform(-0.6, 0.6, 2) * 2 * size / 28)
                image, truth = edge_scene(h, w, shape=shape, size=size, seed=int(rng.integers(1000)), **settings)
                soft = blocky_soft_mask(truth, blur=float(rng.choice([0.0, 0.8])), offset=offset)
                cases.append((kind, image, truth, soft))
    return cases


def quality() -> dict[str, float]:
    def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
        return np.count_nonzero(a & b) / np.count_nonzero(a | b)

    rows = []
    for kind, image, truth, soft in quality_cases():
        refined = refine_masks(image, soft[None])[0] >= 0.5
        rows.append((kind, boundary_iou(truth, soft >= 0.5), boundary_iou(truth, refined),
                     mask_iou(truth, soft >= 0.5), mask_iou(truth, refined)))
    table = np.array([row[1:] for row in rows])  # [cases, 4]
    results = {"cases": len(rows), "boundary_iou_before": table[:, 0].mean(), "boundary_iou_after": table[:, 1].mean(),
               "mask_iou_before": table[:, 2].mean(), "mask_iou_after": table[:, 3].mean(),
               "cases_boundary_iou_worse": int(np.count_nonzero(table[:, 1] < table[:, 0])),
               "worst_boundary_iou_change": float((table[:, 1] - table[:, 0]).min())}
    for kind in sorted({row[0] for row in rows}):
        picked = table[[row[0] == kind for row in rows]]
        results[f"boundary_iou_gain_{kind}"] = float((picked[:, 1] - picked[:, 0]).mean())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, " \
              f"OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads), NumPy {np.__version__}"
    results = {**cost(args.repeat), **quality()}
    print(json.dumps({"machine": machine, **{k: round(v, 4) if isinstance(v, float) else v
                                             for k, v in results.items()}}, indent=2))


if __name__ == "__main__":
    main()
