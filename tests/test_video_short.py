"""Clips shorter than ``--min-hits`` model frames, clips without objects, and ``--keep at:X,Y`` on both,
through the command line with the demo's trained model (``examples/shapes-small.pt``).

A clip with fewer model frames than ``--min-hits`` (a 1-frame video, ``--stride 1000`` on 45 frames, a
picture given to ``video``) keeps the objects the model found on all of its model frames; a clip where
nothing is kept says so ("no objects found"), as pictures do.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from video_scenes import Scene, Shape, decode_rgb, draw_scene, saturation, write_scene

from splashseg.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = ["--weights", str(EXAMPLES / "shapes-small.pt"), "--device", "cpu", "--preset", "ultrafast", "--crf", "18"]
COLOUR, GRAY = 80.0, 15.0  # channel spread inside an object kept in colour / turned gray (as test_video_tracks_cli)

pytestmark = pytest.mark.slow


def two_boxes(frames: int) -> Scene:
    return draw_scene([Shape("box", 34, (235, 50, 50), (40, 40), (1.0, 0), aspect=0.65),
                       Shape("box", 40, (250, 230, 60), (116, 86), (-1.0, 0), aspect=0.55)], frames, seed=2)


def empty(frames: int) -> Scene:
    return draw_scene([], frames, seed=2)


def video(source: Path, out: Path, *options: str):  # noqa: ANN201
    return CliRunner().invoke(main, ["video", str(source), *options, *MODEL, "--out", str(out), "--json"])


def kept_colour(out: Path, scene: Scene, frame: int = 0) -> list[float]:
    """The colour left inside each object on ``frame`` of the rendered ``out``."""
    image = decode_rgb(out)[frame]
    return [saturation(image, scene.inside(k, frame)) for k in range(len(scene.shapes))]


@pytest.mark.parametrize(("frames", "options"), [(1, []), (45, ["--stride", "1000"]), (2, ["--min-hits", "5"])])
def test_a_clip_shorter_than_min_hits_keeps_what_it_saw_throughout(tmp_path, frames, options):
    scene = two_boxes(frames)
    source = write_scene(tmp_path / "clip.mp4", scene)
    result = video(source, tmp_path / "out.mp4", *options)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["tracks"] == [1, 2] and summary["kept_tracks"] == [1, 2] and summary["warnings"] == []
    assert min(kept_colour(tmp_path / "out.mp4", scene)) > COLOUR


def test_a_one_frame_overlay_draws_its_objects(tmp_path):
    scene = two_boxes(1)
    source = write_scene(tmp_path / "clip.mp4", scene)
    result = video(source, tmp_path / "out.mp4", "--render", "overlay")
    assert result.exit_code == 0 and json.loads(result.stdout)["kept_tracks"] == [1, 2], result.output
    drawn = decode_rgb(tmp_path / "out.mp4")[0].astype(int)
    assert np.abs(drawn - scene.frames[0]).mean() > 2  # masks, boxes and labels drawn (nothing drawn: ~0.5)


def test_a_picture_given_to_video_is_a_one_frame_clip_with_its_objects(tmp_path):
    scene = two_boxes(1)
    picture = tmp_path / "picture.png"
    Image.fromarray(scene.frames[0]).save(picture)
    result = video(picture, tmp_path / "out.mp4")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kept_tracks"] == [1, 2]
    assert min(kept_colour(tmp_path / "out.mp4", scene)) > COLOUR


@pytest.mark.parametrize(("options", "looks"), [([], "every frame is gray"), (["--invert"], "every frame is kept"),
                                                (["--render", "overlay"], "nothing is drawn")])
def test_a_clip_where_nothing_is_kept_says_so(tmp_path, options, looks):
    source = write_scene(tmp_path / "plain.mp4", empty(6))
    result = video(source, tmp_path / "out.mp4", *options)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["tracks"] == [] and summary["warnings"] == [f"{source}: no objects found; {looks}"]
    assert f"warning: {source}: no objects found; {looks}" in result.stderr


def test_keep_at_a_pixel_no_track_covers_is_refused_with_or_without_tracks(tmp_path):
    """The same rule both ways: exit 2, one line, nothing written; fractions are echoed as given."""
    with_tracks = write_scene(tmp_path / "boxes.mp4", two_boxes(4))
    without = write_scene(tmp_path / "plain.mp4", empty(4))
    for source, found in ((with_tracks, "its tracks are: 1, 2"), (without, "the clip has no tracks")):
        out = tmp_path / f"{source.stem}-out.mp4"
        result = video(source, out, "--keep", "at:3.5,117.25")
        assert result.exit_code == 2, result.output
        line = result.output.strip().splitlines()[-1]
        assert line == f"error: --keep at:3.5,117.25: no track covers pixel (3, 117) on any frame ({found})"
        assert not out.exists()


def test_keep_at_a_fraction_keeps_the_track_under_it(tmp_path):
    scene = two_boxes(4)
    source = write_scene(tmp_path / "boxes.mp4", scene)
    result = video(source, tmp_path / "out.mp4", "--keep", "at:40.5,40.75")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kept_tracks"] == [1]
    first, second = kept_colour(tmp_path / "out.mp4", scene)
    assert first > COLOUR and second < GRAY


def test_the_summary_names_the_kept_tracks_by_id_not_a_count(tmp_path):
    """'kept in colour: #3' names track 3 (as the overlay labels it); a bare '3' read as a count."""
    out = tmp_path / "one.mp4"
    result = CliRunner().invoke(main, ["video", str(EXAMPLES / "clip.mp4"), *MODEL, "--stride", "3",
                                       "--keep", "largest", "--out", str(out)])
    assert result.exit_code == 0, result.output
    tracks = json.loads(CliRunner().invoke(main, ["video", str(EXAMPLES / "clip.mp4"), *MODEL, "--stride", "3",
                                                  "--keep", "largest", "--out", str(tmp_path / "two.mp4"),
                                                  "--json"]).stdout)["kept_tracks"]
    assert len(tracks) == 1 and f"kept in colour: #{tracks[0]}," in result.output
