"""``SplashStyle``: how a colour splash looks, independent of where it is computed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .effects import CUTOUT, check_effect


@dataclass
class SplashStyle:
    """The look of a splash (see :func:`splashseg.render.color_splash` for each field's meaning).

    background: RGB ``uint8 [h, w, 3]`` NumPy picture for ``effect="image"`` (any size; fitted to each
    frame size once by the compositor). color: RGB for ``effect="solid"``. ``effect="cutout"``: the
    compositor returns RGBA ``uint8 [H, W, 4]`` (alpha = the feathered keep-mask; :attr:`rgba`).
    """

    effect: str = "gray"
    background: np.ndarray | None = None
    feather: float = 0.0
    invert: bool = False
    blur_sigma: float | None = None
    color: tuple[int, int, int] = (0, 0, 0)

    def __post_init__(self) -> None:
        check_effect(self.effect)
        if self.effect == "image" and self.background is None:
            raise ValueError("effect 'image' needs a background picture")

    @property
    def rgba(self) -> bool:
        """True when the compositor returns RGBA ``[H, W, 4]`` (the cutout), else RGB ``[H, W, 3]``."""
        return self.effect == CUTOUT
