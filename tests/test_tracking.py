"""The tracker on clips drawn here, whose true tracks are known; detections come from the true masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from track_samples import Mover, boxes_of, fake_detections, iou, make_clip

from splashseg.errors import InputError
from splashseg.predict import Detections
from splashseg.video.flow import FlowPropagator
from splashseg.video.instances import Instances, empty_instances
from splashseg.video.keep import keep_mask
from splashseg.video.soft_mask import SoftMask
from splashseg.video.track_store import TrackStore
from splashseg.video.tracking import Tracker

SIZE = (96, 128)


def run(clip, *, stride=1, flow=True, drop=None, extra=None, names=None, **params):
    """Track ``clip``; drop: {frame: object indices the detector misses}; extra: {frame: [bool masks]}
    (false positives); names: {frame: {object: name}}. Returns the tracker and each frame's states."""
    tracker, propagator = Tracker(**params), FlowPropagator()
    history = []
    for t, frame in enumerate(clip.frames):
        motion = propagator.advance(frame) if flow else None
        found = None
        if t % stride == 0:
            found = fake_detections(clip, t, drop=(drop or {}).get(t, set()), extra=(extra or {}).get(t, []))
            for k, name in (names or {}).get(t, {}).items():
                found.names[k] = name
        history.append(tracker.update(t, found, motion))
    return tracker, history


def crossing(same_row: bool):
    """A ball moving right behind a box moving left: fully hidden for a frame or two (same_row) or a
    third hidden (offset rows). A tracker that matched by nearness would swap them where they meet."""
    ball_y, box_y = (40, 52) if same_row else (34, 56)
    return make_clip([Mover("ball", (20, ball_y), (4, 0.5), radius=12),
                      Mover("box", (110, box_y), (-4, -0.5), half=(11, 9))], 24)


@pytest.mark.parametrize(("same_row", "stride"), [(False, 1), (False, 3), (True, 1), (True, 2)])
def test_ids_stay_with_their_objects_when_they_cross(same_row, stride):
    clip = crossing(same_row)
    tracker, history = run(clip, stride=stride, hold=3)
    assert tracker.log.ids() == [1, 2]
    for track in tracker.log.tracks():
        assert (track.first_frame, track.last_frame) == (0, 23) and track.class_name == clip.names[track.id - 1]
    for t, states in enumerate(history):
        for state in states:
            if state.source == "model" and state.id is not None:  # what the model found went to the right id
                assert iou(state.mask, clip.truth[state.id - 1][t]) > 0.99, (t, state.id)


def dropout_clip():
    return make_clip([Mover("ball", (20, 30), (3, 1), radius=12), Mover("box", (100, 70), (-2, 0), half=(10, 8))],
                     14)


def test_a_missed_frame_is_held_by_flow_and_does_not_pop():
    clip = dropout_clip()
    tracker, history = run(clip, drop={7: {0}}, hold=3)
    held = next(s for s in history[7] if s.id == 1)
    assert held.source == "flow" and iou(held.mask, clip.truth[0][7]) > 0.8  # carried to where the ball went
    assert [s.id for s in history[8]] == [1, 2] and history[8][0].source == "model"
    assert tracker.log.ids() == [1, 2]
    sources = [e.source for e in tracker.log.tracks()[0].entries]
    assert sources[6:9] == ["model", "flow", "model"]
    kept = [keep_mask(states, None, SIZE) for states in history]
    assert all(iou(kept[t] * clip.truth[0][t], clip.truth[0][t]) > 0.8 for t in range(1, 14))  # never gone


def test_without_hold_a_missed_frame_pops_and_the_object_gets_a_new_id():
    clip = dropout_clip()
    tracker, history = run(clip, drop={7: {0}}, hold=0)
    assert [s.id for s in history[7]] == [2]
    kept = [keep_mask(states, None, SIZE) for states in history]
    gone = [t for t in range(1, 14) if (kept[t] * clip.truth[0][t]).sum() == 0]
    assert gone == [7, 8]  # missed on 7; a new track on 8 counts from 9 (min_hits 2)
    assert tracker.log.ids() == [1, 2, 3] and tracker.log.tracks()[2].first_frame == 8


def test_without_flow_a_held_track_keeps_its_last_mask():
    clip = dropout_clip()
    _, history = run(clip, drop={7: {0}}, flow=False, hold=2)
    held = next(s for s in history[7] if s.id == 1)
    assert held.source == "hold" and np.array_equal(held.mask, clip.truth[0][6].astype(np.float32))


def test_a_track_ends_after_hold_misses():
    clip = dropout_clip()
    tracker, history = run(clip, drop={t: {0} for t in range(5, 14)}, hold=2)
    assert [1 in {s.id for s in states} for states in history[4:9]] == [True, True, True, False, False]
    assert tracker.log.tracks()[0].last_frame == 6


def test_an_object_entering_late_gets_the_next_id():
    clip = make_clip([Mover("ball", (20, 30), (3, 1), radius=12), Mover("box", (100, 70), (-2, 0), half=(10, 8)),
                      Mover("kite", (60, 60), (0, -1), radius=9, enter=12)], 20)
    tracker, history = run(clip)
    late = tracker.log.tracks()[2]
    assert (late.id, late.class_name, late.first_frame, late.last_frame) == (3, "kite", 12, 19)
    assert [s.confirmed for s in history[12]] == [True, True, False] and history[13][2].confirmed
    assert keep_mask(history[12], None, SIZE)[clip.truth[2][12]].max() == 0  # not coloured before it counts


def test_min_hits_suppresses_a_one_frame_false_positive():
    clip = dropout_clip()
    ghost = np.zeros(SIZE, bool)
    ghost[5:20, 100:120] = True  # away from the objects' paths
    tracker, history = run(clip, extra={5: [ghost]})
    assert tracker.log.ids() == [1, 2] and len(tracker.log.records) == 3  # seen, never counted
    assert all(keep_mask(states, None, SIZE)[ghost].max() == 0 for states in history)
    counted, _ = run(clip, extra={5: [ghost]}, min_hits=1)
    assert counted.log.ids() == [1, 2, 3]  # the same clip with min_hits 1 does count it


def test_class_is_the_majority_of_the_model_names():
    clip = dropout_clip()
    tracker, history = run(clip, names={t: {0: "kite"} for t in (1, 2, 3)} | {9: {0: "apple"}})
    assert history[1][0].class_name == "ball"  # one each: the earlier name wins the tie
    assert history[3][0].class_name == "kite"  # three to one
    assert tracker.log.tracks()[0].class_name == "ball"  # ten to three to one over the clip


def test_one_object_named_twice_is_one_track():
    clip = dropout_clip()
    tracker = Tracker()
    for t in range(4):
        found = fake_detections(clip, t)
        tracker.update(t, Instances([*found.softs, found.softs[0]], np.concatenate([found.boxes, found.boxes[:1]]),
                                    np.append(found.scores, 0.5), [*found.names, "kite"], found.frame_size))
    assert tracker.log.ids() == [1, 2] and tracker.log.tracks()[0].class_name == "ball"


def test_boxes_match_when_masks_are_empty():
    clip = dropout_clip()
    tracker = Tracker()
    for t in range(10):
        found = fake_detections(clip, t)
        empty = np.zeros((len(found), *found.frame_size), np.float32)
        tracker.update(t, Instances.of_masks(empty, found.boxes, found.scores, found.names),
                       FlowPropagator().advance(clip.frames[t]))
    assert tracker.log.ids() == [1, 2]
    assert [len(track.entries) for track in tracker.log.tracks()] == [10, 10]


def test_detections_on_any_device_and_empty_frames():
    clip = dropout_clip()
    tracker = Tracker(min_hits=1)
    for t in range(3):
        found = fake_detections(clip, t)
        detections = Detections(torch.from_numpy(found.boxes), torch.tensor([1, 2]), torch.from_numpy(found.scores),
                                torch.from_numpy(np.stack([s.full() for s in found.softs]) >= 0.5), list(found.names))
        tracker.update(t, detections)
    states = tracker.update(3, empty_instances(*SIZE))  # nothing found: both held
    assert [(s.id, s.source) for s in states] == [(1, "hold"), (2, "hold")]
    assert states[0].mask.dtype == np.float32 and states[0].mask.shape == SIZE


def test_a_second_pass_with_final_ids_carries_them_from_the_first_frame():
    clip = make_clip([Mover("ball", (20, 30), (3, 1), radius=12), Mover("kite", (60, 60), (0, -1), radius=9,
                                                                        enter=5)], 12)
    first, _ = run(clip, stride=2)
    second, history = run(clip, stride=2, final_ids=first.log.final_ids())
    assert [s.id for s in history[0]] == [1] and [s.id for s in history[6]] == [1, 2]
    assert not history[6][1].confirmed  # counted from its first frame all the same
    assert keep_mask(history[6], {2}, SIZE)[clip.truth[1][6]].min() > 0.5
    assert [t.entries for t in second.log.tracks()] == [t.entries for t in first.log.tracks()]


def test_frames_must_come_in_order_and_match_in_size():
    tracker = Tracker()
    tracker.update(3, None)
    with pytest.raises(ValueError, match="in order"):
        tracker.update(3, None)
    clip = dropout_clip()
    tracker.update(4, fake_detections(clip, 0))
    with pytest.raises(ValueError, match="size"):
        tracker.update(5, empty_instances(48, 64))


@pytest.mark.parametrize(("name", "value"), [("hold", -1), ("hold", 1.5), ("hold", "3"), ("hold", True),
                                             ("min_hits", 0), ("min_hits", 10**9), ("iou_threshold", float("nan")),
                                             ("iou_threshold", 0), ("iou_threshold", 1.5),
                                             ("duplicate_iou", None), ("cover_threshold", float("inf"))])
def test_bad_parameters_are_input_errors(name, value):
    with pytest.raises(InputError, match=name):
        Tracker(**{name: value})


def test_instances_must_agree():
    with pytest.raises(ValueError, match="disagree"):
        Instances.of_masks(np.zeros((2, 4, 4), np.float32), boxes_of(np.zeros((1, 4, 4))), np.zeros(2, np.float32),
                           ["a", "b"])
    with pytest.raises(ValueError, match="disagree"):  # a mask of another frame size
        Instances([SoftMask.empty((4, 4))], np.zeros((1, 4), np.float32), np.zeros(1, np.float32), ["a"], (8, 8))


def test_stored_tracks_give_pass_2_the_first_pass_tracks():
    clip = make_clip([Mover("ball", (20, 30), (3, 1), radius=12), Mover("box", (100, 70), (-2, 0), half=(10, 8))],
                     10)
    store, tracker, propagator = TrackStore(clip.frames[0].shape[:2]), Tracker(), FlowPropagator()
    history = []
    for t, frame in enumerate(clip.frames):
        found = fake_detections(clip, t) if t % 2 == 0 else None
        if found is not None:
            first = found.softs[0]
            found.softs[0] = SoftMask(first.x, first.y, first.values * 0.8, first.frame_size)  # a soft mask
        history.append(tracker.update(t, found, propagator.advance(frame)))
        store.put(t, history[-1])
    assert len(store) == 10 and store.get(99, {}) == []
    frame_bytes = clip.frames[0].shape[0] * clip.frames[0].shape[1]
    assert store.nbytes < 10 * 2 * frame_bytes / 20  # compressed crops, not whole float frames
    final_ids = tracker.log.final_ids()
    for t, states in enumerate(history):
        back = store.get(t, final_ids)
        assert [(s.key, s.source, s.class_name) for s in back] == [(s.key, s.source, s.class_name) for s in states]
        assert [s.id for s in back] == [final_ids.get(s.key) for s in states]  # final ids from the first frame
        for got, kept in zip(back, states, strict=True):
            assert np.abs(got.mask - kept.mask).max() <= 0.5 / 255 and np.array_equal(got.box, kept.box)
    assert all(s.id is not None for s in store.get(0, final_ids))  # pass 1 had no ids yet on frame 0


def two_objects(frames: int):
    return make_clip([Mover("ball", (20, 30), (3, 1), radius=12), Mover("box", (100, 70), (-2, 0), half=(10, 8))],
                     frames)


@pytest.mark.parametrize(("frames", "stride", "min_hits"), [(1, 1, 2), (45, 1000, 2), (3, 1, 5), (9, 4, 4)])
def test_a_clip_with_fewer_model_frames_than_min_hits_confirms_what_it_saw_on_all(frames, stride, min_hits):
    tracker, _ = run(two_objects(frames), stride=stride, min_hits=min_hits)
    assert tracker.model_frames == -(-frames // stride) < min_hits and tracker.log.ids() == []
    assert tracker.finish() == {1: 1, 2: 2}
    assert tracker.log.ids() == [1, 2] and [t.class_name for t in tracker.log.tracks()] == ["ball", "box"]
    assert [(t.id, t.confirmed) for t in tracker.tracks] == [(1, True), (2, True)]
    assert tracker.finish() == {}  # once


def test_the_short_clip_rule_is_the_clips_count_not_the_count_since_birth():
    """3 model frames, min_hits 5: the objects seen on all 3 count; one born on the last model frame (seen
    once) does not, and in a clip of min_hits model frames or more nothing changes at the end."""
    clip = make_clip([Mover("ball", (20, 30), (3, 1), radius=12), Mover("kite", (60, 60), (0, -1), radius=9,
                                                                         enter=2)], 3)
    tracker, _ = run(clip, min_hits=5)
    assert tracker.finish() == {1: 1} and tracker.log.ids() == [1]
    tracker, _ = run(clip, min_hits=3)
    assert tracker.log.ids() == [1] and tracker.finish() == {} and tracker.log.ids() == [1]


def test_finish_on_a_clip_without_model_frames_or_objects_confirms_nothing():
    assert Tracker().finish() == {}
    tracker = Tracker(min_hits=3)
    tracker.update(0, empty_instances(*SIZE))
    assert tracker.finish() == {} and tracker.log.ids() == []
