"""Clips of the demo's shapes moving on known paths, written as real H.264 files, for CLI tests that run
the demo's trained model (``examples/shapes-small.pt``) and know every object's true track.

Objects are drawn with the demo's own code (:mod:`splashseg.demo.synth`), so the model recognises them;
each frame also yields the true mask of every object (bool [H, W], what is visible of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from splashseg.demo.synth import SynthObject, draw_object, textured_background

FPS = 15


@dataclass
class Shape:
    """One object: its demo class (``balloon`` a circle of radius ``size``, ``box`` a rect of ``size`` =
    (w, h) given as (size, size * aspect), ``kite`` a diamond about 2.4 * ``size`` tall), its RGB colour,
    its centre on frame 0 (x, y) and its motion per frame (x, y), drawn on frames ``enter``... except
    those in ``absent``."""

    name: str
    size: float
    color: tuple[int, int, int]
    start: tuple[float, float]
    step: tuple[float, float] = (0.0, 0.0)
    enter: int = 0
    absent: frozenset[int] = frozenset()
    aspect: float = 0.75

    def centre(self, frame: int) -> tuple[float, float]:
        return self.start[0] + self.step[0] * frame, self.start[1] + self.step[1] * frame

    def visible(self, frame: int) -> bool:
        return frame >= self.enter and frame not in self.absent

    def synth(self, frame: int) -> SynthObject:
        """The demo's VIA-shaped object at this frame's position."""
        cx, cy = self.centre(frame)
        if self.name == "balloon":
            return SynthObject("balloon", {"name": "circle", "cx": round(cx), "cy": round(cy), "r": round(self.size)})
        if self.name == "box":
            w, h = self.size, self.size * self.aspect
            return SynthObject("box", {"name": "rect", "x": round(cx - w / 2), "y": round(cy - h / 2),
                                       "width": round(w), "height": round(h)})
        points = [(0, -1.3), (0.75, -0.2), (0, 1.1), (-0.75, -0.2)]
        return SynthObject("kite", {"name": "polygon", "all_points_x": [round(cx + self.size * px) for px, _ in points],
                                    "all_points_y": [round(cy + self.size * py) for _, py in points]})


@dataclass
class Scene:
    """frames: RGB uint8 [H, W, 3]; truth[k][t]: bool [H, W], object k's visible mask on frame t."""

    shapes: list[Shape]
    frames: list[np.ndarray]
    truth: list[list[np.ndarray]] = field(default_factory=list)

    def first_frame(self, k: int) -> int:
        return next(t for t, mask in enumerate(self.truth[k]) if mask.any())

    def inside(self, k: int, frame: int, erode: int = 3) -> np.ndarray:
        """bool [H, W]: the object's true mask shrunk by ``erode`` px (away from soft or coded edges)."""
        import cv2

        mask = self.truth[k][frame].astype(np.uint8)
        return cv2.erode(mask, np.ones((2 * erode + 1, 2 * erode + 1), np.uint8)).astype(bool)


def draw_scene(shapes: list[Shape], frames: int, *, size: tuple[int, int] = (160, 120), seed: int = 3) -> Scene:
    """Draw ``shapes`` (later ones in front) on the demo's textured background. size: (width, height)."""
    width, height = size
    background = textured_background(np.random.default_rng(seed), height, width)
    scene = Scene(shapes, [], [[] for _ in shapes])
    for t in range(frames):
        image = background.copy()
        masks = []
        for shape in shapes:
            canvas = np.zeros((height, width, 3), np.uint8)
            if shape.visible(t):
                draw_object(image, shape.synth(t), shape.color)
                draw_object(canvas, shape.synth(t), (255, 255, 255))
            masks.append(canvas[..., 0] > 127)
        for k, mask in enumerate(masks):
            in_front = np.logical_or.reduce(masks[k + 1:]) if k + 1 < len(masks) else np.zeros_like(mask)
            scene.truth[k].append(mask & ~in_front)
        scene.frames.append(image)
    return scene


def write_scene(path: Path, scene: Scene, fps: int = FPS) -> Path:
    """The scene's frames as H.264 (yuv420p, crf 12, no audio) in MP4, written with PyAV."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "12"})
        stream.height, stream.width = scene.frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for index, image in enumerate(scene.frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def decode_rgb(path: Path) -> list[np.ndarray]:
    """Every frame of a video as RGB uint8 [H, W, 3], decoded with PyAV."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def saturation(image_rgb: np.ndarray, where: np.ndarray) -> float:
    """Mean of max(R, G, B) - min(R, G, B) over the pixels ``where`` is True: ~0 for gray."""
    pixels = image_rgb[where].astype(np.int16)
    return float((pixels.max(axis=1) - pixels.min(axis=1)).mean())
