"""Pictures that are too large, empty or not pictures at all: refused with the file named, before decoding."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from bad_pictures import big_gray_png, png_bomb
from PIL import Image

from splashseg.errors import InputError
from splashseg.images import MAX_PIXELS, image_size, read_image


def test_decompression_bomb_is_refused_from_its_header(tmp_path: Path):
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 200
    for read in (read_image, image_size):
        with pytest.raises(InputError, match=rf"bomb\.png: image too large .*{MAX_PIXELS // 1_000_000} megapixels"):
            read(bomb)


def test_over_our_limit_but_under_pillows(tmp_path: Path):
    """13000 x 12000 = 156 megapixels: Pillow would try; splashseg's limit (150) refuses it by its size."""
    width, height = 13000, 12000
    assert MAX_PIXELS < width * height < 2 * Image.MAX_IMAGE_PIXELS
    bomb = png_bomb(tmp_path / "wide.png", width, height)
    with pytest.raises(InputError, match=r"wide\.png: image too large \(13000 x 12000 pixels; the limit is 150 "):
        read_image(bomb)


def test_no_raw_pillow_warning_for_big_pictures_under_the_limit(tmp_path: Path):
    """Pillow warns (DecompressionBombWarning) from 89.5 megapixels; that warning must not reach the user."""
    width, height = 10000, 9000
    assert Image.MAX_IMAGE_PIXELS < width * height <= MAX_PIXELS
    header_only = png_bomb(tmp_path / "cut.png", width, height)  # its pixel data stops after 64 bytes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert image_size(header_only) == (width, height)
        with pytest.raises(InputError, match=r"cut\.png: cannot decode image"):
            read_image(header_only)
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]


@pytest.mark.slow
def test_big_picture_under_the_limit_decodes_without_warning(tmp_path: Path):
    big = big_gray_png(tmp_path / "big.png", 10000, 9000)  # 90 megapixels; decoding needs about 1 GB
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = read_image(big)
    assert loaded.rgb.shape == (9000, 10000, 3) and not caught


def _cut_gif(path: Path) -> None:
    Image.new("RGB", (30, 20), (9, 90, 200)).save(path, format="GIF")
    path.write_bytes(path.read_bytes()[:40])


@pytest.mark.parametrize(("write", "message"), [
    (lambda p: p.write_bytes(b""), "not an image file"),
    (lambda p: _cut_gif(p), "cannot decode image"),
    (lambda p: p.write_text("a text file named .gif"), "not an image file"),
    (lambda p: png_bomb(p, 0, 10), "not an image file"),
    (lambda p: p.mkdir(), "not a file"),
], ids=["zero-bytes", "cut-gif", "text", "zero-width", "folder"])
def test_files_that_are_no_pictures(tmp_path: Path, write, message: str):
    path = tmp_path / "x.gif"
    write(path)
    with pytest.raises(InputError, match=rf"x\.gif: {message}"):
        read_image(path)


def test_one_pixel_picture_loads(tmp_path: Path):
    Image.new("RGB", (1, 1), (200, 10, 10)).save(tmp_path / "dot.png")
    assert read_image(tmp_path / "dot.png").rgb.tolist() == [[[200, 10, 10]]]


def test_float_and_32_bit_pictures_without_raw_warnings(tmp_path: Path):
    """NaN, infinities and values beyond 16 bits in float / 32-bit TIFFs: no numpy warning, a usable picture."""
    import numpy as np

    values = np.full((4, 5), 200.0, np.float32)
    values[0, 0], values[1, 1], values[2, 2], values[3, 3] = np.nan, np.inf, -100.0, 300.0
    Image.fromarray(values, "F").save(tmp_path / "float.tif")
    counts = np.full((2, 3), 70_000, np.int32)
    counts[0, 0] = 0
    Image.fromarray(counts, "I").save(tmp_path / "counts.tif")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        floats = read_image(tmp_path / "float.tif").rgb[..., 0]
        ints = read_image(tmp_path / "counts.tif").rgb[..., 0]
    # stretched from -100..300: 200 -> 191, NaN -> the minimum, +inf -> the maximum
    assert (floats[0, 0], floats[1, 1], floats[2, 2], floats[3, 3], floats[0, 1]) == (0, 255, 0, 255, 191)
    assert ints.tolist() == [[0, 255, 255], [255, 255, 255]]
