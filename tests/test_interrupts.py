"""Ctrl-C and SIGTERM (what ``timeout``, systemd and container runtimes send) clean up alike, and the
message says truthfully what was removed and what was kept. Real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMALL
from video_samples import write_video

from splashseg.apps.demo import DemoConfig, run_demo
from splashseg.console import Reporter
from splashseg.errors import cleanup_notes
from splashseg.fsutil import STAMP, make_output_dir

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "OMP_NUM_THREADS": "1"}


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "splashseg", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)


def signal_when(process: subprocess.Popen, ready, signum: int, limit_s: float = 300) -> tuple[int, str]:  # noqa: ANN001
    """Send ``signum`` once ``ready()`` is true (the process must still be running then); returns
    (exit code, stderr)."""
    deadline = time.monotonic() + limit_s
    while not ready():
        assert process.poll() is None, f"ended before the signal: {process.communicate()[1]}"
        assert time.monotonic() < deadline, "never got ready"
        time.sleep(0.02)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


@pytest.mark.slow
@pytest.mark.parametrize("signum, code, word", [(signal.SIGTERM, 143, "terminated (SIGTERM)"),
                                               (signal.SIGINT, 130, "interrupted")])
def test_signal_during_video_leaves_no_temporary_file(tmp_path: Path, signum: int, code: int, word: str):
    source = write_video(tmp_path / "long.mp4", frames=400, audio=None)
    out = tmp_path / "out"
    out.mkdir()
    process = start("video", str(source), *SMALL, "--device", "cpu", "--out", str(out / "long-splash.mp4"))
    returncode, err = signal_when(process, lambda: any(out.glob(".long-splash.*.tmp.mp4")), signum)
    assert returncode == code, err
    last = err.strip().splitlines()[-1]
    assert last == f"error: {word}; no half-written file was left (files finished before it were kept)"
    assert "Traceback" not in err and list(out.iterdir()) == []


@pytest.mark.slow
def test_sigterm_during_demo_removes_the_folder_it_made(tmp_path: Path):
    out = tmp_path / "demo"
    process = start("demo", "--images", "10", "--size", "64", "--epochs", "3", "--device", "cpu", "--out", str(out))
    returncode, err = signal_when(process, lambda: (out / "run" / "checkpoints").is_dir(), signal.SIGTERM)
    assert returncode == 143, err
    assert err.strip().splitlines()[-1] == f"error: terminated (SIGTERM); removed {out}, which this run had made"
    assert not out.exists()


class InterruptAt(Reporter):
    """A reporter that is interrupted (as by Ctrl-C) when the demo reports a step as done."""

    def __init__(self, step: str) -> None:
        super().__init__(quiet=True)
        self.step = step

    def info(self, message: str) -> None:
        if message.startswith("[green]done[/green]") and self.step in message:
            raise KeyboardInterrupt


def test_interrupted_demo_in_an_empty_folder_leaves_it_empty(tmp_path: Path):
    out = tmp_path / "demo"
    out.mkdir()
    with pytest.raises(KeyboardInterrupt) as caught:
        run_demo(DemoConfig(out=out, images=10, size=64), InterruptAt("synthetic VIA dataset"))
    assert cleanup_notes(caught.value) == [f"removed what this run had written in {out}"]
    assert list(out.iterdir()) == []


def test_interrupted_demo_over_an_earlier_one_says_what_it_kept(tmp_path: Path):
    """--force removes the earlier demo's outputs first; the user's own files in the folder stay."""
    out = make_output_dir(tmp_path / "demo", "demo")
    (out / "index.md").write_text("# an earlier demo")
    (out / "clip.mp4").write_bytes(b"earlier clip")
    (out / "notes.txt").write_text("mine")
    with pytest.raises(KeyboardInterrupt) as caught:
        run_demo(DemoConfig(out=out, images=10, size=64, force=True), InterruptAt("synthetic VIA dataset"))
    assert cleanup_notes(caught.value) == [f"removed what this run had added to {out}; kept what was there "
                                           "before (notes.txt)"]
    assert sorted(p.name for p in out.iterdir()) == [STAMP, "notes.txt"]
