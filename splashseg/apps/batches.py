"""Reading a list of image files in batches, skipping (and remembering) the unreadable ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..fsutil import check_output_dir, check_output_files
from ..images import IMAGE_SUFFIXES, LoadedImage, read_image


@dataclass
class ReadFailures:
    """Inputs that were skipped (undecodable, or unusable by the model): ``(path, message)`` pairs."""

    items: list[tuple[Path, str]] = field(default_factory=list)


def raise_for_failures(failed: Sequence[str], messages: Sequence[str], total: int) -> None:
    """Raise one :class:`InputError` summarising skipped inputs (after the good ones were written)."""
    if failed:
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise InputError(f"{len(failed)} of {total} inputs skipped: {messages[0]}{more}")


def read_batches(paths: Sequence[Path], batch_size: int, failures: ReadFailures,
                 warn: Callable[[str], None] | None = None,
                 check: Callable[[LoadedImage], str | None] | None = None) -> Iterator[list[LoadedImage]]:
    """Yield lists of up to ``batch_size`` decoded images; the others go to ``failures`` (and ``warn``).

    Skipped: files :func:`read_image` refuses (missing, not a picture, damaged, too large) and pictures
    for which ``check`` returns a problem (e.g. too thin for the model to resize).
    """
    def skip(path: Path, message: str) -> None:
        failures.items.append((path, message))
        if warn is not None:
            warn(message)

    batch: list[LoadedImage] = []
    for path in paths:
        try:
            image = read_image(path)
        except InputError as exc:
            skip(path, str(exc))
            continue
        problem = check(image) if check is not None else None
        if problem is not None:
            skip(path, f"{path}: {problem}")
            continue
        batch.append(image)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def output_names(paths: Sequence[Path], suffix: str | None = None) -> dict[Path, str]:
    """A distinct output file name per input (``a/x.jpg`` and ``b/x.jpg`` -> ``x.jpg``, ``x-1.jpg``).

    ``suffix`` ``None``: the input's own when it is one of ``IMAGE_SUFFIXES``, else ``.png`` (``x.psd``
    -> ``x.png``: see :func:`splashseg.images.write_image`).
    """
    taken: set[str] = set()
    names: dict[Path, str] = {}
    for path in paths:
        own = path.suffix if path.suffix.lower() in IMAGE_SUFFIXES else ".png"
        stem, ext = path.stem, suffix if suffix is not None else own
        name, n = f"{stem}{ext}", 1
        while name.lower() in taken:
            name, n = f"{stem}-{n}{ext}", n + 1
        taken.add(name.lower())
        names[path] = name
    return names


def check_picture_outputs(out: Path, sources: Sequence[str | Path], paths: Sequence[Path], kind: str, force: bool,
                          extra: Sequence[str] = (), other_inputs: Sequence[Path | None] = (),
                          suffix: str | None = None) -> None:
    """Before the model loads: ``out`` must not be, hold or lie inside a source (file, folder), a picture
    or one of ``other_inputs`` (``--background``, a ``--weights`` file), must be ``kind``'s folder (or new
    or empty), and its files (the pictures' output names with ``suffix``, see :func:`output_names`, and
    ``extra``) are replaced only with ``force``. Raises :class:`InputError`."""
    check_output_dir(out, [*sources, *paths, *other_inputs], kind)
    check_output_files([out / name for name in [*output_names(paths, suffix).values(), *extra]],
                       [*paths, *other_inputs], force)
