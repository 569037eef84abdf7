"""``splash``: colour splash pictures, each written in the format and size of its input."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..console import Reporter
from ..fsutil import check_output_dir, check_output_files, make_output_dir
from ..images import read_image, write_image
from ..predict import Predictor
from ..render import color_splash
from ..render.splash import cover_resize
from .batches import ReadFailures, output_names, read_batches


@dataclass
class SplashStyle:
    """How the splash looks (see :func:`splashseg.render.color_splash`). ``background``: RGB uint8 [h, w, 3]."""

    effect: str = "gray"
    background: np.ndarray | None = None
    feather: float = 0.0
    invert: bool = False
    blur_sigma: float | None = None
    color: tuple[int, int, int] = (0, 0, 0)
    _fitted: dict = field(default_factory=dict, repr=False, compare=False)  # (H, W, where) -> background

    def apply(self, image_rgb: Any, keep_mask: Any) -> Any:
        """Splash one RGB ``uint8 [H, W, 3]`` image (NumPy or torch) with this style."""
        return color_splash(image_rgb, keep_mask, effect=self.effect, background=self._background_for(image_rgb),
                            feather=self.feather, invert=self.invert, blur_sigma=self.blur_sigma, color=self.color)

    def _background_for(self, image_rgb: Any) -> Any:
        """The background fitted to the frame's size (and device) once, not again for every video frame."""
        if self.effect != "image" or self.background is None:
            return self.background
        where = "numpy" if isinstance(image_rgb, np.ndarray) else str(image_rgb.device)
        key = (int(image_rgb.shape[0]), int(image_rgb.shape[1]), where)
        if key not in self._fitted:
            fitted = cover_resize(self.background, key[0], key[1])
            if where != "numpy":
                import torch

                fitted = torch.from_numpy(fitted).to(image_rgb.device)
            self._fitted[key] = fitted
        return self._fitted[key]


def load_style(effect: str, background: Path | None, feather: float, invert: bool, blur_sigma: float | None,
               color: tuple[int, int, int]) -> SplashStyle:
    """Build a :class:`SplashStyle`, reading the ``--background`` picture when the effect needs it."""
    from ..errors import InputError

    if effect == "image" and background is None:
        raise InputError("--effect image needs --background PATH (the picture to put behind the objects)")
    picture = read_image(background).rgb if background is not None else None
    return SplashStyle(effect, picture, feather, invert, blur_sigma, color)


@dataclass
class SplashJob:
    inputs: list[Path]
    out: Path
    style: SplashStyle = field(default_factory=SplashStyle)
    force: bool = False


def run_splash(job: SplashJob, predictor: Predictor, reporter: Reporter) -> dict[str, Any]:
    """Splash every input into ``job.out`` (same file name, format and size); returns the summary."""
    names = output_names(job.inputs)
    check_output_dir(job.out, job.inputs, "splash")
    check_output_files([job.out / n for n in names.values()], job.inputs, job.force)
    make_output_dir(job.out, "splash")
    failures, per_image = ReadFailures(), []
    with reporter.progress() as bar:
        task = bar.add_task("splash", total=len(job.inputs), rate="")
        for batch in read_batches(job.inputs, predictor.batch_size, failures, reporter.warn):
            for image, det in zip(batch, predictor([im.rgb for im in batch]), strict=True):
                if len(det) == 0:
                    reporter.warn(f"{image.path}: no objects found; the whole picture is "
                                  f"{'kept' if job.style.invert else job.style.effect}")
                out_path = job.out / names[image.path]
                splashed = job.style.apply(image.rgb, det.union_mask())
                write_image(out_path, splashed, alpha=image.alpha, format=image.format)
                per_image.append({"file": str(image.path), "output": str(out_path), "instances": len(det),
                                  "classes": dict(Counter(det.names))})
            bar.update(task, advance=len(batch))
    return {"out": str(job.out), "images": per_image, "instances": sum(i["instances"] for i in per_image),
            "failed": [str(p) for p, _ in failures.items], "errors": [m for _, m in failures.items]}
