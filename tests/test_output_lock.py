"""The output folder's lock is the kernel's (flock): held while the run lives, whatever its file says."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from splashseg.errors import InputError
from splashseg.output_lock import LOCK, drop_lock, lock_owner, take_lock

ROOT = Path(__file__).resolve().parents[1]
HOLDER = ("import sys, time\nfrom pathlib import Path\nfrom splashseg.output_lock import take_lock\n"
          "take_lock(Path(sys.argv[1]))\nprint('held', flush=True)\ntime.sleep(60)\n")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")


def _hold(folder: Path) -> subprocess.Popen:
    """Another process that takes ``folder``'s lock and keeps it for a minute."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.stdout.readline().strip() == "held"
    return holder


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_live_holder_is_refused_even_when_its_file_names_a_dead_run(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    try:
        # what a second run racing to take over a dead run's lock would have seen: a dead pid in the file
        (tmp_path / LOCK).write_text(json.dumps({"pid": _dead_pid(), "host": os.uname().nodename}))
        assert lock_owner(tmp_path) is not None
        with pytest.raises(InputError, match="another splashseg run"):
            take_lock(tmp_path)
        assert (tmp_path / LOCK).exists()  # the holder's file is left alone
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_leaves_a_lock_the_next_run_takes_over(tmp_path: Path, capsys) -> None:
    holder = _hold(tmp_path)
    assert lock_owner(tmp_path)["pid"] == holder.pid
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / LOCK).exists() and lock_owner(tmp_path) is None  # the kernel let go with the process
    take_lock(tmp_path)
    try:
        assert f"taking over the lock of pid {holder.pid}" in capsys.readouterr().err
        assert json.loads((tmp_path / LOCK).read_text())["pid"] == os.getpid()
    finally:
        drop_lock(tmp_path)
    assert not (tmp_path / LOCK).exists()


def test_an_empty_lock_file_of_a_starting_run_is_refused(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    try:
        (tmp_path / LOCK).write_text("")  # a run that has its lock but has not written its pid yet
        owner = lock_owner(tmp_path)
        assert owner == {"pid": "unknown", "host": ""}
        with pytest.raises(InputError, match=r"pid unknown"):
            take_lock(tmp_path)
    finally:
        holder.kill()
        holder.wait()


def test_a_run_waiting_on_a_removed_lock_file_locks_the_new_one(tmp_path: Path) -> None:
    take_lock(tmp_path)
    drop_lock(tmp_path)
    assert not (tmp_path / LOCK).exists()
    take_lock(tmp_path)  # the file is made again and locked, not an unlinked inode
    try:
        assert (tmp_path / LOCK).exists() and lock_owner(tmp_path) is None  # this process holds it
        holder = subprocess.run([sys.executable, "-c", HOLDER.replace("time.sleep(60)", ""), str(tmp_path)],
                                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert holder.returncode != 0 and "another splashseg run" in holder.stderr
    finally:
        drop_lock(tmp_path)
