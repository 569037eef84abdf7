"""Which files a video command takes (splashseg.video.inputs) and where their outputs go."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from video_samples import write_video

from splashseg.errors import InputError
from splashseg.video.inputs import collect_videos, frame_estimate, glob_base, looks_like_video, plan_outputs


@pytest.fixture
def clips(tmp_path: Path) -> Path:
    """clips/a.mp4, clips/sub/b.MOV, clips/sub/camera-dump (a video without a suffix), clips/still.png,
    clips/notes.txt, clips/.hidden/c.mp4, clips/sub/broken.mp4 (not a video at all)."""
    root = tmp_path / "clips"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    write_video(root / "a.mp4", frames=4, audio=None)
    write_video(root / "sub" / "b.MOV", frames=6, audio=None, options={}, codec="libx264")
    write_video(root / "sub" / "dump.mkv", frames=3, audio=None)
    (root / "sub" / "dump.mkv").rename(root / "sub" / "camera-dump")
    write_video(root / ".hidden" / "c.mp4", frames=3, audio=None)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / "still.png")
    (root / "notes.txt").write_text("not a video")
    (root / "sub" / "broken.mp4").write_bytes(b"\x00" * 100)
    return root


def names(videos) -> list[str]:
    return [str(v.relative) for v in videos]


def test_probe_tells_videos_from_pictures_and_text(clips):
    assert looks_like_video(clips / "sub" / "camera-dump")
    assert not looks_like_video(clips / "still.png")
    assert not looks_like_video(clips / "notes.txt")
    assert not looks_like_video(clips / "sub" / "broken.mp4")


def test_folder_is_searched_recursively_by_suffix_and_probe(clips):
    found = collect_videos([clips])
    # a damaged .mp4 is kept (reported when opened), a suffix-less video is found by the probe,
    # pictures, text and hidden folders are left out
    assert names(found) == ["a.mp4", "sub/b.MOV", "sub/broken.mp4", "sub/camera-dump"]


def test_files_globs_and_duplicates(clips, monkeypatch):
    monkeypatch.chdir(clips.parent)
    found = collect_videos(["clips/a.mp4", "clips/sub/*", "clips/a.mp4", "clips/still.png"])
    assert [str(v.path) for v in found] == ["clips/a.mp4", "clips/sub/b.MOV", "clips/sub/broken.mp4",
                                            "clips/sub/camera-dump", "clips/still.png"]
    # a file named directly is taken as it is; a glob's matches keep their names under its fixed folders
    assert names(found) == ["a.mp4", "b.MOV", "broken.mp4", "camera-dump", "still.png"]
    assert names(collect_videos(["clips/**/*.mp4"])) == ["a.mp4", "sub/broken.mp4"]
    assert glob_base("day1/cam*/x.mp4") == Path("day1") and glob_base("*.mp4") == Path(".")


@pytest.mark.parametrize("item, message", [("nothing.mp4", "no such file or folder"),
                                           ("clips/*.avi", "pattern matches no videos")])
def test_names_that_match_nothing(clips, monkeypatch, item, message):
    monkeypatch.chdir(clips.parent)
    with pytest.raises(InputError, match=message):
        collect_videos([item])


def test_folder_without_videos(tmp_path):
    (tmp_path / "pics").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "pics" / "x.jpg")
    with pytest.raises(InputError, match="pics: folder holds no videos"):
        collect_videos([tmp_path / "pics"])


def test_outputs_keep_relative_names(clips, tmp_path):
    found = collect_videos([clips])
    targets = plan_outputs(found, tmp_path / "out", "splash", ".mp4")
    assert [str(t.relative_to(tmp_path / "out")) for t in targets.values()] == [
        "a-splash.mp4", "sub/b-splash.mp4", "sub/broken-splash.mp4", "sub/camera-dump-splash.mp4"]
    beside = plan_outputs(found[:2], None, "overlay", ".mp4")
    assert list(beside.values()) == [clips / "a-overlay.mp4", clips / "sub" / "b-overlay.mp4"]


def test_two_inputs_writing_one_output_are_refused(clips, tmp_path):
    write_video(clips / "a.mov", frames=2, audio=None)
    found = collect_videos([clips / "a.mp4", clips / "a.mov"])
    with pytest.raises(InputError, match=r"a\.mp4 and .*a\.mov would both write .*a-splash\.mp4"):
        plan_outputs(found, tmp_path / "out", "splash", ".mp4")


def test_an_output_that_is_another_input_is_refused(clips):
    write_video(clips / "a-splash.mp4", frames=2, audio=None)
    found = collect_videos([clips / "a.mp4", clips / "a-splash.mp4"])
    with pytest.raises(InputError, match="would replace the input"):
        plan_outputs(found, None, "splash", ".mp4")


def test_frame_estimate_reads_headers(clips):
    assert frame_estimate(clips / "sub" / "b.MOV") == 6
    assert frame_estimate(clips / "sub" / "broken.mp4") is None
