"""The ``splashseg`` command group: a thin layer that parses options and calls the library.

Every command module registers itself here. Errors from the library (:class:`SplashsegError`) become
one ``error: ...`` line and the contract's exit code; ``--debug`` or ``SPLASHSEG_DEBUG=1`` shows the
traceback instead.
"""

from __future__ import annotations

import functools
import importlib

import click

from .. import __version__
from ..env_check import torch_pair_problem
from .errors import SplashsegGroup, debug_option  # nothing here may import torchvision before the check


@click.group(cls=SplashsegGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="splashseg")
@debug_option
def main() -> None:
    """Instance segmentation and colour splash with Mask R-CNN.

    Find every object in pictures and videos, draw the detections, or keep the chosen objects in
    colour while everything else turns gray. Import your own VIA/COCO/LabelMe annotations, fine-tune,
    evaluate and splash with your own model.

    \b
    Example:
        splashseg splash photo.jpg --classes person --out splashed/
    """


# One line per command for `splashseg --help` (click would cut the docstrings' first sentences short).
SHORT_HELP = {
    "annotate-import": "Import VIA, COCO or LabelMe annotations as a COCO dataset.",
    "inspect": "Statistics and sample pictures of a dataset.",
    "train": "Fine-tune (or train) Mask R-CNN on a dataset.",
    "evaluate": "COCO bbox and segm AP of a checkpoint on a dataset.",
    "detect": "Draw every object's mask, box and label; write detections.json.",
    "splash": "Keep the objects in colour, turn everything else gray.",
    "video": "Colour splash or overlay on every frame of a video.",
    "summary": "Every layer of the model and its parameter count.",
    "demo": "The whole workflow offline, on data it makes itself.",
}


# The commands that share their work between torchrun's ranks; every other one refuses under torchrun.
SHARED_UNDER_TORCHRUN = ("train", "detect", "splash", "video")


def _listed(names: tuple[str, ...]) -> str:
    """``train, detect, splash and video``."""
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)


def refuse_unshared(command: click.Command) -> click.Command:
    """``command`` started by torchrun: exit 2 on every rank, one line from rank 0 (it would run whole on
    each rank), unless it is one of :data:`SHARED_UNDER_TORCHRUN`."""
    if command.name in SHARED_UNDER_TORCHRUN:
        return command
    from ..distributed import refuse_under_torchrun

    callback = command.callback

    @functools.wraps(callback)
    def refusing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        refuse_under_torchrun(f"{command.name} does not share its work between torchrun's ranks: run it as one "
                              f"process (splashseg {command.name} ...); only {_listed(SHARED_UNDER_TORCHRUN)} "
                              "run under torchrun")
        return callback(*args, **kwargs)

    command.callback = refusing
    return command


# The module of each command: a command's module (and what it imports) loads only when the command is used.
COMMAND_MODULES = {"annotate-import": "data_cmds", "inspect": "data_cmds", "train": "train_cmds",
                   "evaluate": "train_cmds", "detect": "detect_cmd", "splash": "predict_cmds",
                   "video": "video_cmds", "summary": "model_cmds", "demo": "demo_cmd"}


def load_commands(name: str) -> list[click.Command]:
    """Import the module of command ``name`` (:data:`COMMAND_MODULES`) and ready its commands for ``main``:
    short help, empty values refused, torchrun refused where they do not share their work."""
    from .options import refuse_empty_values

    module = importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}")
    for command in module.COMMANDS:
        command.short_help = SHORT_HELP[command.name]
    return [refuse_unshared(refuse_empty_values(command)) for command in module.COMMANDS]


def all_commands() -> dict[str, click.Command]:
    """Every command of ``main`` by name, each module imported (``main.commands`` holds only those used so
    far): for help pages, documentation checks and tests."""
    context = click.Context(main)
    return {name: main.get_command(context, name) for name in main.list_commands(context)}


# the command modules import torchvision: only offer them when it works (SplashsegGroup loads them lazily)
main.lazy_commands = (COMMAND_MODULES, load_commands) if torch_pair_problem() is None else ({}, load_commands)
