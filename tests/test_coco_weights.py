"""COCO weights in torchvision's cache are data: read with ``weights_only=True``, damaged files are exit 2.

The README tells offline users to copy the file into ``TORCH_HOME/hub/checkpoints/`` by hand, so whatever
lies there is untrusted input. Every test writes its own file into a temporary TORCH_HOME.
"""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from torchvision.models import detection

import splashseg
from splashseg.cli import main
from splashseg.errors import InputError
from splashseg.models import build_model, load_model
from splashseg.models.registry import MODELS
from splashseg.models.weights import build_coco_model, cache_path

MODEL = "maskrcnn_resnet50_fpn_v2"  # the default --model


class CreatesFile:
    """Unpickling this calls ``open(marker, "w")``: the marker appears if the file's code ever runs."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (open, (str(self.marker), "w"))


@pytest.fixture
def cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where torchvision's cache expects the default model's COCO file, in a temporary TORCH_HOME."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    path = cache_path(MODELS[MODEL].coco_weights)
    path.parent.mkdir(parents=True)
    return path


def test_pickled_code_in_the_cache_is_refused_and_never_runs(cache_file: Path, tmp_path: Path, image_dir: Path):
    marker = tmp_path / "marker"
    torch.save({"backbone.body.conv1.weight": CreatesFile(marker)}, cache_file)
    result = CliRunner().invoke(main, ["detect", str(image_dir / "a.jpg"), "--out", str(tmp_path / "out")])
    assert not marker.exists()  # the file's code never ran
    assert result.exit_code == 2, result.output
    assert f"error: damaged/unsafe weights file: {cache_file} (" in result.output
    assert "refused, not run" in result.output and "Traceback" not in result.output


def _truncated(path: Path) -> None:
    torch.save({"w": torch.zeros(4096)}, path)
    path.write_bytes(path.read_bytes()[:3000])


def _flipped(path: Path) -> None:
    """A torch.save zip with one byte of a tensor's data inverted: torch.load would read it."""
    torch.save({"w": torch.zeros(4096)}, path)
    data = bytearray(path.read_bytes())
    start = data.index(bytes(1024))  # inside the tensor's stored bytes (all zero)
    data[start + 512] = 0xFF
    path.write_bytes(bytes(data))


def _foreign_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a torch file")


@pytest.mark.parametrize(("write", "reason"), [
    (lambda p: p.write_bytes(b""), "(an empty file: 0 bytes)"),
    (lambda p: p.write_text("<html>proxy login</html>"), "(an HTML page: a failed download?)"),
    (lambda p: p.mkdir(), "a folder, not a file"),
    (_truncated, "(a truncated zip archive: it stops at 3,000 bytes"),
    (_flipped, "fails its CRC check"),
    (_foreign_zip, "(a zip archive without PyTorch's data.pkl)"),
    (lambda p: torch.save([torch.zeros(1)], p), "a list, not a state dict"),
    (lambda p: torch.save({"w": torch.tensor([1.0, float("nan")])}, p), "w holds NaN or infinite values"),
    (lambda p: torch.save({"w": torch.zeros(1)}, p), "weights do not fit maskrcnn_resnet50_fpn_v2"),
], ids=["empty", "html", "folder", "truncated", "flipped", "foreign-zip", "list", "nan", "other-model"])
def test_damaged_cache_file_names_it(cache_file: Path, write, reason: str):
    write(cache_file)
    with pytest.raises(InputError) as info:
        load_model(MODEL, "coco")
    message = str(info.value)
    assert message.startswith(f"damaged/unsafe weights file: {cache_file} (") and reason in message
    assert "\n" not in message and MODELS[MODEL].coco_weights.url in message


def test_changed_bytes_in_the_cache_file_are_exit_2(cache_file: Path, tmp_path: Path, image_dir: Path):
    """A cached COCO file whose tensor bytes changed (disk, copy) fails its CRC check: exit 2 naming it."""
    _flipped(cache_file)
    result = CliRunner().invoke(main, ["detect", str(image_dir / "a.jpg"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"error: damaged/unsafe weights file: {cache_file} (a zip archive whose member " in result.output
    assert "fails its CRC check" in result.output and "Traceback" not in result.output


UNSAFE_LOADERS = ("pickle.load", "pickle.loads", "load_state_dict_from_url", "get_state_dict", "torch.hub.load",
                  "torch.jit.load")


def _calls(root: Path) -> list[tuple[str, ast.Call]]:
    found = []
    for file in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Call):
                found.append((f"{file.relative_to(root.parent)}:{node.lineno}", node))
    return found


def test_every_torch_load_in_the_package_is_weights_only():
    calls = _calls(Path(splashseg.__file__).parent)
    loads = [(where, node) for where, node in calls if ast.unparse(node.func) == "torch.load"]
    assert loads, "the scan must see the package's own reader"
    for where, node in loads:
        keywords = {k.arg: k.value for k in node.keywords}
        flag = keywords.get("weights_only")
        assert isinstance(flag, ast.Constant) and flag.value is True, f"{where}: {ast.unparse(node)}"
    unsafe = [f"{where}: {ast.unparse(node)}" for where, node in calls
              if ast.unparse(node.func).endswith(UNSAFE_LOADERS)]
    assert not unsafe  # these unpickle without weights_only (torchvision's own path among them)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2"])
def test_same_network_as_torchvisions_own_loader(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Our safe path builds exactly what torchvision's builder does with the same (trusted, seeded) file."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    spec = MODELS[name]
    path = cache_path(spec.coco_weights)
    path.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(build_model(name).state_dict(), path)
    reference = getattr(detection, name)(weights=spec.coco_weights, weights_backbone=None)
    ours = build_coco_model(name)

    def layout(model: torch.nn.Module) -> list:
        modules = [(n, type(m).__name__, getattr(m, "eps", None)) for n, m in model.named_modules()]
        return modules + [(n, p.requires_grad, tuple(p.shape)) for n, p in model.named_parameters()]

    assert layout(ours) == layout(reference)
    expected = reference.state_dict()
    assert all(torch.equal(value, expected[key]) for key, value in ours.state_dict().items())
    assert list(ours.state_dict()) == list(expected)
