"""A full disk is one line naming the file, exit 1, and nothing half-written left behind.

The full disk is real: a tiny tmpfs mounted in a private mount namespace (``unshare -rm``, no root
needed where user namespaces are allowed; skipped elsewhere), or /dev/full for standard output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL
from test_train_data import make_dataset

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "OMP_NUM_THREADS": "1"}
PICTURE = sorted((ROOT / "examples" / "pictures").glob("*.png"))[0]


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /mnt"],
                           capture_output=True, check=False)
    return probe.returncode == 0


needs_tmpfs = pytest.mark.skipif(not _can_mount_tmpfs(), reason="cannot mount a tmpfs in a user namespace here")


def on_full_disk(mount: Path, size: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``splashseg ARGS`` with a ``size`` tmpfs mounted at ``mount``; returns the process and leaves a
    listing of the tmpfs (taken before it goes away with the namespace) in its stdout after a marker."""
    mount.mkdir(parents=True, exist_ok=True)
    script = ('mount -t tmpfs -o size="$1" none "$2" || exit 99; mnt="$2"; shift 2; "$@"; rc=$?; '
              'echo "--- files"; find "$mnt" -type f; exit $rc')
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", size, str(mount), sys.executable, "-m",
                           "splashseg", *args], capture_output=True, text=True, env=ENV, check=False, timeout=600)


def files_left(result: subprocess.CompletedProcess) -> list[str]:
    return result.stdout.split("--- files\n", 1)[1].split()


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and lines[-1].startswith("error: "), result.stderr
    return lines[-1]


@pytest.mark.slow
@needs_tmpfs
def test_detect_on_a_full_disk_names_the_file(tmp_path: Path):
    mount = tmp_path / "mnt"
    result = on_full_disk(mount, "16k", "detect", str(PICTURE), *SMALL, "--out", str(mount / "det"))
    assert result.returncode == 1, result.stderr
    line = one_error_line(result)
    assert f"{mount / 'det' / PICTURE.name}: cannot write it: no space left on device" in line
    assert not [f for f in files_left(result) if ".tmp" in f]


@pytest.mark.slow
@needs_tmpfs
def test_video_on_a_full_disk_leaves_no_temporary_file(tmp_path: Path):
    mount = tmp_path / "mnt"
    target = mount / "clip-splash.mp4"
    result = on_full_disk(mount, "16k", "video", str(ROOT / "examples" / "clip.mp4"), *SMALL, "--out", str(target))
    assert result.returncode == 1, result.stderr
    assert f"{target}: cannot write it: no space left on device" in one_error_line(result)
    assert files_left(result) == []


@pytest.mark.slow
@needs_tmpfs
def test_train_checkpoint_on_a_full_disk_is_one_line_not_torch_enforce_fail(tmp_path: Path):
    """torch.save's own error carries no errno ("enforce fail at inline_container.cc"): 4 MB hold the
    run's small files, not the 8 MB checkpoint."""
    dataset = make_dataset(tmp_path / "shapes", n_train=2, n_val=1)
    mount = tmp_path / "mnt"
    result = on_full_disk(mount, "4m", "train", "--dataset", str(dataset), *SMALL, "--epochs", "1",
                          "--workers", "0", "--out", str(mount / "run"))
    assert result.returncode == 1, result.stderr
    line = one_error_line(result)
    assert "inline_container" not in line and "enforce fail" not in line
    assert f"{mount / 'run' / 'checkpoints'}/" in line and ".pt: cannot write it: no space left on device" in line
    assert not [f for f in files_left(result) if f.endswith(".pt") or ".tmp" in f]


def test_json_to_a_full_stdout_is_one_line_exit_1():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "splashseg", "summary", "--model", "maskrcnn_small",
                                 "--json", "-q"], stdout=full, stderr=subprocess.PIPE, text=True, env=ENV,
                                check=False, timeout=300)
    assert result.returncode == 1, result.stderr
    assert one_error_line(result) == "error: cannot write the output: no space left on device (free some space " \
                                     "and run again)"
