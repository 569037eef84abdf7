"""Tracking benchmark on the demo clip with the demo's model: flow propagation, identity and popping.

    PYTHONPATH=. OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_tracking.py [--clip examples/clip.mp4]
        [--weights examples/shapes-small.pt] [--json]

The clip (``splashseg demo``'s: three objects moving on slow circles over a texture) is redrawn here
with the demo's own code, which gives the true mask of each object on each frame. The model runs once on
every frame; everything below reuses those detections.

(a) flow: with the model on every Nth frame only (N = 2, 3, 5, 10), the mean IoU of the tracks' masks
    carried to the frames in between against the model's own mask of the same object on those frames
    (the model's mask that best overlaps the true object), for ``affine`` and ``dense`` flow and for
    ``hold`` (the last masks reused, the old ``--stride`` behaviour). Target: >= 0.85 at N = 5.
(b) identity (model on every frame, and on every 5th): confirmed tracks in all, and for each true object
    the share of frames on which one track (its main one) covers it. Target: each >= 80%, <= 6 tracks.
(c) popping: times a true object loses its colour (the kept mask covers < 50% of it) for 1-2 frames and
    gets it back, with ``--hold 0`` against ``--hold 3``; and for the raw detections (no tracking).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from splashseg.demo.clip import SWING, _moved, _placed_apart
from splashseg.demo.synth import draw_object, object_color, textured_background
from splashseg.predict import PredictConfig, build_predictor
from splashseg.video import VideoReader
from splashseg.video.flow import FlowPropagator
from splashseg.video.instances import Instances, host_instances
from splashseg.video.keep import keep_mask
from splashseg.video.matching import mask_iou
from splashseg.video.tracking import Tracker

ROOT = Path(__file__).resolve().parents[1]


def true_masks(count: int, height: int, width: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """Each object's bool [T, H, W] masks and names, drawn as ``splashseg.demo.clip.clip_frames`` draws them."""
    rng = np.random.default_rng(seed)
    textured_background(rng, height, width)  # the same random draws as the clip, in the same order
    objects = _placed_apart(rng, height, width)
    for _ in objects:
        object_color(rng)
    masks = [np.zeros((count, height, width), bool) for _ in objects]
    for i in range(count):
        for k, obj in enumerate(objects):
            phase = 2 * math.pi * i / count + k * 2.1
            canvas = np.zeros((height, width, 3), np.uint8)
            draw_object(canvas, _moved(obj, round(SWING[0] * math.cos(phase)), round(SWING[1] * math.sin(phase))),
                        (255, 255, 255))
            masks[k][i] = canvas[..., 0] > 127
    return masks, [obj.name for obj in objects]


def best(masks: np.ndarray, truth: np.ndarray, least: float = 0.5) -> np.ndarray | None:
    """The mask of ``masks`` [N, H, W] that best overlaps ``truth`` [H, W] (IoU >= least), or None."""
    if len(masks) == 0:
        return None
    scores = mask_iou(masks, truth[None])[:, 0]
    return masks[int(scores.argmax())] if scores.max() >= least else None


def run_tracker(frames, detections, stride: int, propagate: str, hold: int = 3):
    """Per-frame live states with the model on every ``stride``-th frame; propagate: affine/dense/hold."""
    tracker = Tracker(hold=hold)
    propagator = None if propagate == "hold" else FlowPropagator(mode=propagate)
    history, seconds = [], 0.0
    for t, frame in enumerate(frames):
        started = time.perf_counter()
        flow = propagator.advance(frame) if propagator is not None else None
        history.append(tracker.update(t, detections[t] if t % stride == 0 else None, flow))
        seconds += time.perf_counter() - started
    return tracker, history, seconds / len(frames)


def full_masks(found) -> np.ndarray:
    """float32 [N, H, W]: an Instances' masks on the whole frame."""
    return np.stack([s.full() for s in found.softs]) if len(found) else np.zeros((0, *found.frame_size), np.float32)


def flow_iou(frames, detections, truth, stride: int, propagate: str) -> dict:
    """(a): mean IoU of carried masks against the model's masks on the frames the model skipped."""
    _, history, seconds = run_tracker(frames, detections, stride, propagate)
    vs_model, vs_truth = [], []
    for t, states in enumerate(history):
        if t % stride == 0:
            continue
        carried = np.stack([s.mask for s in states]) if states else np.zeros((0, *frames[0].shape[:2]), np.float32)
        for masks in truth:
            model_mask, track_mask = best(full_masks(detections[t]), masks[t]), best(carried, masks[t], 0.1)
            if model_mask is None:
                continue  # the model itself missed the object here: nothing to compare with
            if track_mask is None:
                vs_model.append(0.0), vs_truth.append(0.0)
                continue
            vs_model.append(float(mask_iou(track_mask[None], model_mask[None])[0, 0]))
            vs_truth.append(float(mask_iou(track_mask[None], masks[t][None])[0, 0]))
    return {"stride": stride, "propagate": propagate, "mean_iou_vs_model": round(float(np.mean(vs_model)), 3),
            "min_iou_vs_model": round(float(np.min(vs_model)), 3),
            "mean_iou_vs_truth": round(float(np.mean(vs_truth)), 3), "pairs": len(vs_model),
            "tracking_ms_per_frame": round(seconds * 1000, 2)}


def identity(frames, detections, truth, stride: int) -> dict:
    """(b): confirmed tracks in all, and each true object's main track and its share of the frames."""
    tracker, history, _ = run_tracker(frames, detections, stride, "affine")
    spans = []
    for masks in truth:
        covering = []  # per frame: the confirmed track covering the object best (IoU >= 0.5), or None
        for t, states in enumerate(history):
            ids = [s.id for s in states if s.confirmed]
            stack = np.stack([s.mask for s in states if s.confirmed]) if ids else np.zeros((0, *masks[t].shape))
            scores = mask_iou(stack, masks[t][None])[:, 0] if ids else np.zeros(0)
            covering.append(ids[int(scores.argmax())] if ids and scores.max() >= 0.5 else None)
        main = max(set(covering) - {None}, key=covering.count, default=None)
        spans.append({"main_track": main, "share_of_frames": round(covering.count(main) / len(frames), 3)})
    return {"stride": stride, "confirmed_tracks": len(tracker.log.tracks()),
            "tracks": [(t.id, t.class_name, t.first_frame, t.last_frame) for t in tracker.log.tracks()],
            "objects": spans}


def pops(covered: list[bool]) -> int:
    """Gaps of 1-2 frames in ``covered`` with the object covered before and after."""
    count, t = 0, 0
    while t < len(covered):
        if covered[t]:
            t += 1
            continue
        end = t
        while end < len(covered) and not covered[end]:
            end += 1
        count += 0 < t and end < len(covered) and end - t <= 2
        t = end
    return count


def popping(frames, detections, truth) -> dict:
    """(c): 1-2 frame losses of colour per object: raw detections, tracking with hold 0 and hold 3."""
    size = frames[0].shape[:2]
    kept = {"raw_detections": [det.masks.max(axis=0) if len(det) else np.zeros(size, np.float32)
                               for det in detections]}
    for hold in (0, 3):
        _, history, _ = run_tracker(frames, detections, 1, "affine", hold=hold)
        kept[f"hold_{hold}"] = [keep_mask(states, None, size) for states in history]
    result = {}
    for name, masks in kept.items():
        result[name] = [pops([float((m >= 0.5)[obj[t]].mean()) >= 0.5 for t, m in enumerate(masks)]) for obj in truth]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clip", default=str(ROOT / "examples" / "clip.mp4"))
    parser.add_argument("--weights", default=str(ROOT / "examples" / "shapes-small.pt"))
    parser.add_argument("--seed", type=int, default=1, help="the seed the demo drew the clip with")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with VideoReader(Path(args.clip)) as reader:
        frames = [f.rgb for f in reader.frames()]
    truth, names = true_masks(len(frames), *frames[0].shape[:2], args.seed)
    predictor = build_predictor(PredictConfig(model_name=None, weights=args.weights, device="cpu", conf=0.5))
    detections: list[Instances] = [host_instances(predictor([frame])[0]) for frame in frames]
    report = {"clip": args.clip, "frames": len(frames), "size": list(frames[0].shape[:2]), "objects": names,
              "detections_per_frame": round(float(np.mean([len(d) for d in detections])), 2),
              "flow": [flow_iou(frames, detections, truth, stride, mode)
                       for stride in (2, 3, 5, 10) for mode in ("affine", "dense", "hold")],
              "identity": [identity(frames, detections, truth, stride) for stride in (1, 5)],
              "popping": popping(frames, detections, truth)}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{args.clip}: {len(frames)} frames {frames[0].shape[1]}x{frames[0].shape[0]}, objects {names}, "
          f"{report['detections_per_frame']} detections per frame")
    print("(a) stride propagate  IoU vs model (mean, min)  IoU vs truth  tracking ms/frame")
    for row in report["flow"]:
        print(f"    {row['stride']:>6} {row['propagate']:<9} {row['mean_iou_vs_model']:.3f} "
              f"{row['min_iou_vs_model']:.3f}              {row['mean_iou_vs_truth']:.3f}         "
              f"{row['tracking_ms_per_frame']}")
    for ident in report["identity"]:
        print(f"(b) stride {ident['stride']}: confirmed tracks {ident['confirmed_tracks']} "
              "(id, class, first, last): " + ", ".join(map(str, ident["tracks"])))
        for name, span in zip(names, ident["objects"], strict=True):
            print(f"    {name}: main track {span['main_track']} on {span['share_of_frames']:.0%} of frames")
    print(f"(c) 1-2 frame pops per object {names}: {report['popping']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
