"""The README documents every command, and its examples only use options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from splashseg.cli import all_commands, main

README = Path(__file__).resolve().parents[1] / "README.md"


def _example_lines() -> list[str]:
    blocks, current, language = [], None, ""
    for raw in README.read_text(encoding="utf-8").splitlines():
        if raw.startswith("```"):
            if current is None:
                current, language = [], raw[3:].strip()
            else:
                if language in ("", "bash", "sh"):
                    blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(raw)
    lines = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split(" #")[0].strip()
            if "splashseg " in line and not line.startswith(("error", "pip")):
                lines.append(line[line.index("splashseg "):])
    return lines


def _options_of(command) -> set[str]:  # noqa: ANN001
    names = set()
    for param in command.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


def test_every_command_is_documented():
    text = README.read_text(encoding="utf-8")
    for name in all_commands():
        assert f"### {name}" in text, f"no README section for {name}"
        assert f"splashseg {name}" in text, f"no example of splashseg {name}"


def test_examples_use_existing_commands_and_options():
    lines = _example_lines()
    assert len(lines) > 20
    global_options = _options_of(main)
    for line in lines:
        words = shlex.split(line)[1:]
        words = [w for w in words if w not in global_options]
        command = all_commands().get(words[0]) if words else None
        assert command is not None, f"README example uses an unknown command: {line}"
        known = _options_of(command) | {"--help", "-h"}
        for word in words[1:]:
            option = word.split("=")[0]
            if option.startswith("-") and not re.fullmatch(r"-\d.*", option):
                assert option in known, f"README example uses {option}, which `{words[0]}` lacks: {line}"
