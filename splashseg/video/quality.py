"""How stable a video's result is over time: three figures per video, pure NumPy on masks and flow fields.

* **propagation IoU** (:class:`PropagationScore`): with ``--stride N > 1`` the model sees every Nth frame
  and optical flow carries each track's mask in between. At every keyframe the mask carried from the
  previous keyframe meets the model's fresh mask of the same track: their IoU says how far the carried
  mask drifted in ``N`` frames (1: not at all). Reported as the mean over keyframes and the worst
  keyframe. It costs nothing: both masks exist anyway.
* **flicker** (:class:`FlickerScore`): the keep-mask's warping error between consecutive frames, after
  Lai et al., "Learning Blind Video Temporal Consistency" (ECCV 2018): the mask of frame t-1 is moved
  onto frame t by the backward flow and compared with the mask of frame t, over the pixels visible in
  both frames. Occluded pixels (uncovered background, objects leaving the picture) are found by the
  forward-backward consistency check of Sundaram et al. (ECCV 2010), as Lai et al. do:
  ``|f(x) + g(x + f(x))|^2 > a (|f|^2 + |g|^2) + b`` with ``a = 0.01``, ``b = 0.5`` (pixels^2). Lai et al.
  average the error over the visible pixels of the frame; here it is divided by the kept area instead
  (the soft union of the two masks), so the figure does not shrink with the objects: 0 means the kept
  region moves exactly as the picture does, 0.1 that a tenth of it appears or vanishes from one frame to
  the next. Reported as the mean over frame pairs where something is kept.
* **births and deaths per minute** (:func:`track_turnover`): tracks that start after the first frame
  and tracks that end before the last one, per minute of video; a steady scene scores 0 and 0, identity
  churn (one object losing its track and getting a new one) raises both.

Arrays: masks float32 (or bool) ``[h, w]`` in [0, 1]; flow float32 ``[h, w, 2]`` in pixels of that
size, ``(dx, dy)``: forward flow ``g`` per pixel of the previous frame (where it goes), backward flow
``f`` per pixel of the current frame (where it came from), as :class:`splashseg.video.flow.FrameFlow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .soft_mask import SoftMask, as_soft, nonzero_bounds

CONSISTENCY_ALPHA = 0.01  # Sundaram et al.'s forward-backward tolerance, relative to the flows' size
CONSISTENCY_BETA = 0.5  # ... and absolute, in pixels^2
MASK_THRESHOLD = 0.5  # a soft mask's pixel counts as the object's from here (IoU)


def mask_iou(a: np.ndarray, b: np.ndarray, threshold: float = MASK_THRESHOLD) -> float:
    """IoU of two masks of one size (soft masks cut at ``threshold``); 1.0 when both are empty."""
    a, b = np.asarray(a) >= threshold, np.asarray(b) >= threshold
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def sample(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear read of ``image`` (float [h, w] or [h, w, C]) at float positions ``map_x``/``map_y``
    ([H, W] pixel coordinates). Returns (values [H, W] or [H, W, C] float32, inside bool [H, W]); a
    position outside the picture reads 0 and is not ``inside``."""
    height, width = image.shape[:2]
    inside = (map_x >= 0) & (map_x <= width - 1) & (map_y >= 0) & (map_y <= height - 1)
    x = np.clip(map_x, 0, width - 1)
    y = np.clip(map_y, 0, height - 1)
    x0 = np.minimum(x.astype(np.intp), max(width - 2, 0))  # the last column reads with weight 1 on x0 + 1
    y0 = np.minimum(y.astype(np.intp), max(height - 2, 0))
    wx, wy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    flat = image.reshape(height * width, -1).astype(np.float32, copy=False)  # [h * w, C]
    corner = y0 * width + x0  # [H, W] flat index of the top-left neighbour
    step_x, step_y = (1 if width > 1 else 0), (width if height > 1 else 0)
    wx, wy = wx[..., None], wy[..., None]
    top = flat[corner] * (1 - wx) + flat[corner + step_x] * wx
    bottom = flat[corner + step_y] * (1 - wx) + flat[corner + step_y + step_x] * wx
    values = (top * (1 - wy) + bottom * wy) * inside[..., None]
    return (values[..., 0] if image.ndim == 2 else values), inside


@lru_cache(maxsize=4)
def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    return grid_x, grid_y


def _sources(backward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each current pixel came from in the previous frame: (x + f_x, y + f_y), float32 [h, w] each."""
    grid_x, grid_y = _grid(*backward.shape[:2])
    return grid_x + backward[..., 0], grid_y + backward[..., 1]


def _consistent(backward: np.ndarray, there: np.ndarray, inside: np.ndarray, alpha: float, beta: float
                ) -> np.ndarray:
    """bool [h, w]: the forward flow read where each pixel came from (``there``) undoes the backward flow."""
    loop = backward + there  # ~0 where the two flows agree
    size = (backward ** 2).sum(axis=2) + (there ** 2).sum(axis=2)
    return inside & ((loop ** 2).sum(axis=2) <= alpha * size + beta)


def visible(forward: np.ndarray, backward: np.ndarray, alpha: float = CONSISTENCY_ALPHA,
            beta: float = CONSISTENCY_BETA) -> np.ndarray:
    """bool [h, w]: the current frame's pixels seen in the previous frame too (forward-backward consistent,
    coming from inside the picture); False where they were occluded or outside it."""
    there, inside = sample(forward, *_sources(backward))  # g at x + f(x), [h, w, 2]
    return _consistent(backward, there, inside, alpha, beta)


def warp_previous(previous: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """float32 [h, w]: the previous frame's mask moved onto the current frame by the backward flow."""
    return sample(np.asarray(previous, np.float32), *_sources(backward))[0]


class FrameWarp:
    """One frame pair's backward warp, for any number of masks of that pair.

    forward, backward: float32 [h, w, 2] (see the module). :meth:`parts` gives one mask pair's share of
    the warping error, so the error of a union of masks that do not overlap is the sum of their parts.
    Only a window of the picture is read per mask pair (the current mask's box, and the previous one's box
    grown by the pair's largest backward displacement), so a small object costs little on a large frame.
    """

    def __init__(self, forward: np.ndarray, backward: np.ndarray) -> None:
        self.forward, self.backward = forward, backward
        self.sources = _sources(backward)  # float32 [h, w] each
        self.visible = visible(forward, backward)  # bool [h, w], once for all the pair's masks
        # how far any pixel's source lies from it, whole pixels (x, y): bounds where a moved mask can land
        self.reach = tuple(int(np.ceil(np.abs(backward[..., axis]).max())) if backward.size else 0
                           for axis in (0, 1))

    def _window(self, previous: SoftMask, current: SoftMask) -> tuple[int, int, int, int] | None:
        """``(x1, y1, x2, y2)`` (ends exclusive, clipped to the picture): the current mask's box united
        with the previous one's grown by :attr:`reach` plus 2 pixels; None when both are empty."""
        boxes = []
        if not current.is_empty:
            boxes.append(_box(current))
        if not previous.is_empty:
            (x1, y1, x2, y2), (dx, dy) = _box(previous), self.reach
            boxes.append((x1 - dx - 2, y1 - dy - 2, x2 + dx + 2, y2 + dy + 2))
        if not boxes:
            return None
        height, width = self.backward.shape[:2]
        x1, y1 = max(0, min(b[0] for b in boxes)), max(0, min(b[1] for b in boxes))
        x2, y2 = min(width, max(b[2] for b in boxes)), min(height, max(b[3] for b in boxes))
        return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None

    def _reach(self, previous: SoftMask, current: SoftMask, window: tuple[int, int, int, int]) -> np.ndarray:
        """bool [y2 - y1, x2 - x1] over ``window``: where the current mask or the moved previous one can
        be non-zero (the current mask's non-zero pixels, and the pixels coming from the previous one's
        non-zero box widened by a pixel)."""
        x1, y1, x2, y2 = window
        region = current.region(x1, y1, x2, y2) > 0
        bounds = None if previous.is_empty else nonzero_bounds(previous.values)
        if bounds is not None:
            src_x, src_y = (axis[y1:y2, x1:x2] for axis in self.sources)
            left, top = previous.x + bounds[0], previous.y + bounds[1]
            right, bottom = previous.x + bounds[2] - 1, previous.y + bounds[3] - 1  # last non-zero column, row
            region |= (src_x > left - 1) & (src_x < right + 1) & (src_y > top - 1) & (src_y < bottom + 1)
        return region

    def moved(self, previous: np.ndarray) -> np.ndarray:
        """float32 [h, w]: the previous frame's mask moved onto the current frame."""
        return sample(np.asarray(previous, np.float32), *self.sources)[0]

    def parts(self, previous: np.ndarray | SoftMask | None, current: np.ndarray | SoftMask | None
              ) -> tuple[float, float]:
        """``(sum |M_t - W(M_t-1)|, sum max(M_t, W(M_t-1)))`` over the visible pixels. Masks: float32 (or
        bool) [h, w] arrays or :class:`~.soft_mask.SoftMask` crops of the [h, w] picture; None is empty."""
        size = self.backward.shape[:2]
        previous, current = (SoftMask.empty(size) if m is None else as_soft(m) for m in (previous, current))
        window = self._window(previous, current)
        if window is None:
            return 0.0, 0.0
        x1, y1, x2, y2 = window
        region = self._reach(previous, current, window)  # bool [y2 - y1, x2 - x1]
        region &= self.visible[y1:y2, x1:x2]
        if not region.any():
            return 0.0, 0.0
        src_x, src_y = (axis[y1:y2, x1:x2][region] for axis in self.sources)  # float32 [n] each, row-major
        now = current.region(x1, y1, x2, y2)[region]
        moved = _moved_crop(previous, src_x, src_y)
        return float(np.abs(now - moved).sum()), float(np.maximum(moved, now).sum())


def _box(mask: SoftMask) -> tuple[int, int, int, int]:
    """``(x1, y1, x2, y2)`` (ends exclusive) of a non-empty crop."""
    return mask.x, mask.y, mask.x + mask.values.shape[1], mask.y + mask.values.shape[0]


def _moved_crop(previous: SoftMask, src_x: np.ndarray, src_y: np.ndarray) -> np.ndarray:
    """float32 [n]: bilinear reads of the previous mask at picture positions (float32 [n] each), from its
    crop padded by one zero pixel on each side. Equal to reading the whole picture wherever the position
    lies inside the picture (the four neighbours are the same pixels, the weights the same numbers, bit
    for bit); the pixels whose position lies outside are not visible and never get here."""
    if previous.is_empty:
        return np.zeros(len(src_x), np.float32)
    height, width = previous.values.shape
    padded = np.zeros((height + 2, width + 2), np.float32)
    padded[1:-1, 1:-1] = previous.values
    # float64 positions: the shift to the crop is exact, so the bilinear weights are the whole picture's
    return sample(padded, src_x.astype(np.float64) - (previous.x - 1), src_y.astype(np.float64) - (previous.y - 1))[0]


def error_of(parts: tuple[float, float]) -> float | None:
    """``difference / kept area`` from :meth:`FrameWarp.parts` (summed); None under one pixel of kept area."""
    difference, area = parts
    return difference / area if area >= 1.0 else None


def warping_error(previous: np.ndarray, current: np.ndarray, forward: np.ndarray,
                  backward: np.ndarray) -> float | None:
    """Flicker of one frame pair (see the module): ``sum |M_t - W(M_t-1)|`` over the visible pixels,
    divided by the kept area ``sum max(M_t, W(M_t-1))`` there. None when nothing is kept in either."""
    return error_of(FrameWarp(forward, backward).parts(previous, current))


@dataclass
class FlickerScore:
    """Collects :func:`warping_error` frame pair by frame pair; ``values`` holds the defined ones."""

    values: list[float] = field(default_factory=list)

    def add(self, previous: np.ndarray, current: np.ndarray, forward: np.ndarray, backward: np.ndarray) -> None:
        error = warping_error(previous, current, forward, backward)
        if error is not None:
            self.values.append(error)

    def summary(self) -> float | None:
        """Mean flicker over the frame pairs that keep something (None when none did)."""
        return float(np.mean(self.values)) if self.values else None


@dataclass
class PropagationScore:
    """Collects, keyframe by keyframe, the IoU of each track's carried mask with its fresh detection."""

    keyframes: list[tuple[int, float]] = field(default_factory=list)  # (frame index, mean IoU there)

    def add(self, frame: int, carried: Sequence[np.ndarray], fresh: Sequence[np.ndarray]) -> None:
        """carried[i] and fresh[i]: one track's mask moved from the previous keyframe, and the model's."""
        if len(carried) != len(fresh):
            raise ValueError(f"{len(carried)} carried masks for {len(fresh)} fresh ones")
        if carried:
            ious = [mask_iou(c, f) for c, f in zip(carried, fresh, strict=True)]
            self.keyframes.append((frame, float(np.mean(ious))))

    def summary(self) -> dict[str, float | int | None]:
        """``{"mean", "worst", "worst_frame", "keyframes"}``; mean/worst None without a compared keyframe."""
        if not self.keyframes:
            return {"mean": None, "worst": None, "worst_frame": None, "keyframes": 0}
        frame, worst = min(self.keyframes, key=lambda item: (item[1], item[0]))
        return {"mean": round(float(np.mean([v for _, v in self.keyframes])), 4), "worst": round(worst, 4),
                "worst_frame": frame, "keyframes": len(self.keyframes)}


def track_turnover(spans: Sequence[tuple[int, int]], frames: int, fps: float | None) -> dict[str, float | None]:
    """Track births and deaths per minute. spans: each track's (first frame, last frame); frames: the
    video's frame count; fps: its mean rate. A birth is a track starting after frame 0, a death one ending
    before the last frame. None per minute when the duration is unknown."""
    births = sum(1 for first, _ in spans if first > 0)
    deaths = sum(1 for _, last in spans if last < frames - 1)
    minutes = frames / fps / 60.0 if fps and frames else None
    per_minute = (lambda n: round(n / minutes, 3)) if minutes else (lambda n: None)
    return {"births": births, "deaths": deaths, "births_per_minute": per_minute(births),
            "deaths_per_minute": per_minute(deaths)}


@dataclass
class VideoQuality:
    """A video's three figures (see the module): ``propagation`` from :meth:`PropagationScore.summary`,
    ``flicker`` from :meth:`FlickerScore.summary`, ``turnover`` from :func:`track_turnover`."""

    propagation: dict[str, float | int | None] = field(default_factory=lambda: PropagationScore().summary())
    flicker: float | None = None
    turnover: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """``propagation_iou`` (mean, worst, worst_frame, keyframes), ``flicker``, births/deaths per minute."""
        return {"propagation_iou": self.propagation,
                "flicker": None if self.flicker is None else round(self.flicker, 4),
                "births_per_minute": self.turnover.get("births_per_minute"),
                "deaths_per_minute": self.turnover.get("deaths_per_minute")}

    def line(self) -> str:
        """``propagation IoU 0.91 (worst 0.72 at frame 45), flicker 0.031, 1.2 births and 0.6 deaths/min``."""
        parts = []
        if self.propagation.get("mean") is not None:
            parts.append(f"propagation IoU {self.propagation['mean']:.2f} (worst {self.propagation['worst']:.2f} "
                         f"at frame {self.propagation['worst_frame']})")
        parts.append("flicker -" if self.flicker is None else f"flicker {self.flicker:.3f}")
        births, deaths = self.turnover.get("births_per_minute"), self.turnover.get("deaths_per_minute")
        if births is not None:
            parts.append(f"{births:g} births and {deaths:g} deaths/min")
        return ", ".join(parts)
