"""Safe output files: never overwrite without ``force``, write under a temporary name, then rename.

The final rename never replaces a path that appeared while the run worked (another run's output, a file
someone dropped there): only paths the start-up checks allowed (``--force`` named them) and files this
process wrote itself are replaced (:func:`place_file`). Where output folders may go, their stamps and
locks: :mod:`splashseg.output_folders` (re-exported here, so callers import one module).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError, RunFailure

FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
TOO_BIG_ERRNOS = frozenset({errno.EFBIG})  # a file-size limit: ulimit -f, FAT32's 4 GiB
TORCH_WRITE_FAILURE = ("inline_container", "PytorchStreamWriter")  # how torch.save reports a failed write
NEARLY_FULL_BYTES = 1 << 20  # torch.save's message has no errno: a filesystem with less than this free is full
AT_FDCWD, RENAME_NOREPLACE = -100, 1  # Linux renameat2(2)
NAME_MAX = 255  # bytes in one file name on every common filesystem (ext4, XFS, btrfs, APFS, NTFS)


def _resolved(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute with every symlink followed (as far as it exists)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return Path(path).absolute()


def _key(path: str | os.PathLike[str]) -> Path:
    """How :data:`_REPLACEABLE` names ``path``: its folder resolved, its own name as given (a symlink at the
    path itself is a thing that may have appeared, not a way to another path)."""
    path = Path(path)
    return _resolved(path.parent) / path.name


# Paths this process may replace: ones --force named at start-up (refuse_overwrite) and files it wrote.
_REPLACEABLE: set[Path] = set()
_WRITTEN: set[Path] = set()  # the files this process placed (record_written)


def allow_replace(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Let the final rename replace ``paths`` (checked at start-up: ``--force`` was given, or they are this
    run's own files, such as a resumed training run's)."""
    _REPLACEABLE.update(_key(p) for p in paths)


def record_written(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Note ``paths`` as files this process wrote (every :func:`place_file` does; a folder moved into place
    whole names its files here): they go into the folder's stamp and may be replaced by this process."""
    keys = {_key(p) for p in paths}
    _WRITTEN.update(keys)
    _REPLACEABLE.update(keys)


def forget_written() -> None:
    """End of a run (:func:`release_output_dirs`): what it wrote or was allowed to replace is not the next
    run's (a process may run several commands: the tests, the demo)."""
    _WRITTEN.clear()
    _REPLACEABLE.clear()


def written_under(folder: Path) -> set[Path]:
    """The files this process wrote under ``folder`` (:func:`record_written`), relative to it."""
    root = _resolved(folder)
    return {p.relative_to(root) for p in _WRITTEN if p.is_relative_to(root)}


def refuse_overwrite(paths: Iterable[Path], force: bool, option: str = "--out") -> None:
    """Raise :class:`InputError` for a path no filesystem can hold or that is a device
    (:func:`check_output_name`), then for the first existing path unless ``force`` is set (which also lets
    the final rename replace ``paths``, even ones that appear later: :func:`allow_replace`)."""
    paths = [Path(p) for p in paths]
    for path in paths:
        check_output_name(path, option)
    if force:
        allow_replace(paths)
        return
    for path in paths:
        if path.exists() or path.is_symlink():
            raise InputError(f"{path}: already exists; use --force to overwrite it")


def check_output_name(out: Path, option: str = "--out") -> None:
    """Refuse (:class:`InputError`) an output path no filesystem can hold (a name over :data:`NAME_MAX`
    bytes: ENAMETOOLONG) or that is a device (``/dev/null``), before anything runs."""
    out = Path(out)
    for part in out.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise InputError(f"{option} {str(out)[:40]}...: a name {len(os.fsencode(part))} bytes long; "
                             f"file systems allow at most {NAME_MAX}".lstrip())
    if is_device(out):
        raise InputError(f"{out}: {option} is a device, not a file or folder splashseg can write to")


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as a directory, with a one-line error when that is impossible."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{path}: exists and is not a folder") from None
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


def disk_full_reason(exc: BaseException, folder: Path | None = None) -> str | None:
    """``"No space left on device"`` (or the quota message, or ``"File too large"`` for a file-size limit)
    when ``exc`` comes from a full filesystem or a size limit.

    Looks through the exception's chain for an ``OSError`` with errno ENOSPC/EDQUOT/EFBIG; torch.save's
    own error (``enforce fail at inline_container.cc``) carries no errno, so for that one the free space of
    ``folder`` decides. ``None`` for anything else.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in FULL_ERRNOS | TOO_BIG_ERRNOS:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    if folder is not None and isinstance(exc, RuntimeError) and any(m in str(exc) for m in TORCH_WRITE_FAILURE):
        with contextlib.suppress(OSError):
            if shutil.disk_usage(folder).free < NEARLY_FULL_BYTES:
                return os.strerror(errno.ENOSPC)
    return None


def full_disk_advice(reason: str) -> str:
    """What to do about :func:`disk_full_reason`'s ``reason``."""
    if reason == os.strerror(errno.EFBIG):
        return "the filesystem or `ulimit -f` limits the size of a file; write it elsewhere"
    return "free some space and run again"


def _write_failure(exc: BaseException, target: Path) -> RunFailure | None:
    """The :class:`RunFailure` to raise instead of ``exc`` when writing ``target`` failed for lack of space
    or a file-size limit, or when torch.save failed with its opaque stream-writer message; ``None`` to
    re-raise ``exc``."""
    reason = disk_full_reason(exc, target.parent)
    if reason is not None:
        return RunFailure(f"{target}: cannot write it: {reason.lower()} ({full_disk_advice(reason)})")
    if isinstance(exc, RuntimeError) and any(m in str(exc) for m in TORCH_WRITE_FAILURE):
        return RunFailure(f"{target}: cannot write it ({str(exc).splitlines()[0][:200]})")
    return None


def _load_renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


_RENAMEAT2 = _load_renameat2()


def rename_no_replace(source: Path, target: Path) -> None:
    """Rename the file ``source`` to ``target``, raising ``FileExistsError`` when ``target`` exists (also
    one that appears at the same moment): renameat2(RENAME_NOREPLACE) where the kernel has it, else
    ``link()`` + ``unlink()``; on a filesystem without either, a check just before the rename."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(AT_FDCWD, os.fsencode(source), AT_FDCWD, os.fsencode(target), RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # EINVAL: the filesystem lacks the flag
            raise OSError(code, os.strerror(code), str(target))
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network filesystems)
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.rename(source, target)
        return
    os.unlink(source)


def place_file(tmp: Path, target: Path) -> None:
    """The final step of every output file: rename ``tmp`` onto ``target``, replacing a file there only
    when :func:`allow_replace` allowed it (``--force``, or this process wrote it); otherwise a path that
    appeared while the run worked is kept and :class:`InputError` (exit 2) names it."""
    if _key(target) in _REPLACEABLE:
        os.replace(tmp, target)
    else:
        try:
            rename_no_replace(tmp, target)
        except FileExistsError:
            raise _appeared(target) from None
    record_written([target])


def _appeared(target: Path) -> InputError:
    return InputError(f"{target}: appeared while this run was working (another run, or someone else, wrote it); "
                      "it was kept and this run's output was not written (use --force to replace it)")


def place_tree(staged: Path, target: Path) -> None:
    """Move a staged file or folder onto ``target`` by the rule of :func:`place_file`: what is at
    ``target`` is replaced (a folder removed first) only when :func:`allow_replace` allowed it; the files
    moved are recorded as written (:func:`record_written`). :class:`InputError` for a path that appeared."""
    staged, target = Path(staged), Path(target)
    if staged.is_file():
        place_file(staged, target)
        return
    if os.path.lexists(target):
        if _key(target) not in _REPLACEABLE:
            raise _appeared(target)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    try:
        os.rename(staged, target)  # onto nothing, or onto an empty folder made this very moment (nothing lost)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise _appeared(target) from None
        raise
    record_written(p for p in target.rglob("*") if p.is_file())


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` when the block succeeds
    (:func:`place_file`: never onto a path that appeared meanwhile, unless ``--force`` allowed it).

    The temporary name keeps the target's suffix so encoders that pick a format from the file name
    (OpenCV, Pillow, PyAV) still do. On any exception, KeyboardInterrupt included, the temporary file is
    removed and nothing appears at ``target``. A full disk (ENOSPC, a quota, or torch.save's error on a
    full filesystem) or a file-size limit (EFBIG) becomes one :class:`RunFailure` naming ``target``.
    """
    target = Path(target)
    ensure_dir(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem[:64]}.", suffix=f".tmp{target.suffix}",
                                        dir=target.parent)
    except OSError as exc:
        failure = _write_failure(exc, target)
        if failure is not None:
            raise failure from exc
        raise
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the permissions open() would
    try:
        yield tmp
        place_file(tmp, target)
    except BaseException as exc:
        failure = _write_failure(exc, target) if isinstance(exc, Exception) else None
        with contextlib.suppress(OSError):
            tmp.unlink()
        if failure is not None:
            raise failure from exc
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through :func:`atomic_path`."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` through :func:`atomic_path`."""
    write_bytes_atomic(target, text.encode("utf-8"))


def is_device(path: Path) -> bool:
    """Whether ``path`` is a character or block device (``/dev/null``), symlinks followed."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


from .output_folders import (  # noqa: E402, F401  (re-exported: the folder rules build on the file rules above)
    LOCK,
    OUTPUT_KINDS,
    STAMP,
    OutputKind,
    check_not_input,
    check_output_dir,
    check_output_files,
    make_output_dir,
    owned_files,
    release_output_dirs,
    undo_new_entries,
    weights_file,
)
