"""``splash``: colour splash pictures, each written in the format and size of its input."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, make_output_dir
from ..images import read_image, write_image
from ..predict import Predictor
from ..render import HostCompositor, SplashStyle
from .batches import ReadFailures, output_names, read_batches


@dataclass
class SplashOptions:
    """The look of a splash as the user asked for it (``--effect --background --feather --invert
    --blur-sigma --color``); :func:`load_style` reads the background and makes the :class:`SplashStyle`.
    color: RGB."""

    effect: str = "gray"
    background: Path | None = None
    feather: float = 0.0
    invert: bool = False
    blur_sigma: float | None = None
    color: tuple[int, int, int] = (0, 0, 0)


def load_style(options: SplashOptions) -> SplashStyle:
    """Build a :class:`SplashStyle`, reading the ``--background`` picture when the effect needs it."""
    if options.effect == "image" and options.background is None:
        raise InputError("--effect image needs --background PATH (the picture to put behind the objects)")
    try:
        picture = read_image(options.background).rgb if options.background is not None else None
    except InputError as exc:
        raise InputError(f"--background {exc}") from None
    return SplashStyle(options.effect, picture, options.feather, options.invert, options.blur_sigma, options.color)


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
    compositor = HostCompositor(job.style)  # pictures are read, splashed and written on the host
    with reporter.progress() as bar:
        task = bar.add_task("splash", total=len(job.inputs), rate="")
        for batch in read_batches(job.inputs, predictor.batch_size, failures, reporter.warn,
                                  lambda im: predictor.input_problem(im.height, im.width)):
            for image, det in zip(batch, predictor([im.rgb for im in batch]), strict=True):
                if len(det) == 0:
                    reporter.warn(f"{image.path}: no objects found; the whole picture is "
                                  f"{'kept' if job.style.invert else job.style.effect}")
                out_path = job.out / names[image.path]
                splashed = compositor.splash(image.rgb, det.union_mask())
                write_image(out_path, splashed, alpha=image.alpha, format=image.format)
                per_image.append({"file": str(image.path), "output": str(out_path), "instances": len(det),
                                  "classes": dict(Counter(det.names))})
            bar.update(task, advance=len(batch))
    return {"out": str(job.out), "images": per_image, "instances": sum(i["instances"] for i in per_image),
            "failed": [str(p) for p, _ in failures.items], "errors": [m for _, m in failures.items]}
