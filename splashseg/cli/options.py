"""Option decorators shared by several commands, so each option and its default is written once."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..apps.splash import SplashOptions
from ..console import Reporter
from ..errors import InputError
from ..fsutil import check_output_name
from ..models.registry import DEFAULT_MODEL, MODELS
from ..predict import PredictConfig
from ..render.effects import BLUR_SHARE, EFFECTS, MIN_BLUR_SIGMA
from ..runtime import DEFAULT_RUNTIME, RUNTIME_CHOICES, RUNTIME_ENV
from .errors import debug_option

F = TypeVar("F", bound=Callable[..., Any])

# The group imports torch and torchvision at start-up anyway (the pair check), so the registries are used
# as they are: a model or effect added there is a choice here.
MODEL_NAMES = tuple(MODELS)


def _size_defaults(side: str) -> str:
    """``800 (maskrcnn_resnet50_fpn_v2, ...), 384 (maskrcnn_small)``: each model's default ``side``."""
    by_value: dict[int, list[str]] = {}
    for name, spec in MODELS.items():
        by_value.setdefault(getattr(spec, side), []).append(name)
    return "; ".join(f"{value} for {', '.join(names)}" for value, names in by_value.items())


def _finite(number: float, param: click.Parameter | None, ctx: click.Context | None) -> float:
    if not math.isfinite(number):
        raise click.BadParameter(f"{number} is not a finite number", ctx=ctx, param=param)
    return number


class FiniteFloat(click.types.FloatParamType):
    """A float option that refuses ``nan`` and ``inf`` at parse time (exit 2), as click's FLOAT does not."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        return _finite(super().convert(value, param, ctx), param, ctx)


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses ``nan`` (which passes every range check) and ``inf``.

    Use this or :class:`FiniteFloat` for every float option (tests/test_cli_options.py checks).
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        number = click.FLOAT.convert(value, param, ctx)
        return super().convert(_finite(number, param, ctx), param, ctx)


class NonEmpty(click.ParamType):
    """A string or path option type that refuses ``""`` (and blanks) with "empty value for --X" (exit 2),
    so that ``--weights ""`` does not become ``.`` nor ``--classes ""`` mean "no filter". Wraps ``inner``
    (click's STRING or a ``click.Path``), which does the rest of the conversion; see :func:`refuse_empty_values`."""

    def __init__(self, inner: click.ParamType) -> None:
        self.inner, self.name = inner, inner.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            shown = param.opts[-1] if isinstance(param, click.Option) else (param.human_readable_name if param else "")
            self.fail(f"empty value for {shown}", param, ctx)
        if isinstance(self.inner, click.Path):
            try:
                check_output_name(Path(os.fsdecode(value)), "")  # a name no filesystem holds: not a path at all
            except InputError as exc:
                if "bytes long" in str(exc):
                    self.fail(str(exc).strip(), param, ctx)
        return self.inner.convert(value, param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        return self.inner.get_metavar(param, ctx)

    def to_info_dict(self) -> dict[str, Any]:
        return self.inner.to_info_dict()

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        return self.inner.shell_complete(ctx, param, incomplete)


def refuse_empty_values(command: click.Command) -> click.Command:
    """Give every string and path parameter of ``command`` the :class:`NonEmpty` type (the group does this
    for every command it registers, so no option of any command takes ``""``)."""
    for param in command.params:
        plain = isinstance(param.type, (click.Path, click.types.StringParamType))
        if plain and not (isinstance(param, click.Option) and param.is_flag):
            param.type = NonEmpty(param.type)
    return command


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def device_option(func: F) -> F:
    return click.option("--device", default=PredictConfig.device, show_default=True, metavar="auto|cpu|cuda|cuda:N",
                        help="Where the model runs; auto picks CUDA when available.")(func)


def runtime_option(func: F) -> F:
    """``--runtime auto|torch|openvino`` (detect, splash, video, evaluate)."""
    return click.option("--runtime", type=click.Choice(RUNTIME_CHOICES), default=None, metavar="auto|torch|openvino",
                        help=f"Where the model's dense layers run [default: ${RUNTIME_ENV}, else {DEFAULT_RUNTIME}: "
                             "OpenVINO on a CPU (bfloat16 where the CPU has it), torch on CUDA].")(func)


def model_options(default_weights: str | None = PredictConfig.weights) -> Callable[[F], F]:
    """``--model --weights --device --min-size --max-size``: which network and where it runs."""
    return _compose(
        click.option("--model", "model_name", type=click.Choice(MODEL_NAMES), default=None,
                     help=f"Architecture [default: the checkpoint's, else {DEFAULT_MODEL}]."),
        click.option("--weights", default=default_weights, show_default=default_weights is not None,
                     metavar="coco|none|PATH",
                     help="COCO-pretrained weights, random init, or a checkpoint/state dict file."),
        device_option,
        click.option("--min-size", type=click.IntRange(32, 4096), default=None,
                     help="Short side the model resizes to [default: the checkpoint's, else "
                          f"{_size_defaults('min_size')}]."),
        click.option("--max-size", type=click.IntRange(32, 8192), default=None,
                     help="Long side limit for the resize [default: the checkpoint's, else "
                          f"{_size_defaults('max_size')}]."),
    )


def prediction_options(func: F) -> F:
    """``--conf --classes --batch-size``: which detections to keep and how many images per forward."""
    return _compose(
        click.option("--conf", type=FiniteFloatRange(0.0, 1.0), default=PredictConfig.conf, show_default=True,
                     help="Minimum score of a kept detection."),
        click.option("--classes", default=None, metavar="NAME,NAME",
                     help="Keep only these class names (comma separated)."),
        click.option("--batch-size", type=click.IntRange(1, 1024), default=PredictConfig.batch_size, show_default=True,
                     help="Images per forward pass."),
        click.option("--agnostic-nms", is_flag=True,
                     help="One detection per object: drop boxes overlapping a better one of another class."),
    )(func)


def common_options(func: F) -> F:
    """``--json -q/--quiet --debug``: on every command (tests/test_cli_options.py checks)."""
    return _compose(
        click.option("--json", "json_mode", is_flag=True, help="Print a machine-readable summary on stdout."),
        click.option("-q", "--quiet", is_flag=True,
                     help="Only warnings and errors: no progress bars, messages or result tables (--json gives "
                          "the data)."),
        debug_option,
    )(func)


def output_options(out_help: str, out_default: str | None = None) -> Callable[[F], F]:
    """``--out --force`` and :func:`common_options`."""
    return _compose(
        click.option("--out", "out", type=click.Path(), default=out_default, show_default=out_default is not None,
                     help=out_help),
        click.option("--force", is_flag=True,
                     help="Replace existing outputs (only ones splashseg wrote; never an input)."),
        common_options,
    )


def reporter(json_mode: bool = False, quiet: bool = False) -> Reporter:
    return Reporter(json_mode=json_mode, quiet=quiet)


def parse_color(value: str) -> tuple[int, int, int]:
    try:
        parts = tuple(int(v) for v in value.split(","))
        if len(parts) != 3 or not all(0 <= v <= 255 for v in parts):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected R,G,B with values 0-255, e.g. 0,177,64") from None
    return parts  # type: ignore[return-value]


def splash_style_options(func: F) -> F:
    """``--effect --background --feather --invert --blur-sigma --color`` (shared with ``video``)."""
    options = [
        click.option("--effect", type=click.Choice(EFFECTS), default=SplashOptions.effect, show_default=True,
                     help="What happens outside the kept objects; cutout makes it transparent (an RGBA PNG, "
                          "also for a .jpg input; a video .webm or .mov)."),
        click.option("--background", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     help="Picture behind the objects for --effect image."),
        click.option("--feather", type=FiniteFloatRange(0, 500), default=SplashOptions.feather, show_default=True,
                     help="Soft edge width in pixels."),
        click.option("--invert", is_flag=True, help="Apply the effect to the objects instead of the rest."),
        click.option("--blur-sigma", type=FiniteFloatRange(0.1, 500), default=None,
                     help=f"Blur strength in pixels for --effect blur [default: {BLUR_SHARE:.0%} of the long side, at "
                          f"least {MIN_BLUR_SIGMA:g}]."),
        click.option("--color", default=",".join(map(str, SplashOptions.color)), show_default=True, metavar="R,G,B",
                     callback=lambda _ctx, _param, value: parse_color(value),
                     help="Colour for --effect solid."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def refine_option(func: F) -> F:
    """``--refine`` (detect, splash, video, evaluate)."""
    return click.option("--refine", is_flag=True,
                        help="Sharpen each mask's edge along the picture's edges (a guided filter on the model's "
                             "mask probabilities, near the edge only).")(func)
