"""``demo``: the whole workflow offline, on data it makes: VIA annotations -> import -> train -> evaluate
-> splash pictures (one per effect) -> splash a clip with audio -> an index page with the figures.

Every step calls the same library function as its command does.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..configs import known_fields
from ..console import Reporter
from ..data.coco import images_dir, load_split
from ..data.importers.pipeline import ImportConfig, import_annotations
from ..demo.clip import write_clip
from ..demo.synth import write_via_dataset
from ..errors import add_cleanup_note
from ..fsutil import check_output_dir, make_output_dir, refuse_overwrite, undo_new_entries, write_text_atomic
from ..predict import PredictConfig, build_predictor
from ..render import EFFECTS, SplashStyle
from ..train.config import TrainConfig
from ..train.evaluate import EvaluateConfig, evaluate_weights
from ..train.run import train
from .detect import DetectConfig, run_detect
from .index import write_index
from .splash import SplashJob, run_splash
from .video import VideoConfig, open_video_job, run_video


@dataclass
class DemoConfig:
    """The demo's settings. Defaults finish in a few minutes on a 2-core CPU.

    images: synthetic pictures (a fifth go to val); size: their side in pixels;
    epochs: the most epochs to train; target_ap: stop training early once val segm AP reaches it;
    time_budget_s: stop training after the first epoch that ends past this many seconds.
    """

    out: Path = Path("demo-out")
    images: int = 160
    size: int = 160
    epochs: int = 30
    batch_size: int = 8
    lr: float = 2e-3
    target_ap: float = 0.65
    time_budget_s: float = 420.0
    seed: int = 0
    device: str = "auto"
    force: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_options(cls, **params: Any) -> DemoConfig:
        """``demo``'s parameters (click's, by name) -> the config."""
        config = cls(**known_fields(cls, params))
        config.out = Path(config.out)
        return config


def demo_outputs() -> list[str]:
    """What a demo writes in its folder (and what ``--force`` removes before starting over)."""
    return ["source", "dataset", "run", "detect", *(f"splash-{effect}" for effect in EFFECTS), "clip.mp4",
            "clip-splash.mp4", "clip-frames.png", "evaluation.json", "summary.json", "index.md"]


def _start_over(out: Path) -> None:
    for name in demo_outputs():
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _step(config: DemoConfig, reporter: Reporter, name: str, start: float) -> None:
    config.timings[name] = round(time.perf_counter() - start, 1)
    reporter.info(f"[green]done[/green] {name} ({config.timings[name]:.1f} s)")


def _train_config(config: DemoConfig, dataset: Path) -> TrainConfig:
    return TrainConfig(dataset=str(dataset), model="maskrcnn_small", weights="none", min_size=config.size,
                       max_size=config.size, epochs=config.epochs, batch_size=config.batch_size,
                       optimizer="adamw", lr=config.lr, warmup_iters=20, workers=0, eval_batch_size=8,
                       scale_range=(0.8, 1.2), seed=config.seed, device=config.device,
                       out=str(config.out / "run"), force=config.force)


def _train(config: DemoConfig, dataset: Path, reporter: Reporter) -> Any:
    started = time.perf_counter()

    def keep_going(record: dict[str, Any]) -> bool:
        ap = record.get("segm_AP")
        if ap is not None and ap >= config.target_ap:
            reporter.info(f"segm AP {ap:.3f} reached the target {config.target_ap}: training stops here")
            return False
        return time.perf_counter() - started < config.time_budget_s

    return train(_train_config(config, dataset), reporter, on_epoch=keep_going)


def run_demo(config: DemoConfig, reporter: Reporter) -> dict[str, Any]:
    """Run every step into ``config.out``; returns the summary (also written as ``summary.json``).

    ``config.out`` must be new, empty or an earlier demo's, which ``force`` removes first (other files in it
    are kept). When a step fails or is interrupted, what this run added is removed (the whole folder when
    it made it) and the exception carries a note saying so (:func:`splashseg.errors.cleanup_notes`).
    """
    out = config.out
    check_output_dir(out, (), "demo")
    refuse_overwrite([out / "index.md"], config.force)
    if config.force and out.is_dir():
        _start_over(out)
    before = {p.name for p in out.iterdir()} if out.is_dir() else None
    make_output_dir(out, "demo")
    try:
        return _run_steps(config, reporter)
    except BaseException as exc:
        add_cleanup_note(exc, undo_new_entries(out, before))
        raise


def _run_steps(config: DemoConfig, reporter: Reporter) -> dict[str, Any]:
    out = config.out
    start = time.perf_counter()
    project = write_via_dataset(out / "source", config.images, size=config.size, seed=config.seed)
    write_clip(out / "clip.mp4", height=config.size, width=round(config.size * 4 / 3) // 2 * 2, seed=config.seed + 1)
    _step(config, reporter, "synthetic VIA dataset and clip", start)

    start = time.perf_counter()
    dataset = out / "dataset"
    imported = import_annotations(ImportConfig(sources=[project], out=dataset, force=config.force, seed=config.seed))
    _step(config, reporter, f"annotate-import ({len(imported.images)} images)", start)

    start = time.perf_counter()
    summary = _train(config, dataset, reporter)
    _step(config, reporter, f"train ({summary.epochs} epochs)", start)

    start = time.perf_counter()
    weights = str(summary.best_checkpoint)
    evaluation = evaluate_weights(EvaluateConfig(str(dataset), weights, device=config.device, batch_size=8))
    write_text_atomic(out / "evaluation.json", json.dumps(evaluation.to_json(), indent=2))
    _step(config, reporter, "evaluate", start)

    start = time.perf_counter()
    predictor = build_predictor(PredictConfig(weights=weights, device=config.device, conf=0.5, batch_size=4))
    val = load_split(dataset, "val")
    pictures = [images_dir(dataset) / image["file_name"] for image in val["images"][:4]]
    run_detect(DetectConfig([], out / "detect", force=True, inputs=pictures), predictor, reporter)
    background = _backdrop_picture(out, config)
    for effect in EFFECTS:
        style = SplashStyle(effect=effect, background=background, feather=1.5 if effect != "gray" else 0.0,
                            color=(20, 20, 20))
        run_splash(SplashJob(pictures, out / f"splash-{effect}", style, force=True), predictor, reporter)
    _step(config, reporter, "detect and splash pictures", start)

    start = time.perf_counter()
    clip = VideoConfig(out / "clip.mp4", out / "clip-splash.mp4", force=True)
    with open_video_job(clip) as job:
        report = run_video(job, predictor, SplashStyle(), reporter)
    _step(config, reporter, f"splash video ({report.frames} frames)", start)

    result = {"segm_AP": evaluation.metrics["segm"]["AP"], "bbox_AP": evaluation.metrics["bbox"]["AP"],
              "epochs": summary.epochs, "seconds": config.timings,
              "total_seconds": round(sum(config.timings.values()), 1),
              "pictures": [p.name for p in pictures], "video_frames": report.frames,
              "video_audio_streams": report.audio_streams}
    write_text_atomic(out / "summary.json", json.dumps(result, indent=2))
    write_index(out, result, evaluation.to_json(), [p.name for p in pictures])
    return result


def _backdrop_picture(out: Path, config: DemoConfig) -> Any:
    """A background picture for ``--effect image``: a synthetic texture (no third-party media)."""
    import numpy as np

    from ..demo.synth import textured_background

    return textured_background(np.random.default_rng(config.seed + 7), config.size, config.size)
