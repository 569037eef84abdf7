"""The import report: what was imported, what was skipped and why, and what was changed on the way."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

EXAMPLES_SHOWN = 3


@dataclass
class ImportReport:
    """Collects skipped items and notes while importing; :meth:`to_dict` is ``import-report.json``.

    skipped: ``(kind, reason)`` -> list of ``where`` strings; kind is ``"image"``, ``"region"`` or ``"file"``.
    """

    skipped: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    class_key: str | None = None
    class_merges: dict[str, str] = field(default_factory=dict)
    category_mapping: dict[str, dict[str, int]] = field(default_factory=dict)
    size_mismatches: list[str] = field(default_factory=list)
    rotated_images: int = 0
    counts: dict[str, Any] = field(default_factory=dict)
    renamed_images: dict[str, str] = field(default_factory=dict)

    def skip(self, kind: str, reason: str, where: str) -> None:
        """Record one skipped image, region or file under a short, groupable ``reason``."""
        self.skipped[(kind, reason)].append(where)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def skipped_count(self, kind: str) -> int:
        return sum(len(items) for (k, _), items in self.skipped.items() if k == kind)

    def skipped_summary(self) -> list[dict[str, Any]]:
        """One row per (kind, reason), most frequent first, with a few examples."""
        rows = [
            {"kind": kind, "reason": reason, "count": len(items), "examples": items[:EXAMPLES_SHOWN]}
            for (kind, reason), items in self.skipped.items()
        ]
        return sorted(rows, key=lambda r: (-r["count"], r["kind"], r["reason"]))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready report: every skipped item with its reason, counts per split and class."""
        return {
            "counts": self.counts,
            "sources": self.sources,
            "class_key": self.class_key,
            "class_merges": self.class_merges,
            "category_mapping": self.category_mapping,
            "rotated_images": self.rotated_images,
            "size_mismatches": self.size_mismatches,
            "renamed_images": self.renamed_images,
            "notes": self.notes,
            "skipped_summary": self.skipped_summary(),
            "skipped": [
                {"kind": kind, "reason": reason, "where": where}
                for (kind, reason), items in self.skipped.items()
                for where in items
            ],
        }


def count_by_split(splits: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Images, negatives and instances per class for each split of COCO dicts ``{split: coco}``."""
    counts: dict[str, Any] = {}
    for split, coco in splits.items():
        names = {c["id"]: c["name"] for c in coco["categories"]}
        per_class = Counter(names[a["category_id"]] for a in coco["annotations"])
        annotated = {a["image_id"] for a in coco["annotations"]}
        counts[split] = {
            "images": len(coco["images"]),
            "negatives": sum(1 for im in coco["images"] if im["id"] not in annotated),
            "instances": len(coco["annotations"]),
            "per_class": {name: per_class.get(name, 0) for name in names.values()},
        }
    return counts
