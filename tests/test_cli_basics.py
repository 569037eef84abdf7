"""The contract's conventions: --version, help with examples, python -m, the torch/torchvision check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from splashseg import __version__
from splashseg.cli import main

COMMANDS = ["annotate-import", "inspect", "train", "evaluate", "detect", "splash", "video", "summary", "demo"]


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_every_command_exists_with_an_example_in_its_help():
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, f"{name}: {result.output}"
        assert "Example" in result.output, f"{name} --help has no example"


def test_python_dash_m(tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "splashseg", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and __version__ in result.stdout


def test_mismatched_torchvision_is_reported_at_startup(tmp_path: Path):
    """A torchvision whose compiled operators do not load (as with a CPU-only torch wheel beside a CUDA
    torchvision): the fake package below fails exactly as the real one does, by registering a fake kernel
    for an operator its missing library should have defined."""
    fake = tmp_path / "torchvision"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import torch\n"
        "@torch.library.register_fake('torchvision::nms')\n"
        "def _nms(dets, scores, iou_threshold):\n"
        "    return dets\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run([sys.executable, "-m", "splashseg", "summary"], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert "torchvision" in line and "torchvision::nms does not exist" in line
    assert "pip install --force-reinstall 'torch" in line and "'torchvision==" in line
    assert "Traceback" not in line and len(line.splitlines()) == 1


def test_version_is_written_once_and_matches_the_changelog():
    """`--version`, the package metadata and the newest CHANGELOG heading say the same version."""
    import re
    from importlib.metadata import version
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    heading = re.search(r"^## (\d+\.\d+\.\d+)", (root / "CHANGELOG.md").read_text(), re.M)
    assert heading and heading.group(1) == __version__
    assert 'version = "' not in (root / "pyproject.toml").read_text().split("[project]")[1].split("[")[0]
    assert version("splashseg") == __version__
