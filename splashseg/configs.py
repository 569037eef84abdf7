"""Configs from options: a command's parameters (click's, by name) -> the fields of a config dataclass.

Every config's ``from_options(**params)`` passes on the parameters that name one of its fields and
ignores the rest, so a default is written once, in the dataclass, and a new option needs only its
decorator and its field.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from .errors import InputError


def known_fields(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """The items of ``params`` whose key is a field of the dataclass ``cls``."""
    names = {f.name for f in fields(cls)}
    return {name: value for name, value in params.items() if name in names}


def given_options(config: Any, options: dict[str, str]) -> list[str]:
    """The options (``{"--feather": "feather", ...}``: option -> field of ``config``) whose value differs from
    the field's default in ``config``'s dataclass: the ones the user gave."""
    defaults = {f.name: f.default if f.default is not MISSING else f.default_factory() for f in fields(config)
                if f.default is not MISSING or f.default_factory is not MISSING}
    return [option for option, name in options.items() if getattr(config, name) != defaults[name]]


def refuse_unused(options: list[str], where: str, why: str) -> None:
    """The one rule for options that cannot apply: InputError (exit 2) naming each of ``options`` given
    ``where`` (``"to pictures"``), and ``why``; nothing when none was given."""
    if options:
        verb = "does" if len(options) == 1 else "do"
        raise InputError(f"{', '.join(options)} {verb} not apply {where} ({why})")
