"""A pytest plugin for ``benchmarks/reliability.py`` (loaded with ``-p cases_log``, never by the suite
itself): while the suite runs, every CLI run is recorded as a JSON line in the file
``SPLASHSEG_CASES_LOG`` names, so the benchmark can count the bad-input and fault cases per command."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner


def _log_cli_runs(log: Path) -> None:
    """Record every CLI run of the suite (command, exit code, test) as JSON lines in ``log``: CliRunner
    invocations, and ``python -m splashseg`` subprocesses when they are waited for. It only observes (the
    runs and their results are unchanged)."""

    def record(args: list[str], code: int) -> None:
        words = [str(a) for a in args if not str(a).startswith("-")]
        entry = {"test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
                 "command": words[0] if words else "", "exit": code}
        with log.open("a") as file:
            file.write(json.dumps(entry) + "\n")

    invoke, wait = CliRunner.invoke, subprocess.Popen.wait

    def logged_invoke(self, cli, args=None, *rest, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        result = invoke(self, cli, args, *rest, **kwargs)
        record(list(args or []), result.exit_code)
        return result

    def logged_wait(self, *rest, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 (run() waits through this)
        code = wait(self, *rest, **kwargs)
        words = [str(a) for a in self.args] if isinstance(self.args, (list, tuple)) else []
        if not getattr(self, "_splashseg_logged", False) and "splashseg" in words:
            at = words.index("splashseg")
            if at > 0 and words[at - 1] == "-m":
                self._splashseg_logged = True
                record(words[at + 1:], code)
        return code

    CliRunner.invoke, subprocess.Popen.wait = logged_invoke, logged_wait



def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("SPLASHSEG_CASES_LOG"):
        _log_cli_runs(Path(os.environ["SPLASHSEG_CASES_LOG"]))
