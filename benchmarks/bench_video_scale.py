"""Video at scale: clips per minute in one process against ``torchrun --nproc-per-node 2``, and the
temporal-quality figures (``propagation_iou``, ``flicker``) for strides 1/3/5 with and without
``--smooth``, ``--hold 0``, ``--refine`` and ``--propagate hold``.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_video_scale.py scale [--clips 8] [--repeats 2]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_video_scale.py quality [--clip examples/clip.mp4]

Everything runs through the command line (``python -m splashseg video``), with the demo's trained model
``examples/shapes-small.pt`` on the CPU. ``scale``: 8 clips of the demo's shapes (212x160, 30 to 60
frames, each with its own motion) in one folder; one process with ``OMP_NUM_THREADS=2`` against two
torchrun ranks with ``OMP_NUM_THREADS=1`` each (the same two cores), runs alternating, wall time of the
whole command (model loads included). ``quality``: the figures of ``--json`` for each setting on the
example clip and on a made clip with known motion (``tests/video_scenes.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = str(ROOT / "examples" / "shapes-small.pt")
BASE = ["--weights", MODEL, "--device", "cpu", "--preset", "ultrafast", "-q"]
VARIANTS = {"plain": [], "--smooth": ["--smooth"], "--hold 0": ["--hold", "0"], "--refine": ["--refine"],
            "--propagate hold": ["--propagate", "hold"]}


def made_clips(folder: Path, count: int) -> list[Path]:
    """``count`` clips of the demo's shapes on known paths (212x160, 30..60 frames)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from video_scenes import draw_scene, write_scene

    clips = []
    for i in range(count):
        scene = draw_scene(made_shapes(i), 30 + 4 * i, size=(212, 160), seed=i)
        clips.append(write_scene(folder / f"clip{i}.mp4", scene))
    return clips


def made_shapes(i: int) -> list:
    """Clip ``i``'s objects: a box, a balloon and a kite entering on frame 5 + i, on straight paths."""
    from video_scenes import Shape

    return [Shape("box", 34, (235, 50, 50), (24 + 5 * i, 30), (3.0 - 0.4 * i, 0.5), aspect=0.65),
            Shape("balloon", 16, (60, 120, 250), (160, 100), (-1.5, -0.3 + 0.1 * i)),
            Shape("kite", 16, (60, 220, 90), (90, 40), (0.5, 0.8), enter=5 + i)]


def run(args: list[str], threads: int, launcher: list[str] | None = None) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    started = time.perf_counter()
    done = subprocess.run([*(launcher or [sys.executable]), "-m", "splashseg", "video", *args, *BASE], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return time.perf_counter() - started


def scale(count: int, repeats: int) -> dict:
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "clips"
        folder.mkdir()
        made_clips(folder, count)
        settings = {"one process, 2 threads": (2, None), "torchrun 2 ranks, 1 thread each": (1, torchrun),
                    "one process, 1 thread": (1, None)}
        times: dict[str, list[float]] = {name: [] for name in settings}
        for r in range(repeats):
            for k, name in enumerate(list(times) if r % 2 == 0 else list(reversed(times))):
                threads, launcher = settings[name]
                out = Path(tmp) / f"out-{r}-{k}"
                times[name].append(run([str(folder), "--out", str(out)], threads, launcher))
    best = {name: min(values) for name, values in times.items()}
    names = list(times)
    per_minute = {name: round(60 * count / seconds, 2) for name, seconds in best.items()}
    return {"clips": count, "seconds": times, "clips_per_minute": per_minute,
            "ratio": round(best[names[0]] / best[names[1]], 2)}


def true_flicker(count: int) -> float:
    """The flicker of the made clip's true keep-mask (every object), with the flow the pipeline computes."""
    import numpy as np

    from splashseg.video.flow import FlowPropagator
    from splashseg.video.quality import FlickerScore

    sys.path.insert(0, str(ROOT / "tests"))
    from video_scenes import draw_scene

    scene = draw_scene(made_shapes(count), 30 + 4 * count, size=(212, 160), seed=count)
    propagator, score, previous = FlowPropagator(), FlickerScore(), None
    for t, frame in enumerate(scene.frames):
        mask = np.logical_or.reduce([truth[t] for truth in scene.truth]).astype(np.float32)
        flow = propagator.advance(frame)
        if flow is not None:
            score.add(previous, mask, flow.forward(), flow.backward())
        previous = mask
    return round(score.summary(), 4)


def quality(clip: Path) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for stride in (1, 3, 5):
            for name, options in VARIANTS.items():
                out = Path(tmp) / f"s{stride}-{len(rows)}.mp4"
                env = {**os.environ, "OMP_NUM_THREADS": "2"}
                done = subprocess.run([sys.executable, "-m", "splashseg", "video", str(clip), "--out", str(out),
                                       "--stride", str(stride), "--json", *options, *BASE], env=env,
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(done.stderr[-2000:])
                summary = json.loads(done.stdout)
                iou = summary["propagation_iou"]
                rows.append({"stride": stride, "setting": name, "propagation_iou": iou["mean"],
                             "worst": iou["worst"], "flicker": summary["flicker"],
                             "births_per_minute": summary["births_per_minute"]})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("scale", "quality"))
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--clip", type=Path, default=None,
                        help="quality: this clip (default: the example and a made one)")
    options = parser.parse_args()
    if options.what == "scale":
        print(json.dumps(scale(options.clips, options.repeats), indent=2))
        return
    clips = [options.clip] if options.clip else [ROOT / "examples" / "clip.mp4"]
    with tempfile.TemporaryDirectory() as tmp:
        if options.clip is None:
            clips += made_clips(Path(tmp), 1)
            print(f"# clip0.mp4: flicker of the true masks {true_flicker(0)}", flush=True)
        for clip in clips:
            print(f"# {clip.name}", flush=True)
            quality(clip)


if __name__ == "__main__":
    main()
