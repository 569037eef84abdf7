"""The learning-rate schedules, optimizers and freezing chosen by name from train/optim.py's dicts."""

from __future__ import annotations

import math

import pytest
import torch

from splashseg.models import build_model
from splashseg.train import TrainConfig
from splashseg.train.optim import build_optimizer, build_scheduler, freeze, lr_factor


def test_cosine_decays_to_zero_after_a_linear_warm_up() -> None:
    def at(i: int) -> float:
        return lr_factor(i, total_iters=100, schedule="cosine", warmup_iters=10, warmup_factor=0.001)

    assert at(0) == pytest.approx(0.001)
    assert at(5) == pytest.approx((0.001 * 0.5 + 0.5) * 0.5 * (1 + math.cos(math.pi * 0.05)))
    assert at(50) == pytest.approx(0.5) and at(100) == pytest.approx(0.0) and at(150) == pytest.approx(0.0)


def test_step_multiplies_by_gamma_at_each_fraction() -> None:
    factors = [lr_factor(i, total_iters=100, schedule="step", steps=(0.5, 0.8), gamma=0.1) for i in (0, 49, 50, 80)]
    assert factors == pytest.approx([1.0, 1.0, 0.1, 0.01])


def test_scheduler_steps_the_optimizer_through_the_schedule() -> None:
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.2)
    scheduler = build_scheduler(optimizer, total_iters=4, schedule="step", warmup_iters=0, warmup_factor=1.0,
                                steps=(0.5,), gamma=0.5)
    seen = []
    for _ in range(4):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert seen == pytest.approx([0.2, 0.2, 0.1, 0.1])


def test_unknown_names_are_refused_by_the_config() -> None:
    for field in ("optimizer", "schedule", "freeze"):
        with pytest.raises(ValueError, match=f"{field} must be one of"):
            TrainConfig(**{field: "nonsense"})


def test_freeze_backbone_leaves_the_fpn_and_heads_training() -> None:
    model = build_model("maskrcnn_small", num_classes=3)
    freeze(model, "none")
    assert all(p.requires_grad for p in model.parameters())
    freeze(model, "backbone")
    assert not any(p.requires_grad for p in model.backbone.body.parameters())
    assert all(p.requires_grad for p in model.backbone.fpn.parameters())
    assert all(p.requires_grad for p in model.roi_heads.parameters())
    optimizer = build_optimizer(model, "adamw", lr=1e-3, weight_decay=0.05)
    trained = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert trained == {id(p) for p in model.parameters() if p.requires_grad}
    assert isinstance(optimizer, torch.optim.AdamW)
