"""Mask AP, AP75 and boundary IoU with and without ``--refine``, on a dataset's split with a checkpoint.

The library-level version of ``splashseg evaluate`` vs ``splashseg evaluate --refine``: one forward pass
per picture; the same detections are scored twice, once thresholding the model's soft masks at 0.5 and
once after the job's refiner (:func:`splashseg.render.build_refiner`: NumPy/OpenCV on the CPU, torch on
CUDA; default settings). Boundary IoU is
:func:`splashseg.metrics.mean_boundary_iou` (mean over ground-truth instances matched at mask IoU >= 0.5,
d = 2% of the diagonal). Also reports the refinement's time per picture (best of one run, so indicative).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_refine_eval.py --dataset DATASET --weights RUN/checkpoints/best.pt
        [--split val] [--device cpu] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from splashseg.data.coco import mask_to_rle
from splashseg.data.torch_dataset import CocoInstances
from splashseg.data.transforms import build_transforms
from splashseg.metrics import mean_boundary_iou
from splashseg.models import load_model
from splashseg.models.loading import BACKGROUND
from splashseg.render import build_refiner
from splashseg.train.evaluate import coco_evaluate


def coco_detections(output: dict[str, torch.Tensor], soft_masks: torch.Tensor, image_id: int,
                    category_of_label: dict[int, int]) -> list[dict]:
    """One picture's model output, masks thresholded from ``soft_masks`` ``[N, H, W]`` at 0.5, in COCO
    results form (every detection the model reports, as COCO AP wants)."""
    boxes = output["boxes"].float().cpu()
    boxes[:, 2:] -= boxes[:, :2]  # xyxy -> xywh
    masks = (soft_masks > 0.5).cpu().numpy()  # bool [N, H, W]
    return [{"image_id": image_id, "category_id": category_of_label[int(label)], "score": float(score),
             "bbox": box, "segmentation": mask_to_rle(mask)}
            for box, label, score, mask in zip(boxes.tolist(), output["labels"].tolist(),
                                               output["scores"].tolist(), masks, strict=True)]


@torch.inference_mode()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--split", default="val")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pictures (0: all)")
    args = parser.parse_args()
    device = torch.device(args.device)
    data = CocoInstances(args.dataset, args.split, transforms=build_transforms(train=False))
    model = load_model(None, args.weights, class_names=[BACKGROUND, *data.class_names]).model.to(device).eval()
    plain, refined, seconds = [], [], 0.0
    refiner = build_refiner(device)  # NumPy/OpenCV on the CPU (the faster path there), torch on CUDA
    count = min(len(data), args.limit) if args.limit else len(data)
    for index in range(count):
        image, target = data[index]
        image = image.as_subclass(torch.Tensor).to(device)  # float [3, H, W] in [0, 1]
        output = model([image])[0]
        image_id = int(target["image_id"])
        soft = output["masks"][:, 0].float()  # [N, H, W] probabilities, before the 0.5 threshold
        plain += coco_detections(output, soft, image_id, data.category_of_label)
        picture = (image * 255).round().to(torch.uint8).permute(1, 2, 0)  # RGB uint8 [H, W, 3]
        start = time.perf_counter()
        if device.type == "cpu":  # the host refiner takes NumPy (numpy() shares memory)
            refined_soft = torch.from_numpy(refiner(picture.numpy(), soft.numpy()))
        else:
            refined_soft = refiner(picture, soft)
            torch.cuda.synchronize(device)
        seconds += time.perf_counter() - start
        refined += coco_detections(output, refined_soft, image_id, data.category_of_label)
    gt = data.coco
    if args.limit:
        kept = {int(data[i][1]["image_id"]) for i in range(count)}
        gt = {**gt, "images": [im for im in gt["images"] if im["id"] in kept],
              "annotations": [a for a in gt["annotations"] if a["image_id"] in kept]}
    report = {"images": count, "refine_ms_per_image": round(1000 * seconds / max(count, 1), 2)}
    for name, detections in (("plain", plain), ("refined", refined)):
        segm = coco_evaluate(gt, detections).metrics["segm"]
        boundary = mean_boundary_iou(gt, detections)
        report[name] = {"segm_AP": segm["AP"], "segm_AP75": segm["AP75"], **boundary.to_json()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
