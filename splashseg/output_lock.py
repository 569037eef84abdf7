"""The lock of an output folder: one splashseg run writes in a folder at a time.

``DIR/.splashseg.lock`` is created with O_EXCL and holds the writing run's pid and host; a second run sees
it and is refused (exit 2) naming that pid. The lock of a run that died (its pid is gone, on this host) is
taken over with a note on stderr. :func:`splashseg.output_folders.release_output_dirs` removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from pathlib import Path

from .errors import InputError

LOCK = ".splashseg.lock"  # {"pid", "host"} of the run writing in the folder; made with O_EXCL


def lock_owner(folder: Path) -> dict | None:
    """The other live run holding ``folder``'s lock (its lock's contents), or ``None``."""
    try:
        owner = json.loads((folder / LOCK).read_text(encoding="utf-8"))
        pid, host = int(owner["pid"]), str(owner.get("host", ""))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return {"pid": "unknown", "host": ""}  # half-written by a run starting this very moment
    if pid == os.getpid() or (host == socket.gethostname() and not _alive(pid)):
        return None
    return owner


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def refuse_locked(folder: Path, owner: dict) -> None:
    where = f" on {owner['host']}" if owner.get("host") not in ("", socket.gethostname()) else ""
    raise InputError(f"{folder}: another splashseg run (pid {owner['pid']}{where}) is writing in this folder; "
                     f"wait for it to finish or choose another --out (a stale {LOCK} of a run that died is "
                     "taken over)")


def take_lock(folder: Path) -> None:
    """Create ``folder/LOCK`` with O_EXCL holding this pid; take over a dead run's lock (with a note)."""
    content = json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode()
    for _ in range(2):
        try:
            fd = os.open(folder / LOCK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = lock_owner(folder)
            if owner is not None:
                refuse_locked(folder, owner)
            stale = _read_lock_pid(folder)
            if stale != os.getpid():
                print(f"warning: {folder / LOCK}: taking over the lock of pid {stale}, which is no longer running",
                      file=sys.stderr)
            with contextlib.suppress(FileNotFoundError):
                (folder / LOCK).unlink()
            continue
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        return
    refuse_locked(folder, {"pid": _read_lock_pid(folder)})


def _read_lock_pid(folder: Path) -> object:
    try:
        return json.loads((folder / LOCK).read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"
