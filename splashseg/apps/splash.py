"""``splash``: colour splash pictures, each written in the format and size of its input; the cutout effect
writes RGBA PNGs (a ``.jpg`` input gives a ``.png``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..configs import given_options, known_fields, refuse_unused
from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files, make_output_dir, weights_file
from ..images import expand_inputs, read_image, write_image
from ..predict import PredictConfig, Predictor, build_predictor
from ..render import SplashStyle
from ..render.effects import CUTOUT
from .backend import build_backend
from .batches import ReadFailures, check_picture_outputs, output_names, read_batches
from .results import SplashResult


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

    @classmethod
    def from_options(cls, **params: Any) -> SplashOptions:
        """The look options of ``splash`` and ``video`` (click's parameters by name; others ignored).
        Refuses ``--background`` for an effect that paints no picture behind the objects."""
        options = cls(**known_fields(cls, params))
        if options.effect not in ("image", CUTOUT):  # cutout's own rule: check_cutout_options
            refuse_unused(given_options(options, {"--background": "background"}), f"to --effect {options.effect}",
                          "it is the picture behind the objects for --effect image")
        return options


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
    """The pictures to splash (read in this order), where, and how. refine: refine each instance's soft mask
    against the picture (the predictor must keep soft masks)."""

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


def prepare_output(job: SplashJob) -> dict[Path, str]:
    """Before anything is written: ``job.out`` must be splash's folder (or new or empty) and no input, its
    files are replaced only with ``job.force``; then the folder is made. Returns every input's output name."""
    names = output_names(job.inputs, output_suffix(job.style))
    check_output_dir(job.out, job.inputs, "splash")
    check_output_files([job.out / n for n in names.values()], job.inputs, job.force)
    make_output_dir(job.out, "splash", force=job.force)
    return names


def run_splash(job: SplashJob, predictor: Predictor, reporter: Reporter) -> SplashResult:
    """Splash every input into ``job.out`` (same file name, format and size; PNG for the cutout)."""
    names = prepare_output(job)
    images, failed = splash_pictures(job, job.inputs, names, predictor, reporter, reporter.warn)
    return SplashResult(job.out, job.refine, images, failed, speed=predictor.speed())


def splash_pictures(job: SplashJob, paths: Sequence[Path], names: dict[Path, str], predictor: Predictor,
                    reporter: Reporter, warn: Callable[[str], None] | None
                    ) -> tuple[list[dict[str, Any]], list[tuple[Path, str]]]:
    """Splash ``paths`` (all or a share of ``job.inputs``; ``names``: every input's output file name) and
    write them; returns one record per picture written and the skipped ``(path, message)`` (``warn`` is
    told of each). Pictures without objects are warned of through ``reporter``."""
    failures, per_image = ReadFailures(), []
    backend = build_backend(predictor, refine=job.refine)  # pictures: on the host (refined where the model is)
    compositor, predict = backend.compositor(job.style), backend.predict
    empty = "transparent" if job.style.rgba else job.style.effect
    with reporter.progress() as bar:
        task = bar.add_task("splash", total=len(paths), rate="")
        for batch in read_batches(paths, predictor.batch_size, failures, warn,
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
    return per_image, failures.items


@dataclass
class SplashConfig:
    """Everything ``splash`` on pictures was asked for; the CLI's defaults are these. sources: the INPUT
    arguments (files, folders searched recursively, glob patterns)."""

    sources: list[str]
    out: Path = Path("splashed")
    splash: SplashOptions = field(default_factory=SplashOptions)
    predict: PredictConfig = field(default_factory=PredictConfig)
    force: bool = False

    @classmethod
    def from_options(cls, *, inputs: Sequence[str], out: str | Path | None = None, **params: Any) -> SplashConfig:
        """``splash``'s parameters (click's, by name) -> the config; ``out`` None: the default folder."""
        return cls(list(inputs), Path(out) if out else cls.out, SplashOptions.from_options(**params),
                   PredictConfig.from_options(**params), **known_fields(cls, {"force": False, **params}))

    @property
    def refine(self) -> bool:
        return self.predict.refine


def splash_job(config: SplashConfig) -> SplashJob:
    """The pictures ``config.sources`` name and the style (its background read), with the output folder
    checked (nothing written yet)."""
    paths = expand_inputs(config.sources, video_advice="use splashseg splash --video {path}")
    style = load_style(config.splash)
    check_picture_outputs(config.out, config.sources, paths, "splash", config.force, suffix=output_suffix(style),
                          other_inputs=(config.splash.background, weights_file(config.predict.weights)))
    return SplashJob(paths, config.out, style, config.force, config.refine)


def run_splash_job(config: SplashConfig, reporter: Reporter) -> SplashResult:
    """The whole ``splash`` command on pictures: check (the style, the output folder), load the model,
    splash, write; returns the result."""
    job = splash_job(config)
    return run_splash(job, build_predictor(config.predict), reporter)
