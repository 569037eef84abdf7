"""``video`` and ``splash --video`` on many videos: files, folders and globs, one model load, damaged videos
skipped and named at the end (exit 2), output names kept relative, collisions refused before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from video_samples import read_back, write_video

from splashseg.cli import main

TINY_MODEL = ["--model", "maskrcnn_small", "--weights", "none", "--device", "cpu", "--min-size", "64",
              "--max-size", "96", "--preset", "ultrafast"]


def run(*args: object, cwd: Path | None = None):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def clips(tmp_path: Path) -> Path:
    """clips/a.mp4 (5 frames), clips/sub/b.mkv (7 frames), clips/sub/broken.mp4 (not a video)."""
    root = tmp_path / "clips"
    (root / "sub").mkdir(parents=True)
    write_video(root / "a.mp4", frames=5, audio=None)
    write_video(root / "sub" / "b.mkv", frames=7, audio=None)
    (root / "sub" / "broken.mp4").write_bytes(b"\x00" * 200)
    return root


def test_folder_file_and_glob_with_a_damaged_video(clips, tmp_path, monkeypatch):
    extra = write_video(tmp_path / "c.mov", frames=3, audio=None)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = run("video", "clips", extra, "clips/sub/*.mkv", "--out", out, "--json", "--tracks", tmp_path / "tracks",
                 *TINY_MODEL)
    assert result.exit_code == 2, result.output
    summary = json.loads(result.stdout)
    assert [v["input"] for v in summary["videos"]] == ["clips/a.mp4", "clips/sub/b.mkv", str(extra)]
    assert [v["output"] for v in summary["videos"]] == [str(out / "a-splash.mp4"), str(out / "sub" / "b-splash.mp4"),
                                                        str(out / "c-splash.mp4")]
    assert [v["frames"] for v in summary["videos"]] == [5, 7, 3] and summary["world_size"] == 1
    for entry in summary["videos"]:
        assert {"fps", "seconds", "tracks", "kept", "propagation_iou", "flicker"} <= set(entry)
        assert len(read_back(Path(entry["output"])).frames) == entry["frames"]
    assert summary["failed"] == [{"input": "clips/sub/broken.mp4", "error": "clips/sub/broken.mp4: not a video "
                                  "FFmpeg can read (Invalid data found when processing input)"}]
    assert "frames" not in summary  # several videos: no single video's keys at the top
    # the damaged one is warned of once and named in the last line; the others were written
    assert result.stderr.count("broken.mp4: not a video") == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: 1 of 4 inputs skipped: clips/sub/broken.mp4")
    tracks = sorted(str(p.relative_to(tmp_path / "tracks")) for p in (tmp_path / "tracks").rglob("*.json"))
    assert tracks == ["a.json", "c.json", "sub/b.json"]
    assert json.loads((tmp_path / "tracks" / "sub" / "b.json").read_text())["video"] == "b.mkv"


def test_one_video_keeps_its_keys_and_file_outputs(clips, tmp_path):
    out, tracks = tmp_path / "one.mp4", tmp_path / "one.json"
    result = run("splash", "--video", clips / "a.mp4", "--out", out, "--tracks", tracks, "--json", "-q", *TINY_MODEL)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["frames"] == 5 and summary["output"] == str(out) and summary["model_frames"] == 5
    assert summary["videos"][0]["output"] == str(out) and summary["failed"] == [] and summary["world_size"] == 1
    assert out.is_file() and tracks.is_file()


def test_splash_video_takes_a_folder(clips, tmp_path):
    (clips / "sub" / "broken.mp4").unlink()
    result = run("splash", "--video", clips, "--out", tmp_path / "out", "--json", "-q", *TINY_MODEL)
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.mp4")) == [
        "a-splash.mp4", "sub/b-splash.mp4"]


def test_a_name_collision_is_refused_before_any_work(clips, tmp_path):
    write_video(clips / "a.mov", frames=2, audio=None)
    out = tmp_path / "out"
    result = run("video", clips, "--out", out, *TINY_MODEL)
    assert result.exit_code == 2
    assert "a.mov and " in result.output and "a.mp4 would both write" in result.output
    assert "a-splash.mp4" in result.output and not out.exists()


def test_several_videos_need_an_out_folder(clips, tmp_path):
    (tmp_path / "taken").write_bytes(b"x")
    for out, words in [(tmp_path / "x.mp4", "--out must be a folder when there are several videos"),
                       (tmp_path / "taken", "--out exists and is not a folder")]:
        result = run("video", clips / "a.mp4", clips / "sub" / "b.mkv", "--out", out, *TINY_MODEL)
        assert result.exit_code == 2 and words in result.output, result.output
    inside = run("video", clips, "--out", clips / "inside", *TINY_MODEL)
    assert inside.exit_code == 2 and "--out lies inside the input" in inside.output, inside.output
    assert not (clips / "inside").exists() and not (tmp_path / "x.mp4").exists()


def test_existing_outputs_need_force_and_nothing_matched(clips, tmp_path):
    out = tmp_path / "out"
    (clips / "sub" / "broken.mp4").unlink()
    assert run("video", clips, "--out", out, "-q", *TINY_MODEL).exit_code == 0
    again = run("video", clips, "--out", out, *TINY_MODEL)
    assert again.exit_code == 2 and "a-splash.mp4: already exists; use --force" in again.output
    assert run("video", clips, "--out", out, "--force", "-q", *TINY_MODEL).exit_code == 0
    nothing = run("video", str(clips / "*.avi"), "--out", out, *TINY_MODEL)
    assert nothing.exit_code == 2 and "pattern matches no videos" in nothing.output


def test_two_inputs_writing_one_tracks_file_are_refused(tmp_path):
    first = write_video((tmp_path / "day1").mkdir() or tmp_path / "day1" / "x.mp4", frames=2, audio=None)
    second = write_video((tmp_path / "day2").mkdir() or tmp_path / "day2" / "x.mp4", frames=2, audio=None)
    result = run("video", first, second, "--tracks", tmp_path / "tracks", *TINY_MODEL)  # outputs beside each
    assert result.exit_code == 2 and "would both write" in result.output and "x.json (--tracks)" in result.output
    assert not (tmp_path / "day1" / "x-splash.mp4").exists() and not (tmp_path / "tracks").exists()
