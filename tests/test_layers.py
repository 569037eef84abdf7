"""The layer rules of ARCHITECTURE.md are import-linter contracts (``[tool.importlinter]`` in
pyproject.toml); ``make test`` runs ``lint-imports`` and so does this test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str | None:
    found = Path(sys.executable).with_name("lint-imports")
    return str(found) if found.exists() else shutil.which("lint-imports")


@pytest.mark.skipif(_lint_imports() is None, reason="import-linter is not installed (pip install -e '.[dev]')")
def test_every_layer_contract_is_kept() -> None:
    run = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 broken" in run.stdout


def test_render_never_imports_torchvision() -> None:
    code = "import splashseg.render, sys; assert 'torchvision' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_predict_never_imports_render() -> None:
    code = "import splashseg.predict, sys; assert not [m for m in sys.modules if m.startswith('splashseg.render')]"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
