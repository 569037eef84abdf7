"""Issue 19's headline figure: a 30 s, 30 fps, 1280x720 clip through the COCO architecture on the CPU.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_video_30s.py --conf 0.6 0.05

The clip is ``examples/clip.mp4`` scaled to 1280x720 and played forward and back (ping-pong, so motion
stays smooth) until it is 900 frames at 30 fps. The model is ``maskrcnn_resnet50_fpn`` with seeded random
weights saved as a state dict (the same network every run); ``--conf 0.6`` finds a few objects a frame,
``--conf 0.05`` about a hundred. Each run is ``splashseg video`` as a new process with ``--runtime auto
--stride 5 --propagate flow``; the OpenVINO cache is filled by a short run first. Prints one JSON line per
run: wall seconds (start-up included), the video's fps, its tracks, and ``stage_seconds``.

``--ratio N``: instead, on the first ``N`` frames, ``--runtime torch --stride 1`` (every frame through the
model in torch fp32: what 0.2 did) against ``--runtime auto --stride 5 --propagate flow``, per ``--conf``;
prints both runs and the fps ratio (issue 19's target: >= 10x with ``--conf 0.6``).
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

import av
import cv2
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_runtime import seeded_model  # noqa: E402


def thirty_second_clip(target: Path, frames: int = 900, fps: int = 30) -> Path:
    """``examples/clip.mp4`` at 1280x720, ping-pong looped to ``frames`` frames at ``fps`` (H.264, no audio)."""
    with av.open(str(ROOT / "examples" / "clip.mp4")) as source:
        pictures = [cv2.resize(f.to_ndarray(format="rgb24"), (1280, 720)) for f in source.decode(video=0)]
    loop = pictures + pictures[-2:0:-1]
    with av.open(str(target), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for i in range(frames):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(loop[i % len(loop)], format="rgb24")))
        out.mux(stream.encode())
    return target


def run_video(clip: Path, weights: Path, out: Path, conf: float, extra: list[str], runtime: str = "auto",
              stride: int = 5) -> dict:
    command = [sys.executable, "-m", "splashseg", "video", str(clip), "--model", "maskrcnn_resnet50_fpn",
               "--weights", str(weights), "--conf", str(conf), "--device", "cpu", "--runtime", runtime,
               "--stride", str(stride), "--propagate", "flow", "--out", str(out), "--force", "--json", "-q", *extra]
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    report = json.loads(done.stdout)
    return {"conf": conf, "runtime_option": runtime, "stride": stride,
            "wall_seconds": round(time.perf_counter() - start, 1), "frames": report["frames"],
            "model_frames": report["model_frames"], "fps": report["fps"], "tracks": len(report["tracks"]),
            "runtime": report.get("runtime"), "stage_seconds": report.get("stage_seconds")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conf", nargs="+", type=float, default=[0.6, 0.05])
    parser.add_argument("--frames", type=int, default=900)
    parser.add_argument("--ratio", type=int, default=None, metavar="N",
                        help="torch at stride 1 against auto at stride 5 on the first N frames")
    args = parser.parse_args()
    print(json.dumps({"threads": torch.get_num_threads(), "load_average": os.getloadavg()}))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip, weights = thirty_second_clip(tmp / "clip720.mp4", args.ratio or args.frames), tmp / "seeded.pt"
        torch.save(seeded_model("maskrcnn_resnet50_fpn").state_dict(), weights)
        short = thirty_second_clip(tmp / "short.mp4", 10)
        run_video(short, weights, tmp / "warm.mp4", 0.6, [])  # fills the OpenVINO cache
        for conf in args.conf:
            if args.ratio is None:
                print(json.dumps(run_video(clip, weights, tmp / f"out-{conf}.mp4", conf, [])), flush=True)
                continue
            slow = run_video(clip, weights, tmp / f"torch-{conf}.mp4", conf, [], runtime="torch", stride=1)
            fast = run_video(clip, weights, tmp / f"auto-{conf}.mp4", conf, [])
            print(json.dumps(slow), json.dumps(fast), sep="\n", flush=True)
            print(json.dumps({"conf": conf, "fps_ratio": round(fast["fps"] / slow["fps"], 2),
                              "wall_ratio": round(slow["wall_seconds"] / fast["wall_seconds"], 2)}), flush=True)


if __name__ == "__main__":
    main()
