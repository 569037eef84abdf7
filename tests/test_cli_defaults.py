"""Every CLI default is read from the config dataclass: a command run with no options builds exactly the
config made with no options (a test walks every option of every command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from splashseg.apps.demo import DemoConfig
from splashseg.apps.detect import DetectConfig
from splashseg.apps.splash import SplashConfig
from splashseg.apps.video import VideoConfig, video_target
from splashseg.cli import all_commands
from splashseg.cli.data_cmds import import_config, inspect_config
from splashseg.configs import known_fields
from splashseg.data.importers import ImportConfig
from splashseg.data.inspect import InspectConfig
from splashseg.models.summary import SummaryConfig
from splashseg.train import EvaluateConfig

COMMON = {"json_mode", "quiet", "debug"}


def _params(name: str, *args: str) -> dict[str, Any]:
    """click's parameters of ``splashseg NAME ARGS`` (defaults and callbacks applied), without running it."""
    command = all_commands()[name]
    with command.make_context(name, list(args)) as ctx:
        return dict(ctx.params)


def _configs(tmp_path: Path) -> dict[str, tuple[Any, Any]]:
    """Each command -> (the config its defaults build, the config built with no options)."""
    clip, folder = tmp_path / "clip.mp4", tmp_path / "data"
    clip.write_bytes(b"")
    folder.mkdir()
    video = _params("video", str(clip))
    first_input = Path(video.pop("inputs")[0])  # video takes INPUT...; each video's config is made alike
    imported = _params("annotate-import", str(folder))
    inspected = _params("inspect", str(folder))
    evaluated = _params("evaluate", "--dataset", "d", "--weights", "w.pt")
    return {
        "detect": (DetectConfig.from_options(**_params("detect", "a.jpg")), DetectConfig(["a.jpg"])),
        "splash": (SplashConfig.from_options(**_params("splash", "a.jpg")), SplashConfig(["a.jpg"])),
        "video": (VideoConfig.from_options(file=first_input, **video),
                  VideoConfig(clip, video_target(clip, None, VideoConfig.render))),
        "demo": (DemoConfig.from_options(**_params("demo")), DemoConfig()),
        "annotate-import": (import_config(**{**imported, "out": "D"}), ImportConfig([folder], Path("D"))),
        "inspect": (inspect_config(**{**inspected, "out": None}), InspectConfig(folder)),
        "evaluate": (EvaluateConfig(**known_fields(EvaluateConfig, evaluated)), EvaluateConfig("d", "w.pt")),
        "summary": (SummaryConfig(**known_fields(SummaryConfig, _params("summary"))), SummaryConfig()),
    }


def test_every_default_is_the_configs(tmp_path: Path) -> None:
    for name, (from_cli, from_config) in _configs(tmp_path).items():
        assert from_cli == from_config, name


def test_every_option_of_every_command_reaches_its_config(tmp_path: Path) -> None:
    """Each option names a field of the command's config (or of a part of it; ``splash``'s video options:
    of the video config ``splash --video`` builds), so nothing is forwarded by hand; ``train`` passes only
    the options the user set (its defaults are TrainConfig's)."""
    configs = _configs(tmp_path)
    assert set(all_commands()) - set(configs) == {"train"}
    for name, (config, _) in configs.items():
        fields = _field_names(config) | (_field_names(configs["video"][0]) if name == "splash" else set())
        own = {p.name for p in all_commands()[name].params if isinstance(p, click.Option)} - COMMON
        extra = {"detect": {"out"}, "splash": {"out", "videos"}, "video": {"out", "render"},
                 "demo": set(), "annotate-import": {"out"}, "inspect": {"out", "splits"}}.get(name, set())
        assert own - extra <= fields, (name, own - extra - fields)


def _field_names(config: Any) -> set[str]:
    names = set()
    for key, value in vars(config).items():
        names.add(key)
        if hasattr(value, "__dataclass_fields__"):
            names |= _field_names(value)
    return names


def test_train_reads_its_defaults_from_train_config() -> None:
    from dataclasses import fields

    from splashseg.train import TrainConfig

    defaults = {f.name: f.default for f in fields(TrainConfig)}
    for name, value in _params("train").items():
        if name in defaults and value is not None:
            assert value == defaults[name], name
