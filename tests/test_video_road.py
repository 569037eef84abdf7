"""One road through a video: the source is opened three times (pass 1, pass 2, the audio copy), the
model and the optical flow run once per frame they serve, and pass 2 only renders what pass 1 stored."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from click.testing import CliRunner
from video_samples import write_video

from splashseg.cli import main
from splashseg.video.flow import FlowPropagator

MODEL = ["--weights", str(Path(__file__).resolve().parents[1] / "examples" / "shapes-small.pt")]


@pytest.mark.parametrize("render", ["splash", "overlay"])
def test_the_source_is_opened_three_times_and_flow_runs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              render: str) -> None:
    clip = write_video(tmp_path / "clip.mp4", frames=10, audio="aac")
    opened, flows = [], []
    real_open, real_advance = av.open, FlowPropagator.advance

    def counting_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if mode == "r" and Path(str(file)) == clip:
            opened.append(file)
        return real_open(file, mode, *args, **kwargs)

    def counting_advance(self, frame):  # noqa: ANN001, ANN202
        flows.append(frame.shape)
        return real_advance(self, frame)

    monkeypatch.setattr(av, "open", counting_open)
    monkeypatch.setattr(FlowPropagator, "advance", counting_advance)
    result = CliRunner().invoke(main, ["video", str(clip), *MODEL, "--render", render, "--stride", "2", "--keep",
                                       "largest", "--tracks", str(tmp_path / "t.json"), "--out",
                                       str(tmp_path / "out.mp4"), "--json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["frames"] == 10 and report["model_frames"] == 5 and report["audio_streams"] == 1
    assert len(opened) == 3  # pass 1, pass 2, audio
    assert len(flows) == 10  # once per frame, in pass 1 only
