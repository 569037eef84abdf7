"""Safe output files: never overwrite without ``force``, write under a temporary name, then rename.

Where outputs may go at all: never onto, into or around an input, and ``--force`` replaces only what
splashseg itself wrote (:func:`check_output_dir`, :func:`check_output_files`, :func:`make_output_dir`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, RunFailure

FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
TORCH_WRITE_FAILURE = ("inline_container", "PytorchStreamWriter")  # how torch.save reports a failed write
NEARLY_FULL_BYTES = 1 << 20  # torch.save's message has no errno: a filesystem with less than this free is full


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
    """``"No space left on device"`` (or the quota message) when ``exc`` comes from a full filesystem.

    Looks through the exception's chain for an ``OSError`` with errno ENOSPC/EDQUOT; torch.save's own
    error (``enforce fail at inline_container.cc``) carries no errno, so for that one the free space of
    ``folder`` decides. ``None`` for anything else.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in FULL_ERRNOS:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    if folder is not None and isinstance(exc, RuntimeError) and any(m in str(exc) for m in TORCH_WRITE_FAILURE):
        with contextlib.suppress(OSError):
            if shutil.disk_usage(folder).free < NEARLY_FULL_BYTES:
                return os.strerror(errno.ENOSPC)
    return None


def _write_failure(exc: BaseException, target: Path) -> RunFailure | None:
    """The :class:`RunFailure` to raise instead of ``exc`` when writing ``target`` failed for lack of space,
    or when torch.save failed with its opaque stream-writer message; ``None`` to re-raise ``exc``."""
    reason = disk_full_reason(exc, target.parent)
    if reason is not None:
        return RunFailure(f"{target}: cannot write it: {reason.lower()} (free some space and run again)")
    if isinstance(exc, RuntimeError) and any(m in str(exc) for m in TORCH_WRITE_FAILURE):
        return RunFailure(f"{target}: cannot write it ({str(exc).splitlines()[0][:200]})")
    return None


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block succeeds.

    The temporary name keeps the target's suffix so encoders that pick a format from the file name
    (OpenCV, Pillow, PyAV) still do. On any exception, KeyboardInterrupt included, the temporary file is
    removed and nothing appears at ``target``. A full disk (ENOSPC, a quota, or torch.save's error on a
    full filesystem) becomes one :class:`RunFailure` naming ``target``.
    """
    target = Path(target)
    ensure_dir(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
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
        os.replace(tmp, target)
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


# -- where outputs may go ---------------------------------------------------------------------------
STAMP = ".splashseg"  # written into the folders of kinds whose own files appear only at the end


@dataclass(frozen=True)
class OutputKind:
    """A kind of folder splashseg writes.

    command: the command that writes it; signature: glob patterns (relative to the folder) that all match
    in a folder it wrote, so that folders from before stamps existed are still known (empty: only the
    stamp tells); stamped: :func:`make_output_dir` writes :data:`STAMP` naming the kind when the folder is
    made, so a folder interrupted before its signature is complete is still known.
    """

    command: str
    signature: tuple[str, ...] = ()
    stamped: bool = False


OUTPUT_KINDS = {
    "dataset": OutputKind("annotate-import", ("import-report.json", "annotations/*.json")),  # moved in whole
    "run": OutputKind("train", ("config.json", "metrics.jsonl", "checkpoints/last.pt"), stamped=True),
    "inspect": OutputKind("inspect", ("*-[0-9][0-9][0-9][0-9][0-9]-*.jpg",)),  # every picture is named so
    "detect": OutputKind("detect", ("detections.json",), stamped=True),
    "splash": OutputKind("splash", (), stamped=True),
    "video": OutputKind("video", (), stamped=True),  # a many-video run's --out and --tracks folders
    "demo": OutputKind("demo", ("index.md", "dataset/import-report.json", "run/config.json"), stamped=True),
}


def _resolved(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute with every symlink followed (as far as it exists)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return Path(path).absolute()


def check_not_input(out: Path, inputs: Iterable[str | os.PathLike[str] | None], option: str = "--out") -> None:
    """Raise :class:`InputError` when ``out`` is, holds or lies inside one of ``inputs`` (symlinks followed).

    ``None`` entries are skipped. ``--force`` never changes this: inputs are never modified.
    """
    here = _resolved(out)
    for given in inputs:
        if given is None:
            continue
        source = _resolved(given)
        if here == source:
            relation = "is"
        elif source.is_relative_to(here):
            relation = "holds"
        elif here.is_relative_to(source):
            relation = "lies inside"
        else:
            continue
        raise InputError(f"{out}: {option} {relation} the input {given}; choose a place outside the inputs "
                         "(--force does not change this: inputs are never modified)")


def _stamp_kind(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / STAMP).read_text(encoding="utf-8")).get("kind"))
    except (OSError, ValueError, AttributeError):
        return None


def weights_file(weights: str | None) -> Path | None:
    """``--weights`` as an input path to protect: the file, or ``None`` for ``coco``/``none``/nothing."""
    if weights is None or weights in ("coco", "none"):
        return None
    return Path(weights)


def check_output_dir(out: Path, inputs: Iterable[str | os.PathLike[str] | None], kind: str,
                     option: str = "--out") -> Path:
    """Refuse an output folder with :class:`InputError`, with or without ``--force``, when it

    - is, holds or lies inside one of ``inputs`` (symlinks followed), or
    - exists and is not a folder, or
    - is a non-empty folder that is not ``kind``'s output (its stamp or signature, :data:`OUTPUT_KINDS`).

    An empty or missing folder is fine. Which existing files may be replaced is still up to ``--force``
    (:func:`check_output_files`). Returns ``out``.
    """
    out = Path(out)
    output = OUTPUT_KINDS[kind]
    check_not_input(out, inputs, option)
    if not out.exists():
        return out
    if not out.is_dir():
        raise InputError(f"{out}: {option} exists and is not a folder")
    stamp = _stamp_kind(out)
    if stamp is not None and stamp != kind and stamp in OUTPUT_KINDS:
        raise InputError(f"{out}: holds the output of splashseg {OUTPUT_KINDS[stamp].command}, not of "
                         f"{output.command}; choose another {option}")
    if stamp == kind or next(out.iterdir(), None) is None:
        return out
    if output.signature and all(next(out.glob(pattern), None) is not None for pattern in output.signature):
        return out
    raise InputError(f"{out}: folder is not empty and was not written by splashseg {output.command}; choose a "
                     f"new or empty {option} (--force replaces only splashseg's own outputs)")


def check_output_files(targets: Iterable[Path], inputs: Iterable[str | os.PathLike[str] | None],
                       force: bool) -> None:
    """Refuse output files that resolve to an input (symlinks followed; even with ``force``) or whose
    folder cannot be one (a file is in the way), then existing ones unless ``force``
    (:func:`refuse_overwrite`). Raises :class:`InputError`."""
    targets = [Path(t) for t in targets]
    sources = {_resolved(p): p for p in inputs if p is not None}
    for target in targets:
        source = sources.get(_resolved(target))
        if source is not None:
            raise InputError(f"{target}: the output would overwrite the input {source}; choose another --out "
                             "(--force does not change this)")
    for folder in {t.parent for t in targets}:
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise InputError(f"{existing}: exists and is not a folder, so {folder} cannot be made for the output")
    refuse_overwrite(targets, force)


def make_output_dir(out: Path, kind: str) -> Path:
    """Create ``out`` (and parents) for ``kind``'s output and, for stamped kinds, write :data:`STAMP` in it."""
    from . import __version__

    out = ensure_dir(out)
    if OUTPUT_KINDS[kind].stamped and _stamp_kind(out) != kind:
        stamp = {"kind": kind, "written_by": f"splashseg {OUTPUT_KINDS[kind].command}", "version": __version__}
        write_text_atomic(out / STAMP, json.dumps(stamp) + "\n")
    return out


def undo_new_entries(folder: Path, before: set[str] | None) -> str:
    """After a failed or interrupted run: remove ``folder`` when ``before`` is ``None`` (the run made it),
    else the entries the run added (names not in ``before``). Returns one line saying what was removed
    and what was kept (entries in ``before`` are kept: the caller must not have rewritten them)."""
    folder = Path(folder)
    if before is None:
        shutil.rmtree(folder, ignore_errors=True)
        return f"removed {folder}, which this run had made"
    added = [p for p in folder.iterdir() if p.name not in before] if folder.is_dir() else []
    for path in added:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    kept = sorted(before - {STAMP})
    if not kept:
        return f"removed what this run had written in {folder}"
    listed = ", ".join(kept[:4]) + (f" and {len(kept) - 4} more" if len(kept) > 4 else "")
    return f"removed what this run had added to {folder}; kept what was there before ({listed})"
