"""``--keep`` policies (splashseg.video.keep): parsing, bad specs, and the track each policy picks."""

from __future__ import annotations

import numpy as np
import pytest
from track_samples import Mover, fake_detections, make_clip

from splashseg.errors import InputError
from splashseg.video.flow import FlowPropagator
from splashseg.video.keep import KeepPolicy, check_keep, keep_mask, parse_keep, select_tracks
from splashseg.video.track_log import TrackLog
from splashseg.video.tracking import Tracker

SIZE = (96, 128)


@pytest.mark.parametrize(("spec", "policy"), [
    ("all", KeepPolicy("all")), (" Largest ", KeepPolicy("largest")), ("CENTER", KeepPolicy("center")),
    ("longest", KeepPolicy("longest")), ("1,3", KeepPolicy("ids", ids=(1, 3))),
    ("3, 1,3", KeepPolicy("ids", ids=(1, 3))), ("7", KeepPolicy("ids", ids=(7,))),
    ("at:10,20", KeepPolicy("at", point=(10, 20))), ("AT: 10.7 , 20.2", KeepPolicy("at", point=(10, 20))),
])
def test_parse(spec, policy):
    assert parse_keep(spec) == policy
    assert parse_keep(str(policy)) == policy  # str() gives a spec back


@pytest.mark.parametrize(("spec", "message"), [
    ("", "empty"), ("   ", "empty"), (None, "empty"), ("biggest", "not a keep policy"), ("1;3", "not a keep"),
    ("at:", "at:X,Y"), ("at:5", "at:X,Y"), ("at:1,2,3", "at:X,Y"), ("at:,4", "at:X,Y"), ("at:a,b", "not a number"),
    ("at:-1,5", ">= 0"), ("at:nan,5", "finite"), ("at:5,inf", "finite"), ("0", "start at 1"), ("1,0", "start at 1"),
    ("1.5", "whole numbers"), ("-2", "whole numbers"), ("1,,3", "whole numbers"), ("1e3", "whole numbers"),
    ("at:1e30,4", "outside any frame"), ("at:5,1000000", "outside any frame"),
])
def test_bad_specs_are_input_errors(spec, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_keep(spec)
    assert str(caught.value).startswith("--keep")


def three_objects():
    """0: big disc in a corner, gone after frame 19 (largest); 1: small box near the centre from frame 5
    (center); 2: mid-size disc over the whole clip (longest)."""
    return make_clip([Mover("big", (26, 26), (0.5, 0.2), radius=20, leave=20),
                      Mover("small", (60, 46), (0.3, 0.2), half=(6, 5), enter=5),
                      Mover("mid", (104, 76), (-0.3, -0.2), radius=10)], 30)


def track_clip(clip, probe=None) -> TrackLog:
    tracker, propagator = Tracker(log=TrackLog(probe=probe)), FlowPropagator()
    for t, frame in enumerate(clip.frames):
        tracker.update(t, fake_detections(clip, t), propagator.advance(frame))
    return tracker.log


@pytest.fixture(scope="module")
def clip_and_log():
    clip = three_objects()
    log = track_clip(clip)
    assert [(t.id, t.class_name) for t in log.tracks()] == [(1, "big"), (2, "mid"), (3, "small")]
    return clip, log


@pytest.mark.parametrize(("spec", "expected"), [("largest", {1}), ("center", {3}), ("longest", {2}),
                                                ("all", {1, 2, 3}), ("1,3", {1, 3}), ("2", {2})])
def test_each_policy_picks_its_track(clip_and_log, spec, expected):
    _, log = clip_and_log
    assert select_tracks(parse_keep(spec), log, SIZE) == expected


@pytest.mark.parametrize(("point", "expected"), [((26, 26), 1), ((61, 47), 3), ((104, 76), 2)])
def test_at_picks_the_track_covering_the_pixel_first(point, expected):
    log = track_clip(three_objects(), probe=point)
    assert select_tracks(KeepPolicy("at", point=point), log, SIZE) == {expected}


def test_at_a_pixel_no_track_covers(clip_and_log):
    log = track_clip(three_objects(), probe=(2, 93))
    with pytest.raises(InputError, match=r"no track covers pixel \(2, 93\)"):
        select_tracks(parse_keep("at:2,93"), log, SIZE)
    with pytest.raises(InputError, match="outside the 128x96 frame"):
        select_tracks(parse_keep("at:128,5"), log, SIZE)
    with pytest.raises(InputError, match="outside"):
        check_keep(parse_keep("at:5,1e30"), SIZE)
    with pytest.raises(ValueError, match="probe"):
        select_tracks(parse_keep("at:5,5"), clip_and_log[1], SIZE)  # a log made without the probe


def test_ids_the_clip_does_not_have(clip_and_log):
    with pytest.raises(InputError, match=r"no track 4, 99999999999999999999 in this clip; its tracks are: 1, 2, 3"):
        select_tracks(parse_keep("2,4,99999999999999999999"), clip_and_log[1], SIZE)
    with pytest.raises(InputError, match="its tracks are: none"):
        select_tracks(parse_keep("1"), TrackLog(), SIZE)
    assert select_tracks(parse_keep("largest"), TrackLog(), SIZE) == set()


def test_ties_go_to_the_lower_id():
    clip = make_clip([Mover("a", (30, 48), (0, 0), radius=10), Mover("b", (98, 48), (0, 0), radius=10)], 6)
    log = track_clip(clip)
    assert [select_tracks(parse_keep(s), log, SIZE) for s in ("largest", "center", "longest")] == [{1}] * 3


def test_keep_mask_is_the_union_of_the_kept_tracks():
    clip = three_objects()
    tracker = Tracker(min_hits=2)
    states = [tracker.update(t, fake_detections(clip, t)) for t in range(6)]
    assert [s.confirmed for s in states[5]] == [True, True, False]  # the small box is new on frame 5
    everything = keep_mask(states[5], None, SIZE)
    assert everything.dtype == np.float32 and everything.shape == SIZE
    assert np.array_equal(everything > 0.5, clip.truth[0][5] | clip.truth[2][5])
    only_mid = keep_mask(states[5], {2}, SIZE)
    assert np.array_equal(only_mid > 0.5, clip.truth[2][5])
    assert keep_mask([], None, SIZE).max() == 0


def test_at_accepts_fractions_and_echoes_them_as_given():
    policy = parse_keep("at:3.5, 4.25")
    assert policy.point == (3, 4) and str(policy) == "at:3.5,4.25" and parse_keep(str(policy)) == policy
    assert str(parse_keep("at:3.0,4")) == "at:3,4"
    with pytest.raises(InputError, match=r"^--keep at:127.5,96.5: pixel \(127, 96\) lies outside the 128x96"):
        check_keep(parse_keep("at:127.5,96.5"), SIZE)


def test_at_is_refused_the_same_way_with_or_without_tracks(clip_and_log):
    log = track_clip(three_objects(), probe=(2, 93))
    with pytest.raises(InputError, match=r"^--keep at:2.5,93: no track covers pixel \(2, 93\) on any frame "
                                         r"\(its tracks are: 1, 2, 3\)"):
        select_tracks(parse_keep("at:2.5,93"), log, SIZE)
    with pytest.raises(InputError, match=r"^--keep at:2,93: no track covers pixel \(2, 93\) on any frame "
                                         r"\(the clip has no tracks\)"):
        select_tracks(parse_keep("at:2,93"), TrackLog(probe=(2, 93)), SIZE)
