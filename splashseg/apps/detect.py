"""``detect``: overlay pictures, ``detections.json`` (COCO results with RLE masks), optional mask PNGs
(black/white in ``masks/``, and with ``soft_masks`` the 8-bit probabilities in ``soft-masks/``)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..configs import known_fields
from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, ensure_dir, make_output_dir, weights_file, write_text_atomic
from ..images import LoadedImage, expand_inputs, write_gray_png, write_image
from ..predict import Detections, PredictConfig, Predictor, build_predictor, coco_results
from ..render import draw_detections
from ..render.cutout import alpha_to_uint8
from .backend import build_backend
from .batches import ReadFailures, check_picture_outputs, output_names, read_batches
from .results import DetectResult


@dataclass
class DetectConfig:
    """Everything ``detect`` was asked for; the CLI's defaults are these. sources: the INPUT arguments
    (files, folders searched recursively, glob patterns); inputs: the pictures they name, in that order
    (filled by :func:`detect_job`). Overlays and ``detections.json`` go to ``out``; masks with
    ``save_masks``, soft masks too with ``soft_masks`` (which needs ``save_masks``). ``predict.refine``:
    every mask (overlay, RLE, PNG) is the refined one."""

    sources: list[str]
    out: Path = Path("detections")
    predict: PredictConfig = field(default_factory=PredictConfig)
    save_masks: bool = False
    soft_masks: bool = False
    force: bool = False
    inputs: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.soft_masks and not self.save_masks:
            raise InputError("--soft-masks writes PNGs beside the black/white masks: add --save-masks")

    @classmethod
    def from_options(cls, *, inputs: Sequence[str], out: str | Path = out, **params: Any) -> DetectConfig:
        """``detect``'s parameters (click's, by name) -> the config."""
        return cls(list(inputs), Path(out), PredictConfig.from_options(**params),
                   **known_fields(cls, {k: v for k, v in params.items() if k not in ("sources", "inputs")}))

    @property
    def refine(self) -> bool:
        return self.predict.refine

    def model_config(self) -> PredictConfig:
        """The predictor's config: soft masks kept when they are written (``--refine`` keeps them too)."""
        return replace(self.predict, soft_masks=self.predict.soft_masks or self.soft_masks)


def detect_job(config: DetectConfig) -> DetectConfig:
    """``config`` with the pictures its sources name, the output folder checked (nothing written yet)."""
    paths = expand_inputs(config.sources)
    check_picture_outputs(config.out, config.sources, paths, "detect", config.force, extra=("detections.json",),
                          other_inputs=(weights_file(config.predict.weights),))
    return replace(config, inputs=paths)


def run_detect_job(config: DetectConfig, reporter: Reporter) -> DetectResult:
    """The whole ``detect`` command in one process: check, load the model, detect, write; the result."""
    job = detect_job(config)
    return run_detect(job, build_predictor(config.model_config()), reporter)


def mask_file_name(stem: str, index: int, class_name: str) -> str:
    """``STEM_007_traffic_light.png``: the class name made safe for a file name (``/`` -> ``-``; other
    characters than letters, digits, ``.``, ``-`` -> ``_``) and cut to 40 characters."""
    safe = re.sub(r"[^\w.-]", "_", class_name.replace("/", "-"))[:40]
    return f"{stem}_{index:03d}_{safe}.png"


def _save_masks(folder: Path, stem: str, det: Detections) -> None:
    """One black/white PNG per instance: 8-bit grayscale (mode ``L``), 0 outside and 255 inside."""
    for i in range(len(det)):
        name = mask_file_name(stem, i, det.names[i])
        write_gray_png(folder / name, det.masks[i].astype(np.uint8) * 255)  # bool [H, W] -> uint8 [H, W]


def _save_soft_masks(folder: Path, stem: str, det: Detections) -> None:
    """One 8-bit grayscale PNG per instance: ``round(255 * p)`` of its (refined) probability ``p``."""
    for i in range(len(det)):
        write_gray_png(folder / mask_file_name(stem, i, det.names[i]), alpha_to_uint8(det.soft_masks[i]))


def prepare_output(job: DetectConfig) -> dict[Path, str]:
    """Before anything is written: ``job.out`` must be detect's folder (or new or empty) and no input, its
    files are replaced only with ``job.force``; then the folder is made. Returns every input's output name."""
    names = output_names(job.inputs)
    check_output_dir(job.out, job.inputs, "detect")
    check_output_files([job.out / n for n in names.values()] + [job.out / "detections.json"], job.inputs, job.force)
    make_output_dir(job.out, "detect", force=job.force)
    return names


def run_detect(job: DetectConfig, predictor: Predictor, reporter: Reporter) -> DetectResult:
    """Detect instances in every picture of ``job.inputs`` and write the results.

    Unreadable inputs are skipped with a warning and listed in the result's ``failed``.
    """
    names = prepare_output(job)
    part = detect_pictures(job, job.inputs, names, predictor, reporter, reporter.warn)
    write_detections_json(job, part.results)
    return DetectResult(job.out, job.refine, part.images, part.failed, speed=predictor.speed())


def write_detections_json(job: DetectConfig, results: list[dict[str, Any]]) -> None:
    """``OUT/detections.json``: the COCO results entries of every picture, as one JSON list."""
    write_text_atomic(job.out / "detections.json", json.dumps(results, ensure_ascii=False))


@dataclass
class DetectedPictures:
    """What :func:`detect_pictures` did: one ``images`` record and ``results`` (COCO results entries, image
    ids 1, 2, ... in order of the pictures read) per picture read, and the skipped ``(path, message)``."""

    images: list[dict[str, Any]]
    results: list[dict[str, Any]]
    failed: list[tuple[Path, str]]

    def add(self, written: Future | None) -> None:
        """Append the outputs of one :func:`_write_picture` (waits for it; raises what it raised)."""
        if written is not None:
            results, record = written.result()
            self.results.extend(results)
            self.images.append(record)


def _write_picture(job: DetectConfig, image: LoadedImage, det: Detections, out_path: Path,
                   image_id: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Write one picture's overlay (in the input's format) and masks; its COCO results entries (``image_id``)
    and its ``images`` record. ``image.rgb``: uint8 ``[H, W, 3]``, RGB. Runs in the writer thread."""
    write_image(out_path, draw_detections(image.rgb, det), format=image.format)
    if job.save_masks:
        _save_masks(ensure_dir(job.out / "masks"), out_path.stem, det)
    if job.soft_masks:
        _save_soft_masks(ensure_dir(job.out / "soft-masks"), out_path.stem, det)
    fields = {"file_name": str(image.path), "width": image.width, "height": image.height}
    record = {"file": str(image.path), "output": str(out_path), "instances": len(det),
              "classes": dict(Counter(det.names))}
    return coco_results(det, image_id, image_fields=fields, rounded=True), record


def detect_pictures(job: DetectConfig, paths: Sequence[Path], names: dict[Path, str], predictor: Predictor,
                    reporter: Reporter, warn: Callable[[str], None] | None) -> DetectedPictures:
    """Detect in ``paths`` (all or a share of ``job.inputs``) and write their overlays (``names``: the
    output file name of every input) and masks; ``warn`` is told of each skipped picture.

    One writer thread encodes a picture's files while the model runs on the next; at most one picture
    waits for it, and a write that failed stops the run before the next picture is handed over."""
    failures, done = ReadFailures(), DetectedPictures([], [], [])
    predict = build_backend(predictor, refine=job.refine).predict
    pending: Future | None = None
    with reporter.progress() as bar, ThreadPoolExecutor(1, thread_name_prefix="detect-writer") as writer:
        task = bar.add_task("detect", total=len(paths), rate="")
        for batch in read_batches(paths, predictor.batch_size, failures, warn,
                                  lambda im: predictor.input_problem(im.height, im.width)):
            for image, det in zip(batch, predict([im.rgb for im in batch]), strict=True):
                done.add(pending)
                pending = writer.submit(_write_picture, job, image, det, job.out / names[image.path],
                                        len(done.images) + 1)
            bar.update(task, advance=len(batch))
        done.add(pending)
    done.failed = failures.items
    return done
