"""Video pipeline benchmark: end-to-end fps against model-only fps, and peak RSS against video length.

    python benchmarks/bench_video.py fps [--frames 120] [--size 320x240] [--batch-size 4] [--device cpu]
    python benchmarks/bench_video.py rss [--frames 300 3000] [--size 320x240] [--model standin]

``fps``: the same frames go (a) straight to the predictor, pre-decoded in memory (model-only fps), and
(b) through ``process_video`` (decode -> predict + splash -> H.264 + audio copy). Target: (b)/(a) >= 0.9.
``rss``: each length runs in a fresh process; reports peak RSS (ru_maxrss). Target: 3,000/300 <= 1.1.
``--model small`` is ``maskrcnn_small`` with random weights (``--weights none``); ``standin`` is a
cheap callable (a fixed box mask), which isolates the pipeline's own memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from video_samples import write_video  # noqa: E402

from splashseg.apps.backend import build_backend  # noqa: E402
from splashseg.render import SplashStyle, build_compositor  # noqa: E402
from splashseg.video import PipelineOptions, VideoReader, process_video, splash_renderer  # noqa: E402


def make_predict(model: str, device: str, batch_size: int, min_size: int, conf: float = 0.5):
    if model == "standin":
        def standin(frames):
            masks = []
            for frame in frames:
                mask = np.zeros(frame.shape[:2], bool)
                h, w = frame.shape[0] // 4, frame.shape[1] // 4
                mask[h:-h, w:-w] = True
                masks.append(mask)
            return masks
        return standin, None
    from splashseg.predict import PredictConfig, build_predictor

    predictor = build_predictor(PredictConfig(model_name="maskrcnn_small", weights="none", device=device,
                                              conf=conf, batch_size=batch_size, min_size=min_size,
                                              max_size=min_size * 2))
    backend = build_backend(predictor, frames_on_model=True)
    return backend.predict, backend.device


def gray_render(model: str, device):  # noqa: ANN001, ANN201
    """The gray splash of the kept instances on the frames' backend (the stand-in returns the mask itself)."""
    compositor = build_compositor(SplashStyle("gray"), device)
    keep = (lambda mask: mask) if model == "standin" else (lambda det: det.union_mask())
    return splash_renderer(compositor.splash, keep=keep)


def sample_video(folder: Path, frames: int, size: tuple[int, int]) -> Path:
    path = folder / f"bench-{frames}-{size[0]}x{size[1]}.mp4"
    if not path.exists():
        write_video(path, size=size, frames=frames, audio="aac")
    return path


def _model_only(predict, frames: list, batch_size: int, device) -> float:  # noqa: ANN001
    """Seconds for the predictor alone on pre-decoded frames (results synchronised on CUDA)."""
    started = time.perf_counter()
    for start in range(0, len(frames), batch_size):
        predict(frames[start:start + batch_size])
    if device is not None:
        import torch

        torch.cuda.synchronize()
    return time.perf_counter() - started


def bench_fps(args: argparse.Namespace, folder: Path) -> dict:
    source = sample_video(folder, args.frames[0], args.size)
    predict, device = make_predict(args.model, args.device, args.batch_size, args.min_size, args.conf)
    with VideoReader(source) as reader:
        frames = [f.rgb for f in reader.frames()]
    predict(frames[: args.batch_size])  # warm-up
    if device is not None:
        import torch

        frames = [torch.from_numpy(f).to(device) for f in frames]
        torch.cuda.synchronize()
    model_seconds = _model_only(predict, frames, args.batch_size, device)
    render = gray_render(args.model, device)
    report = process_video(source, folder / "out.mp4", predict, render, force=True,
                           options=PipelineOptions(batch_size=args.batch_size, device=device))
    # bracket the pipeline run: a shared machine is noisy
    model_seconds = (model_seconds + _model_only(predict, frames, args.batch_size, device)) / 2
    model_fps = len(frames) / model_seconds
    return {"frames": report.frames, "size": args.size, "model": args.model, "batch_size": args.batch_size,
            "model_only_fps": round(model_fps, 2), "end_to_end_fps": round(report.fps, 2),
            "ratio": round(report.fps / model_fps, 3)}


def run_once(args: argparse.Namespace, folder: Path) -> dict:
    """One pipeline run in this process; prints peak RSS in MiB."""
    source = sample_video(folder, args.frames[0], args.size)
    predict, device = make_predict(args.model, args.device, args.batch_size, args.min_size)
    render = gray_render(args.model, device)
    report = process_video(source, folder / "out.mp4", predict, render, force=True,
                           options=PipelineOptions(batch_size=args.batch_size, device=device))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"frames": report.frames, "peak_rss_mib": round(peak, 1), "fps": round(report.fps, 1)}


def bench_rss(args: argparse.Namespace, folder: Path) -> dict:
    results = []
    for frames in args.frames:
        sample_video(folder, frames, args.size)  # written here, so the child only processes it
        size = f"{args.size[0]}x{args.size[1]}"
        cmd = [sys.executable, __file__, "once", "--frames", str(frames), "--size", size,
               "--model", args.model, "--device", args.device, "--batch-size", str(args.batch_size),
               "--min-size", str(args.min_size), "--folder", str(folder)]
        results.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
    ratio = results[-1]["peak_rss_mib"] / results[0]["peak_rss_mib"]
    return {"model": args.model, "size": args.size, "runs": results, "rss_ratio": round(ratio, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("fps", "rss", "once"))
    parser.add_argument("--frames", type=int, nargs="+", default=None)
    parser.add_argument("--size", type=lambda s: tuple(int(v) for v in s.split("x")), default=(320, 240))
    parser.add_argument("--model", choices=("small", "standin"), default="small")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--min-size", type=int, default=240)
    parser.add_argument("--conf", type=float, default=0.5)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    args.frames = args.frames or ([120] if args.mode == "fps" else [300, 3000])
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        bench = {"fps": lambda: bench_fps(args, folder),
                 "rss": lambda: bench_rss(args, folder), "once": lambda: run_once(args, folder)}[args.mode]
        print(json.dumps(bench()))


if __name__ == "__main__":
    main()
