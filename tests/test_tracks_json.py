"""``--tracks FILE``: the tracks JSON written by splashseg.video.tracks_json, read back, and bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from track_samples import Mover, fake_detections, make_clip

from splashseg.errors import InputError
from splashseg.video.flow import FlowPropagator
from splashseg.video.keep import parse_keep, select_tracks
from splashseg.video.track_log import TrackLog
from splashseg.video.tracking import Tracker
from splashseg.video.tracks_json import check_tracks_target, read_tracks_json, tracks_document, write_tracks_json


@pytest.fixture(scope="module")
def tracked():
    """Two objects at stride 2 (model and flow frames), one missed on frame 4, and a one-frame ghost."""
    clip = make_clip([Mover("ball", (20.3, 30.7), (3, 1), radius=12), Mover("box", (100, 70), (-2, 0), half=(10, 8),
                                                                           enter=3)], 12)
    ghost = np.zeros((96, 128), bool)
    ghost[2:12, 110:125] = True
    tracker, propagator = Tracker(hold=2), FlowPropagator()
    for t, frame in enumerate(clip.frames):
        found = fake_detections(clip, t, drop={0} if t == 4 else set(), extra=[ghost] if t == 6 else [])
        found.boxes += np.float32(0.26)  # a model's boxes are not whole pixels
        tracker.update(t, found if t % 2 == 0 else None, propagator.advance(frame))
    return tracker.log


def test_document_has_exactly_the_schema(tracked):
    document = tracks_document(tracked, video="clip.mp4", frames=12, fps=29.97002997)
    assert list(document) == ["video", "frames", "fps", "tracks"]
    assert (document["video"], document["frames"], document["fps"]) == ("clip.mp4", 12, 29.97)
    assert [t["id"] for t in document["tracks"]] == [1, 2]  # the ghost never counted
    ball, box = document["tracks"]
    assert list(ball) == ["id", "class", "first_frame", "last_frame", "frames"]
    assert (ball["class"], ball["first_frame"], ball["last_frame"]) == ("ball", 0, 11)
    assert (box["class"], box["first_frame"]) == ("box", 4)  # seen from the keyframe after it entered
    assert [f["frame"] for f in ball["frames"]] == list(range(12))
    assert [f["source"] for f in ball["frames"][:6]] == ["model", "flow", "model", "flow", "flow", "flow"]
    first = ball["frames"][0]
    assert list(first) == ["frame", "box", "score", "source"]
    assert first["box"] == [8.3, 19.3, 24.0, 24.0] and first["score"] == 0.9
    for track in document["tracks"]:
        for entry in track["frames"]:
            assert all(round(v, 1) == v for v in entry["box"]) and round(entry["score"], 3) == entry["score"]
    assert ball["frames"][4]["score"] == ball["frames"][2]["score"]  # a held frame keeps the last model score


def test_write_and_read_back(tmp_path, tracked):
    path = write_tracks_json(tmp_path / "out" / "tracks.json", tracked, video="clip.mp4", frames=12, fps=15)
    text = path.read_text()
    assert json.loads(text) == tracks_document(tracked, video="clip.mp4", frames=12, fps=15)
    assert sorted(p.name for p in path.parent.iterdir()) == ["tracks.json"]  # no temporary file left
    entries = sum(len(t.entries) for t in tracked.tracks())
    assert len(text.splitlines()) == 2 + len(tracked.tracks()) + entries  # one line per track frame
    back = read_tracks_json(path)
    assert (back.video, back.frames, back.fps) == ("clip.mp4", 12, 15.0)
    assert [(t.id, t.class_name, t.first_frame, t.last_frame) for t in back.log.tracks()] == \
        [(t.id, t.class_name, t.first_frame, t.last_frame) for t in tracked.tracks()]
    assert select_tracks(parse_keep("longest"), back.log, (96, 128)) == {1}
    with pytest.raises(InputError, match="already exists"):
        write_tracks_json(path, tracked, video="clip.mp4", frames=12, fps=15)
    write_tracks_json(path, tracked, video="other.mp4", frames=12, fps=None, force=True)
    assert read_tracks_json(path).video == "other.mp4" and read_tracks_json(path).fps is None


def test_a_clip_without_tracks(tmp_path):
    path = write_tracks_json(tmp_path / "none.json", TrackLog(), video="empty.mp4", frames=0, fps=float("nan"))
    assert json.loads(path.read_text()) == {"video": "empty.mp4", "frames": 0, "fps": None, "tracks": []}
    assert read_tracks_json(path).log.ids() == []


def test_check_tracks_target(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"video")
    with pytest.raises(InputError, match="overwrite the input"):
        check_tracks_target(tmp_path / "." / "clip.mp4", [video], force=True)
    with pytest.raises(InputError, match="folder"):
        check_tracks_target(tmp_path, [video], force=True)
    (tmp_path / "t.json").write_text("{}")
    with pytest.raises(InputError, match="already exists"):
        check_tracks_target(tmp_path / "t.json", [video], force=False)
    check_tracks_target(tmp_path / "t.json", [video], force=True)
    check_tracks_target(tmp_path / "new.json", [video], force=False)


def good() -> dict:
    return {"video": "v.mp4", "frames": 5, "fps": 25.0,
            "tracks": [{"id": 1, "class": "ball", "first_frame": 1, "last_frame": 2,
                        "frames": [{"frame": 1, "box": [1, 2, 3, 4], "score": 0.5, "source": "model"},
                                   {"frame": 2, "box": [1.5, 2, 3, 4], "score": 0.5, "source": "flow"}]}]}


def broken(change):
    document = good()
    change(document)
    return json.dumps(document)


ENTRY = ("tracks", 0, "frames", 0)


def _set(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


@pytest.mark.parametrize(("text", "message"), [
    ("", "not valid JSON"), ("{", "not valid JSON"), ("[]", "top level: expected an object"),
    (json.dumps(good()).replace('"score": 0.5', '"score": NaN', 1), "NaN is not a number"),
    (broken(lambda d: d.pop("tracks")), "missing 'tracks'"),
    (broken(_set(("tracks",), {})), "tracks: expected a list"),
    (broken(_set(("frames",), 2.5)), "frames: expected a whole number"),
    (broken(_set(("fps",), "fast")), "fps: expected a number"),
    (broken(_set(("tracks", 0, "id"), 0)), "ids start at 1"),
    (broken(_set(("tracks", 0, "id"), True)), r"tracks\[0\].id: expected a whole number"),
    (broken(lambda d: d["tracks"].append(d["tracks"][0])), "appears twice"),
    (broken(_set(("tracks", 0, "class"), None)), "class: expected a string"),
    (broken(_set(("tracks", 0, "frames"), [])), "at least one"),
    (broken(_set(("tracks", 0, "first_frame"), 0)), "first_frame/last_frame"),
    (broken(_set((*ENTRY, "frame"), 9)), "outside the video's 5 frames"),
    (broken(_set((*ENTRY, "frame"), 2)), "increasing order"),
    (broken(_set((*ENTRY, "box"), [1, 2, 3])), r"frames\[0\].box: expected \[x, y, w, h\]"),
    (broken(_set((*ENTRY, "box"), [1, 2, "3", 4])), "four numbers"),
    (broken(_set((*ENTRY, "box"), [1, 2, -3, 4])), "negative width"),
    (broken(_set((*ENTRY, "score"), 1.5)), "outside"),
    (broken(_set((*ENTRY, "source"), "magic")), "source: expected one of model, flow, hold"),
])
def test_bad_files_are_input_errors(tmp_path, text, message):
    path = tmp_path / "tracks.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as caught:
        read_tracks_json(path)
    assert str(caught.value).startswith(str(path))


def test_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_tracks_json(tmp_path / "missing.json")
    (tmp_path / "latin.json").write_bytes(b"{\"video\": \"\xe9\"}")
    with pytest.raises(InputError, match="cannot read"):
        read_tracks_json(tmp_path / "latin.json")
    with pytest.raises(InputError, match="cannot read"):
        read_tracks_json(tmp_path)
    assert read_tracks_json(_write(tmp_path / "ok.json", json.dumps(good()))).log.ids() == [1]


def _write(path, text):
    path.write_text(text)
    return path
