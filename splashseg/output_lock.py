"""The lock of an output folder: one splashseg run writes in a folder at a time.

``DIR/.splashseg.lock`` holds the writing run's pid and host, and the run holds an exclusive ``flock`` on
it for as long as it writes: the kernel drops that lock when the process ends, however it ends, so a
run that died leaves nothing that blocks the next one, and two runs that both find a dead run's lock
cannot both take it (the kernel gives the lock to one). A second run while the first is alive is
refused (exit 2) naming its pid. A lock file left by a run that died is taken over with a note on stderr.
:func:`splashseg.output_folders.release_output_dirs` removes the file, then lets the lock go.

Where ``flock`` is missing (no ``fcntl``) or the file system refuses it, the lock is the file alone,
created with ``O_EXCL``; a dead run's file (its pid gone, on this host) is then taken over by removing it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from pathlib import Path

from .errors import InputError

try:
    import fcntl
except ImportError:  # not on POSIX: the O_EXCL file alone
    fcntl = None

LOCK = ".splashseg.lock"  # {"pid", "host"} of the run writing in the folder
UNKNOWN = {"pid": "unknown", "host": ""}  # a lock file that is empty or unreadable: a run starting this moment
_HELD: dict[Path, int] = {}  # folder -> the open, flock-ed descriptor of its lock file


def _content() -> bytes:
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode()


def _parse(text: str) -> dict | None:
    """A lock file's ``{"pid", "host"}``; None when empty; ``pid`` "unknown" when unreadable."""
    if not text.strip():
        return None
    try:
        owner = json.loads(text)
        return {"pid": int(owner["pid"]), "host": str(owner.get("host", ""))}
    except (ValueError, KeyError, TypeError):
        return dict(UNKNOWN)  # half-written by a run starting this very moment


def _read(folder: Path) -> dict | None:
    try:
        return _parse((folder / LOCK).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError:
        return dict(UNKNOWN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _try_flock(fd: int) -> bool | None:
    """Take an exclusive flock on ``fd`` without waiting: True, False (another process holds it), or None
    when this file system (or platform) has no flock."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def lock_owner(folder: Path) -> dict | None:
    """The other live run holding ``folder``'s lock (its lock's contents), or ``None``."""
    if _resolved(folder) in _HELD:
        return None
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError:
        return _read(folder) or dict(UNKNOWN)
    try:
        taken = _try_flock(fd)
    finally:
        os.close(fd)  # also lets go of a lock taken only to look
    owner = _read(folder) or dict(UNKNOWN)
    if owner["pid"] == os.getpid() or taken:
        return None
    if taken is None and owner["host"] == socket.gethostname() and owner["pid"] != "unknown":
        return owner if _alive(owner["pid"]) else None  # no flock here: judge by the pid
    return owner


def refuse_locked(folder: Path, owner: dict) -> None:
    where = f" on {owner['host']}" if owner.get("host") not in ("", socket.gethostname()) else ""
    raise InputError(f"{folder}: another splashseg run (pid {owner['pid']}{where}) is writing in this folder; "
                     f"wait for it to finish or choose another --out (a stale {LOCK} of a run that died is "
                     "taken over)")


def _refuse(folder: Path) -> None:
    """:func:`refuse_locked` naming what ``folder``'s lock file says now."""
    refuse_locked(folder, _read(folder) or dict(UNKNOWN))


def _resolved(folder: Path) -> Path:
    return Path(os.path.realpath(folder))


def _note_takeover(folder: Path, previous: dict | None) -> None:
    if previous is not None and previous["pid"] != os.getpid():
        print(f"warning: {folder / LOCK}: taking over the lock of pid {previous['pid']}, which is no longer running",
              file=sys.stderr)


def take_lock(folder: Path) -> None:
    """Hold ``folder``'s lock until :func:`drop_lock` (or this process ends); refuse (:class:`InputError`)
    while another live run holds it; take over a dead run's lock file with a note."""
    for _ in range(3):
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        taken = _try_flock(fd)
        if taken is None:
            os.close(fd)
            return _take_exclusive_file(folder)
        if not taken:
            os.close(fd)
            _refuse(folder)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(folder / LOCK))
        except FileNotFoundError:
            same = False
        if not same:  # the run before let go and removed the file under us: lock the one at the path now
            os.close(fd)
            continue
        _note_takeover(folder, _parse(os.pread(fd, 4096, 0).decode("utf-8", "replace")))
        os.ftruncate(fd, 0)
        os.pwrite(fd, _content(), 0)
        _HELD[_resolved(folder)] = fd
        return None
    _refuse(folder)
    return None


def _take_exclusive_file(folder: Path) -> None:
    """The lock without flock: create the file with O_EXCL; remove a dead run's file first (with a note)."""
    for _ in range(2):
        try:
            fd = os.open(folder / LOCK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = lock_owner(folder)
            if owner is not None:
                refuse_locked(folder, owner)
            owner = _read(folder)
            _note_takeover(folder, owner)
            with contextlib.suppress(FileNotFoundError):
                (folder / LOCK).unlink()
            continue
        with os.fdopen(fd, "wb") as file:
            file.write(_content())
        return
    _refuse(folder)


def drop_lock(folder: Path) -> None:
    """Remove ``folder``'s lock file, then let the kernel lock go (a run waiting on the old file retries)."""
    with contextlib.suppress(OSError):
        (folder / LOCK).unlink()
    fd = _HELD.pop(_resolved(folder), None)
    if fd is not None:
        os.close(fd)
