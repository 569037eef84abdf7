"""Count the bad-input and fault cases the test suite tries, per command.

Runs the suite with the ``cases_log`` plugin (``benchmarks/cases_log.py``, which records every CLI run in
the file ``SPLASHSEG_CASES_LOG`` names: the command, its exit code and the test) and prints a Markdown
table: runs per command and how many of them are expected failures (exit 2: bad input or usage; 1: failure
while running; 130/143: interrupted).

    .venv/bin/python benchmarks/reliability.py            # the whole suite (a few minutes)
    .venv/bin/python benchmarks/reliability.py -- -k cli  # extra arguments after -- go to pytest
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

COMMANDS = ("annotate-import", "inspect", "train", "evaluate", "detect", "splash", "video", "summary", "demo")


def run_suite(log: Path, extra: list[str]) -> int:
    here = str(Path(__file__).resolve().parent)  # the plugin's folder, importable for -p
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "SPLASHSEG_CASES_LOG": str(log), "PYTHONPATH": path}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "cases_log", *extra]
    return subprocess.run(argv, env=env, check=False).returncode


def table(entries: list[dict]) -> str:
    by_command: dict[str, Counter] = defaultdict(Counter)
    tests: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        command = entry["command"] if entry["command"] in COMMANDS else "(group: --help, --version, bad names)"
        code = entry["exit"]
        kind = "ok" if code == 0 else "2" if code == 2 else "1" if code == 1 else "interrupted" if code in (
            130, 143) else "other"
        by_command[command][kind] += 1
        if code != 0:
            tests[command].add(entry["test"])
    lines = ["| command | CLI runs | exit 2 (bad input) | exit 1 (failure while running) | 130/143 "
             "(interrupted) | tests with a failing run |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for command in [*COMMANDS, *sorted(set(by_command) - set(COMMANDS))]:
        counts = by_command.get(command, Counter())
        lines.append(f"| `{command}` | {sum(counts.values())} | {counts['2']} | {counts['1']} | "
                     f"{counts['interrupted']} | {len(tests[command])} |")
    return "\n".join(lines)


def main() -> int:
    extra = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "cases.jsonl"
        code = run_suite(log, extra)
        entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    print(table(entries))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
