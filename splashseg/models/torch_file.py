"""What a file given as a checkpoint is, checked before ``torch.load`` reads it.

``torch.save`` writes a zip archive (stored members, each with a CRC-32); ``torch.load`` does not check
those CRCs, so bytes changed inside a tensor would load as other weights. :func:`check_torch_file`
checks the archive with :mod:`zipfile` (end record, every member's CRC) and, for anything else than a zip
archive or an older pickle-format torch file, says what the file is instead (a text file, a PNG image...).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEAD_BYTES = 4096
PICKLE_START = b"\x80"  # pickle protocol 2+ opcode: torch.save's format before PyTorch 1.6
MAGIC_KINDS = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip file",
    b"\x89HDF": "an HDF5 file (Keras?)",
    b"%PDF": "a PDF document",
    b"\x7fELF": "a program (ELF)",
}


class TorchFileError(Exception):
    """A file ``torch.load(weights_only=True)`` refused or could not read; the message says why.

    unsafe: the file holds pickled Python objects (code), which were refused and not run.
    damaged: the file looks like a checkpoint that was changed or cut short (else it is not one at all).
    """

    def __init__(self, reason: str, *, unsafe: bool = False, damaged: bool = False) -> None:
        super().__init__(reason)
        self.unsafe = unsafe
        self.damaged = damaged


def describe_bytes(head: bytes) -> str:
    """What a file starting with ``head`` is, in a few words (``"a text file"``, ``"a PNG image"``)."""
    for magic, kind in MAGIC_KINDS.items():
        if head.startswith(magic):
            return kind
    if len(head) > 8 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 10**8:
        return "a safetensors file (splashseg reads torch.save files)"
    if b"\x00" not in head:
        try:
            text = head.decode("utf-8").lstrip().lower()
        except UnicodeDecodeError:
            text = None
        if text is not None:
            if text.startswith(("<!doctype html", "<html")):
                return "an HTML page: a failed download?"
            return "a JSON text file" if text.startswith(("{", "[")) else "a text file"
    return "a binary file of unknown format"


def _check_zip(path: Path, size: int) -> None:
    """Raise :class:`TorchFileError` unless ``path`` is a whole zip archive with a ``data.pkl`` whose
    every member matches its CRC-32."""
    try:
        with zipfile.ZipFile(path) as archive:
            if not any(name.endswith("data.pkl") for name in archive.namelist()):
                raise TorchFileError("a zip archive without PyTorch's data.pkl")
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        if "not a zip file" in str(exc):  # no end record: the archive stops before its directory
            raise TorchFileError(f"a truncated zip archive: it stops at {size:,} bytes, before its end",
                                 damaged=True) from None
        raise TorchFileError(f"a damaged zip archive: {str(exc).rstrip('.')}", damaged=True) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise TorchFileError(f"a damaged zip archive: {type(exc).__name__}", damaged=True) from None
    if bad is not None:
        raise TorchFileError(f"a zip archive whose member {bad} fails its CRC check: bytes were changed",
                             damaged=True)


def check_torch_file(path: Path) -> None:
    """Raise :class:`TorchFileError` when ``path`` cannot be a whole ``torch.save`` file.

    A zip archive is checked member by member (CRC-32); an old pickle-format file is left to
    ``torch.load``; anything else is named (``"a text file"``, ``"an empty file"``...).
    """
    if path.is_dir():
        raise TorchFileError("a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise TorchFileError("an empty file: 0 bytes", damaged=True)
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith(b"PK"):
        _check_zip(path, size)
    elif not head.startswith(PICKLE_START):
        raise TorchFileError(describe_bytes(head))
