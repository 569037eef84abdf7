"""The demo's ``index.md``: the figures, the pictures it wrote and frames of the splashed clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..fsutil import write_text_atomic
from ..images import write_image
from ..render import EFFECTS
from ..video.reader import VideoReader


def frame_strip(video: Path, target: Path, count: int = 4) -> None:
    """Write ``count`` evenly spaced frames of ``video`` side by side as one PNG (RGB)."""
    with VideoReader(video) as reader:
        frames = [frame.rgb for frame in reader.frames()]
    picks = np.linspace(0, len(frames) - 1, num=min(count, len(frames))).round().astype(int)
    write_image(target, np.concatenate([frames[i] for i in picks], axis=1))


def _metrics_table(evaluation: dict[str, Any]) -> list[str]:
    metrics = evaluation["metrics"]
    names = ["AP", "AP50", "AP75", "APs", "APm", "APl"]
    rows = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for iou in ("segm", "bbox"):
        values = [metrics[iou].get(n) for n in names]
        rows.append(f"| {iou} | " + " | ".join("-" if v is None or v < 0 else f"{v:.3f}" for v in values) + " |")
    rows += ["", "| class | segm AP | bbox AP |", "|---|---|---|"]
    for name, value in evaluation["per_class"]["segm"].items():
        box = evaluation["per_class"]["bbox"].get(name)
        rows.append(f"| {name} | {value if value is None else f'{value:.3f}'} | "
                    f"{box if box is None else f'{box:.3f}'} |")
    return rows


def write_index(out: Path, summary: dict[str, Any], evaluation: dict[str, Any], pictures: list[str]) -> None:
    """Write ``out/index.md`` (and ``out/clip-frames.png``) from the demo's results."""
    frame_strip(out / "clip-splash.mp4", out / "clip-frames.png")
    lines = [
        "# splashseg demo", "",
        "Everything here was made offline by `splashseg demo`: a synthetic VIA dataset (`source/`), imported "
        "(`dataset/`), a `maskrcnn_small` trained from scratch on the CPU (`run/`), evaluated on the val split, "
        "then used to detect and splash the val pictures and a clip with audio.", "",
        f"**segm AP {summary['segm_AP']:.3f}**, bbox AP {summary['bbox_AP']:.3f} after {summary['epochs']} epochs; "
        f"total {summary['total_seconds']:.0f} s.", "",
        "## Evaluation (val split, COCO metrics)", "", *_metrics_table(evaluation), "",
        "## Training", "", "![losses and AP](run/training.png)", "",
        "## Detections", "", " ".join(f"![{p}](detect/{p})" for p in pictures), "",
        "## Colour splash, one row per effect", "",
    ]
    for effect in EFFECTS:
        lines += [f"**{effect}**", "", " ".join(f"![{effect} {p}](splash-{effect}/{p})" for p in pictures), ""]
    lines += ["## Video", "", f"`clip.mp4` -> `clip-splash.mp4` ({summary['video_frames']} frames, "
              f"{summary['video_audio_streams']} audio stream copied). Frames of the output:", "",
              "![frames of clip-splash.mp4](clip-frames.png)", "",
              "## Time per step (seconds)", "", "| step | s |", "|---|---|",
              *[f"| {k} | {v} |" for k, v in summary["seconds"].items()], ""]
    write_text_atomic(out / "index.md", "\n".join(lines))
