"""Options every command shares, and float options that refuse nan and inf, checked on the click group
itself so a command or option added later is held to the same rules."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from splashseg.cli import all_commands, main
from splashseg.cli.options import FiniteFloat, FiniteFloatRange


def float_options() -> list[tuple[str, str]]:
    """(command, --option) for every option of every command whose values are floats."""
    found = []
    for name, command in sorted(all_commands().items()):
        for param in command.params:
            types = getattr(param.type, "types", [param.type])  # click.Tuple holds one type per item
            if any(isinstance(t, click.types.FloatParamType) for t in types):
                found.append((name, param.opts[0]))
    return found


def test_every_command_has_the_common_options_and_an_example():
    for name, command in all_commands().items():
        options = {opt for param in command.params for opt in param.opts}
        assert {"--debug", "-q", "--quiet", "--json"} <= options, f"{name}: {sorted(options)}"
        assert "Example" in (command.help or ""), f"{name} --help has no example"


def test_no_float_option_takes_plain_click_floats():
    """click's FLOAT and FloatRange accept nan (which passes every range check) and inf."""
    assert len(float_options()) >= 9  # --conf --feather --blur-sigma --lr --weight-decay --clip-grad ...
    for name, command in all_commands().items():
        for param in command.params:
            for kind in getattr(param.type, "types", [param.type]):
                if isinstance(kind, click.types.FloatParamType):
                    assert isinstance(kind, (FiniteFloat, FiniteFloatRange)), f"{name} {param.opts[0]}: {kind!r}"


@pytest.mark.parametrize("command, option", float_options())
@pytest.mark.parametrize("value", ["nan", "inf", "-1e999"])
def test_float_options_refuse_nan_and_inf_at_parse_time(command: str, option: str, value: str):
    result = CliRunner().invoke(main, [command, f"{option}={value}"])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and "not a finite number" in result.output


def test_finite_types_still_take_numbers_and_keep_their_range():
    assert FiniteFloatRange(0, 1).convert("0.25", None, None) == 0.25
    assert FiniteFloat().convert("-3e2", None, None) == -300.0
    with pytest.raises(click.BadParameter, match="not in the range"):
        FiniteFloatRange(0, 1).convert("2", None, None)
    with pytest.raises(click.BadParameter, match="not a valid float"):
        FiniteFloat().convert("ten", None, None)
