"""The compile cache's manifest: stamps trusted, everything else hashed, damage never loaded; the weights hash.

These tests use a made-up entry of real files (no OpenVINO); ``tests/test_runtime.py`` runs the real one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from splashseg.runtime.cache import (
    MANIFEST,
    DamagedCacheWarning,
    checked_entry,
    file_hash,
    file_stamp,
    stamps_path,
    update_manifest,
    weights_hash,
)

REQUIRED = ("model.xml", "model.bin")


@pytest.fixture
def entry(tmp_path: Path) -> Path:
    """An entry with IR-like files and one compiled blob, its manifest written."""
    folder = tmp_path / "entry"
    (folder / "compiled").mkdir(parents=True)
    (folder / "model.xml").write_text("<net/>")
    (folder / "model.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "compiled" / "123.blob").write_bytes(b"blob" * 100)
    update_manifest(folder)
    return folder


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def _stamps(folder: Path) -> dict:
    return json.loads(stamps_path(folder).read_text())


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _damaged(folder: Path, match: str) -> None:
    with pytest.warns(DamagedCacheWarning, match=match):
        assert not checked_entry(folder, REQUIRED)
    assert not folder.exists() and not stamps_path(folder).exists()


def test_the_manifest_keeps_its_form_and_the_stamps_lie_beside_the_entry(entry: Path) -> None:
    blob = entry / "compiled" / "123.blob"
    assert _manifest(entry) == {name: file_hash(entry / name) for name in ("compiled/123.blob", "model.bin",
                                                                          "model.xml")}
    assert sorted(p.name for p in entry.iterdir()) == ["compiled", MANIFEST, "model.bin", "model.xml"]
    assert _stamps(entry)["compiled/123.blob"] == {"sha256": file_hash(blob), "stamp": file_stamp(blob)}
    assert file_stamp(blob)[0] == 400


def test_a_sound_entry_is_trusted_and_its_manifest_left_alone(entry: Path) -> None:
    def state() -> tuple:
        return (entry / MANIFEST).stat().st_mtime_ns, stamps_path(entry).stat().st_mtime_ns, _stamps(entry)

    before = state()
    assert checked_entry(entry, REQUIRED)
    update_manifest(entry)  # after compiling, when OpenVINO cached nothing new
    assert state() == before


def test_only_a_new_blob_is_added_to_the_manifest(entry: Path) -> None:
    before, new = _stamps(entry), entry / "compiled" / "456.blob"
    new.write_bytes(b"new blob")
    update_manifest(entry)
    assert _stamps(entry) == {**before, "compiled/456.blob": {"sha256": file_hash(new), "stamp": file_stamp(new)}}
    assert _manifest(entry) == {name: record["sha256"] for name, record in _stamps(entry).items()}


def test_a_flipped_byte_of_the_same_size_with_a_new_mtime_is_caught(entry: Path) -> None:
    weights = entry / "model.bin"
    size, mtime_ns, _ = file_stamp(weights)
    _flip_a_byte(weights)
    os.utime(weights, ns=(mtime_ns, mtime_ns + 1_000_000_000))  # a new mtime, whatever the clock's grain
    assert file_stamp(weights)[0] == size
    _damaged(entry, "model.bin is missing or changed")


def _after_the_clock_moves(path: Path) -> None:
    """Return once a file written now gets a later ctime than ``path`` has (file clocks tick coarsely)."""
    probe = path.with_name(".probe")
    while True:
        probe.write_bytes(b"")
        if probe.stat().st_ctime_ns > path.stat().st_ctime_ns:
            probe.unlink()
            return
        time.sleep(0.005)


def test_a_flipped_byte_with_the_mtime_set_back_is_caught_by_the_ctime(entry: Path) -> None:
    weights = entry / "model.bin"
    mtime_ns = weights.stat().st_mtime_ns
    _after_the_clock_moves(weights)
    _flip_a_byte(weights)
    os.utime(weights, ns=(mtime_ns, mtime_ns))  # size and mtime as recorded: only the ctime tells
    _damaged(entry, "model.bin is missing or changed")


@pytest.mark.parametrize(("harm", "match"), [
    (lambda folder: (folder / "model.bin").write_bytes(b"short"), "model.bin is missing or changed"),
    (lambda folder: (folder / "compiled" / "123.blob").unlink(), "123.blob is missing or changed"),
    (lambda folder: (folder / "compiled" / "planted.blob").write_bytes(b"x"), "planted.blob is not in"),
    (lambda folder: (folder / MANIFEST).write_text('{"model.xml": 3}'), "unreadable"),
], ids=["truncated", "missing", "unlisted", "bad-manifest"])
def test_a_damaged_entry_is_removed_with_a_warning(entry: Path, harm, match: str) -> None:  # noqa: ANN001
    harm(entry)
    _damaged(entry, match)


def test_a_touched_file_is_hashed_once_then_trusted_again(entry: Path) -> None:
    weights = entry / "model.bin"
    os.utime(weights, ns=(1, 1_000_000_000))  # same content, another stamp (as after a copy)
    assert checked_entry(entry, REQUIRED)
    assert _stamps(entry)["model.bin"]["stamp"] == file_stamp(weights)


def test_an_entry_without_stamps_is_hashed_once_and_given_them(entry: Path) -> None:
    stamps_path(entry).unlink()  # as 0.3's first form of the cache wrote it
    assert checked_entry(entry, REQUIRED)
    assert _stamps(entry)["model.xml"] == {"sha256": file_hash(entry / "model.xml"),
                                          "stamp": file_stamp(entry / "model.xml")}
    stamps_path(entry).unlink()
    _flip_a_byte(entry / "model.xml")
    _damaged(entry, "model.xml is missing or changed")


def test_a_stamp_counts_only_for_the_hash_it_was_taken_with(entry: Path) -> None:
    manifest = _manifest(entry)
    (entry / MANIFEST).write_text(json.dumps({**manifest, "model.bin": "0" * 64}))  # as if rebuilt elsewhere
    _damaged(entry, "model.bin is missing or changed")


def _fixed_model() -> nn.Module:
    """Fixed values of several dtypes and shapes, a 0-d tensor and a non-contiguous one."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(5, 2))
    with torch.no_grad():
        for i, tensor in enumerate(model.state_dict().values()):
            tensor.copy_(torch.arange(tensor.numel()).reshape(tensor.shape) * (i + 1) / 7)
    model.register_buffer("bf16_table", torch.arange(6, dtype=torch.bfloat16).reshape(2, 3) / 3)
    model.register_buffer("flags", torch.tensor([True, False, True]))
    model.register_buffer("strided", torch.arange(12.0).reshape(3, 4).t())
    return model


def test_the_weights_hash_names_existing_cache_entries_as_before() -> None:
    # computed by 0.3's first weights_hash (a bytes copy of every tensor): entries it named stay valid
    assert weights_hash(_fixed_model()) == "aa7abdb8112c9c30675830b27b30a5bef653660208a97fe17e1f98aa896fee05"
