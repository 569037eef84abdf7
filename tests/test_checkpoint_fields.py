"""Damaged checkpoints: every field the loader relies on is checked when the file is read (exit 2, naming
the file and the field), not left to crash the model or to label detections with letters of a string."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner

from splashseg.cli import main
from splashseg.errors import InputError
from splashseg.models import build_model, load_checkpoint, load_model

HEAD = "roi_heads.box_predictor.cls_score.weight"


def _edited(small_checkpoint: Path, folder: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the small checkpoint (4 classes, 64/96 px) with one field changed by ``edit``."""
    data = torch.load(small_checkpoint, map_location="cpu", weights_only=True)
    edit(data)
    path = folder / "edited.pt"
    torch.save(data, path)
    return path


def _meta(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["meta"].__setitem__(key, value)


def _tensor(key: str, make: Callable[[torch.Tensor], Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["model"].__setitem__(key, make(data["model"][key]))


BAD_FIELDS = [
    ("min-zero", _meta("min_size", 0), "field meta.min_size: must be a whole number from 32 to 4096 (found 0)"),
    ("min-negative", _meta("min_size", -5), "field meta.min_size: must be a whole number"),
    ("min-nan", _meta("min_size", float("nan")), "field meta.min_size: must be a whole number"),
    ("min-text", _meta("min_size", "800"), "field meta.min_size: must be a whole number"),
    ("min-float", _meta("min_size", 64.5), "field meta.min_size: must be a whole number"),
    ("min-bool", _meta("min_size", True), "field meta.min_size: must be a whole number"),
    ("max-zero", _meta("max_size", 0), "field meta.max_size: must be a whole number from 32 to 8192 (found 0)"),
    ("max-huge", _meta("max_size", 10**9), "field meta.max_size: must be a whole number"),
    ("names-string", _meta("class_names", "kite"), "field meta.class_names: must be a list of class names"),
    ("names-short", _meta("class_names", ["__background__", "balloon"]),
     "field meta.class_names: has 2 names but the model's head scores 4 classes"),
    ("names-empty", _meta("class_names", []), "field meta.class_names: is empty"),
    ("names-number", _meta("class_names", ["__background__", "balloon", 7, "ball"]),
     "field meta.class_names: entry 2 (7) is not a class name"),
    ("names-blank", _meta("class_names", ["__background__", "balloon", " ", "ball"]),
     "field meta.class_names: entry 2"),
    ("names-twice", _meta("class_names", ["__background__", "balloon", "Balloon", "ball"]),
     "field meta.class_names: names 'Balloon' twice"),
    ("names-newline", _meta("class_names", ["__background__", "bal\nloon", "kite", "ball"]),
     "field meta.class_names: entry 1 ('bal\\nloon') is not a class name"),
    ("names-no-background", _meta("class_names", ["balloon", "kite", "ball", "cat"]),
     "field meta.class_names: entry 0 must be '__background__'"),
    ("model-unknown", _meta("model_name", "maskrcnn_huge"), "field meta.model_name: unknown model"),
    ("model-number", _meta("model_name", 3), "field meta.model_name: unknown model"),
    ("weights-nan", _tensor(HEAD, lambda t: t.index_fill(0, torch.tensor([1]), float("nan"))),
     f"field model: {HEAD} holds NaN or infinite values"),
    ("weights-inf", _tensor("roi_heads.box_predictor.bbox_pred.bias", lambda t: t.fill_(float("inf"))),
     "field model: roi_heads.box_predictor.bbox_pred.bias holds NaN or infinite values"),
    ("weights-not-tensor", _tensor(HEAD, lambda t: t.tolist()), f"field model: {HEAD} is a list, not a tensor"),
    ("weights-meta", _tensor(HEAD, lambda t: torch.empty(t.shape, device="meta")),
     f"field model: {HEAD} is not a plain tensor of real numbers"),
    ("weights-sparse", _tensor(HEAD, lambda t: t.to_sparse()), f"field model: {HEAD} is not a plain tensor"),
    ("weights-complex", _tensor(HEAD, lambda t: t.to(torch.complex64)), f"field model: {HEAD} is not a plain tensor"),
    ("head-mismatch", _tensor("roi_heads.box_predictor.bbox_pred.weight", lambda t: t[:12]),
     "field model: roi_heads.box_predictor.bbox_pred.weight has shape [12, 256], not 16 rows for the 4 classes"),
    ("head-one-class", lambda d: d["model"].__setitem__(HEAD, d["model"][HEAD][:1]),
     f"field model: {HEAD} has shape [1, 256]"),
    ("no-head", lambda d: d["model"].pop(HEAD), f"field model: not a Mask R-CNN state dict (no {HEAD})"),
    ("model-not-dict", lambda d: d.__setitem__("model", [1, 2]), "field model: expected a dict, found list"),
    ("meta-not-dict", lambda d: d.__setitem__("meta", "kite"), "field meta: expected a dict, found str"),
    ("newer-format", lambda d: d.__setitem__("format_version", 99), "field format_version: 99"),
]


@pytest.mark.parametrize(("edit", "message"), [case[1:] for case in BAD_FIELDS], ids=[c[0] for c in BAD_FIELDS])
def test_damaged_checkpoint_names_file_and_field(small_checkpoint: Path, tmp_path: Path, image_dir: Path,
                                                 edit, message: str):
    path = _edited(small_checkpoint, tmp_path, edit)
    result = CliRunner().invoke(main, ["detect", str(image_dir / "a.jpg"), "--weights", str(path), "--conf", "0",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"error: damaged checkpoint: {path}: {message}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out" / "detections.json").exists()


def test_coco_layout_names_may_repeat_the_gap_marker(tmp_path: Path):
    """torchvision's COCO category list repeats ``N/A``: a 91-class checkpoint carrying it is fine."""
    coco_names = load_model("maskrcnn_small", "none").class_names
    assert coco_names.count("N/A") > 1
    model = build_model("maskrcnn_small", 91)
    torch.save({"format": "splashseg-checkpoint", "format_version": 1, "model": model.state_dict(),
                "meta": {"model_name": "maskrcnn_small", "class_names": coco_names}}, tmp_path / "coco.pt")
    assert load_model(None, str(tmp_path / "coco.pt")).class_names == coco_names


def test_plain_state_dict_with_nan_is_refused(tmp_path: Path):
    state = build_model("maskrcnn_small", 3).state_dict()
    state["backbone.fpn.layer_blocks.0.0.weight"][0, 0, 0, 0] = float("nan")
    torch.save(state, tmp_path / "plain.pth")
    with pytest.raises(InputError, match=r"damaged checkpoint: .*plain\.pth: state dict: backbone\.fpn\.layer_blocks"
                                         r"\.0\.0\.weight holds NaN"):
        load_checkpoint(tmp_path / "plain.pth")


def _truncated(path: Path, small_checkpoint: Path) -> None:
    data = small_checkpoint.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _foreign_zip(path: Path, small_checkpoint: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "a zip, but no torch.save file")


def _flipped(path: Path, small_checkpoint: Path) -> None:
    """The small checkpoint with one byte inverted inside a tensor's data (the zip's CRC no longer matches)."""
    data = bytearray(small_checkpoint.read_bytes())
    with zipfile.ZipFile(small_checkpoint) as archive:
        member = next(info for info in archive.infolist() if "/data/" in info.filename and info.file_size > 64)
    name_len, extra_len = int.from_bytes(data[member.header_offset + 26:member.header_offset + 28], "little"), \
        int.from_bytes(data[member.header_offset + 28:member.header_offset + 30], "little")
    data[member.header_offset + 30 + name_len + extra_len + 8] ^= 0xFF  # 30: the local header's fixed size
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("write", "message"), [
    (lambda p, c: p.mkdir(), "{path}: not a PyTorch checkpoint (a folder, not a file)"),
    (lambda p, c: p.write_bytes(b""), "damaged checkpoint: {path} (an empty file: 0 bytes)"),
    (_truncated, "damaged checkpoint: {path} (a truncated zip archive: it stops at "),
    (_foreign_zip, "{path}: not a PyTorch checkpoint (a zip archive without PyTorch's data.pkl)"),
    (_flipped, "damaged checkpoint: {path} (a zip archive whose member "),
    (lambda p, c: p.write_text("hello"), "{path}: not a PyTorch checkpoint (a text file)"),
    (lambda p, c: p.write_text('{"model": 1}'), "{path}: not a PyTorch checkpoint (a JSON text file)"),
    (lambda p, c: p.write_text("<!DOCTYPE html><html>proxy</html>"), "{path}: not a PyTorch checkpoint (an HTML page"),
    (lambda p, c: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64)), "{path}: not a PyTorch checkpoint (a PNG image)"),
    (lambda p, c: torch.save({"weight": torch.zeros(2)}, p), "{path}: not a Mask R-CNN state dict"),
    (lambda p, c: torch.save([torch.zeros(2)], p), "{path}: not a model checkpoint"),
], ids=["folder", "empty", "truncated", "foreign-zip", "flipped-bytes", "text", "json", "html", "png", "classifier",
        "list"])
def test_unreadable_checkpoint_files(tmp_path: Path, small_checkpoint: Path, image_dir: Path, write, message: str):
    """Each file is named for what it is, damaged or not a checkpoint, in one whole line (exit 2)."""
    path = tmp_path / "weights.pt"
    write(path, small_checkpoint)
    result = CliRunner().invoke(main, ["detect", str(image_dir / "a.jpg"), "--weights", str(path),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert line.startswith(f"error: {message.format(path=path)}") and "\n" not in line, line
    assert line.endswith(")")  # a whole sentence, never cut


def test_flipped_bytes_in_a_tensor_are_refused_by_detect(tmp_path: Path, small_checkpoint: Path, image_dir: Path):
    """torch.load alone reads a checkpoint whose tensor bytes changed; splashseg checks the zip's CRCs first."""
    path = tmp_path / "flipped.pt"
    _flipped(path, small_checkpoint)
    torch.load(path, map_location="cpu", weights_only=True)  # what splashseg must not trust
    result = CliRunner().invoke(main, ["detect", str(image_dir / "a.jpg"), "--weights", str(path),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"error: damaged checkpoint: {path} (a zip archive whose member " in result.output
    assert "fails its CRC check" in result.output and "Traceback" not in result.output


def test_flipped_bytes_in_a_resumed_checkpoint_are_refused(tmp_path: Path, small_checkpoint: Path):
    """``train --resume`` reads its checkpoint through the same check."""
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints").mkdir(parents=True)
    _flipped(run_dir / "checkpoints" / "last.pt", small_checkpoint)
    result = CliRunner().invoke(main, ["train", "--resume", str(run_dir)])
    assert result.exit_code == 2, result.output
    assert f"error: damaged checkpoint: {run_dir / 'checkpoints' / 'last.pt'} (a zip archive" in result.output


def test_old_pickle_format_checkpoint_still_loads(tmp_path: Path):
    """torch.save's format before PyTorch 1.6 (no zip, no CRCs) is still read."""
    model = build_model("maskrcnn_small", 3)
    torch.save(model.state_dict(), tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    assert load_checkpoint(tmp_path / "legacy.pth")["meta"] == {}


def test_class_names_asked_for_are_checked_before_a_model_is_built():
    """train passes the dataset's categories: names the checkpoint could not hold are refused up front."""
    with pytest.raises(InputError, match="class names: names 'Cat' twice"):
        load_model("maskrcnn_small", "none", class_names=["__background__", "cat", "Cat"])
    with pytest.raises(InputError, match="class names: entry 0 must be '__background__'"):
        load_model("maskrcnn_small", "none", class_names=["cat", "dog"])
