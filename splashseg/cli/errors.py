"""Turning exceptions into the contract's one-line messages and exit codes."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import click

from ..errors import SplashsegError, Terminated, cleanup_notes, is_out_of_memory
from ..fsutil import disk_full_reason, full_disk_advice, release_output_dirs

DEBUG_KEY = "splashseg.debug"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
# True wherever outputs go through fsutil.atomic_path (or a staging folder): what was finished stays.
NO_PARTIAL_FILES = "no half-written file was left (files finished before it were kept)"


class CliError(click.ClickException):
    """A ClickException that prints ``error: message`` and exits with a chosen code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:  # noqa: ANN001 (click's signature)
        click.echo(f"error: {self.format_message()}", err=True)


def debug_enabled(ctx: click.Context) -> bool:
    return bool(ctx.meta.get(DEBUG_KEY)) or os.environ.get("SPLASHSEG_DEBUG", "") not in ("", "0")


def _with_notes(message: str, exc: BaseException) -> str:
    notes = cleanup_notes(exc)
    return f"{message} ({'; '.join(notes)})" if notes else message


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` in the main thread (like Ctrl-C raises
    KeyboardInterrupt), so every ``atomic_path`` and ``finally`` cleans up. Only when SIGTERM still has
    its default action (not ignored, not handled by an embedding program) and we are in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG_KEY] = True


def debug_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--debug``: show tracebacks (also ``SPLASHSEG_DEBUG=1``)."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
                        help="Show the full traceback on errors (also SPLASHSEG_DEBUG=1).")(func)


class SplashsegGroup(click.Group):
    """A click group that checks the torch/torchvision pair, reports errors without tracebacks and loads
    its commands lazily (click's "lazily loading subcommands" pattern): ``lazy_commands`` is
    ``({name: module}, load)`` and ``load(name)`` imports a command's module and returns its commands, so
    ``splashseg detect`` never imports PyAV, SciPy or the training code (``splashseg --help`` loads all)."""

    lazy_commands: tuple[dict[str, str], Callable[[str], list[click.Command]]] = ({}, lambda name: [])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands[0]})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        modules, load = self.lazy_commands
        if cmd_name not in self.commands and cmd_name in modules:
            for command in load(cmd_name):
                self.add_command(command)
        return super().get_command(ctx, cmd_name)

    def main(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from ..env_check import torch_pair_problem

        problem = torch_pair_problem()
        if problem:
            click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        with sigterm_as_interrupt():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        succeeded = False
        try:
            result = self._invoke_reporting(ctx)
            succeeded = True
            return result
        finally:  # the output folders' stamps list what was written; their locks go
            release_output_dirs(succeeded)

    def _invoke_reporting(self, ctx: click.Context):  # noqa: ANN202
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except SplashsegError as exc:
            if debug_enabled(ctx):
                raise
            raise CliError(_with_notes(str(exc), exc), exc.exit_code) from None
        except KeyboardInterrupt as exc:
            if debug_enabled(ctx):
                raise
            what, code = ("terminated (SIGTERM)", EXIT_TERMINATED) if isinstance(exc, Terminated) else \
                ("interrupted", EXIT_INTERRUPTED)
            raise CliError(f"{what}; {'; '.join(cleanup_notes(exc)) or NO_PARTIAL_FILES}", code) from None
        except Exception as exc:
            if debug_enabled(ctx):
                raise
            raise _unexpected(exc) from None


def _unexpected(exc: Exception) -> CliError:
    """The one-line message for an exception the library did not turn into a SplashsegError."""
    if is_out_of_memory(exc):
        return CliError(f"out of memory ({str(exc).splitlines()[0][:200]}); "
                        "try a smaller --batch-size or --max-size", 1)
    full = disk_full_reason(exc)
    if full is not None:
        name = getattr(exc, "filename", None)
        where = f"{name}: cannot write it" if name else "cannot write the output"
        return CliError(_with_notes(f"{where}: {full.lower()} ({full_disk_advice(full)})", exc), 1)
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return CliError(_with_notes(
        f"unexpected {type(exc).__name__}: {exc} (at {os.path.basename(where.filename)}:{where.lineno}; "
        "run with --debug for the traceback)", exc), 1)
