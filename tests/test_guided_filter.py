"""The guided filter against a direct float64 reference, window by window, on tiny pictures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from splashseg.render import guided_filter as gf_numpy
from splashseg.render import guided_filter_torch as gf_torch


def reference(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s Algorithm 1 written out: a linear fit in every window inside the picture, float64."""
    guide = guide.astype(np.float64).reshape(*source.shape, -1)  # [h, w, C]
    height, width, channels = guide.shape
    a = np.zeros((height, width, channels))
    b = np.zeros((height, width))
    for y in range(height):
        for x in range(width):
            window = (slice(max(0, y - radius), y + radius + 1), slice(max(0, x - radius), x + radius + 1))
            i = guide[window].reshape(-1, channels)
            p = source[window].reshape(-1).astype(np.float64)
            mean_i, mean_p = i.mean(axis=0), p.mean()
            sigma = (i - mean_i).T @ (i - mean_i) / len(p) + eps * np.eye(channels)
            a[y, x] = np.linalg.solve(sigma, (i - mean_i).T @ (p - mean_p) / len(p))
            b[y, x] = mean_p - a[y, x] @ mean_i
    out = np.zeros((height, width))
    for y in range(height):
        for x in range(width):
            window = (slice(max(0, y - radius), y + radius + 1), slice(max(0, x - radius), x + radius + 1))
            out[y, x] = a[window].reshape(-1, channels).mean(axis=0) @ guide[y, x] + b[window].mean()
    return out


@pytest.fixture
def tiny() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    guide = rng.uniform(0, 1, (11, 14, 3)).astype(np.float32)
    guide[:, 7:] += 0.5  # an edge
    source = (rng.uniform(0, 1, (11, 14)) > 0.5).astype(np.float32)
    return guide / 1.5, source


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("radius", [1, 3, 20])
def test_both_backends_match_the_direct_reference(tiny, channels, radius):
    guide, source = tiny
    guide = guide[..., 0] if channels == 1 else guide
    expected = reference(guide, source, radius, 1e-2)
    got_numpy = gf_numpy.guided_filter(np.ascontiguousarray(guide), source, radius=radius, eps=1e-2)
    planes = torch.from_numpy(guide).reshape(*source.shape, -1).permute(2, 0, 1)  # [C, h, w]
    got_torch = gf_torch.guided_filter(planes, torch.from_numpy(source), radius=radius, eps=1e-2).numpy()
    assert np.abs(got_numpy - expected).max() < 1e-4
    assert np.abs(got_torch - expected).max() < 1e-4


def test_flat_guide_smooths_and_constant_source_stays(tiny):
    guide, source = tiny
    flat = np.full_like(guide, 0.4)
    smoothed = gf_numpy.guided_filter(flat, source, radius=2, eps=1e-3)
    np.testing.assert_allclose(smoothed, gf_numpy.box_mean(gf_numpy.box_mean(source, 2), 2), atol=1e-5)
    constant = gf_numpy.guided_filter(guide, np.full_like(source, 0.25), radius=2, eps=1e-3)
    np.testing.assert_allclose(constant, 0.25, atol=1e-5)


def test_fast_filter_is_close_to_the_exact_one():
    yy, xx = np.mgrid[:96, :128].astype(np.float32)
    guide = ((xx - 64) ** 2 + (yy - 48) ** 2 < 30 ** 2).astype(np.float32) * 0.6 + 0.2  # a disc
    source = ((xx - 66) ** 2 + (yy - 47) ** 2 < 32 ** 2).astype(np.float32)  # a mask a little off
    exact = gf_numpy.guided_filter(guide, source, radius=8, eps=1e-3)
    fast = gf_numpy.guided_filter(guide, source, radius=8, eps=1e-3, subsample=4)
    assert np.abs(fast - exact).mean() < 0.02
    assert np.count_nonzero((fast >= 0.5) != (exact >= 0.5)) < 0.01 * fast.size


def test_torch_box_sum_counts_are_exact_integers():
    mask = torch.zeros(1, 300, 500)
    mask[0, 100:200, 50:400] = 1
    sums, count = gf_torch.box_sum(mask, 7)
    assert torch.equal(sums, sums.round()) and int(sums.max()) == 15 * 15 and int(count.min()) == 8 * 8
    assert int(sums[0, 150, 225]) == 225 and int(sums[0, 0, 0]) == 0
