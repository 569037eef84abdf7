"""Seconds per frame of each stage of ``video`` (decode, model, flow, track, store, render, encode) on a
1280x720 clip, with few and with ~100 objects a frame, at two strides.

    PYTHONPATH=. OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_video_stages.py \
        [--frames 30] [--strides 1 5] [--models coco-many shapes-small] [--replay DIR] [--profile FILE] [--json]

The clip is ``examples/clip.mp4`` scaled to 1280x720 (PyAV, first ``--frames`` frames). Models:
``coco-many`` is ``maskrcnn_resnet50_fpn`` with seeded random weights (``torch.manual_seed(0)``) and
``--conf 0.05``, which finds about 100 objects a frame (so flow, tracking, the store and the splash
carry many objects); ``shapes-small`` is the demo's ``examples/shapes-small.pt`` (a few objects).

``--replay DIR``: the model's detections are kept in DIR (one file per frame, keyed by the frame's
bytes) and reused on later runs, so the video pipeline's own cost can be measured again and again
without running the model each time (the ``model`` stage is then the lookup; the first run's true model
seconds are printed). ``--profile FILE``: cProfile of the pipeline's work thread (model, flow, tracking,
store, render; not decode or encode, which the stage seconds show), written to FILE (pstats).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import tempfile
from pathlib import Path

import av
import numpy as np
import torch

from splashseg.apps.splash import SplashOptions, load_style
from splashseg.apps.video import VideoConfig, open_video_job, run_video
from splashseg.apps.video_tracking import TrackingOptions
from splashseg.console import Reporter
from splashseg.predict import PredictConfig, build_predictor

ROOT = Path(__file__).resolve().parents[1]
MODELS = {
    "coco-many": PredictConfig(model_name="maskrcnn_resnet50_fpn", weights="none", conf=0.05),
    "shapes-small": PredictConfig(weights=str(ROOT / "examples" / "shapes-small.pt")),
}


def scaled_clip(source: Path, target: Path, frames: int, size: tuple[int, int] = (1280, 720)) -> Path:
    """The first ``frames`` frames of ``source`` resized to ``size`` (W, H), H.264 at the same rate."""
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        stream_in = src.streams.video[0]
        out = dst.add_stream("libx264", rate=stream_in.average_rate)
        out.width, out.height, out.pix_fmt = size[0], size[1], "yuv420p"
        for count, frame in enumerate(src.decode(stream_in)):
            if count == frames:
                break
            for packet in out.encode(frame.reformat(width=size[0], height=size[1], format="yuv420p")):
                dst.mux(packet)
        for packet in out.encode():
            dst.mux(packet)
    return target


def replaying(predictor, folder: Path) -> dict:
    """Make ``predictor`` keep its detections in ``folder`` by frame content and reuse them; returns a
    dict that counts the model's own seconds (``model_seconds``, ``model_frames``)."""
    import time

    real = predictor.predict_tensors
    spent = {"model_seconds": 0.0, "model_frames": 0}
    folder.mkdir(parents=True, exist_ok=True)

    def predict_tensors(images, **options):
        results = []
        for image in images:
            key = hashlib.sha1(image.contiguous().cpu().numpy().tobytes()).hexdigest() + str(sorted(options.items()))
            path = folder / (hashlib.sha1(key.encode()).hexdigest() + ".pt")
            if not path.exists():
                started = time.perf_counter()
                torch.save(real([image], **options)[0], path)
                spent["model_seconds"] += time.perf_counter() - started
                spent["model_frames"] += 1
            results.append(torch.load(path, weights_only=False))
        return results

    predictor.predict_tensors = predict_tensors
    return spent


def profile_work_thread() -> cProfile.Profile:
    """A profiler switched on in the pipeline's work thread while it runs (cProfile sees one thread)."""
    from splashseg.video import pipeline

    profiler, run = cProfile.Profile(), pipeline._Infer.run

    def profiled(self, *args):
        profiler.enable()
        try:
            run(self, *args)
        finally:
            profiler.disable()

    pipeline._Infer.run = profiled
    return profiler


def run_case(name: str, clip: Path, folder: Path, strides: list[int], replay: Path | None) -> list[dict]:
    torch.manual_seed(0)  # random weights: the same junk detections on every run
    predictor = build_predictor(MODELS[name])
    predictor([np.zeros((720, 1280, 3), np.uint8)])  # warm-up: the first forward pass sets things up (seconds)
    spent = replaying(predictor, replay / name) if replay is not None else None
    style, quiet, rows = load_style(SplashOptions()), Reporter(quiet=True), []
    for stride in strides:
        config = VideoConfig(source=clip, target=folder / f"{name}-{stride}.mp4", stride=stride,
                             tracking=TrackingOptions(propagate="flow"), force=True)
        with open_video_job(config) as job:
            report = run_video(job, predictor, style, quiet)
        per_frame = {k: round(v / report.frames, 4) for k, v in report.stage_seconds.items()}
        rows.append({"model": name, "stride": stride, "frames": report.frames, "model_frames": report.model_frames,
                     "tracks": len(report.tracks), "fps": round(report.fps, 3), "seconds": round(report.seconds, 2),
                     "stage_seconds_per_frame": per_frame,
                     **({"true_model_seconds": round(spent["model_seconds"], 2),
                         "true_model_frames": spent["model_frames"]} if spent else {})})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=ROOT / "examples" / "clip.mp4")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--models", nargs="+", choices=tuple(MODELS), default=list(MODELS))
    parser.add_argument("--strides", nargs="+", type=int, default=[1, 5])
    parser.add_argument("--replay", type=Path, default=None)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = scaled_clip(args.clip, Path(tmp) / "clip-720p.mp4", args.frames)
        profiler = profile_work_thread() if args.profile else None
        rows = [row for name in args.models for row in run_case(name, clip, Path(tmp), args.strides, args.replay)]
        if profiler:
            profiler.dump_stats(str(args.profile))
    if args.json:
        print(json.dumps(rows))
        return
    for r in rows:
        stages = ", ".join(f"{k} {v * 1000:.0f}" for k, v in r["stage_seconds_per_frame"].items())
        print(f"{r['model']:12s} stride {r['stride']}: {r['fps']:.2f} fps, {r['frames']} frames "
              f"(model on {r['model_frames']}), {r['tracks']} tracks; ms per frame: {stages}")


if __name__ == "__main__":
    main()
