"""``detect``: overlay pictures, ``detections.json`` (COCO results with RLE masks), optional mask PNGs."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..console import Reporter
from ..data.coco import mask_to_rle
from ..fsutil import check_output_dir, check_output_files, ensure_dir, make_output_dir, write_text_atomic
from ..images import LoadedImage, write_image
from ..predict import Detections, Predictor
from ..render import draw_detections
from .batches import ReadFailures, output_names, read_batches


@dataclass
class DetectJob:
    """What ``detect`` writes: overlays and ``detections.json`` in ``out``; masks with ``save_masks``."""

    inputs: list[Path]
    out: Path
    save_masks: bool = False
    force: bool = False


def coco_results(image_id: int, image: LoadedImage, det: Detections) -> list[dict]:
    """COCO results entries for one image: bbox ``[x, y, w, h]`` and RLE segmentation per instance."""
    results = []
    for i in range(len(det)):
        x1, y1, x2, y2 = (float(v) for v in det.boxes[i])
        results.append({
            "image_id": image_id, "file_name": str(image.path), "width": image.width, "height": image.height,
            "category_id": int(det.labels[i]), "category_name": det.names[i],
            "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
            "score": round(float(det.scores[i]), 5), "segmentation": mask_to_rle(det.masks[i]),
        })
    return results


def _save_masks(folder: Path, stem: str, det: Detections) -> None:
    for i in range(len(det)):
        name = f"{stem}_{i:03d}_{det.names[i].replace('/', '-').replace(' ', '_')}.png"
        write_image(folder / name, np.repeat((det.masks[i] * 255).astype(np.uint8)[:, :, None], 3, axis=2))


def run_detect(job: DetectJob, predictor: Predictor, reporter: Reporter) -> dict[str, Any]:
    """Detect instances in every input and write the results; returns the summary for ``--json``.

    Unreadable inputs are skipped with a warning and listed under ``"failed"`` in the summary.
    """
    names = output_names(job.inputs)
    check_output_dir(job.out, job.inputs, "detect")
    check_output_files([job.out / n for n in names.values()] + [job.out / "detections.json"], job.inputs, job.force)
    make_output_dir(job.out, "detect")
    failures, results, per_image = ReadFailures(), [], []
    with reporter.progress() as bar:
        task = bar.add_task("detect", total=len(job.inputs), rate="")
        for batch in read_batches(job.inputs, predictor.batch_size, failures, reporter.warn):
            for image, det in zip(batch, predictor([im.rgb for im in batch]), strict=True):
                out_path = job.out / names[image.path]
                write_image(out_path, draw_detections(image.rgb, det), format=image.format)
                if job.save_masks:
                    _save_masks(ensure_dir(job.out / "masks"), out_path.stem, det)
                results.extend(coco_results(len(per_image) + 1, image, det))
                per_image.append({"file": str(image.path), "output": str(out_path), "instances": len(det),
                                  "classes": dict(Counter(det.names))})
            bar.update(task, advance=len(batch))
    write_text_atomic(job.out / "detections.json", json.dumps(results, ensure_ascii=False))
    summary = {"out": str(job.out), "detections_json": str(job.out / "detections.json"), "images": per_image,
               "instances": len(results), "failed": [str(p) for p, _ in failures.items],
               "errors": [m for _, m in failures.items]}
    return summary
