"""Dense optical flow between consecutive frames, used to carry soft masks from one frame to the next.

OpenCV's DIS optical flow (``cv2.DISOpticalFlow_create``, preset ``ultrafast``) runs on a small gray copy
of each frame (long side ``work_size`` = 320 pixels, never enlarged) at a finest pyramid level of at least
100 pixels, so a step costs a few milliseconds on one CPU core even for HD video. Flow runs on the host
even when the model runs on CUDA: the pipeline hands it the decoded NumPy frame, turned upright.

Directions, for the step from the previous frame P to the current frame C (pixel coordinates x, y):

* forward flow ``g = DIS.calc(P, C)``:  ``P(x, y) ~= C(x + g_x, y + g_y)`` (where each pixel of P goes);
* backward flow ``f = DIS.calc(C, P)``: ``C(x, y) ~= P(x + f_x, y + f_y)`` (where each pixel of C came from).

Two ways to carry a mask of P to C (``mode``):

* ``affine`` (default): the whole mask moves as one piece (``cv2.warpAffine``), by the best of three
  candidate motions: a rotation + uniform scale + shift fitted to the *forward* flow sampled inside the
  mask (RANSAC), the object's own recent speed (when the tracker knows it), and standing still; "best" is
  the one under which the object and a thin ring around it look most alike in the two frames (RGB), and
  it is then nudged by up to 2 working pixels the same way. The outline stays sharp and the background
  the object uncovers is not kept; an object that differs from its background in colour only (no
  brightness edge for the flow to see), or has no texture, still moves with its edges.
* ``dense``: backward warp with the *backward* flow (``cv2.remap`` reading P at ``(x + f_x, y + f_y)``
  for every pixel of C: no holes). Follows shape changes, but background uncovered behind a moving object
  has near-zero flow and keeps reading the object's old mask, so masks smear along their trail.

Measured (``benchmarks/bench_tracking.py``, the demo clip with the demo model, model every 5th frame):
mean IoU of the carried masks with the model's own masks 0.90 (``affine``), 0.89 (``dense``), 0.73 for
reusing the last masks; on the tests' textured clip (``tests/test_flow.py``) affine keeps > 0.85.

Pixels that come from outside P read 0 (nothing kept). Masks are float32 in [0, 1] and stay soft.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import cv2
import numpy as np

from .motion import move_soft
from .soft_mask import SoftMask, as_soft

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
MODES = ("affine", "dense")
DEFAULT_WORK_SIZE = 320
DEFAULT_PRESET = "ultrafast"
FINEST_SIDE = 100  # the finest pyramid level DIS computes has at least this long side
_MAX_POINTS = 1500  # flow samples per mask for the affine fit
_CHECK_POINTS = 600  # pixels per mask that judge the candidate motions
_CLEAR_WIN = 0.6  # a flow fit whose look mismatch is at most this share of standing still's is taken as is
_NUDGE = (-2, -1, 0, 1, 2)  # working pixels: the best candidate is also tried this much to each side
_MARGIN = 3  # working pixels around an object's part of the working picture (the erode and ring reach 2)
_MAX_SCALE_STEP = 0.25  # an affine fit that grows or shrinks a mask more than this per frame is not trusted


def work_shape(height: int, width: int, work_size: int) -> tuple[int, int]:
    """``(h, w)`` of the flow's working picture: the long side shrunk to ``work_size`` (never enlarged)."""
    scale = min(1.0, work_size / max(height, width))
    return max(8, round(height * scale)), max(8, round(width * scale))


def small_rgb(frame_rgb: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 [h, w, 3] RGB copy of a host frame (uint8 [H, W, 3] RGB; the pipeline hands the flow the
    upright NumPy frame on every device) shrunk to ``shape`` by area averaging."""
    height, width = shape
    if frame_rgb.shape[:2] == shape:
        return np.ascontiguousarray(frame_rgb)
    return cv2.resize(frame_rgb, (width, height), interpolation=cv2.INTER_AREA)


class Picture(NamedTuple):
    """A frame as the flow sees it: gray uint8 [h, w] (for DIS) and RGB uint8 [h, w, 3] (for checking
    a motion, as objects can differ from their background in colour alone)."""

    gray: np.ndarray
    rgb: np.ndarray

    @classmethod
    def of(cls, frame: np.ndarray, shape: tuple[int, int]) -> Picture:
        rgb = small_rgb(frame, shape)
        return cls(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), rgb)


def _spread(ys: np.ndarray, xs: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` of the points (ys, xs), evenly spread."""
    step = max(1, math.ceil(len(xs) / most))
    return ys[::step], xs[::step]


class FrameFlow:
    """The motion from the previous frame to the current one (see the module docstring for directions).

    Each flow is computed on first use, so a frame where nothing needs carrying costs only the small
    copy. frame_size: ``(H, W)`` of the full frames (the masks' size).
    """

    def __init__(self, engine: Any, previous: Picture, current: Picture, frame_size: tuple[int, int],
                 mode: str = "affine") -> None:
        self._engine, self._previous, self._current = engine, previous, current
        self.frame_size, self.mode = frame_size, mode
        self._forward: np.ndarray | None = None
        self._backward: np.ndarray | None = None
        self._maps: tuple[np.ndarray, np.ndarray] | None = None
        small_h, small_w = current.gray.shape
        self.scale = (frame_size[1] / small_w, frame_size[0] / small_h)  # full pixels per working pixel, x and y

    def forward(self) -> np.ndarray:
        """float32 [h, w, 2] at the working size, in working pixels: ``(g_x, g_y)`` per previous pixel."""
        if self._forward is None:
            self._forward = self._engine.calc(self._previous.gray, self._current.gray, None)
        return self._forward

    def backward(self) -> np.ndarray:
        """float32 [h, w, 2] at the working size, in working pixels: ``(f_x, f_y)`` per current pixel."""
        if self._backward is None:
            self._backward = self._engine.calc(self._current.gray, self._previous.gray, None)
        return self._backward

    def warp(self, masks: np.ndarray, speeds: Sequence[tuple[float, float] | None] | None = None) -> np.ndarray:
        """Carry masks of the previous frame to the current one, each on its own (``self.mode``).

        masks: float32 [H, W] or [N, H, W] in [0, 1] (bool is accepted). speeds: per mask, the object's own
        recent motion ``(vx, vy)`` in full pixels per frame, or None; ``affine`` tries it as well (see
        :meth:`motion`). Returns float32 of the same shape in [0, 1]; what came from outside the frame is 0.
        """
        masks = np.asarray(masks, dtype=np.float32)
        stack = masks.reshape(-1, *masks.shape[-2:])
        carried = self.carry(list(stack), speeds)
        return (np.stack(carried) if carried else stack.copy()).reshape(masks.shape)

    def carry(self, masks: Sequence[np.ndarray], speeds: Sequence[tuple[float, float] | None] | None = None
              ) -> list[np.ndarray]:
        """:meth:`warp` for a list of float32 [H, W] masks (no stacking of full-size arrays)."""
        for mask in masks:
            if mask.shape != self.frame_size:
                raise ValueError(f"mask size {mask.shape} is not the frame size {self.frame_size}")
        softs = [SoftMask.of(np.asarray(mask, dtype=np.float32)) for mask in masks]
        return [soft.full() for soft in self.carry_soft(softs, speeds)]

    def carry_soft(self, masks: Sequence[SoftMask], speeds: Sequence[tuple[float, float] | None] | None = None
                   ) -> list[SoftMask]:
        """:meth:`carry` for masks kept as crops (:class:`~.soft_mask.SoftMask`): the cost follows the
        objects' sizes, not the frame's. Returns SoftMasks in [0, 1]."""
        speeds = list(speeds) if speeds is not None else [None] * len(masks)
        out = []
        for mask, speed in zip(masks, speeds, strict=True):
            if mask.frame_size != self.frame_size:
                raise ValueError(f"mask size {mask.frame_size} is not the frame size {self.frame_size}")
            moved = self._carry_dense(mask) if self.mode == "dense" else self._carry_affine(mask, speed)
            out.append(moved.clipped())
        return out

    def motion(self, mask: np.ndarray | SoftMask, speed: tuple[float, float] | None = None) -> np.ndarray | None:
        """float64 [2, 3] affine map from previous-frame to current-frame full pixels for the object under
        ``mask`` (float32 [H, W], or a :class:`SoftMask`); None when the mask is empty.

        Candidates: the rotation + scale + shift fitted to the forward flow inside the mask (RANSAC), the
        shift ``speed`` (the object's own recent motion, when given) and no motion. The one that best
        matches the object's look between the frames (mean absolute RGB difference over the mask and a
        ring around it) wins, so a textureless object, whose flow is noise, still moves with its edges.
        """
        small, (left, top) = self._small_mask(as_soft(mask))  # bool [h', w'] at working pixel (left, top)
        if not small.any():
            return None
        candidates = [np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])]
        if speed is not None:
            candidates.append(np.array([[1.0, 0.0, speed[0]], [0.0, 1.0, speed[1]]]))
        fit = self._fit(small, left, top)
        if fit is not None:
            candidates.append(fit)
        if len(candidates) == 1:
            return candidates[0]
        ring = cv2.dilate(small.astype(np.uint8), np.ones((5, 5), np.uint8))
        ys, xs = np.nonzero(ring)
        ys, xs = _spread(ys + top, xs + left, _CHECK_POINTS)
        errors = self._mismatch(xs, ys, candidates)
        if fit is not None and errors[-1] <= _CLEAR_WIN * errors[0]:
            return fit  # the flow explains the object's look far better than standing still: trust it
        best = candidates[int(np.argmin(errors))]
        sx, sy = self.scale
        nudged = [best + np.array([[0, 0, dx * sx], [0, 0, dy * sy]]) for dy in _NUDGE for dx in _NUDGE]
        return nudged[int(np.argmin(self._mismatch(xs, ys, nudged)))]

    def _small_mask(self, mask: SoftMask) -> tuple[np.ndarray, tuple[int, int]]:
        """The mask at the working size, at >= 0.5 (area averaging), as the bool part [h', w'] around the
        object (with a margin of :data:`_MARGIN` working pixels) and its working column and row. Where the
        working scale is a whole number only the object's part of the frame is shrunk (the same numbers
        as shrinking the whole frame); otherwise the whole frame is."""
        small_h, small_w = self._current.gray.shape
        if mask.is_empty:
            return np.zeros((0, 0), bool), (0, 0)
        step_x, step_y = self.frame_size[1] // small_w, self.frame_size[0] // small_h
        if step_x * small_w != self.frame_size[1] or step_y * small_h != self.frame_size[0]:
            whole = cv2.resize(mask.full(), (small_w, small_h), interpolation=cv2.INTER_AREA) >= 0.5
            return whole, (0, 0)
        height, width = mask.values.shape
        left, top = max(0, mask.x // step_x - _MARGIN), max(0, mask.y // step_y - _MARGIN)
        right = min(small_w, -(-(mask.x + width) // step_x) + _MARGIN)
        bottom = min(small_h, -(-(mask.y + height) // step_y) + _MARGIN)
        part = np.zeros(((bottom - top) * step_y, (right - left) * step_x), np.float32)  # whole cells
        part[mask.y - top * step_y: mask.y - top * step_y + height,
             mask.x - left * step_x: mask.x - left * step_x + width] = mask.values
        small = cv2.resize(part, (right - left, bottom - top), interpolation=cv2.INTER_AREA) >= 0.5
        return small, (left, top)

    def _fit(self, small: np.ndarray, left: int = 0, top: int = 0) -> np.ndarray | None:
        """The affine fitted to the forward flow inside bool ``small`` (the working picture's part at
        column ``left``, row ``top``; a median shift when RANSAC fails or scales too much); None without
        enough points."""
        inner = cv2.erode(small.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        ys, xs = np.nonzero(inner if inner.sum() >= 8 else small)
        ys, xs = _spread(ys + top, xs + left, _MAX_POINTS)
        if len(xs) == 0:
            return None
        sx, sy = self.scale
        flow = self.forward()[ys, xs] * np.float32((sx, sy))  # [K, 2] full pixels
        source = np.stack([(xs + 0.5) * sx - 0.5, (ys + 0.5) * sy - 0.5], axis=1).astype(np.float32)  # [K, 2]
        if len(xs) >= 8:
            fit, _ = cv2.estimateAffinePartial2D(source, source + flow, method=cv2.RANSAC,
                                                 ransacReprojThreshold=max(1.0, 0.5 * sx))
            if fit is not None and abs(math.hypot(fit[0, 0], fit[1, 0]) - 1.0) <= _MAX_SCALE_STEP:
                return fit
        shift = np.median(flow, axis=0)
        return np.array([[1.0, 0.0, shift[0]], [0.0, 1.0, shift[1]]])

    def _mismatch(self, xs: np.ndarray, ys: np.ndarray, fits: list[np.ndarray]) -> np.ndarray:
        """float32 [F]: for each of ``fits`` (full pixels), the mean absolute RGB difference between the
        previous frame's working pixels (xs, ys) and where the fit takes them in the current frame."""
        sx, sy = self.scale
        full = np.stack([(xs + 0.5) * sx - 0.5, (ys + 0.5) * sy - 0.5, np.ones(len(xs))])  # [3, K]
        moved = np.stack(fits) @ full  # [F, 2, K] full pixels in the current frame
        map_x = ((moved[:, 0].T + 0.5) / sx - 0.5).astype(np.float32)  # [K, F] working pixels
        map_y = ((moved[:, 1].T + 0.5) / sy - 0.5).astype(np.float32)
        seen = cv2.remap(self._current.rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        before = np.tile(self._previous.rgb[ys, xs], (1, len(fits)))  # uint8 [K, F * 3]
        difference = cv2.absdiff(seen.reshape(len(xs), len(fits) * 3), before)  # uint8 [K, F * 3]
        return difference.sum(axis=0, dtype=np.int64).reshape(len(fits), 3).sum(axis=1) / (3.0 * len(xs))

    def _carry_affine(self, mask: SoftMask, speed: tuple[float, float] | None = None) -> SoftMask:
        fit = self.motion(mask, speed)
        return mask if fit is None else move_soft(mask, fit)

    def _carry_dense(self, mask: SoftMask) -> SoftMask:
        map_xy, map_frac = self._remap_maps()
        return SoftMask.of(cv2.remap(mask.full(), map_xy, map_frac, cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0))

    def _remap_maps(self) -> tuple[np.ndarray, np.ndarray]:
        """Fixed-point maps for ``cv2.remap`` at the full size: where each current pixel comes from in P."""
        if self._maps is None:
            height, width = self.frame_size
            flow = cv2.resize(self.backward(), (width, height), interpolation=cv2.INTER_LINEAR)  # [H, W, 2]
            grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
            map_x = grid_x + flow[..., 0] * np.float32(self.scale[0])
            map_y = grid_y + flow[..., 1] * np.float32(self.scale[1])
            self._maps = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
        return self._maps


class FlowPropagator:
    """Feed every frame in order with :meth:`advance`; each call returns the :class:`FrameFlow` from the
    frame fed before (``None`` for the first frame, or when the frame size changes).

    work_size: long side of the working picture in pixels. preset: ``ultrafast``, ``fast`` or ``medium``
    (:data:`PRESETS`), DIS's speed/quality trade-off. mode: ``affine`` or ``dense`` (module docstring).
    Frames are RGB uint8 [H, W, 3] NumPy arrays, upright (as the model sees them).
    """

    def __init__(self, work_size: int = DEFAULT_WORK_SIZE, preset: str = DEFAULT_PRESET,
                 mode: str = "affine") -> None:
        if preset not in PRESETS:
            raise ValueError(f"unknown DIS preset {preset!r}; choose from {', '.join(PRESETS)}")
        if mode not in MODES:
            raise ValueError(f"unknown flow mode {mode!r}; choose from {', '.join(MODES)}")
        if not 16 <= work_size <= 4096:
            raise ValueError(f"work_size must be 16 to 4096 pixels, got {work_size}")
        self.work_size, self.preset, self.mode = int(work_size), preset, mode
        self._engine = cv2.DISOpticalFlow_create(PRESETS[preset])
        self._previous: Picture | None = None
        self._frame_size: tuple[int, int] | None = None

    def advance(self, frame_rgb: np.ndarray) -> FrameFlow | None:
        """Take the next frame (RGB uint8 [H, W, 3]); return the flow from the previous frame to this one
        (or None)."""
        frame_size = (int(frame_rgb.shape[0]), int(frame_rgb.shape[1]))
        shape = work_shape(*frame_size, self.work_size)
        current = Picture.of(frame_rgb, shape)
        previous, same_size = self._previous, frame_size == self._frame_size
        self._previous, self._frame_size = current, frame_size
        if previous is None or not same_size:
            self._engine.setFinestScale(max(0, int(math.log2(max(shape) / FINEST_SIDE))))
            return None
        return FrameFlow(self._engine, previous, current, frame_size, self.mode)

    def reset(self) -> None:
        """Forget the previous frame (a new video, or a seek)."""
        self._previous = self._frame_size = None
