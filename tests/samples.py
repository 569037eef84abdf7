"""Pictures the tests draw themselves."""

from __future__ import annotations

import numpy as np


def scene(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """RGB uint8 [H, W, 3]: a textured blue background with a red square and a green disc."""
    rng = np.random.default_rng(seed)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = (40, 90, 170)
    img = np.clip(img.astype(int) + rng.integers(-20, 20, img.shape), 0, 255).astype(np.uint8)
    img[height // 4: height // 2, width // 8: width // 3] = (230, 40, 30)
    yy, xx = np.mgrid[:height, :width]
    img[(yy - height * 0.65) ** 2 + (xx - width * 0.7) ** 2 < (min(height, width) / 5) ** 2] = (30, 200, 60)
    return img
