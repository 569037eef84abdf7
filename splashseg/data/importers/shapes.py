"""Shapes to polygons, clipping to the image, and the checks that reject degenerate shapes.

Every polygon is ``float64 [N, 2]`` of (x, y) pixel coordinates; the image covers ``[0, W] x [0, H]``.
Problems raise :class:`ShapeError` whose message is a short reason the report groups by.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

MAX_COORDINATE = 1e8  # pixels; beyond this a value is a mistake, and products would overflow


class ShapeError(ValueError):
    """A region that cannot become a mask; ``str(exc)`` is the reason shown in the report."""


def number(value: Any) -> float:
    """A finite float from a JSON number (bools and strings are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ShapeError("non-numeric coordinate")
    try:
        result = float(value)
    except OverflowError:
        raise ShapeError("non-finite coordinate") from None
    if not math.isfinite(result):
        raise ShapeError("non-finite coordinate")
    if abs(result) > MAX_COORDINATE:
        raise ShapeError("coordinate out of range")
    return result


def points_polygon(xs: Any, ys: Any) -> np.ndarray:
    """Two coordinate lists (VIA ``all_points_x``/``all_points_y``) -> ``[N, 2]``."""
    if not isinstance(xs, list) or not isinstance(ys, list):
        raise ShapeError("polygon without point lists")
    if len(xs) != len(ys):
        raise ShapeError("polygon x and y lists differ in length")
    points = [[number(x), number(y)] for x, y in zip(xs, ys, strict=True)]
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def flat_polygon(flat: Any) -> np.ndarray:
    """A COCO flat list ``[x0, y0, x1, y1, ...]`` -> ``[N, 2]``."""
    if not isinstance(flat, list) or len(flat) % 2:
        raise ShapeError("polygon is not a flat list of x, y pairs")
    return np.array([number(v) for v in flat], dtype=np.float64).reshape(-1, 2)


def rect_polygon(x: float, y: float, width: float, height: float) -> np.ndarray:
    """Axis-aligned rectangle with top-left ``(x, y)`` -> its 4 corners (area ``width * height``)."""
    if width <= 0 or height <= 0:
        raise ShapeError("zero area")
    return np.array([[x, y], [x + width, y], [x + width, y + height], [x, y + height]], dtype=np.float64)


def ellipse_polygon(cx: float, cy: float, rx: float, ry: float, theta: float = 0.0) -> np.ndarray:
    """Ellipse centred at ``(cx, cy)`` with radii ``rx, ry``, rotated by ``theta`` radians.

    The rotation is clockwise on screen (y points down), as VIA 2 draws it. Enough vertices are used
    that the polygon stays within a quarter pixel of the curve.
    """
    radius = max(abs(rx), abs(ry))
    if rx <= 0 or ry <= 0:
        raise ShapeError("zero area")
    count = (
        16 if radius <= 0.25 else int(min(720, max(16, math.ceil(math.pi / math.acos(1 - 0.25 / radius)))))
    )
    t = np.linspace(0.0, 2.0 * math.pi, count, endpoint=False)
    x, y = rx * np.cos(t), ry * np.sin(t)
    cos, sin = math.cos(theta), math.sin(theta)
    return np.stack([cx + x * cos - y * sin, cy + x * sin + y * cos], axis=1)


def _via_points(attrs: dict[str, Any]) -> list[np.ndarray]:
    return [points_polygon(attrs.get("all_points_x"), attrs.get("all_points_y"))]


def _via_rect(attrs: dict[str, Any]) -> list[np.ndarray]:
    return [rect_polygon(*(number(attrs.get(k)) for k in ("x", "y", "width", "height")))]


def _via_circle(attrs: dict[str, Any]) -> list[np.ndarray]:
    r = number(attrs.get("r"))
    return [ellipse_polygon(number(attrs.get("cx")), number(attrs.get("cy")), r, r)]


def _via_ellipse(attrs: dict[str, Any]) -> list[np.ndarray]:
    theta = number(attrs["theta"]) if attrs.get("theta") is not None else 0.0
    return [ellipse_polygon(*(number(attrs.get(k)) for k in ("cx", "cy", "rx", "ry")), theta)]


VIA_SHAPES: dict[str, Callable[[dict[str, Any]], list[np.ndarray]]] = {
    "polygon": _via_points,
    "polyline": _via_points,  # closed into a polygon
    "rect": _via_rect,
    "circle": _via_circle,
    "ellipse": _via_ellipse,
}


def via_shape_polygons(shape_attributes: Any) -> list[np.ndarray]:
    """VIA 1.x/2.x ``shape_attributes`` -> polygons; point and unknown shapes raise :class:`ShapeError`."""
    if not isinstance(shape_attributes, dict):
        raise ShapeError("region without shape_attributes")
    name = shape_attributes.get("name")
    if name == "point":
        raise ShapeError("point shape (no area)")
    if not isinstance(name, str) or name not in VIA_SHAPES:
        raise ShapeError(f"unknown shape {str(name)[:40]!r}")
    return VIA_SHAPES[name](shape_attributes)


def _clip_edge(
    points: list[tuple[float, float]], axis: int, limit: float, keep_below: bool
) -> list[tuple[float, float]]:
    """One Sutherland-Hodgman pass: keep the side of ``point[axis] == limit`` given by ``keep_below``."""

    def inside(p: Sequence[float]) -> bool:
        return p[axis] <= limit if keep_below else p[axis] >= limit

    result: list[tuple[float, float]] = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if inside(current) != inside(previous):
            t = (limit - previous[axis]) / (current[axis] - previous[axis])
            cross = [
                previous[0] + t * (current[0] - previous[0]),
                previous[1] + t * (current[1] - previous[1]),
            ]
            cross[axis] = limit
            result.append((cross[0], cross[1]))
        if inside(current):
            result.append(current)
    return result


def clip_polygon(polygon: np.ndarray, width: int, height: int) -> np.ndarray:
    """Intersect a polygon ``[N, 2]`` with the image rectangle ``[0, width] x [0, height]``."""
    points = [(float(x), float(y)) for x, y in polygon]
    for axis, limit, below in (
        (0, 0.0, False),
        (0, float(width), True),
        (1, 0.0, False),
        (1, float(height), True),
    ):
        if not points:
            break
        points = _clip_edge(points, axis, limit, below)
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def distinct_points(polygon: np.ndarray) -> int:
    return len({(round(x, 6), round(y, 6)) for x, y in polygon.tolist()})


def polygon_area(polygon: np.ndarray) -> float:
    """Shoelace area of a ``[N, 2]`` polygon (always >= 0)."""
    x, y = polygon[:, 0], polygon[:, 1]
    twice = x[:-1] @ y[1:] - x[1:] @ y[:-1] + x[-1] * y[0] - x[0] * y[-1]
    return 0.5 * abs(float(twice))


def clean_polygon(polygon: np.ndarray, width: int, height: int) -> np.ndarray:
    """Check and clip one polygon part; raises :class:`ShapeError` for degenerate or outside parts."""
    if distinct_points(polygon) < 3:
        raise ShapeError("fewer than 3 distinct points")
    if polygon_area(polygon) <= 1e-9:
        raise ShapeError("zero area")
    inside = polygon.min() >= 0 and polygon[:, 0].max() <= width and polygon[:, 1].max() <= height
    if inside:
        return polygon
    clipped = clip_polygon(polygon, width, height)
    if len(clipped) == 0:
        raise ShapeError("outside the image")
    if distinct_points(clipped) < 3 or polygon_area(clipped) <= 1e-9:
        raise ShapeError("zero area inside the image")
    return clipped
