"""Safe output files: never overwrite without ``force``, write under a temporary name, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError


def refuse_overwrite(paths: Iterable[Path], force: bool) -> None:
    """Raise :class:`InputError` naming the first existing path unless ``force`` is set."""
    if force:
        return
    for path in paths:
        if Path(path).exists():
            raise InputError(f"{path}: already exists; use --force to overwrite it")


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as a directory, with a one-line error when that is impossible."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create output folder ({exc.strerror or exc})") from None
    if not os.access(path, os.W_OK):
        raise InputError(f"{path}: output folder is not writable")
    return path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once: os.umask is process-wide, so reading it later would race with threads


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block succeeds.

    The temporary name keeps the target's suffix so encoders that pick a format from the file name
    (OpenCV, Pillow, PyAV) still do. On any exception, KeyboardInterrupt included, the temporary file is
    removed and nothing appears at ``target``.
    """
    target = Path(target)
    ensure_dir(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the permissions open() would
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through :func:`atomic_path`."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` through :func:`atomic_path`."""
    write_bytes_atomic(target, text.encode("utf-8"))
