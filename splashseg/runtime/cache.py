"""The compile cache: converted OpenVINO models under a splashseg cache folder, checked before use.

One entry per (model name, weights hash, OpenVINO version): a folder holding the converted parts (OpenVINO
IR, ``.xml`` + ``.bin``: data, never code), OpenVINO's compiled blobs (its ``CACHE_DIR``) and
``manifest.json``, the SHA-256 of every file the entry vouches for; beside the folder, ``ENTRY.stamps.json``
holds each file's stamp (size, ``st_mtime_ns``, ``st_ctime_ns``) taken when it was hashed. A file whose stamp
matches is trusted without reading it (as Python trusts a ``.pyc`` by its source's size and mtime); any
other is hashed. A file that does not match its hash, or that the
manifest does not list, makes the entry damaged: it is removed, with a warning, and rebuilt. The ctime
cannot be set by a program (``os.utime`` sets only atime and mtime), so a file rewritten in place
always gets hashed; a byte flipped on the disk beneath the file system is not caught.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path

import torch

CACHE_ENV = "SPLASHSEG_CACHE_DIR"
MANIFEST = "manifest.json"
CHUNK = 1 << 22


class DamagedCacheWarning(UserWarning):
    """A cache entry failed its check and is being rebuilt."""


def cache_root() -> Path:
    """``$SPLASHSEG_CACHE_DIR``, else ``$XDG_CACHE_HOME/splashseg``, else ``~/.cache/splashseg``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "splashseg"


def weights_hash(model: torch.nn.Module) -> str:
    """SHA-256 (hex) of ``model``'s state dict: every name, dtype, shape and value, in name order. The
    tensors' memory is hashed where it lies (no copy unless a tensor is not contiguous or not on the CPU)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{data.dtype}:{tuple(data.shape)};".encode())
        digest.update(data.reshape(-1).view(torch.uint8).numpy())  # uint8 [bytes]: the tensor's own memory
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 (hex) of the file at ``path`` (read in 4 MiB chunks; ``hashlib.file_digest`` needs 3.11)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_stamp(path: Path) -> list[int]:
    """``[size, st_mtime_ns, st_ctime_ns]`` of ``path``: any write or copy changes it."""
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def _files(folder: Path) -> list[str]:
    """Every file under ``folder`` but the manifest, as POSIX paths relative to it, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def stamps_path(folder: Path) -> Path:
    """``ENTRY.stamps.json`` beside the entry ``folder``: outside it, so the entry and its manifest stay in
    0.3's first form, which an older splashseg sharing the cache checks (it trusts no file it did not list)."""
    return folder.with_name(f"{folder.name}.stamps.json")


def _load_json(path: Path) -> dict:
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return data


def read_manifest(folder: Path) -> dict[str, dict]:
    """``{file name: {"sha256": hex, "stamp": [size, mtime_ns, ctime_ns] or None}}``: the hashes from
    ``folder``'s manifest (``{name: hex}``; ``ValueError`` if malformed), the stamps from
    :func:`stamps_path` where it recorded them for those very hashes."""
    hashes = _load_json(folder / MANIFEST)
    if not all(isinstance(digest, str) for digest in hashes.values()):
        raise ValueError(f"{MANIFEST} has a record that is not a SHA-256")
    try:
        stamps = _load_json(stamps_path(folder))
    except (OSError, ValueError):
        stamps = {}
    return {name: {"sha256": digest, "stamp": stamps[name]["stamp"] if isinstance(stamps.get(name), dict)
                   and stamps[name].get("sha256") == digest else None} for name, digest in hashes.items()}


def _write_json(path: Path, data: dict) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(temporary, path)


def _save_manifest(folder: Path, records: dict[str, dict], known: dict[str, dict]) -> None:
    """Write the hashes of ``records`` to the manifest and their stamps beside the entry, each file only
    when it differs from ``known`` (what was read)."""
    hashes = {name: record["sha256"] for name, record in records.items()}
    if hashes != {name: record["sha256"] for name, record in known.items()}:
        _write_json(folder / MANIFEST, hashes)
    if records != known:
        _write_json(stamps_path(folder), records)


def _record(path: Path) -> dict:
    stamp = file_stamp(path)  # before hashing: a write while hashing leaves the stamp stale, never trusted
    return {"sha256": file_hash(path), "stamp": stamp}


def update_manifest(folder: Path) -> None:
    """Vouch for every file now in ``folder``: hash those new or changed since the manifest was written
    (a file whose stamp still matches keeps its record); the manifest is rewritten (atomically) only
    when something changed."""
    try:
        known = read_manifest(folder)
    except (OSError, ValueError):
        known = {}
    records = {name: known[name] if known.get(name, {}).get("stamp") == file_stamp(folder / name)
               else _record(folder / name) for name in _files(folder)}
    _save_manifest(folder, records, known)


def _verify(folder: Path, records: dict[str, dict]) -> tuple[str | None, dict[str, dict]]:
    """Why a file listed in ``records`` cannot be trusted, or ``None``; and the fresh records of the files
    whose stamp changed but whose content did not (hashed, as is every file whose stamp changed)."""
    renewed = {}
    for name, record in records.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing or changed", renewed
        if record.get("stamp") != file_stamp(path):
            renewed[name] = _record(path)
            if renewed[name]["sha256"] != record.get("sha256"):
                return f"{name} is missing or changed", renewed
    return None, renewed


def damage(folder: Path, required: tuple[str, ...] = ()) -> tuple[str | None, dict[str, dict] | None]:
    """Why the entry ``folder`` cannot be trusted (a file missing, changed or unlisted, or one of the
    ``required`` file names absent), or ``None``; and, when files were touched or copied but hold what they
    held, the records with their new stamps (else ``None``)."""
    try:
        records = read_manifest(folder)
    except (OSError, ValueError) as exc:
        return f"{MANIFEST} unreadable ({exc.__class__.__name__})", None
    unlisted = set(_files(folder)) - set(records)
    if unlisted:
        return f"{sorted(unlisted)[0]} is not in {MANIFEST}", None
    absent = [name for name in required if name not in records]
    if absent:
        return f"{absent[0]} is missing", None
    problem, renewed = _verify(folder, records)
    return problem, {**records, **renewed} if renewed and problem is None else None


def checked_entry(folder: Path, required: tuple[str, ...] = ()) -> bool:
    """Whether ``folder`` holds a sound entry with the ``required`` files. A damaged one is removed, with a
    :class:`DamagedCacheWarning`; a sound one whose stamps changed gets them renewed, so the next check
    reads nothing."""
    if not folder.is_dir():
        return False
    problem, renewed = damage(folder, required)
    if problem is None:
        if renewed is not None:
            _write_json(stamps_path(folder), renewed)  # the hashes are as the manifest has them
        return True
    warnings.warn(f"splashseg cache {folder}: {problem}; rebuilding it", DamagedCacheWarning, stacklevel=3)
    shutil.rmtree(folder, ignore_errors=True)
    stamps_path(folder).unlink(missing_ok=True)
    return False
