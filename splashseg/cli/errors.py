"""Turning exceptions into the contract's one-line messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import click

from ..errors import SplashsegError, is_out_of_memory

DEBUG_KEY = "splashseg.debug"


class CliError(click.ClickException):
    """A ClickException that prints ``error: message`` and exits with a chosen code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:  # noqa: ANN001 (click's signature)
        click.echo(f"error: {self.format_message()}", err=True)


def debug_enabled(ctx: click.Context) -> bool:
    return bool(ctx.meta.get(DEBUG_KEY)) or os.environ.get("SPLASHSEG_DEBUG", "") not in ("", "0")


class SplashsegGroup(click.Group):
    """A click group that checks the torch/torchvision pair and reports errors without tracebacks."""

    def main(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from ..env_check import torch_pair_problem

        problem = torch_pair_problem()
        if problem:
            click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except SplashsegError as exc:
            if debug_enabled(ctx):
                raise
            raise CliError(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            if debug_enabled(ctx):
                raise
            raise CliError("interrupted; partial outputs were removed", 130) from None
        except Exception as exc:
            if debug_enabled(ctx):
                raise
            if is_out_of_memory(exc):
                raise CliError(f"out of memory ({str(exc).splitlines()[0][:200]}); "
                               "try a smaller --batch-size or --max-size", 1) from None
            where = traceback.extract_tb(exc.__traceback__)[-1]
            raise CliError(
                f"unexpected {type(exc).__name__}: {exc} (at {os.path.basename(where.filename)}:{where.lineno}; "
                "run with --debug for the traceback)", 1) from None
