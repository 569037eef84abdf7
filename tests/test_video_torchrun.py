"""``torchrun ... -m splashseg video DIR``: two CPU ranks (gloo) share the videos by frame count and write
what one process writes; a rank that fails ends every rank."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from video_scenes import Shape, decode_rgb, draw_scene, write_scene

MODEL = str(Path(__file__).resolve().parents[1] / "examples" / "shapes-small.pt")
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TIMEOUT = 300  # seconds: a rank that waits for another forever fails the test instead of hanging it
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
OPTIONS = ["--weights", MODEL, "--device", "cpu", "--preset", "ultrafast", "--stride", "2"]

pytestmark = pytest.mark.slow


def _video(*args: object, launcher: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [*(launcher or [sys.executable]), "-m", "splashseg", "video", *map(str, args), *OPTIONS]
    return subprocess.run(command, env=ONE_THREAD, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three clips of 24, 8 and 10 frames: balanced by frames the long one is alone on its rank."""
    folder = tmp_path_factory.mktemp("clips")
    shapes = [Shape("box", 30, (40, 90, 220), (40, 60), (3.0, 0.5)),
              Shape("kite", 14, (230, 180, 30), (120, 50), (-2.0, 1.0))]
    for name, frames in (("long.mp4", 24), ("short.mp4", 8), ("sub/mid.mp4", 10)):
        (folder / name).parent.mkdir(exist_ok=True)
        write_scene(folder / name, draw_scene(shapes, frames, seed=len(name)))
    return folder


@pytest.fixture(scope="module")
def single(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("single") / "out"
    done = _video(clips, "--out", out, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads(done.stdout)


def test_two_ranks_write_what_one_process_writes(clips: Path, single: tuple[Path, dict], tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _video(clips, "--out", out, "--json", launcher=TORCHRUN)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # one JSON document: only rank 0 printed
    assert summary["world_size"] == 2 and summary["frames_per_rank"] == [24, 18]
    alone_out, alone = single
    assert alone["world_size"] == 1 and alone["frames_per_rank"] == [42]
    assert [v["input"] for v in summary["videos"]] == [v["input"] for v in alone["videos"]]
    for ours, theirs in zip(summary["videos"], alone["videos"], strict=True):
        assert {k: ours[k] for k in ("frames", "tracks", "kept", "propagation_iou", "flicker")} == \
               {k: theirs[k] for k in ("frames", "tracks", "kept", "propagation_iou", "flicker")}
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*.mp4"))
    assert names == ["long-splash.mp4", "short-splash.mp4", "sub/mid-splash.mp4"]
    for name in names:
        mine, theirs = decode_rgb(out / name), decode_rgb(alone_out / name)
        assert len(mine) == len(theirs)
        assert max(np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(mine, theirs, strict=True)) <= 2
    assert done.stderr.count("wrote ") == 3  # rank 0 reports every video once
    stamp = json.loads((out / ".splashseg").read_text())  # every rank's files are splashseg's, for --force
    assert stamp["kind"] == "video" and stamp["files"] == names


def test_a_damaged_video_on_one_rank_ends_every_rank_with_exit_2(clips: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "long.mp4").write_bytes((clips / "long.mp4").read_bytes())
    (mixed / "short.mp4").write_bytes((clips / "short.mp4").read_bytes())
    (mixed / "zz-broken.mp4").write_bytes(b"\x00" * 500)  # unknown length: counted as the median, rank 1's
    done = _video(mixed, "--out", tmp_path / "out", "--json", launcher=TORCHRUN)
    assert done.returncode != 0  # torchrun itself exits 1 when a rank fails; the ranks exit 2
    root_cause = done.stderr.split("Root Cause", 1)[1]
    assert re.search(r"exitcode\s*:\s*2\b", root_cause), done.stderr[-3000:]
    assert done.stderr.count("error: 1 of 3 inputs skipped: ") == 1
    summary = json.loads(done.stdout)
    assert summary["frames_per_rank"] == [24, 8]  # rank 1 had the damaged one (16 frames guessed) and short.mp4
    assert [f["input"] for f in summary["failed"]] == [str(mixed / "zz-broken.mp4")]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp4")) == ["long-splash.mp4", "short-splash.mp4"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _by_hand(*args: object) -> list[tuple[int, str, str]]:
    """Both ranks launched as torchrun would, to see each one's own exit code and output."""
    port = str(_free_port())
    ranks = [subprocess.Popen([sys.executable, "-m", "splashseg", "video", *map(str, args), *OPTIONS],
                              env={**ONE_THREAD, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2",
                                   "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for rank in (0, 1)]
    outputs = [rank.communicate(timeout=TIMEOUT) for rank in ranks]
    return [(rank.returncode, *output) for rank, output in zip(ranks, outputs, strict=True)]


def test_each_rank_exits_2_for_an_output_inside_an_input_and_for_a_failing_rank(clips: Path, tmp_path: Path) -> None:
    inside = _by_hand(clips, "--out", clips / "out")
    assert [code for code, _, _ in inside] == [2, 2], inside
    assert "--out lies inside the input" in inside[0][2] and inside[1][1:] == ("", "")
    assert not (clips / "out").exists()
    # rank 1's only video is damaged: it fails there, rank 0 learns it through the gather, both exit 2
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.mp4").write_bytes((clips / "long.mp4").read_bytes())
    (mixed / "b.mp4").write_bytes(b"\x00" * 500)
    ranks = _by_hand(mixed, "--out", tmp_path / "out")
    assert [code for code, _, _ in ranks] == [2, 2], ranks
    assert "error: 1 of 2 inputs skipped: " in ranks[0][2] and "error" not in ranks[1][2]
    assert (tmp_path / "out" / "a-splash.mp4").is_file()


def test_splash_video_of_one_clip_on_two_ranks(clips: Path, single: tuple[Path, dict], tmp_path: Path) -> None:
    out, tracks = tmp_path / "one.mp4", tmp_path / "one.json"
    command = [*TORCHRUN, "-m", "splashseg", "splash", "--video", str(clips / "long.mp4"), "--out", str(out),
               "--tracks", str(tracks), "--json", *OPTIONS]
    done = subprocess.run(command, env=ONE_THREAD, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # one video: its own keys at the top, and the run's
    assert summary["world_size"] == 2 and summary["frames_per_rank"] == [24, 0] and summary["frames"] == 24
    assert json.loads(tracks.read_text())["frames"] == 24
    mine, theirs = decode_rgb(out), decode_rgb(single[0] / "long-splash.mp4")
    assert max(np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(mine, theirs, strict=True)) <= 2
