"""Make ``examples/readme-keep.png``: frames of the example clip splashed with ``--keep all`` (top row) and
``--keep largest`` (bottom row), each row labelled with its option.

Runs offline on the CPU in a few seconds with the demo's model; the same as

    splashseg video examples/clip.mp4 --weights examples/shapes-small.pt --keep all --out all.mp4
    splashseg video examples/clip.mp4 --weights examples/shapes-small.pt --keep largest --out largest.mp4

followed by picking frames from both outputs.

    PYTHONPATH=. python examples/make_keep_figure.py [--out examples/readme-keep.png] [--frames 0 11 22 33]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from splashseg.apps.splash import SplashOptions, load_style
from splashseg.apps.video import VideoConfig, open_video_job, run_video
from splashseg.apps.video_tracking import TrackingOptions
from splashseg.console import Reporter
from splashseg.fsutil import atomic_path
from splashseg.predict import PredictConfig, build_predictor

HERE = Path(__file__).resolve().parent
ROWS = (("all", "--keep all: every tracked object stays in colour"),
        ("largest", "--keep largest: one object, chosen over the whole clip, from its first frame"))
GAP, BAND = 4, 30  # pixels between frames; height of a row's label band
INK, PAPER = (30, 30, 30), (255, 255, 255)


def splashed_frames(clip: Path, weights: str, keep: str, indices: list[int], folder: Path) -> list[np.ndarray]:
    """Frames ``indices`` (RGB uint8 [H, W, 3]) of ``clip`` splashed (gray) with ``--keep keep``."""
    target = folder / f"keep-{keep}.mp4"
    config = VideoConfig(source=clip, target=target, predict=PredictConfig(weights=weights, device="cpu"),
                         tracking=TrackingOptions(keep=keep), splash=SplashOptions())
    with open_video_job(config) as job:
        run_video(job, build_predictor(config.predict), load_style(config.splash), Reporter(quiet=True))
    with av.open(str(target)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return [frames[i] for i in indices]


def labelled_row(frames: list[np.ndarray], label: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    """One row: a white band with ``label`` over the frames laid side by side with white gaps."""
    height, width = frames[0].shape[:2]
    row = Image.new("RGB", (len(frames) * width + (len(frames) - 1) * GAP, BAND + height), PAPER)
    ImageDraw.Draw(row).text((2, BAND // 2), label, fill=INK, font=font, anchor="lm")
    for i, frame in enumerate(frames):
        row.paste(Image.fromarray(frame), (i * (width + GAP), BAND))
    return row


def keep_figure(clip: Path, weights: str, indices: list[int]) -> Image.Image:
    """The figure: one labelled row per ``--keep`` policy in :data:`ROWS`, stacked with a gap."""
    font = ImageFont.load_default(size=17)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [labelled_row(splashed_frames(clip, weights, keep, indices, Path(tmp)), label, font)
                for keep, label in ROWS]
    figure = Image.new("RGB", (rows[0].width, sum(r.height for r in rows) + GAP * 2), PAPER)
    for i, row in enumerate(rows):
        figure.paste(row, (0, i * (row.height + GAP * 2)))
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=HERE / "clip.mp4")
    parser.add_argument("--weights", default=str(HERE / "shapes-small.pt"))
    parser.add_argument("--frames", type=int, nargs="+", default=[0, 11, 22, 33])
    parser.add_argument("--out", type=Path, default=HERE / "readme-keep.png")
    args = parser.parse_args()
    figure = keep_figure(args.clip, args.weights, args.frames)
    with atomic_path(args.out) as tmp:
        figure.save(tmp, format="PNG", optimize=True)
    print(f"wrote {args.out} ({figure.width}x{figure.height})")


if __name__ == "__main__":
    main()
