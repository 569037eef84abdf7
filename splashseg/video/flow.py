"""Dense optical flow between consecutive frames, used to carry soft masks from one frame to the next.

OpenCV's DIS optical flow (``cv2.DISOpticalFlow_create``, preset ``ultrafast``) runs on a small gray copy
of each frame (long side ``work_size`` = 320 pixels, never enlarged) at a finest pyramid level of at least
160 pixels, so a step costs a few milliseconds on one CPU core even for HD video. Flow runs on the host
even when the model runs on CUDA: a torch frame is turned gray and shrunk on its device and only the
small gray picture is copied to the host.

Directions, for the step from the previous frame P to the current frame C (pixel coordinates x, y):

* forward flow ``g = DIS.calc(P, C)``:  ``P(x, y) ~= C(x + g_x, y + g_y)`` (where each pixel of P goes);
* backward flow ``f = DIS.calc(C, P)``: ``C(x, y) ~= P(x + f_x, y + f_y)`` (where each pixel of C came from).

Two ways to carry a mask of P to C (``mode``):

* ``affine`` (default): fit one rotation + uniform scale + translation to the *forward* flow sampled
  inside the mask (RANSAC; a median shift when the fit fails) and move the whole mask with it
  (``cv2.warpAffine``). The object moves as one piece: its outline stays sharp and the background it
  uncovers is not kept. Best for objects that move more than they change shape.
* ``dense``: backward warp with the *backward* flow (``cv2.remap`` reading P at ``(x + f_x, y + f_y)``
  for every pixel of C: no holes). Follows shape changes, but background uncovered behind a moving object
  has near-zero flow and keeps reading the object's old mask, so masks smear along their trail (measured
  on a textured test clip at stride 5: mean IoU 0.77 against 0.94 for ``affine``).

Pixels that come from outside P read 0 (nothing kept). Masks are float32 in [0, 1] and stay soft.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
MODES = ("affine", "dense")
DEFAULT_WORK_SIZE = 320
DEFAULT_PRESET = "ultrafast"
FINEST_SIDE = 160  # the finest pyramid level DIS computes has at least this long side
_MAX_POINTS = 1500  # flow samples per mask for the affine fit
_MAX_SCALE_STEP = 0.25  # an affine fit that grows or shrinks a mask more than this per frame is not trusted
_GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601 luma of R, G, B


def work_shape(height: int, width: int, work_size: int) -> tuple[int, int]:
    """``(h, w)`` of the flow's working picture: the long side shrunk to ``work_size`` (never enlarged)."""
    scale = min(1.0, work_size / max(height, width))
    return max(8, round(height * scale)), max(8, round(width * scale))


def small_gray(frame: Any, shape: tuple[int, int]) -> np.ndarray:
    """uint8 [h, w] gray picture of an RGB frame (NumPy uint8 [H, W, 3], or a torch tensor on any device).

    A torch frame is reduced on its device; only the small picture comes to the host.
    """
    height, width = shape
    if isinstance(frame, np.ndarray):
        small = frame if frame.shape[:2] == shape else cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY)
    import torch
    import torch.nn.functional as F

    weights = torch.tensor(_GRAY_WEIGHTS, device=frame.device)
    gray = (frame.float() * weights).sum(dim=-1)[None, None]  # [1, 1, H, W]
    if tuple(gray.shape[-2:]) != shape:
        gray = F.interpolate(gray, size=shape, mode="area")
    return gray[0, 0].round().clamp(0, 255).to(torch.uint8).cpu().numpy()


class FrameFlow:
    """The motion from the previous frame to the current one (see the module docstring for directions).

    Each flow is computed on first use, so a frame where nothing needs carrying costs only the small gray
    copy. frame_size: ``(H, W)`` of the full frames (the masks' size).
    """

    def __init__(self, engine: Any, previous: np.ndarray, current: np.ndarray, frame_size: tuple[int, int],
                 mode: str = "affine") -> None:
        self._engine, self._previous, self._current = engine, previous, current
        self.frame_size, self.mode = frame_size, mode
        self._forward: np.ndarray | None = None
        self._backward: np.ndarray | None = None
        self._maps: tuple[np.ndarray, np.ndarray] | None = None
        small_h, small_w = current.shape
        self.scale = (frame_size[1] / small_w, frame_size[0] / small_h)  # full pixels per working pixel, x and y

    def forward(self) -> np.ndarray:
        """float32 [h, w, 2] at the working size, in working pixels: ``(g_x, g_y)`` per previous pixel."""
        if self._forward is None:
            self._forward = self._engine.calc(self._previous, self._current, None)
        return self._forward

    def backward(self) -> np.ndarray:
        """float32 [h, w, 2] at the working size, in working pixels: ``(f_x, f_y)`` per current pixel."""
        if self._backward is None:
            self._backward = self._engine.calc(self._current, self._previous, None)
        return self._backward

    def warp(self, masks: np.ndarray) -> np.ndarray:
        """Carry masks of the previous frame to the current one, each on its own (``self.mode``).

        masks: float32 [H, W] or [N, H, W] in [0, 1] (bool is accepted). Returns float32 of the same
        shape in [0, 1]; pixels that came from outside the frame are 0.
        """
        masks = np.asarray(masks, dtype=np.float32)
        if masks.shape[-2:] != self.frame_size:
            raise ValueError(f"mask size {masks.shape[-2:]} is not the frame size {self.frame_size}")
        stack = masks.reshape(-1, *self.frame_size)
        carry = self._carry_dense if self.mode == "dense" else self._carry_affine
        out = np.stack([carry(mask) for mask in stack]) if len(stack) else stack.copy()
        return np.clip(out, 0.0, 1.0, out=out).reshape(masks.shape)

    def motion(self, mask: np.ndarray) -> np.ndarray | None:
        """float64 [2, 3] affine map from previous-frame to current-frame full pixels for the object under
        ``mask`` (float32 [H, W]), fitted to the forward flow inside it; None when the mask is empty."""
        small_h, small_w = self._current.shape
        small = cv2.resize(mask, (small_w, small_h), interpolation=cv2.INTER_AREA) >= 0.5  # [h, w] bool
        inner = cv2.erode(small.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        ys, xs = np.nonzero(inner if inner.sum() >= 8 else small)
        if len(xs) == 0:
            return None
        step = max(1, math.ceil(len(xs) / _MAX_POINTS))
        ys, xs = ys[::step], xs[::step]
        sx, sy = self.scale
        flow = self.forward()[ys, xs] * np.float32((sx, sy))  # [K, 2] full pixels
        source = np.stack([(xs + 0.5) * sx - 0.5, (ys + 0.5) * sy - 0.5], axis=1).astype(np.float32)  # [K, 2]
        target = source + flow
        if len(xs) >= 8:
            fit, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC,
                                                 ransacReprojThreshold=max(1.0, 0.5 * sx))
            if fit is not None and abs(math.hypot(fit[0, 0], fit[1, 0]) - 1.0) <= _MAX_SCALE_STEP:
                return fit
        shift = np.median(flow, axis=0)
        return np.array([[1.0, 0.0, shift[0]], [0.0, 1.0, shift[1]]])

    def _carry_affine(self, mask: np.ndarray) -> np.ndarray:
        fit = self.motion(mask)
        if fit is None:
            return mask.copy()
        height, width = self.frame_size
        return cv2.warpAffine(mask, fit, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=0)

    def _carry_dense(self, mask: np.ndarray) -> np.ndarray:
        map_xy, map_frac = self._remap_maps()
        return cv2.remap(mask, map_xy, map_frac, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

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
    Frames are RGB uint8 [H, W, 3], NumPy or torch (any device), as the model sees them (upright).
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
        self._previous: np.ndarray | None = None
        self._frame_size: tuple[int, int] | None = None

    def advance(self, frame_rgb: Any) -> FrameFlow | None:
        """Take the next frame; return the flow from the previous frame to this one (or None)."""
        frame_size = (int(frame_rgb.shape[0]), int(frame_rgb.shape[1]))
        shape = work_shape(*frame_size, self.work_size)
        current = small_gray(frame_rgb, shape)
        previous, same_size = self._previous, frame_size == self._frame_size
        self._previous, self._frame_size = current, frame_size
        if previous is None or not same_size:
            self._engine.setFinestScale(max(0, int(math.log2(max(shape) / FINEST_SIDE))))
            return None
        return FrameFlow(self._engine, previous, current, frame_size, self.mode)

    def reset(self) -> None:
        """Forget the previous frame (a new video, or a seek)."""
        self._previous = self._frame_size = None
