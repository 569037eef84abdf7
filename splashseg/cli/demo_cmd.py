"""Commands: placeholder until the module lands."""

COMMANDS: list = []
