"""Sharing videos between torchrun ranks by frame count (splashseg.video.shares)."""

from __future__ import annotations

import itertools

import pytest

from splashseg.video.shares import balanced_shares, fill_unknown, share_frames


def test_balanced_by_frames_not_by_count():
    frames = [1000, 100, 100, 100, 100, 100]
    shares = balanced_shares(frames, 2)
    assert shares == [[0], [1, 2, 3, 4, 5]]  # one long video against five short ones
    assert share_frames(frames, shares) == [1000, 500]


def test_every_video_once_and_deterministic():
    frames = [30, 300, 45, 120, 120, 7, 0, 88]
    for world in range(1, 10):
        shares = balanced_shares(frames, world)
        assert len(shares) == world
        assert sorted(itertools.chain(*shares)) == list(range(len(frames)))
        assert all(share == sorted(share) for share in shares)
        assert shares == balanced_shares(list(frames), world)


@pytest.mark.parametrize("frames", [[5, 5, 4, 3, 3, 3], [10, 9, 8, 7, 6, 5, 4], [1, 1, 1], [50]])
def test_within_lpt_bound_of_the_best(frames):
    world = 3
    best = min(max(sum(frames[i] for i in range(len(frames)) if pick[i] == r) for r in range(world))
               for pick in itertools.product(range(world), repeat=len(frames)))
    worst = max(share_frames(frames, balanced_shares(frames, world)))
    assert worst <= best * 4 / 3 + 1e-9


def test_unknown_lengths_count_as_the_median():
    assert fill_unknown([10, None, 30, None, 20]) == [10, 20, 30, 20, 20]
    assert fill_unknown([None, None]) == [1, 1]
    assert balanced_shares([None, None, None, None], 2) == [[0, 2], [1, 3]]


def test_more_ranks_than_videos_and_bad_world():
    assert balanced_shares([3, 4], 4) == [[1], [0], [], []]
    with pytest.raises(ValueError):
        balanced_shares([1], 0)
