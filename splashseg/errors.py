"""Error types with the exit codes the command-line contract promises.

Library code raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

import sys

# What allocators say when they run out: CUDA ("CUDA out of memory"), the CPU ("DefaultCPUAllocator:
# can't allocate memory"), cuDNN and cuBLAS ("... out of memory").
OUT_OF_MEMORY_PHRASES = ("out of memory", "can't allocate memory")


class SplashsegError(Exception):
    """Base class: a failure the user can act on, reported as one line without a traceback."""

    exit_code = 2


class InputError(SplashsegError, ValueError):
    """Bad usage or bad input: a missing or unreadable file, a malformed annotation, an unknown name.

    Exit code 2. The message names the file (when there is one) and what is wrong with it.
    """

    exit_code = 2


class RunFailure(SplashsegError, RuntimeError):
    """A failure while running on valid input: out of memory, a stream that breaks off. Exit code 1."""

    exit_code = 1


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` means memory ran out: ``MemoryError``, torch's ``OutOfMemoryError`` (CUDA), or an
    error whose message is an allocator's failure (:data:`OUT_OF_MEMORY_PHRASES`). Needs no torch import."""
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")  # loaded already if a torch allocation could have failed
    if torch is not None and isinstance(exc, getattr(torch, "OutOfMemoryError", ())):
        return True
    text = str(exc).lower()
    return any(phrase in text for phrase in OUT_OF_MEMORY_PHRASES)


class Terminated(KeyboardInterrupt):
    """SIGTERM (sent by ``timeout``, systemd, container runtimes) turned into an interruption.

    A :class:`KeyboardInterrupt` so that every cleanup that handles Ctrl-C (temporary files removed, worker
    threads stopped) handles it too. The CLI exits with 143 (128 + SIGTERM).
    """


def add_cleanup_note(exc: BaseException, note: str) -> None:
    """Record on ``exc`` what was removed or kept because of it; the CLI adds this to its message."""
    exc.__dict__.setdefault("splashseg_cleanup", []).append(note)


def cleanup_notes(exc: BaseException) -> list[str]:
    """The notes :func:`add_cleanup_note` recorded on ``exc`` (oldest first)."""
    return list(getattr(exc, "splashseg_cleanup", []))
