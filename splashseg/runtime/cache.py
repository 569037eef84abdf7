"""The compile cache: converted OpenVINO models under a splashseg cache folder, checked before use.

One entry per (model name, weights hash, OpenVINO version): a folder holding the converted parts (OpenVINO
IR, ``.xml`` + ``.bin``: data, never code), OpenVINO's compiled blobs (its ``CACHE_DIR``) and
``manifest.json``, the SHA-256 of every file the entry vouches for. A file that does not match its hash,
or that the manifest does not list, makes the entry damaged: it is removed, with a warning, and rebuilt.
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
    """SHA-256 (hex) of ``model``'s state dict: every name, dtype, shape and value, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{data.dtype}:{tuple(data.shape)};".encode())
        digest.update(data.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    """Every file under ``folder`` but the manifest, as POSIX paths relative to it, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(folder: Path) -> None:
    """Record the hash of every file in ``folder`` (written atomically)."""
    manifest = {name: file_hash(folder / name) for name in _files(folder)}
    temporary = folder / f".{MANIFEST}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(temporary, folder / MANIFEST)


def damage(folder: Path, required: tuple[str, ...] = ()) -> str | None:
    """Why the entry ``folder`` cannot be trusted (a file missing, changed or unlisted, or one of the
    ``required`` file names absent), or ``None``."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        return f"{MANIFEST} unreadable ({exc.__class__.__name__})"
    if not isinstance(manifest, dict):
        return f"{MANIFEST} is not a JSON object"
    unlisted = set(_files(folder)) - set(manifest)
    if unlisted:
        return f"{sorted(unlisted)[0]} is not in {MANIFEST}"
    absent = [name for name in required if name not in manifest]
    if absent:
        return f"{absent[0]} is missing"
    for name, expected in manifest.items():
        path = folder / name
        if not path.is_file() or file_hash(path) != expected:
            return f"{name} is missing or changed"
    return None


def checked_entry(folder: Path, required: tuple[str, ...] = ()) -> bool:
    """Whether ``folder`` holds a sound entry with the ``required`` files. A damaged one is removed, with a
    :class:`DamagedCacheWarning`."""
    if not folder.is_dir():
        return False
    problem = damage(folder, required)
    if problem is None:
        return True
    warnings.warn(f"splashseg cache {folder}: {problem}; rebuilding it", DamagedCacheWarning, stacklevel=3)
    shutil.rmtree(folder, ignore_errors=True)
    return False
