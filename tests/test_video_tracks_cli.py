"""``video --keep/--hold/--stride/--tracks`` through the command line, with the demo's trained model
(``examples/shapes-small.pt``) on a clip of the demo's shapes whose true tracks are known.

The clip (160x120, 30 frames, H.264): box A moves right along the top while box B moves left just below
it (they pass within 4 px of each other around frame 14: the identity swap risk); a larger box moves
slowly along the bottom and is not drawn on frame 14 (a one-frame dropout); a kite enters on frame 12.
The rendered frames are decoded and looked at where each object truly is: kept objects are in colour,
everything else gray.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from video_scenes import Scene, Shape, decode_rgb, draw_scene, saturation, write_scene

from splashseg.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = ["--weights", str(EXAMPLES / "shapes-small.pt"), "--device", "cpu", "--preset", "ultrafast", "--crf", "18"]
A, B, BIG, KITE = range(4)
DROPOUT, KITE_ENTERS, FRAMES = 14, 12, 30
COLOUR, GRAY = 80.0, 15.0  # channel spread: the shapes' colours are >= 160, gray after H.264 is a few units

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scene() -> Scene:
    return draw_scene([
        Shape("box", 34, (235, 50, 50), (18, 26), (4.4, 0), aspect=0.65),
        Shape("box", 34, (245, 150, 30), (142, 52), (-4.4, 0), aspect=0.65),
        Shape("box", 48, (250, 230, 60), (116, 98), (-1.2, 0), absent=frozenset({DROPOUT}), aspect=0.55),
        Shape("kite", 16, (60, 220, 90), (24, 88), (0.4, 0), enter=KITE_ENTERS),
    ], FRAMES, seed=2)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tracked")


@pytest.fixture(scope="module")
def clip(scene: Scene, folder: Path) -> Path:
    return write_scene(folder / "shapes.mp4", scene)


class Job:
    """One finished run: the CLI result, its --json summary, its decoded frames and its tracks JSON."""

    def __init__(self, result, out: Path, tracks: Path) -> None:  # noqa: ANN001
        assert result.exit_code == 0, result.output
        self.summary = json.loads(result.stdout)
        self.frames = decode_rgb(out)
        self.tracks = json.loads(tracks.read_text())
        self.by_id = {t["id"]: t for t in self.tracks["tracks"]}


@pytest.fixture(scope="module")
def job(clip: Path, folder: Path):
    """``job(*options, command=("video",))`` -> :class:`Job`; each distinct run happens once per module."""
    done: dict[tuple, Job] = {}

    def run_job(*options: str, command: tuple[str, ...] = ("video",)) -> Job:
        key = (command, options)
        if key not in done:
            name = f"run{len(done)}"
            out, tracks = folder / f"{name}.mp4", folder / f"{name}.json"
            result = CliRunner().invoke(main, [*command, str(clip), *options, *MODEL, "--out", str(out),
                                               "--tracks", str(tracks), "--json", "-q"])
            done[key] = Job(result, out, tracks)
        return done[key]

    return run_job


def true_box(scene: Scene, k: int, frame: int) -> np.ndarray:
    ys, xs = np.nonzero(scene.truth[k][frame])
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None).prod()
    return float(inter / ((a[2:] - a[:2]).prod() + (b[2:] - b[:2]).prod() - inter))


def tracks_on(job: Job, scene: Scene, k: int, frame: int) -> list[int]:
    """Ids of the tracks whose box on ``frame`` is object ``k``'s true box (IoU >= 0.5)."""
    found = []
    for track in job.tracks["tracks"]:
        for entry in track["frames"]:
            x, y, w, h = entry["box"]
            if entry["frame"] == frame and box_iou(np.array([x, y, x + w, y + h]), true_box(scene, k, frame)) >= 0.5:
                found.append(track["id"])
    return found


def track_of(job: Job, scene: Scene, k: int, frame: int = 0) -> int:
    (found,) = tracks_on(job, scene, k, frame)
    return found


def colour_of(job: Job, scene: Scene, k: int, frame: int) -> float:
    """Channel spread of the output inside object ``k``'s true mask (shrunk 3 px) on ``frame``."""
    return saturation(job.frames[frame], scene.inside(k, frame))


def coloured_objects(job: Job, scene: Scene, frame: int) -> set[int]:
    """The objects on ``frame`` shown in colour; every visible one must be clearly colour or clearly gray."""
    coloured = set()
    for k in range(len(scene.shapes)):
        if scene.truth[k][frame].sum() > 100:
            spread = colour_of(job, scene, k, frame)
            assert spread > COLOUR or spread < GRAY, (k, frame, spread)
            coloured |= {k} if spread > COLOUR else set()
    return coloured


def background(scene: Scene, frame: int) -> np.ndarray:
    """bool [H, W]: 6 px or more away from every object on ``frame``."""
    anything = np.logical_or.reduce([truth[frame] for truth in scene.truth]).astype(np.uint8)
    return cv2.dilate(anything, np.ones((13, 13), np.uint8)) == 0


def test_tracks_json_follows_every_object_through_crossing_dropout_and_late_entry(job, scene):
    run = job("--keep", "all")
    ids = {k: track_of(run, scene, k, frame=0) for k in (A, B, BIG)} | {KITE: track_of(run, scene, KITE, 20)}
    assert sorted(ids.values()) == sorted(run.by_id) == run.summary["tracks"] == run.summary["kept_tracks"]
    assert [run.by_id[ids[k]]["class"] for k in range(4)] == ["box", "box", "box", "kite"]
    for k, track_id in ids.items():  # one track per object on every frame it is visible: no swap, no split
        visible = [t for t in range(FRAMES) if scene.truth[k][t].sum() > 100 and not (k in (A, B) and 11 <= t <= 17)]
        assert all(tracks_on(run, scene, k, t) == [track_id] for t in visible), k
    for k in (A, B, BIG):
        assert (run.by_id[ids[k]]["first_frame"], run.by_id[ids[k]]["last_frame"]) == (0, FRAMES - 1)
    kite = run.by_id[ids[KITE]]
    assert kite["first_frame"] == KITE_ENTERS and kite["frames"][0]["source"] == "model"
    big = {e["frame"]: e for e in run.by_id[ids[BIG]]["frames"]}
    assert sorted(big) == list(range(FRAMES))  # no gap at the dropout
    assert big[DROPOUT]["source"] == "flow" and big[DROPOUT - 1]["source"] == big[DROPOUT + 1]["source"] == "model"
    assert big[DROPOUT]["score"] == big[DROPOUT - 1]["score"]  # a carried frame has the last model score
    assert run.tracks["frames"] == FRAMES and run.tracks["fps"] == 15.0 and run.tracks["video"] == "shapes.mp4"


def test_keep_all_colours_every_object_and_grays_the_rest(job, scene):
    run = job("--keep", "all")
    for frame in (0, 5, KITE_ENTERS, 20, FRAMES - 1):
        assert coloured_objects(run, scene, frame) == {k for k in range(4) if scene.truth[k][frame].any()}
        assert saturation(run.frames[frame], background(scene, frame)) < GRAY
    # the dropout frame: the big box's held mask keeps its place (now background) in colour
    assert saturation(run.frames[DROPOUT], scene.inside(BIG, DROPOUT - 1)) > 0.5 * saturation(
        scene.frames[DROPOUT], scene.inside(BIG, DROPOUT - 1)) > COLOUR / 2


def test_hold_0_lets_the_dropout_pop(job, scene):
    held, popped = job("--keep", "all"), job("--keep", "all", "--hold", "0")
    place = scene.inside(BIG, DROPOUT - 1)
    assert saturation(popped.frames[DROPOUT], place) < GRAY < COLOUR < saturation(held.frames[DROPOUT], place)
    before, after = track_of(popped, scene, BIG, DROPOUT - 1), track_of(popped, scene, BIG, DROPOUT + 1)
    assert before != after  # the object came back as a new track
    assert popped.by_id[before]["last_frame"] == DROPOUT - 1 and popped.by_id[after]["first_frame"] == DROPOUT + 1
    assert BIG in coloured_objects(popped, scene, DROPOUT + 1)


def test_keep_largest_keeps_exactly_the_big_box(job, scene):
    run = job("--keep", "largest")
    assert run.summary["kept_tracks"] == [track_of(run, scene, BIG)]
    for frame in (0, 10, DROPOUT + 1, 20, FRAMES - 1):
        assert coloured_objects(run, scene, frame) == {BIG}, frame


def test_keep_at_a_pixel_keeps_the_object_there_from_its_first_frame(job, scene):
    x, y = (round(v) for v in scene.shapes[KITE].centre(20))
    run = job("--keep", f"at:{x},{y}")
    assert run.summary["kept_tracks"] == [track_of(run, scene, KITE, 20)]
    for frame in (0, KITE_ENTERS, 20, FRAMES - 1):
        assert coloured_objects(run, scene, frame) == ({KITE} if frame >= KITE_ENTERS else set()), frame


def test_keep_ids_read_from_an_earlier_tracks_file(job, scene):
    earlier = job("--keep", "all")
    chosen = (track_of(earlier, scene, A), track_of(earlier, scene, BIG))
    run = job("--keep", ",".join(map(str, chosen)))
    assert run.summary["kept_tracks"] == sorted(chosen) and run.tracks == earlier.tracks
    for frame in (0, 20, FRAMES - 1):  # A and the big box; B and the kite gray
        assert coloured_objects(run, scene, frame) == {A, BIG}, frame


def test_classes_filter_before_keep(job, scene):
    run = job("--classes", "kite", "--keep", "largest")  # the boxes are larger, but not kites
    assert [t["class"] for t in run.tracks["tracks"]] == ["kite"]
    assert run.tracks["tracks"][0]["first_frame"] == KITE_ENTERS
    for frame in (0, 20, FRAMES - 1):
        assert coloured_objects(run, scene, frame) == ({KITE} if frame >= KITE_ENTERS else set()), frame


def leading_edge(scene: Scene, k: int, frame: int) -> np.ndarray:
    """bool [H, W]: the part of object k on ``frame`` that it did not cover 2 frames before (shrunk 2 px)."""
    then = cv2.dilate(scene.truth[k][frame - 2].astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    now = cv2.erode(scene.truth[k][frame].astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    return now & ~then


@pytest.mark.parametrize("propagate", ["flow", "hold"])
def test_stride_3_moves_masks_with_flow_or_holds_them(job, scene, propagate):
    run = job("--stride", "3", "--propagate", propagate)
    assert run.summary["model_frames"] == 10 and run.summary["frames"] == FRAMES
    a = run.by_id[track_of(run, scene, A)]
    between = [e["source"] for e in a["frames"] if e["frame"] % 3 and e["frame"] < 10]
    assert between == [propagate] * 6
    assert all(e["source"] == "model" for e in a["frames"] if e["frame"] % 3 == 0 and e["frame"] < 10)
    # two frames after a model frame, the front 8 px of the moving boxes: in colour only when flow moved the mask
    spread = np.mean([saturation(run.frames[t], leading_edge(scene, k, t)) for k in (A, B) for t in (2, 5, 8, 26)])
    assert spread > COLOUR if propagate == "flow" else spread < 2 * GRAY


def test_video_and_splash_video_give_the_same_result(job):
    options = ("--keep", "largest", "--stride", "2", "--hold", "1")
    video, splash = job(*options), job(*options, command=("splash", "--video"))
    assert video.tracks == splash.tracks and video.summary["kept_tracks"] == splash.summary["kept_tracks"]
    assert len(video.frames) == len(splash.frames) == FRAMES
    assert all(np.array_equal(a, b) for a, b in zip(video.frames, splash.frames, strict=True))



def test_overlay_draws_the_kept_tracks_only(job, scene):
    run = job("--render", "overlay", "--keep", "largest")
    for frame in (0, 20):
        change = {k: np.abs(run.frames[frame][scene.inside(k, frame)].astype(int)
                            - scene.frames[frame][scene.inside(k, frame)]).mean() for k in range(4)
                  if scene.truth[k][frame].sum() > 100}
        assert {k for k, diff in change.items() if diff > 20} == {BIG} and max(change.values()) > 20, change
        assert all(diff < 8 for k, diff in change.items() if k != BIG), change

# -- bad input: exit 2, one line naming the option, nothing written ----------------------------------------------
def refused(result, *words: str) -> str:  # noqa: ANN001
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = result.output.strip().splitlines()[-1]
    for word in words:
        assert word in line, line
    return line


@pytest.mark.parametrize(("options", "words"), [
    (["--keep", "garbage"], ["--keep garbage", "not a keep policy"]),
    (["--keep", ""], ["--keep", "empty"]),
    (["--keep", "nan"], ["--keep nan"]),
    (["--keep", "at:nan,3"], ["finite"]),
    (["--keep", "at:4,inf"], ["finite"]),
    (["--keep", "at:-1,3"], [">= 0"]),
    (["--keep", "at:1,2,3"], ["at:X,Y"]),
    (["--keep", "0"], ["start at 1"]),
    (["--keep", "1.5"], ["whole numbers"]),
    (["--keep", "at:160,10"], ["outside the 160x120 frame"]),
    (["--keep", "at:10,120"], ["outside the 160x120 frame"]),
    (["--keep", "at:1e30,4"], ["outside any frame"]),
    (["--keep", "1,99"], ["no track 99", "its tracks are: 1, 2"]),
    (["--keep", "123456789012345678901234567890"], ["no track 123456789012345678901234567890"]),
    (["--keep", "at:3,117"], ["no track covers pixel (3, 117)"]),
    (["--hold", "-1"], ["--hold", "-1"]),
    (["--hold", "10001"], ["--hold", "10001"]),
    (["--hold", "nan"], ["--hold", "nan"]),
    (["--min-hits", "0"], ["--min-hits"]),
    (["--stride", "0"], ["--stride", "0"]),
    (["--stride", "1001"], ["--stride", "1001"]),
    (["--stride", "2.5"], ["--stride", "2.5"]),
    (["--propagate", "sideways"], ["--propagate", "sideways"]),
])
def test_bad_tracking_options_exit_2_and_write_nothing(clip, tmp_path, options, words):
    out, tracks = tmp_path / "out.mp4", tmp_path / "t.json"
    result = CliRunner().invoke(main, ["video", str(clip), *options, *MODEL, "--out", str(out),
                                       "--tracks", str(tracks)])
    refused(result, *words)
    assert not out.exists() and not tracks.exists()


def test_tracks_file_never_overwrites_an_input_or_the_output(clip, tmp_path):
    clip_bytes = clip.read_bytes()
    background = tmp_path / "bg.png"
    cv2.imwrite(str(background), np.full((120, 160, 3), 90, np.uint8))
    background_bytes = background.read_bytes()
    out, tracks = tmp_path / "out.mp4", tmp_path / "t.json"
    tracks.write_text("mine")

    def run(*options: str):
        return CliRunner().invoke(main, ["video", str(clip), *MODEL, "--out", str(out), *options])

    refused(run("--tracks", str(clip), "--force"), "--tracks would overwrite the input")
    refused(run("--tracks", str(background), "--effect", "image", "--background", str(background), "--force"),
            "--tracks would overwrite the input")
    refused(run("--tracks", str(out), "--force"), "--tracks is also the output video")
    refused(run("--tracks", str(tracks)), "t.json: already exists; use --force")
    refused(run("--tracks", str(tmp_path)), "--tracks is a folder")  # a folder is for several videos
    assert clip.read_bytes() == clip_bytes and background.read_bytes() == background_bytes
    assert tracks.read_text() == "mine" and not out.exists()


def test_overlay_labels_name_each_track_and_keep_its_colour():
    from splashseg.apps.video_tracking import track_detections
    from splashseg.video.soft_mask import SoftMask
    from splashseg.video.tracking import TrackState

    def state(track_id, name, x):  # noqa: ANN001, ANN202
        mask = np.zeros((40, 60), np.float32)
        mask[10:20, x:x + 10] = 1
        return TrackState(key=track_id, id=track_id, soft=SoftMask.of(mask),
                          box=np.array([x, 10, x + 10, 20], np.float32), score=0.8, votes={name: 1})

    unconfirmed = TrackState(key=9, id=None, soft=SoftMask.empty((40, 60)), box=np.zeros(4, np.float32),
                             score=0.9)
    first, colours = track_detections([state(2, "box", 5), state(7, "kite", 30), unconfirmed], (40, 60))
    assert first.names == ["box #2", "kite #7"]
    again, colours_later = track_detections([state(2, "box", 8)], (40, 60))  # a later frame, track 7 gone
    assert again.names == ["box #2"] and np.array_equal(colours_later[0], colours[0])
    assert not np.array_equal(colours[0], colours[1])
