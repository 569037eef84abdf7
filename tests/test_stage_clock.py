"""``StageClock`` adds up the seconds inside each wrapped call, by stage, and passes results through."""

from __future__ import annotations

import time

from splashseg.video.stage_clock import StageClock


def test_stage_clock_adds_up_each_stage() -> None:
    clock = StageClock()
    slow = clock.timed("model", lambda seconds: time.sleep(seconds) or seconds)
    fast = clock.timed("render", lambda value: value * 2)
    assert [slow(0.02), slow(0.03), fast(4)] == [0.02, 0.03, 8]
    report = clock.report()
    assert list(report) == ["model", "render"]
    assert report["model"] >= 0.05 and report["render"] < report["model"]
