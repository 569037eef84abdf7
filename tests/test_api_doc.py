"""The usage example in ``splashseg/__init__.py`` runs as written."""

from __future__ import annotations

import doctest
from pathlib import Path

import splashseg

ROOT = Path(__file__).resolve().parents[1]


def test_package_docstring_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)  # the example names files under examples/
    failures, attempted = doctest.testmod(splashseg, verbose=False, report=True)
    assert attempted >= 8 and failures == 0
