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


def test_a_rank_remembers_skipped_videos_and_the_failure_that_stopped_it():
    from splashseg.apps.video_batch import RankPart, VideoBatch, merged, process_share
    from splashseg.distributed import DistInfo
    from splashseg.errors import InputError

    class Config:
        def __init__(self, name: str) -> None:
            self.source = name

    def process(config: Config) -> str:
        if config.source == "damaged":
            raise InputError("damaged: not a video FFmpeg can read")
        if config.source == "boom":
            raise RuntimeError("out of luck")
        return f"report of {config.source}"

    batch = VideoBatch([Config(n) for n in ("a", "damaged", "b", "boom", "c")], [None] * 5, several=True)
    part, exception = process_share(batch, [0, 1, 2, 3, 4], process)
    assert part.reports == {0: "report of a", 2: "report of b"}  # c never ran: the rank stopped at boom
    assert part.failed == [(1, "damaged: not a video FFmpeg can read")]
    assert part.error == (1, "out of luck") and isinstance(exception, RuntimeError)
    reports, failed = merged(batch, [part, RankPart(reports={4: "report of c"})])
    assert reports == ["report of a", "report of b", "report of c"] and failed == [("damaged", part.failed[0][1])]
    # one process: the failure is raised as it is, after the (here trivial) exchange of every rank's part
    from splashseg.apps.video_batch import run_shares

    with pytest.raises(RuntimeError, match="out of luck"):
        run_shares(batch, DistInfo(), process)
