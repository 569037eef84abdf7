"""Process groups for commands started by ``torchrun`` (one process per GPU, or CPU processes with gloo).

``torchrun --nproc-per-node N -m splashseg COMMAND ...`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
``MASTER_ADDR``/``MASTER_PORT``; without them everything here is a no-op for a single process.
Used by ``train`` (data-parallel training) and ``detect`` (pictures shared between ranks). Only rank 0
writes shared files and prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from .device import resolve_device
from .errors import InputError, SplashsegError

T = TypeVar("T")


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: ``rank`` of ``world_size``; ``local_rank`` picks its GPU."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


class RankExit(SystemExit):
    """Ends a rank other than 0 with the exit code of the error rank 0 reports (and prints nothing)."""


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def refuse_under_torchrun(message: str) -> None:
    """For a command that does not share its work between ranks: when started by torchrun, rank 0 raises
    :class:`InputError` (``message``: the one line the user sees, exit 2) and every other rank ends with
    :class:`RankExit` (2) and prints nothing. No process group is joined, so no rank waits for another."""
    if not launched_by_torchrun():
        return
    if int(os.environ["RANK"]) == 0:
        raise InputError(message)
    raise RankExit(2)


def init_distributed(device: torch.device) -> DistInfo:
    """Join the process group when started by torchrun (NCCL for CUDA, gloo for the CPU)."""
    if not launched_by_torchrun():
        return DistInfo()
    info = DistInfo(
        int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0))
    )
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend=backend, init_method="env://")
    return info


@contextmanager
def process_group(device: str) -> Iterator[DistInfo]:
    """Within the block, this process is in torchrun's group (``--device`` NAME picks NCCL or gloo); a single
    process (``DistInfo()``) when not started by torchrun. The group is left when the block ends."""
    info = init_distributed(resolve_device(device))
    try:
        yield info
    finally:
        shutdown()


def local_device(device: torch.device, info: DistInfo) -> torch.device:
    """Each process on its own GPU (``cuda:LOCAL_RANK``); the CPU is shared."""
    if device.type == "cuda" and info.enabled:
        return torch.device("cuda", info.local_rank)
    return device


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def all_gather_objects(value: Any) -> list[Any]:
    """Every rank's ``value`` (picklable), in rank order; ``[value]`` for a single process."""
    if not (dist.is_available() and dist.is_initialized()):
        return [value]
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, value)
    return gathered


def broadcast_object(value: Any) -> Any:
    """Rank 0's ``value`` on every rank."""
    if not (dist.is_available() and dist.is_initialized()):
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def main_first(info: DistInfo, step: Callable[[], T]) -> T:
    """Run ``step`` on rank 0 while the other ranks wait; every rank returns its result.

    When ``step`` raises a :class:`SplashsegError`, rank 0 raises it and every other rank raises
    :class:`RankExit` with its exit code, so all ranks end alike and none waits for the others.
    """
    if not info.enabled:
        return step()
    outcome: tuple[bool, Any] = (True, None)
    if info.is_main:
        try:
            outcome = (True, step())
        except SplashsegError as exc:
            broadcast_object((False, exc.exit_code))
            raise
    ok, value = broadcast_object(outcome)
    if not ok:
        raise RankExit(value)
    return value


def exit_together(info: DistInfo, check: Callable[[], None]) -> None:
    """Once every rank is here (rank 0 has printed its results), run ``check`` on every rank: a
    :class:`SplashsegError` it raises is raised on rank 0 (which reports it) and ends every other rank with
    :class:`RankExit` of the same code, so all ranks exit alike."""
    barrier()
    try:
        check()
    except SplashsegError as exc:
        if info.is_main:
            raise
        raise RankExit(exc.exit_code) from None
