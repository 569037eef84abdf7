"""Where outputs may go: never onto, into or around an input; ``--force`` replaces only what splashseg wrote.

Folders splashseg writes carry a stamp (:data:`STAMP`: the kind, and the files the runs wrote there) and,
while a run writes in one, a lock (:data:`LOCK`: the run's pid) that a second run sees and refuses.
``--force`` replaces such a folder as a whole (what earlier runs wrote and this one did not is removed when
it succeeds), and only when it holds nothing else. Re-exported by :mod:`splashseg.fsutil`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .fsutil import (
    _resolved,
    allow_replace,
    check_output_name,
    ensure_dir,
    forget_written,
    refuse_overwrite,
    write_text_atomic,
    written_under,
)
from .output_lock import LOCK, drop_lock, lock_owner, refuse_locked, take_lock

STAMP = ".splashseg"  # the kind and the files splashseg wrote (relative POSIX paths)


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
    "dataset": OutputKind("annotate-import", ("import-report.json", "annotations/*.json"), stamped=True),
    "run": OutputKind("train", ("config.json", "metrics.jsonl", "checkpoints/last.pt"), stamped=True),
    "inspect": OutputKind("inspect", ("*-[0-9][0-9][0-9][0-9][0-9]-*.jpg",)),  # every picture is named so
    "detect": OutputKind("detect", ("detections.json",), stamped=True),
    "splash": OutputKind("splash", (), stamped=True),
    "video": OutputKind("video", (), stamped=True),  # a many-video run's --out and --tracks folders
    "demo": OutputKind("demo", ("index.md", "dataset/import-report.json", "run/config.json"), stamped=True),
}


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


def _read_stamp(folder: Path) -> dict:
    try:
        stamp = json.loads((Path(folder) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def _stamp_kind(folder: Path) -> str | None:
    kind = _read_stamp(folder).get("kind")
    return None if kind is None else str(kind)


def weights_file(weights: str | None) -> Path | None:
    """``--weights`` as an input path to protect: the file, or ``None`` for ``coco``/``none``/nothing."""
    if weights is None or weights in ("coco", "none"):
        return None
    return Path(weights)


# -- what splashseg wrote in a folder -----------------------------------------------------------------
def _files_under(folder: Path) -> set[Path]:
    """Every file (and symlink) under ``folder``, relative to it, but the stamps and locks."""
    found = set()
    for root, _dirs, files in os.walk(folder):
        found.update(Path(root, name).relative_to(folder) for name in files if name not in (STAMP, LOCK))
    return found


def _dataset_files(folder: Path) -> set[Path]:
    """What an import before 0.3 wrote (its stamp lists nothing): the report, the annotation files and the
    images they name."""
    files = {Path("import-report.json")}
    for path in (folder / "annotations").glob("*.json"):
        files.add(path.relative_to(folder))
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
            files.update(Path("images", image["file_name"]) for image in json.loads(path.read_bytes())["images"])
    return files


def _nested_output_files(folder: Path) -> set[Path]:
    """Files of splashseg outputs inside ``folder`` (``DATASET/inspect/``): a child folder with a stamp
    listing its files, or whose files all match one kind's signature."""
    files: set[Path] = set()
    for child in (p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()):
        listed = _read_stamp(child).get("files")
        if isinstance(listed, list):
            files.update(Path(child.name, name) for name in map(str, listed))
            continue
        for kind in OUTPUT_KINDS.values():
            matched = {p for pattern in kind.signature for p in child.glob(pattern) if p.is_file()}
            if kind.signature and matched == {child / p for p in _files_under(child)}:
                files.update(p.relative_to(folder) for p in matched)
    return files


def owned_files(folder: Path, kind: str) -> set[Path] | None:
    """The files splashseg wrote in ``folder`` (relative), as its stamp lists them (for a dataset from
    before 0.3, as its annotation files name them), with those of splashseg outputs nested in it; ``None``
    when nothing tells (a folder from before 0.3)."""
    listed = _read_stamp(folder).get("files")
    if isinstance(listed, list):
        files = {Path(str(name)) for name in listed}
    elif kind == "dataset":
        files = _dataset_files(folder)
    else:
        return None
    return files | _nested_output_files(folder)


@dataclass
class _Held:
    """A folder this process writes in: its kind, whether ``--force`` replaces it as a whole, and the files
    splashseg had written there before (``None``: unknown)."""

    kind: str
    force: bool
    before: set[Path] | None


_HELD: dict[Path, _Held] = {}


def _refuse_foreign(out: Path, owned: set[Path]) -> None:
    foreign = sorted(map(str, _files_under(out) - owned))
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise InputError(f"{out}: holds files splashseg did not write ({listed}); --force replaces a folder only "
                         "when everything in it is splashseg's: move them away or choose another --out")


def make_output_dir(out: Path, kind: str, force: bool = False) -> Path:
    """Create ``out`` (and parents) for ``kind``'s output, take its :data:`LOCK` (a second run is refused,
    exit 2, naming this one's pid) and, for stamped kinds, write :data:`STAMP` in it.

    force: the run replaces the folder as a whole: refused (:class:`InputError`) when it holds files
    splashseg did not write; what earlier runs wrote there and this one does not is removed when this one
    succeeds (:func:`release_output_dirs`). Files already in ``out`` may be replaced by this run.
    """
    from . import __version__

    out = ensure_dir(out)
    key = _resolved(out)
    if key not in _HELD:
        take_lock(out)
        before = owned_files(out, kind)
        _HELD[key] = _Held(kind, force, before)
        try:
            if force and before is not None:
                _refuse_foreign(out, before)
        except InputError:
            release_output_dirs(succeeded=False, only=key)
            raise
        allow_replace([out / STAMP, *(out / p for p in _files_under(out))])  # checked at start-up: ours to replace
    if OUTPUT_KINDS[kind].stamped and _stamp_kind(out) != kind:
        stamp = {"kind": kind, "written_by": f"splashseg {OUTPUT_KINDS[kind].command}", "version": __version__,
                 "files": sorted(p.as_posix() for p in _HELD[key].before or ())}
        write_text_atomic(out / STAMP, json.dumps(stamp) + "\n")
    return out


def _remove_stale(folder: Path, stale: set[Path]) -> None:
    for name in stale:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    for parent in sorted({p for name in stale for p in (folder / name).parents if p.is_relative_to(folder)},
                         key=lambda p: len(p.parts), reverse=True):
        if parent != folder:
            with contextlib.suppress(OSError):
                parent.rmdir()  # only when the removal emptied it


def _finish(folder: Path, held: _Held, succeeded: bool) -> None:
    """Record in the stamp what splashseg wrote in ``folder``; after a forced run that succeeded, remove
    what earlier runs wrote and this one did not."""
    written = {p for p in written_under(folder) if p.name not in (STAMP, LOCK)}
    before = held.before or set()
    if held.force and succeeded and held.before is not None:
        _remove_stale(folder, before - written)
        before = set()
    if OUTPUT_KINDS[held.kind].stamped and (folder / STAMP).is_file():
        stamp = _read_stamp(folder)
        files = {p for p in before | written if (folder / p).is_file() or (folder / p).is_symlink()}
        stamp["files"] = sorted(p.as_posix() for p in files)
        write_text_atomic(folder / STAMP, json.dumps(stamp) + "\n")


def release_output_dirs(succeeded: bool, only: Path | None = None) -> None:
    """At the end of a command (the CLI calls this; also at exit): update the stamps (:func:`_finish`) and
    remove the locks of the folders this process holds (``only``: just that one)."""
    for key in [k for k in _HELD if only is None or k == only]:
        held = _HELD.pop(key)
        if key.is_dir():
            with contextlib.suppress(OSError, ValueError, RuntimeError):  # a full disk: the stamp stays as it was
                _finish(key, held, succeeded)
        drop_lock(key)
    if only is None:
        forget_written()


atexit.register(release_output_dirs, False)


# -- the start-up checks -----------------------------------------------------------------------------
def check_output_dir(out: Path, inputs: Iterable[str | os.PathLike[str] | None], kind: str,
                     option: str = "--out") -> Path:
    """Refuse an output folder with :class:`InputError`, with or without ``--force``, when it

    - is, holds or lies inside one of ``inputs`` (symlinks followed), or
    - has a name too long for any filesystem, is a device, or exists and is not a folder, or
    - is a non-empty folder that is not ``kind``'s output (its stamp or signature, :data:`OUTPUT_KINDS`), or
    - is being written by another live splashseg run (its :data:`LOCK`).

    An empty or missing folder is fine. Which existing files may be replaced is still up to ``--force``
    (:func:`check_output_files`, :func:`make_output_dir`). Returns ``out``.
    """
    out = Path(out)
    output = OUTPUT_KINDS[kind]
    check_output_name(out, option)
    check_not_input(out, inputs, option)
    if not out.exists():
        return out
    if not out.is_dir():
        raise InputError(f"{out}: {option} exists and is not a folder")
    owner = lock_owner(out)
    if owner is not None:
        refuse_locked(out, owner)
    stamp = _stamp_kind(out)
    if stamp is not None and stamp != kind and stamp in OUTPUT_KINDS:
        raise InputError(f"{out}: holds the output of splashseg {OUTPUT_KINDS[stamp].command}, not of "
                         f"{output.command}; choose another {option}")
    if stamp == kind or next((p for p in out.iterdir() if p.name != LOCK), None) is None:
        return out
    if output.signature and all(next(out.glob(pattern), None) is not None for pattern in output.signature):
        return out
    raise InputError(f"{out}: folder is not empty and was not written by splashseg {output.command}; choose a "
                     f"new or empty {option} (--force replaces only splashseg's own outputs)")


def check_output_files(targets: Iterable[Path], inputs: Iterable[str | os.PathLike[str] | None],
                       force: bool, option: str = "--out") -> None:
    """Refuse output files that resolve to an input (symlinks followed; even with ``force``), whose name no
    filesystem holds or that are devices, or whose folder cannot be one (a file is in the way), then
    existing ones unless ``force`` (:func:`refuse_overwrite`). Raises :class:`InputError`."""
    targets = [Path(t) for t in targets]
    sources = {_resolved(p): p for p in inputs if p is not None}
    for target in targets:
        check_output_name(target, option)
        source = sources.get(_resolved(target))
        if source is not None:
            raise InputError(f"{target}: the output would overwrite the input {source}; choose another {option} "
                             "(--force does not change this)")
    for folder in {t.parent for t in targets}:
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            check_output_name(existing, option)  # a device says so
            raise InputError(f"{existing}: exists and is not a folder, so {folder} cannot be made for the output")
    refuse_overwrite(targets, force, option)


def undo_new_entries(folder: Path, before: set[str] | None) -> str:
    """After a failed or interrupted run: remove ``folder`` when ``before`` is ``None`` (the run made it),
    else the entries the run added (names not in ``before``). Returns one line saying what was removed
    and what was kept (entries in ``before`` are kept: the caller must not have rewritten them)."""
    folder = Path(folder)
    release_output_dirs(succeeded=False, only=_resolved(folder))
    if before is None:
        shutil.rmtree(folder, ignore_errors=True)
        return f"removed {folder}, which this run had made"
    added = [p for p in folder.iterdir() if p.name not in before | {LOCK}] if folder.is_dir() else []
    for path in added:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    kept = sorted(before - {STAMP, LOCK})
    if not kept:
        return f"removed what this run had written in {folder}"
    listed = ", ".join(kept[:4]) + (f" and {len(kept) - 4} more" if len(kept) > 4 else "")
    return f"removed what this run had added to {folder}; kept what was there before ({listed})"
