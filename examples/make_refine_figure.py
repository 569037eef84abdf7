"""Regenerate ``examples/readme-refine.png``: one made picture splashed with the model's own masks, with
``--refine``, and as a refined cutout on a checkerboard; the bottom row zooms into one object's edge.

Uses the demo's trained small model (``examples/shapes-small.pt``) on a picture drawn like the demo's, so
it runs offline on a CPU in seconds::

    PYTHONPATH=. .venv/bin/python examples/make_refine_figure.py [--out examples/readme-refine.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from splashseg.demo.synth import synth_picture
from splashseg.images import write_image
from splashseg.models import load_model
from splashseg.predict import Predictor, picture_predict
from splashseg.render import HostCompositor, SplashStyle, build_refiner

EXAMPLES = Path(__file__).resolve().parent
SIZE = 288  # picture side in pixels
ZOOM = 4  # bottom row: this many screen pixels per picture pixel
LABEL_HEIGHT = 26


def checkerboard(height: int, width: int, cell: int = 12) -> np.ndarray:
    """RGB ``uint8 [H, W, 3]``: the light gray squares editors show behind transparent pixels."""
    rows, cols = np.indices((height, width)) // cell
    return np.where(((rows + cols) % 2 == 0)[..., None], np.uint8(235), np.uint8(190)).repeat(3, axis=2)


def over_checkerboard(rgba: np.ndarray) -> np.ndarray:
    """RGBA ``uint8 [H, W, 4]`` (straight alpha) composited over :func:`checkerboard` -> RGB ``uint8``."""
    alpha = rgba[..., 3:].astype(np.float32) / 255
    board = checkerboard(*rgba.shape[:2]).astype(np.float32)
    return np.rint(rgba[..., :3] * alpha + board * (1 - alpha)).astype(np.uint8)


def labelled(image_rgb: np.ndarray, text: str) -> np.ndarray:
    """The picture with a dark caption strip above it (RGB ``uint8``)."""
    strip = np.full((LABEL_HEIGHT, image_rgb.shape[1], 3), 32, np.uint8)
    cv2.putText(strip, text, (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (240, 240, 240), 1, cv2.LINE_AA)
    return np.vstack([strip, image_rgb])


def zoomed(image_rgb: np.ndarray, center: tuple[int, int]) -> np.ndarray:
    """A ``SIZE / ZOOM`` square around ``center`` (row, col), enlarged ``ZOOM`` times without smoothing."""
    half = SIZE // ZOOM // 2
    top = int(np.clip(center[0] - half, 0, image_rgb.shape[0] - 2 * half))
    left = int(np.clip(center[1] - half, 0, image_rgb.shape[1] - 2 * half))
    crop = image_rgb[top:top + 2 * half, left:left + 2 * half]
    return cv2.resize(crop, (SIZE, SIZE), interpolation=cv2.INTER_NEAREST)


def outlined(image_rgb: np.ndarray, mask: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    """The picture with ``mask``'s contour (bool ``[H, W]``) drawn one pixel wide in ``color`` (RGB)."""
    solid = mask.astype(np.uint8)
    edge = solid > cv2.erode(solid, np.ones((3, 3), np.uint8))
    out = image_rgb.copy()
    out[edge] = color
    return out


def edge_point(plain: np.ndarray, refined: np.ndarray) -> tuple[int, int]:
    """(row, col) where the refined mask differs most from the plain one (a ``SIZE / ZOOM`` window)."""
    window = SIZE // ZOOM
    changed = cv2.boxFilter((plain != refined).astype(np.float32), -1, (window, window), normalize=False)
    row, col = np.unravel_index(int(np.argmax(changed)), changed.shape)
    return int(row), int(col)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=EXAMPLES / "readme-refine.png")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    picture, _ = synth_picture(np.random.default_rng(args.seed), SIZE, SIZE, max_objects=3)
    loaded = load_model(weights=str(EXAMPLES / "shapes-small.pt"))
    predictor = Predictor(loaded.model, loaded.class_names, conf=0.5, soft_masks=True)
    plain = picture_predict(predictor)([picture])[0].union_mask()
    refined = picture_predict(predictor, build_refiner(predictor.device))([picture])[0].union_mask()
    gray = HostCompositor(SplashStyle(effect="gray"))
    panels = [gray.splash(picture, plain), gray.splash(picture, refined),
              over_checkerboard(HostCompositor(SplashStyle(effect="cutout")).splash(picture, refined))]
    point = edge_point(plain, refined)
    titles = ("plain (28x28 masks)", "--refine", "--effect cutout --refine")
    top = np.hstack([labelled(p, t) for p, t in zip(panels, titles, strict=True)])
    edges = [outlined(picture, plain, (255, 0, 255)), outlined(picture, refined, (0, 255, 255)), panels[2]]
    bottom = np.hstack([labelled(zoomed(p, point), f"{t}, {ZOOM}x") for p, t in
                        zip(edges, ("plain mask edge", "refined mask edge", "cutout"), strict=True)])
    write_image(args.out, np.vstack([top, bottom]))
    print(f"wrote {args.out} ({np.count_nonzero(plain != refined)} pixels changed by --refine)")


if __name__ == "__main__":
    main()
