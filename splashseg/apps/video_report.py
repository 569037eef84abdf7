"""What a ``video`` run reports: one entry per video (``--json``) and one summary line each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..predict import speed_line
from ..video.pipeline import VideoReport
from ..video.quality import VideoQuality


def quality_of(report: VideoReport) -> VideoQuality:
    """The report's temporal-quality figures (empty ones when the job measured none)."""
    return report.quality or VideoQuality()


def video_entry(report: VideoReport) -> dict[str, Any]:
    """One video's ``--json`` entry: what one video always reported (input, output, frames, ..., tracks,
    kept_tracks, notes, warnings), ``kept`` (= kept_tracks), the quality figures, the runtime and model
    seconds of this video (``runtime``, ``model_seconds``, ``model_seconds_per_image``) and
    ``stage_seconds`` (seconds per stage, :mod:`splashseg.video.stages`)."""
    return {
        "input": str(report.source), "output": str(report.target), "frames": report.frames,
        "header_frames": report.header_frames, "lost_frames": report.lost_frames,
        "model_frames": report.model_frames, "seconds": round(report.seconds, 3), "fps": round(report.fps, 3),
        "width": report.width, "height": report.height, "rotation": report.rotation,
        "audio_streams": report.audio_streams, "tracks": report.tracks, "kept_tracks": report.kept_tracks,
        "kept": report.kept_tracks, **quality_of(report).to_json(),
        "notes": report.notes, "warnings": report.warnings,
        **report.speed, "stage_seconds": report.stage_seconds,
    }


def summary_line(report: VideoReport) -> str:
    """``wrote OUT (N frames, model on M, F fps, T track(s), kept in colour: #ID, ..., A audio stream(s))``
    and the quality figures on a second line, the model's speed on a third."""
    kept = ", ".join(f"#{track}" for track in report.kept_tracks) or "none"  # ids, as the overlay labels them
    speed = report.speed
    return (f"wrote {report.target} ({report.frames} frames, model on {report.model_frames}, "
            f"{report.fps:.1f} fps, {len(report.tracks)} track(s), kept in colour: {kept}, "
            f"{report.audio_streams} audio stream(s))\n  {quality_of(report).line()}"
            + (f"\n  {speed_line(speed)}" if speed else ""))


def batch_summary(reports: Sequence[VideoReport], failed: Sequence[tuple[Path, str]], world_size: int,
                  frames_per_rank: Sequence[int], several: bool) -> dict[str, Any]:
    """The run's ``--json``: ``{"videos": [entry...], "failed": [{"input", "error"}], "world_size",
    "frames_per_rank"}``; a run on one named video also keeps that video's entry's keys at the top."""
    entries = [video_entry(report) for report in reports]
    summary = {"videos": entries, "failed": [{"input": str(path), "error": message} for path, message in failed],
               "world_size": world_size, "frames_per_rank": list(frames_per_rank)}
    return {**entries[0], **summary} if not several and entries else summary
