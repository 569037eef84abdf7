"""Reading a list of image files in batches, skipping (and remembering) the unreadable ones."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..images import LoadedImage, read_image


@dataclass
class ReadFailures:
    """Inputs that could not be decoded: ``(path, message)`` pairs."""

    items: list[tuple[Path, str]] = field(default_factory=list)



def raise_for_failures(failed: Sequence[str], messages: Sequence[str], total: int) -> None:
    """Raise one :class:`InputError` summarising unreadable inputs (after the good ones were written)."""
    if failed:
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise InputError(f"{len(failed)} of {total} inputs could not be read: {messages[0]}{more}")


def read_batches(paths: Sequence[Path], batch_size: int, failures: ReadFailures,
                 warn=None) -> Iterator[list[LoadedImage]]:  # noqa: ANN001
    """Yield lists of up to ``batch_size`` decoded images; undecodable files go to ``failures``."""
    batch: list[LoadedImage] = []
    for path in paths:
        try:
            batch.append(read_image(path))
        except InputError as exc:
            failures.items.append((path, str(exc)))
            if warn is not None:
                warn(str(exc))
            continue
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def output_names(paths: Sequence[Path], suffix: str | None = None) -> dict[Path, str]:
    """A distinct output file name per input (``a/x.jpg`` and ``b/x.jpg`` -> ``x.jpg``, ``x-1.jpg``)."""
    taken: set[str] = set()
    names: dict[Path, str] = {}
    for path in paths:
        stem, ext = path.stem, suffix if suffix is not None else path.suffix
        name, n = f"{stem}{ext}", 1
        while name.lower() in taken:
            name, n = f"{stem}-{n}{ext}", n + 1
        taken.add(name.lower())
        names[path] = name
    return names
