"""What the picture jobs (``detect``, ``splash``) did: typed results the CLI renders (table, ``--json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batches import raise_for_failures


@dataclass
class SplashResult:
    """A picture job's outcome. images: one record per picture written, in input order (``file``,
    ``output``, ``instances``, ``classes``: name -> count); failed: the skipped ``(path, message)``;
    world_size / images_per_rank: under torchrun, the ranks and the pictures each one did; speed:
    :meth:`Predictor.speed` (``runtime``, ``model_seconds``, ``model_seconds_per_image``; rank 0's)."""

    out: Path
    refine: bool
    images: list[dict[str, Any]]
    failed: list[tuple[Path, str]]
    world_size: int | None = None
    images_per_rank: list[int] | None = None
    speed: dict[str, Any] = field(default_factory=dict)

    @property
    def instances(self) -> int:
        return sum(image["instances"] for image in self.images)

    def raise_for_failures(self) -> None:
        """Exit 2 (:class:`InputError`) after the run when a picture was skipped, naming the first."""
        raise_for_failures([str(p) for p, _ in self.failed], [m for _, m in self.failed],
                           len(self.images) + len(self.failed))

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` summary."""
        return {"out": str(self.out), **self._files(), "refine": self.refine, "images": self.images,
                "instances": self.instances, "failed": [str(p) for p, _ in self.failed],
                "errors": [m for _, m in self.failed], **self._ranks(), **self.speed}

    def _files(self) -> dict[str, Any]:
        return {}

    def _ranks(self) -> dict[str, Any]:
        if self.world_size is None:
            return {}
        return {"world_size": self.world_size, "images_per_rank": self.images_per_rank}


@dataclass
class DetectResult(SplashResult):
    """:class:`SplashResult` of ``detect``; it also wrote :attr:`detections_json`."""

    @property
    def detections_json(self) -> Path:
        return self.out / "detections.json"

    def _files(self) -> dict[str, Any]:
        return {"detections_json": str(self.detections_json)}
