"""Seconds per stage of the video job: the clock, the summary line and ``video --json``'s ``stages``."""

from __future__ import annotations

import json
import threading

from click.testing import CliRunner
from video_samples import write_video

from splashseg.cli import main
from splashseg.video.stages import STAGES, StageClock, stages_line

TINY_MODEL = ["--model", "maskrcnn_small", "--weights", "none", "--device", "cpu", "--min-size", "64",
              "--max-size", "96"]


def test_clock_adds_from_many_threads():
    clock = StageClock()

    def work() -> None:
        for _ in range(1000):
            clock.add("flow", 0.001)
        with clock("encode"):
            pass

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = clock.seconds()
    assert list(seconds) == ["flow", "encode"]  # the job's order, not the order of first use
    assert seconds["flow"] == 4.0 and seconds["encode"] >= 0.0


def test_line_names_the_biggest_stages_per_frame():
    line = stages_line({"decode": 0.5, "model": 4.0, "flow": 1.0, "track": 0.1, "encode": 2.0}, frames=10, most=3)
    assert line.endswith("model 400 ms, encode 200 ms, flow 100 ms")
    assert stages_line({}, frames=10) == "" and stages_line({"model": 1.0}, frames=0) == ""


def test_video_json_has_every_stage(tmp_path):
    source = write_video(tmp_path / "clip.mp4", frames=6, audio=None)
    result = CliRunner().invoke(main, ["video", str(source), "--stride", "2", "--json", *TINY_MODEL,
                                       "--conf", "0.0", "--out", str(tmp_path / "out.mp4")])
    assert result.exit_code == 0, result.output
    stages = json.loads(result.stdout)["stage_seconds"]
    assert list(stages) == list(STAGES)
    assert all(isinstance(v, float) and v >= 0 for v in stages.values())
    assert "time per frame by stage" in result.stderr
