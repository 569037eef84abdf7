"""Reading pictures of every kind users have: EXIF rotation, gray, alpha, palette, 16-bit, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from samples import scene

from splashseg.errors import InputError
from splashseg.images import expand_inputs, image_size, read_image, write_image


def test_exif_orientation_is_applied(tmp_path: Path):
    img = scene(40, 60)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90 degrees clockwise
    Image.fromarray(img).save(tmp_path / "rot.png", exif=exif)
    loaded = read_image(tmp_path / "rot.png")
    assert loaded.rgb.shape == (60, 40, 3) and loaded.rotated
    assert image_size(tmp_path / "rot.png") == (40, 60)
    np.testing.assert_array_equal(loaded.rgb, np.rot90(img, k=-1))


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "I;16", "1"])
def test_modes_become_rgb_uint8(tmp_path: Path, mode: str):
    base = Image.fromarray(scene(30, 40))
    if mode == "I;16":
        gray16 = (np.asarray(base.convert("L")).astype(np.uint16) * 257)
        image = Image.fromarray(gray16)  # 16-bit grayscale
    else:
        image = base.convert(mode)
    image.save(tmp_path / "x.png")
    loaded = read_image(tmp_path / "x.png")
    assert loaded.rgb.shape == (30, 40, 3) and loaded.rgb.dtype == np.uint8
    assert (loaded.alpha is not None) == (mode in ("RGBA", "LA"))
    if mode == "I;16":
        np.testing.assert_array_equal(loaded.rgb[..., 0], np.asarray(base.convert("L")))


def test_extension_that_lies_loads_by_content(tmp_path: Path):
    Image.fromarray(scene()).save(tmp_path / "really_png.jpg", format="PNG")
    loaded = read_image(tmp_path / "really_png.jpg")
    assert loaded.format == "PNG"
    np.testing.assert_array_equal(loaded.rgb, scene())


def test_broken_files_name_the_file(tmp_path: Path):
    (tmp_path / "text.png").write_text("not a picture")
    with pytest.raises(InputError, match=r"text\.png: not an image"):
        read_image(tmp_path / "text.png")
    Image.fromarray(scene(200, 200)).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.jpg: cannot decode"):
        read_image(tmp_path / "cut.jpg")
    with pytest.raises(InputError, match=r"missing\.jpg: no such file"):
        read_image(tmp_path / "missing.jpg")


def test_write_image_roundtrip_and_atomic(tmp_path: Path):
    img = scene()
    write_image(tmp_path / "out.png", img, alpha=np.full(img.shape[:2], 128, np.uint8))
    loaded = read_image(tmp_path / "out.png")
    np.testing.assert_array_equal(loaded.rgb, img)
    assert loaded.alpha is not None and int(loaded.alpha[0, 0]) == 128
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]  # no temporary file left


def test_expand_inputs(tmp_path: Path, image_dir: Path):
    files = expand_inputs([str(image_dir)])
    assert sorted(p.name for p in files) == ["a.jpg", "alpha.png", "gray.png"]
    assert [p.name for p in expand_inputs([str(image_dir / "*.png")])] == ["alpha.png", "gray.png"]
    assert len(expand_inputs([str(image_dir / "a.jpg"), str(image_dir)])) == 3  # duplicates removed
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no images"):
        expand_inputs([str(tmp_path / "empty")])
    with pytest.raises(InputError, match="matches no files"):
        expand_inputs([str(tmp_path / "*.tif")])


def test_written_files_get_normal_permissions(tmp_path: Path):
    from splashseg import fsutil

    write_image(tmp_path / "p.png", scene())
    assert (tmp_path / "p.png").stat().st_mode & 0o777 == 0o666 & ~fsutil._UMASK
