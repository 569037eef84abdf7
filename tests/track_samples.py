"""Clips the tracking tests draw themselves, with the true mask of every object on every frame.

Objects are textured discs and rectangles moving on straight lines over a textured background; they are
drawn in list order (later objects in front) and their true masks are what is visible. A fake detector
turns the true masks into detections (the detector is not what these tests test).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from splashseg.video.instances import Instances


@dataclass
class Mover:
    """A disc (``radius``) or rectangle (``half`` = (half width, half height)) moving from ``start`` by
    ``step`` pixels per frame (x, y), visible from frame ``enter`` to ``leave`` (exclusive, None: end)."""

    name: str
    start: tuple[float, float]
    step: tuple[float, float]
    radius: float = 0.0
    half: tuple[float, float] = (0.0, 0.0)
    enter: int = 0
    leave: int | None = None
    seed: int = 1

    def centre(self, frame: int) -> tuple[float, float]:
        return self.start[0] + self.step[0] * frame, self.start[1] + self.step[1] * frame

    def shape_mask(self, frame: int, height: int, width: int) -> np.ndarray:
        """bool [H, W]: where the object is on ``frame`` (before occlusion), empty when not on screen."""
        if frame < self.enter or (self.leave is not None and frame >= self.leave):
            return np.zeros((height, width), bool)
        yy, xx = np.mgrid[:height, :width]
        cx, cy = self.centre(frame)
        if self.radius:
            return (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 < self.radius**2
        return (np.abs(xx + 0.5 - cx) < self.half[0]) & (np.abs(yy + 0.5 - cy) < self.half[1])


@dataclass
class Clip:
    """frames: RGB uint8 [H, W, 3]; truth[k][t]: bool [H, W] visible mask of object k on frame t."""

    frames: list[np.ndarray]
    truth: list[list[np.ndarray]]
    names: list[str]
    movers: list[Mover] = field(default_factory=list)


def texture(rng: np.random.Generator, height: int, width: int, base: tuple[int, int, int]) -> np.ndarray:
    """RGB uint8 [H, W, 3]: a base colour with blotches and fine noise (something for the flow to follow)."""
    coarse = rng.normal(0, 40, (height // 6 + 2, width // 6 + 2, 3))
    blotches = np.kron(coarse, np.ones((6, 6, 1)))[:height, :width]
    image = np.asarray(base, float) + blotches + rng.normal(0, 12, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def make_clip(movers: list[Mover], frames: int, height: int = 96, width: int = 128, seed: int = 0) -> Clip:
    """Draw ``movers`` over a fixed textured background. Each object carries its own texture along."""
    rng = np.random.default_rng(seed)
    background = texture(rng, height, width, (120, 110, 100))
    skins = [texture(np.random.default_rng(m.seed), height, width, (200 - 40 * k, 60 + 50 * k, 90))
             for k, m in enumerate(movers)]
    images, truth = [], [[] for _ in movers]
    for t in range(frames):
        image = background.copy()
        shapes = [m.shape_mask(t, height, width) for m in movers]
        for mover, skin, shape in zip(movers, skins, shapes, strict=True):
            shift = tuple(round(v - s) for v, s in zip(mover.centre(t)[::-1], mover.start[::-1], strict=True))
            image[shape] = np.roll(skin, shift, axis=(0, 1))[shape]  # the texture moves with the object
        for k, shape in enumerate(shapes):
            in_front = np.zeros_like(shape)
            for later in shapes[k + 1:]:
                in_front |= later
            truth[k].append(shape & ~in_front)
        images.append(image)
    return Clip(images, truth, [m.name for m in movers], movers)


def fake_detections(clip: Clip, frame: int, *, drop: set[int] = frozenset(), extra: list[np.ndarray] = (),
                    extra_name: str = "ghost") -> Instances:
    """Detections made from the true masks of ``frame``: every visible object except those in ``drop``
    (indices into the clip's objects), plus ``extra`` bool masks (false positives)."""
    masks, names, scores = [], [], []
    for k, frames in enumerate(clip.truth):
        if k not in drop and frames[frame].sum() >= 20:
            masks.append(frames[frame])
            names.append(clip.names[k])
            scores.append(0.9 - 0.05 * k)
    for mask in extra:
        masks.append(mask)
        names.append(extra_name)
        scores.append(0.6)
    height, width = clip.frames[0].shape[:2]
    stack = np.array(masks, np.float32).reshape(-1, height, width)
    return Instances.of_masks(stack, boxes_of(stack), np.array(scores, np.float32), names)


def boxes_of(masks: np.ndarray) -> np.ndarray:
    """float32 [N, 4] xyxy boxes of masks [N, H, W] (zeros for an empty mask)."""
    boxes = np.zeros((len(masks), 4), np.float32)
    for i, mask in enumerate(masks):
        ys, xs = np.nonzero(mask >= 0.5)
        if len(xs):
            boxes[i] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    return boxes


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two masks binarised at 0.5 (1.0 when both are empty)."""
    a, b = a >= 0.5, b >= 0.5
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
