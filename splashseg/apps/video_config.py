"""``video``'s configuration: :class:`VideoConfig` from the command's options, the options that cannot
apply to a render (refused, see :func:`splashseg.configs.refuse_unused`), and where the output goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..configs import given_options, known_fields, refuse_unused
from ..errors import InputError
from ..predict import PredictConfig
from ..render.effects import CUTOUT
from ..video.smoothing import DEFAULT_WEIGHT
from ..video.writer import EncoderSettings
from .splash import SplashOptions
from .video_tracking import TrackingOptions

RENDERS = ("splash", "overlay")


@dataclass
class VideoConfig:
    """Everything ``video`` (and ``splash --video``) was asked for; the CLI's defaults are these.

    target: the output file (:meth:`from_options` resolves ``--out`` with :func:`video_target`). render:
    ``splash`` or ``overlay``. stride: the model runs on every Nth frame (tracking carries objects in
    between). smooth: temporal smoothing of the keep-mask (EMA with ``smooth_weight``, see
    :mod:`splashseg.video.smoothing`). ``predict.refine``: refine the model's masks against their frames
    (splash only). ``splash.effect`` ``cutout`` needs ``encoder.alpha`` (:meth:`from_options` sets it
    from :func:`needs_alpha`).
    """

    source: Path
    target: Path
    render: str = "splash"
    splash: SplashOptions = field(default_factory=SplashOptions)
    predict: PredictConfig = field(default_factory=PredictConfig)
    tracking: TrackingOptions = field(default_factory=TrackingOptions)
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    stride: int = 1
    smooth: bool = False
    smooth_weight: float = DEFAULT_WEIGHT
    force: bool = False

    @classmethod
    def from_options(cls, *, file: Path, out: str | Path | None = None, render: str = render,
                     **params: Any) -> VideoConfig:
        """``video``'s (or ``splash --video``'s) parameters (click's, by name) -> the config; options that
        cannot apply to ``render`` are refused (:func:`splashseg.configs.refuse_unused`)."""
        source, splash = Path(file), SplashOptions.from_options(**params)
        alpha = needs_alpha(render, splash.effect)
        config = cls(source, video_target(source, out, render, alpha), render, splash,
                     PredictConfig.from_options(**params), TrackingOptions(**known_fields(TrackingOptions, params)),
                     EncoderSettings(**known_fields(EncoderSettings, params), alpha=alpha),
                     **known_fields(cls, params))
        if render == "overlay":
            refuse_overlay_options(config)
        return config

    @property
    def refine(self) -> bool:
        return self.predict.refine


OVERLAY_UNUSED = {"--effect": "effect", "--background": "background", "--feather": "feather", "--invert": "invert",
                  "--blur-sigma": "blur_sigma", "--color": "color"}


def refuse_overlay_options(config: VideoConfig) -> None:
    """``--render overlay`` draws the model's masks, boxes and names: the look of a splash cannot apply."""
    if config.refine:
        raise InputError("--refine applies to --render splash (the overlay draws the model's own masks)")
    if config.splash.effect == CUTOUT:
        raise InputError("--effect cutout needs --render splash (the overlay has no transparency)")
    given = given_options(config.splash, OVERLAY_UNUSED) + given_options(config, {"--smooth": "smooth"})
    refuse_unused(given, "to --render overlay", "it draws the model's masks, boxes and names, not a splash")


VIDEO_ONLY = {"--stride": (None, "stride"), "--smooth": (None, "smooth"), "--keep": ("tracking", "keep"),
              "--propagate": ("tracking", "propagate"), "--hold": ("tracking", "hold"),
              "--min-hits": ("tracking", "min_hits"), "--tracks": ("tracking", "tracks"),
              "--crf": ("encoder", "crf"), "--preset": ("encoder", "preset"), "--codec": ("encoder", "codec")}


def video_options_given(**params: Any) -> list[str]:
    """The video-only options among click's ``params`` that differ from :class:`VideoConfig`'s defaults
    (``splash`` on pictures refuses them)."""
    config = VideoConfig.from_options(file=Path("video"), **{k: v for k, v in params.items() if k != "out"})
    return [option for option, (part, name) in VIDEO_ONLY.items()
            if given_options(getattr(config, part) if part else config, {option: name})]


def needs_alpha(render: str, effect: str) -> bool:
    """Whether the output video keeps an alpha channel: a splash with the cutout effect."""
    return render == "splash" and effect == CUTOUT


def video_target(source: Path, out: str | Path | None, render: str, alpha: bool = False) -> Path:
    """Where ``source`` rendered with ``render`` goes: no ``out``: ``clip.mov`` -> ``clip-splash.mp4``
    beside it (``clip-splash.webm`` with ``alpha``); an ``out`` that is an existing folder, ends with a
    slash or has no suffix: inside it; anything else: ``out`` itself."""
    name = f"{source.stem}-{render}{'.webm' if alpha else '.mp4'}"
    if out is None or str(out) == "":
        return source.with_name(name)
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", "\\")) or not path.suffix:
        return path / name
    return path
