"""Training throughput: splashseg's ``train_one_epoch`` against a loop written as torchvision's reference.

Both loops train the same model (same initial weights) on the same synthetic dataset, data loader, batch
size and precision; the reference loop follows ``references/detection/engine.py``: ``.item()`` on the
summed loss every iteration (its non-finite check) and on every loss for its MetricLogger, warm-up with
``LinearLR``. The runs alternate, and so does which loop goes first, so machine load hits both alike.

    python benchmarks/bench_train.py                      # CPU, maskrcnn_small, 128 px, batch 4
    python benchmarks/bench_train.py --device cuda --model maskrcnn_resnet50_fpn_v2 --size 512 --amp

Prints images/s of each and the ratio splashseg / reference (higher is better).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from splashseg.data.coco import mask_to_rle
from splashseg.data.torch_dataset import CocoInstances, collate
from splashseg.data.transforms import build_transforms
from splashseg.models import build_model
from splashseg.train.engine import train_one_epoch
from splashseg.train.optim import build_optimizer, build_scheduler
from splashseg.train.sampler import GroupedBatchSampler


def make_dataset(root: Path, count: int, size: int, seed: int = 0) -> Path:
    """``count`` pictures ``size`` px square with 1-3 rectangles or discs each, as a canonical dataset."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    coco = {
        "images": [],
        "annotations": [],
        "categories": [{"id": 1, "name": "box"}, {"id": 2, "name": "disc"}],
    }
    yy, xx = np.mgrid[:size, :size]
    for i in range(count):
        image = rng.integers(60, 120, (size, size, 3), dtype=np.uint8)
        coco["images"].append({"id": i + 1, "file_name": f"{i}.png", "height": size, "width": size})
        for _ in range(1 + i % 3):
            cx, cy = (int(v) for v in rng.integers(size // 6, size - size // 6, 2))
            r = int(rng.integers(6, size // 6))
            kind = int(rng.integers(1, 3))
            mask = (
                (abs(xx - cx) < r) & (abs(yy - cy) < r)
                if kind == 1
                else (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
            )
            image[mask] = (220, 60, 40) if kind == 1 else (40, 200, 80)
            rle = mask_to_rle(mask)
            ys, xs = np.nonzero(mask)
            bbox = [
                float(xs.min()),
                float(ys.min()),
                float(xs.max() - xs.min() + 1),
                float(ys.max() - ys.min() + 1),
            ]
            coco["annotations"].append(
                {
                    "id": len(coco["annotations"]) + 1,
                    "image_id": i + 1,
                    "category_id": kind,
                    "segmentation": rle,
                    "bbox": bbox,
                    "area": float(mask.sum()),
                    "iscrowd": 0,
                }
            )
        Image.fromarray(image).save(root / "images" / f"{i}.png")
    for split in ("train", "val"):
        (root / "annotations" / f"{split}.json").write_text(json.dumps(coco))
    return root


def reference_loop(model, optimizer, loader, device, scaler, warmup_iters: int) -> None:  # noqa: ANN001
    """One epoch the way torchvision's references/detection/engine.py trains (single process)."""
    model.train()
    lr_scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.001, total_iters=warmup_iters)
    for images, targets in loader:
        images = [image.to(device) for image in images]
        targets = [
            {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in t.items()} for t in targets
        ]
        with torch.autocast(device.type, enabled=scaler is not None):
            loss_dict = model(images, targets)
            losses = sum(loss for loss in loss_dict.values())
        loss_value = losses.item()
        if not math.isfinite(loss_value):
            raise SystemExit(f"Loss is {loss_value}, stopping training")
        optimizer.zero_grad()
        if scaler is not None:
            scaler.scale(losses).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            losses.backward()
            optimizer.step()
        lr_scheduler.step()
        _logged = {k: v.item() for k, v in loss_dict.items()}  # MetricLogger.update
        _lr = optimizer.param_groups[0]["lr"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="maskrcnn_small")
    parser.add_argument("--size", type=int, default=128, help="picture side and --min-size")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=12, help="timed iterations per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", action="store_true", help="mixed precision for both loops (CUDA)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = make_dataset(Path(tmp) / "bench", args.iterations * args.batch_size, args.size)
        data = CocoInstances(root, "train", transforms=build_transforms(True))
        sampler = GroupedBatchSampler(data, args.batch_size, seed=0)
        loader = DataLoader(data, batch_sampler=sampler, num_workers=0, collate_fn=collate)
        model = build_model(args.model, 3, min_size=args.size, max_size=args.size * 5 // 4).to(device)
        initial = copy.deepcopy(model.state_dict())
        rates: dict[str, list[float]] = {"reference": [], "splashseg": []}
        for round_index in range(args.rounds + 1):  # round 0 warms up (allocator, caches)
            order = ("reference", "splashseg") if round_index % 2 else ("splashseg", "reference")
            for name in order:  # alternate who goes first
                model.load_state_dict(initial)
                optimizer = build_optimizer(model, "sgd", lr=0.01, weight_decay=1e-4)
                scaler = torch.amp.GradScaler(device.type, enabled=args.amp)
                sampler.set_epoch(round_index)
                if device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                if name == "reference":
                    reference_loop(
                        model, optimizer, loader, device, scaler if args.amp else None, warmup_iters=5
                    )
                else:
                    scheduler = build_scheduler(
                        optimizer,
                        total_iters=len(sampler),
                        schedule="cosine",
                        warmup_iters=5,
                        warmup_factor=0.001,
                        steps=(),
                        gamma=0.1,
                    )
                    train_one_epoch(
                        model,
                        optimizer,
                        loader,
                        device=device,
                        scheduler=scheduler,
                        scaler=scaler,
                        amp=args.amp,
                        log_every=10,
                    )
                if device.type == "cuda":
                    torch.cuda.synchronize()
                if round_index > 0:
                    rates[name].append(len(data) / (time.perf_counter() - start))
    ref, ours = statistics.median(rates["reference"]), statistics.median(rates["splashseg"])
    print(
        f"model {args.model}, {args.size} px, batch {args.batch_size}, {args.iterations} iterations x "
        f"{args.rounds} rounds, device {device}, amp {args.amp}, threads {torch.get_num_threads()}"
    )
    print(
        f"reference loop: {ref:.2f} images/s  (rounds: {', '.join(f'{r:.2f}' for r in rates['reference'])})"
    )
    print(
        f"splashseg loop: {ours:.2f} images/s  (rounds: {', '.join(f'{r:.2f}' for r in rates['splashseg'])})"
    )
    print(f"ratio splashseg / reference: {ours / ref:.3f}")


if __name__ == "__main__":
    main()
