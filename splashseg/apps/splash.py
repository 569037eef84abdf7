"""``splash``: colour splash pictures, each written in the format and size of its input; the cutout effect
writes RGBA PNGs (a ``.jpg`` input gives a ``.png``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, make_output_dir, weights_file
from ..images import expand_inputs, read_image, write_image
from ..predict import PredictConfig, Predictor, build_predictor, picture_predict
from ..render import HostCompositor, SplashStyle
from ..render.effects import CUTOUT
from .batches import ReadFailures, check_picture_outputs, output_names, read_batches


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


def check_cutout_options(options: SplashOptions) -> None:
    """:class:`InputError` for options that mean nothing to ``--effect cutout`` (it paints no backdrop:
    ``--background``, ``--blur-sigma``, ``--color``); ``--feather`` and ``--invert`` apply."""
    unused = [name for name, given in (("--background", options.background is not None),
                                       ("--blur-sigma", options.blur_sigma is not None),
                                       ("--color", options.color != SplashOptions.color)) if given]
    if unused:
        raise InputError(f"--effect cutout makes the background transparent: {', '.join(unused)} "
                         "cannot apply (use --feather for soft edges, --invert to cut the objects out)")


def load_style(options: SplashOptions) -> SplashStyle:
    """Build a :class:`SplashStyle`, reading the ``--background`` picture when the effect needs it."""
    if options.effect == CUTOUT:
        check_cutout_options(options)
    if options.effect == "image" and options.background is None:
        raise InputError("--effect image needs --background PATH (the picture to put behind the objects)")
    try:
        picture = read_image(options.background).rgb if options.background is not None else None
    except InputError as exc:
        raise InputError(f"--background {exc}") from None
    return SplashStyle(options.effect, picture, options.feather, options.invert, options.blur_sigma, options.color)


@dataclass
class SplashJob:
    """refine: refine each instance's soft mask against the picture (the predictor must keep soft masks)."""

    inputs: list[Path]
    out: Path
    style: SplashStyle = field(default_factory=SplashStyle)
    force: bool = False
    refine: bool = False


def output_suffix(style: SplashStyle) -> str | None:
    """The suffix of every output: ``.png`` for the cutout (RGBA), else None (each input's own)."""
    return ".png" if style.rgba else None


def _write(path: Path, picture: Any, image: Any, rgba: bool) -> None:
    """Write the compositor's RGB ``[H, W, 3]`` (in the input's format, its alpha kept) or RGBA
    ``[H, W, 4]`` (PNG; the input's own alpha, if any, also hides what it hid)."""
    if not rgba:
        write_image(path, picture, alpha=image.alpha, format=image.format)
        return
    alpha = picture[..., 3] if image.alpha is None else np.minimum(picture[..., 3], image.alpha)  # uint8 [H, W]
    write_image(path, picture[..., :3], alpha=alpha, format="PNG")


def run_splash(job: SplashJob, predictor: Predictor, reporter: Reporter) -> dict[str, Any]:
    """Splash every input into ``job.out`` (same file name, format and size; PNG for the cutout); returns
    the summary."""
    names = output_names(job.inputs, output_suffix(job.style))
    check_output_dir(job.out, job.inputs, "splash")
    check_output_files([job.out / n for n in names.values()], job.inputs, job.force)
    make_output_dir(job.out, "splash")
    failures, per_image = ReadFailures(), []
    compositor = HostCompositor(job.style)  # pictures are read, splashed and written on the host
    predict = picture_predict(predictor, job.refine)  # refined on the model's device, then on the host
    empty = "transparent" if job.style.rgba else job.style.effect
    with reporter.progress() as bar:
        task = bar.add_task("splash", total=len(job.inputs), rate="")
        for batch in read_batches(job.inputs, predictor.batch_size, failures, reporter.warn,
                                  lambda im: predictor.input_problem(im.height, im.width)):
            for image, det in zip(batch, predict([im.rgb for im in batch]), strict=True):
                if len(det) == 0:
                    reporter.warn(f"{image.path}: no objects found; the whole picture is "
                                  f"{'kept' if job.style.invert else empty}")
                out_path = job.out / names[image.path]
                _write(out_path, compositor.splash(image.rgb, det.union_mask()), image, job.style.rgba)
                per_image.append({"file": str(image.path), "output": str(out_path), "instances": len(det),
                                  "classes": dict(Counter(det.names))})
            bar.update(task, advance=len(batch))
    return {"out": str(job.out), "refine": job.refine, "images": per_image,
            "instances": sum(i["instances"] for i in per_image), "failed": [str(p) for p, _ in failures.items],
            "errors": [m for _, m in failures.items]} | predictor.speed()


@dataclass
class SplashConfig:
    """Everything ``splash`` on pictures was asked for; the CLI's defaults are these. sources: the INPUT
    arguments (files, folders searched recursively, glob patterns)."""

    sources: list[str]
    out: Path = Path("splashed")
    splash: SplashOptions = field(default_factory=SplashOptions)
    predict: PredictConfig = field(default_factory=PredictConfig)
    refine: bool = False
    force: bool = False


def run_splash_job(config: SplashConfig, reporter: Reporter) -> dict[str, Any]:
    """The whole ``splash`` command on pictures: check (the style, the output folder), load the model,
    splash, write; returns the summary."""
    paths = expand_inputs(config.sources, video_advice="use splashseg splash --video {path}")
    style = load_style(config.splash)
    check_picture_outputs(config.out, config.sources, paths, "splash", config.force, suffix=output_suffix(style),
                          other_inputs=(config.splash.background, weights_file(config.predict.weights)))
    predictor = build_predictor(replace(config.predict, soft_masks=config.predict.soft_masks or config.refine))
    return run_splash(SplashJob(paths, config.out, style, config.force, config.refine), predictor, reporter)
