"""``detect``: overlay pictures, ``detections.json`` (COCO results with RLE masks), optional mask PNGs
(black/white in ``masks/``, and with ``soft_masks`` the 8-bit probabilities in ``soft-masks/``)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, ensure_dir, make_output_dir, write_text_atomic
from ..images import write_gray_png, write_image
from ..predict import Detections, Predictor, coco_results, picture_predict
from ..render import draw_detections
from ..render.cutout import alpha_to_uint8
from .batches import ReadFailures, output_names, read_batches


@dataclass
class DetectJob:
    """What ``detect`` writes: overlays and ``detections.json`` in ``out``; masks with ``save_masks``, soft
    masks too with ``soft_masks`` (which needs ``save_masks``). refine: every mask (overlay, RLE, PNG) is
    the refined one (the predictor must keep soft masks for ``refine`` and ``soft_masks``)."""

    inputs: list[Path]
    out: Path
    save_masks: bool = False
    force: bool = False
    soft_masks: bool = False
    refine: bool = False

    def __post_init__(self) -> None:
        if self.soft_masks and not self.save_masks:
            raise InputError("--soft-masks writes PNGs beside the black/white masks: add --save-masks")


def mask_file_name(stem: str, index: int, class_name: str) -> str:
    """``STEM_007_traffic_light.png``: the class name made safe for a file name (``/`` -> ``-``; other
    characters than letters, digits, ``.``, ``-`` -> ``_``) and cut to 40 characters."""
    safe = re.sub(r"[^\w.-]", "_", class_name.replace("/", "-"))[:40]
    return f"{stem}_{index:03d}_{safe}.png"


def _save_masks(folder: Path, stem: str, det: Detections) -> None:
    """One black/white PNG per instance (0 / 255, RGB)."""
    for i in range(len(det)):
        name = mask_file_name(stem, i, det.names[i])
        write_image(folder / name, np.repeat((det.masks[i] * 255).astype(np.uint8)[:, :, None], 3, axis=2))


def _save_soft_masks(folder: Path, stem: str, det: Detections) -> None:
    """One 8-bit grayscale PNG per instance: ``round(255 * p)`` of its (refined) probability ``p``."""
    for i in range(len(det)):
        write_gray_png(folder / mask_file_name(stem, i, det.names[i]), alpha_to_uint8(det.soft_masks[i]))


def run_detect(job: DetectJob, predictor: Predictor, reporter: Reporter) -> dict[str, Any]:
    """Detect instances in every input and write the results; returns the summary for ``--json``.

    Unreadable inputs are skipped with a warning and listed under ``"failed"`` in the summary.
    """
    names = output_names(job.inputs)
    check_output_dir(job.out, job.inputs, "detect")
    check_output_files([job.out / n for n in names.values()] + [job.out / "detections.json"], job.inputs, job.force)
    make_output_dir(job.out, "detect")
    failures, results, per_image = ReadFailures(), [], []
    predict = picture_predict(predictor, job.refine)
    with reporter.progress() as bar:
        task = bar.add_task("detect", total=len(job.inputs), rate="")
        for batch in read_batches(job.inputs, predictor.batch_size, failures, reporter.warn,
                                  lambda im: predictor.input_problem(im.height, im.width)):
            for image, det in zip(batch, predict([im.rgb for im in batch]), strict=True):
                out_path = job.out / names[image.path]
                write_image(out_path, draw_detections(image.rgb, det), format=image.format)
                if job.save_masks:
                    _save_masks(ensure_dir(job.out / "masks"), out_path.stem, det)
                if job.soft_masks:
                    _save_soft_masks(ensure_dir(job.out / "soft-masks"), out_path.stem, det)
                fields = {"file_name": str(image.path), "width": image.width, "height": image.height}
                results.extend(coco_results(det, len(per_image) + 1, image_fields=fields, rounded=True))
                per_image.append({"file": str(image.path), "output": str(out_path), "instances": len(det),
                                  "classes": dict(Counter(det.names))})
            bar.update(task, advance=len(batch))
    write_text_atomic(job.out / "detections.json", json.dumps(results, ensure_ascii=False))
    summary = {"out": str(job.out), "detections_json": str(job.out / "detections.json"), "refine": job.refine,
               "images": per_image,
               "instances": len(results), "failed": [str(p) for p, _ in failures.items],
               "errors": [m for _, m in failures.items]}
    return summary
