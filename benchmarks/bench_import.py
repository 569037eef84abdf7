"""Benchmark: ``annotate-import`` of 20,000 images' VIA annotations (tiny image files).

Checks that no image is decoded (sizes come from headers) by counting Pillow ``Image.load`` calls.

    .venv/bin/python benchmarks/bench_import.py [--images 20000]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageFile

from splashseg.data.importers import ImportConfig, import_annotations


def tiny_png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_source(folder: Path, count: int) -> Path:
    """``count`` tiny PNGs (four sizes) and one VIA 2.x export with two regions per image."""
    pictures = [tiny_png((16 + 8 * k, 16 + 4 * k)) for k in range(4)]
    metadata = {}
    for index in range(count):
        name = f"img_{index:05d}.png"
        data = pictures[index % 4]
        (folder / name).write_bytes(data)
        regions = [
            {
                "shape_attributes": {
                    "name": "polygon",
                    "all_points_x": [1, 12, 12, 1],
                    "all_points_y": [1, 1, 12, 12],
                },
                "region_attributes": {"name": "balloon"},
            },
            {
                "shape_attributes": {"name": "ellipse", "cx": 8, "cy": 8, "rx": 5, "ry": 3, "theta": 0.5},
                "region_attributes": {"name": "balloon"},
            },
        ]
        metadata[f"{name}{len(data)}"] = {
            "filename": name,
            "size": len(data),
            "regions": regions,
            "file_attributes": {},
        }
    source = folder / "via_region_data.json"
    source.write_text(json.dumps(metadata))
    return source


def count_decodes() -> list[int]:
    """Patch Pillow so every pixel decode is counted; returns the counter (a one-item list)."""
    counter = [0]
    original = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile):  # noqa: ANN202
        counter[0] += 1
        return original(self)

    ImageFile.ImageFile.load = load
    return counter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        source = write_source(root / "src", args.images)
        decodes = count_decodes()
        start = time.perf_counter()
        dataset = import_annotations(ImportConfig(sources=[source], out=root / "ds"))
        seconds = time.perf_counter() - start
    images = sum(len(c["images"]) for c in dataset.splits.values())
    instances = sum(len(c["annotations"]) for c in dataset.splits.values())
    print(
        f"imported {images} images, {instances} instances in {seconds:.1f} s "
        f"({images / seconds:.0f} images/s); images decoded: {decodes[0]}"
    )
    if decodes[0]:
        raise SystemExit("the import decoded images it did not need")


if __name__ == "__main__":
    main()
