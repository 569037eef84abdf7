"""Model layer: builders by name, parameter counts, COCO weights through the cache, checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from splashseg.errors import InputError
from splashseg.models import build_model, load_checkpoint, load_model, save_checkpoint
from splashseg.models.registry import MODELS, num_classes_of
from splashseg.models.summary import summarize
from splashseg.models.weights import cache_path


def test_small_model_trains_normalisation_and_predicts():
    model = build_model("maskrcnn_small", 4, min_size=64, max_size=96)
    assert num_classes_of(model) == 4
    norms = [m for m in model.modules() if isinstance(m, torch.nn.GroupNorm)]
    assert norms and all(p.requires_grad for m in norms for p in m.parameters())
    model.train()
    image = torch.rand(3, 64, 80)
    target = {"boxes": torch.tensor([[10.0, 10.0, 40.0, 40.0]]), "labels": torch.tensor([1]),
              "masks": torch.zeros(1, 64, 80, dtype=torch.uint8)}
    target["masks"][0, 10:40, 10:40] = 1
    losses = model([image], [target])
    assert {"loss_classifier", "loss_mask", "loss_objectness"} <= set(losses)
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())


@pytest.mark.parametrize(("name", "expected"), [("maskrcnn_resnet50_fpn_v2", 46_359_409),
                                                ("maskrcnn_resnet50_fpn", 44_454_513)])
def test_published_parameter_counts_from_scratch(name, expected):
    assert summarize(build_model(name)).total == expected


def _seed_cache(torch_home: Path, name: str) -> Path:
    """Write a random-init state dict where torchvision's cache expects the COCO file."""
    os.environ["TORCH_HOME"] = str(torch_home)
    path = cache_path(MODELS[name].coco_weights)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(build_model(name).state_dict(), path)
    return path


@pytest.mark.slow
def test_coco_weights_load_from_seeded_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    path = _seed_cache(tmp_path, "maskrcnn_resnet50_fpn")
    assert path.name == "maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth"
    loaded = load_model("maskrcnn_resnet50_fpn", "coco")
    assert loaded.class_names[1] == "person" and len(loaded.class_names) == 91
    # as shipped with COCO weights: batch norms frozen into buffers
    assert summarize(loaded.model).total == 44_401_393
    expected = torch.load(path, weights_only=True)["backbone.fpn.layer_blocks.0.0.weight"]
    assert torch.equal(loaded.model.state_dict()["backbone.fpn.layer_blocks.0.0.weight"], expected)
    tuned = load_model("maskrcnn_resnet50_fpn", "coco", class_names=["__background__", "balloon"])
    assert num_classes_of(tuned.model) == 2


@pytest.mark.slow
def test_v2_coco_weights_count_as_published(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    _seed_cache(tmp_path, "maskrcnn_resnet50_fpn_v2")
    summary = summarize(load_model("maskrcnn_resnet50_fpn_v2", "coco").model)
    assert summary.total == 46_359_409 and summary.frozen > 0  # early backbone layers stay frozen


def test_offline_uncached_names_the_cache_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # nothing listens: the download fails at once
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    expected = tmp_path / "hub" / "checkpoints" / "maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth"
    with pytest.raises(InputError) as info:
        load_model("maskrcnn_resnet50_fpn_v2", "coco")
    assert str(expected) in str(info.value) and "copy it to that path" in str(info.value)
    assert not expected.exists()


def test_small_model_has_no_coco_weights():
    with pytest.raises(InputError, match="no COCO weights"):
        load_model("maskrcnn_small", "coco")


def test_checkpoint_roundtrip(small_checkpoint: Path):
    data = load_checkpoint(small_checkpoint)
    assert data["meta"]["class_names"] == ["__background__", "balloon", "kite", "ball"]
    loaded = load_model(None, str(small_checkpoint))
    assert loaded.model_name == "maskrcnn_small" and (loaded.min_size, loaded.max_size) == (64, 96)
    assert loaded.class_names[1] == "balloon"
    for key, value in loaded.model.state_dict().items():
        assert torch.equal(value, data["model"][key])


def test_plain_state_dict_is_accepted(tmp_path: Path):
    model = build_model("maskrcnn_small", 3)
    torch.save(model.state_dict(), tmp_path / "plain.pth")
    loaded = load_model("maskrcnn_small", str(tmp_path / "plain.pth"))
    assert loaded.class_names == ["__background__", "class1", "class2"]


class Payload:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-checkpoint",))


def test_pickle_payload_is_refused_and_never_runs(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"model": {"x": torch.zeros(1)}, "evil": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(InputError, match="refused"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned-by-checkpoint").exists()


def test_not_a_checkpoint(tmp_path: Path):
    (tmp_path / "notes.pt").write_text("hello")
    with pytest.raises(InputError, match="not a PyTorch checkpoint"):
        load_checkpoint(tmp_path / "notes.pt")
    with pytest.raises(InputError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "absent.pt")


def test_class_count_mismatch(small_checkpoint: Path):
    with pytest.raises(InputError, match="has 3 classes .* but 1 are asked"):
        load_model(None, str(small_checkpoint), class_names=["__background__", "cat"])


def test_wrong_model_for_weights(tmp_path: Path, small_checkpoint: Path):
    with pytest.raises(InputError, match="checkpoint is for maskrcnn_small"):
        load_model("maskrcnn_resnet50_fpn", str(small_checkpoint))
    torch.save(build_model("maskrcnn_small", 3).state_dict(), tmp_path / "plain.pth")
    with pytest.raises(InputError, match="do not fit maskrcnn_resnet50_fpn"):
        load_model("maskrcnn_resnet50_fpn", str(tmp_path / "plain.pth"))


def test_save_is_atomic(tmp_path: Path):
    model = build_model("maskrcnn_small", 2)
    save_checkpoint(tmp_path / "c.pt", model.state_dict(), {"model_name": "maskrcnn_small"})
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]
