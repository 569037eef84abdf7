"""A demo-style dataset (made pictures of kites, boxes and balloons, imported from VIA) for evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from splashseg.data.importers.pipeline import ImportConfig, import_annotations
from splashseg.demo.synth import write_via_dataset

CHECKPOINT_CLASSES = ("kite", "box", "balloon")  # examples/shapes-small.pt's class order


def shapes_dataset(folder: Path, count: int = 10, seed: int = 3, size: int = 192) -> Path:
    """Write ``count`` pictures (a fifth in val) as a canonical dataset in ``folder / "dataset"``, categories
    numbered in :data:`CHECKPOINT_CLASSES` order (evaluate matches a checkpoint's classes by position)."""
    project = write_via_dataset(folder / "source", count, size=size, seed=seed)
    dataset = folder / "dataset"
    import_annotations(ImportConfig(sources=[project], out=dataset, seed=seed))
    numbers = {name: i for i, name in enumerate(CHECKPOINT_CLASSES, start=1)}
    for split in ("train", "val"):
        path = dataset / "annotations" / f"{split}.json"
        coco = json.loads(path.read_text())
        names = {c["id"]: c["name"] for c in coco["categories"]}
        coco["categories"] = sorted(({**c, "id": numbers[c["name"]]} for c in coco["categories"]),
                                    key=lambda c: c["id"])
        for ann in coco["annotations"]:
            ann["category_id"] = numbers[names[ann["category_id"]]]
        path.write_text(json.dumps(coco))
    return dataset
