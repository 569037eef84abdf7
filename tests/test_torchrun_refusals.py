"""Under torchrun a command that does not share its work between ranks refuses on every rank (exit 2): rank 0
says why in one line, the others print nothing, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from splashseg.cli import SHARED_UNDER_TORCHRUN, all_commands, main


def _args(name: str, tmp_path: Path) -> list[str]:
    out = str(tmp_path / "out")
    return {"annotate-import": ["annotate-import", str(tmp_path), "--out", out],
            "inspect": ["inspect", str(tmp_path), "--out", out],
            "evaluate": ["evaluate", "--dataset", str(tmp_path), "--weights", str(tmp_path / "w.pt")],
            "summary": ["summary", "--model", "maskrcnn_small", "--weights", "none"],
            "demo": ["demo", "--out", out]}[name]


UNSHARED = ["annotate-import", "inspect", "evaluate", "summary", "demo"]


def test_every_command_is_either_shared_or_refused():
    assert sorted([*UNSHARED, *SHARED_UNDER_TORCHRUN]) == sorted(all_commands())


@pytest.mark.parametrize("name", UNSHARED)
@pytest.mark.parametrize("rank", [0, 1])
def test_a_command_that_does_not_share_refuses_on_every_rank(name, rank, tmp_path, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", str(rank))
    result = CliRunner().invoke(main, _args(name, tmp_path))
    assert result.exit_code == 2, result.output
    if rank == 0:
        line = result.output.strip().splitlines()[-1]
        assert line.startswith(f"error: {name} does not share its work between torchrun's ranks")
        assert line.endswith("only train, detect, splash and video run under torchrun")
        assert "Traceback" not in result.output
    else:
        assert result.output.strip() == ""
    assert not (tmp_path / "out").exists()


def test_outside_torchrun_the_command_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv("RANK", raising=False)
    result = CliRunner().invoke(main, _args("summary", tmp_path))
    assert result.exit_code == 0, result.output
