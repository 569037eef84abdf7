"""Views of a model: copies that share its weights and submodules, with some of those replaced."""

from __future__ import annotations

import copy

from torch import nn


def shallow(module: nn.Module, kind: type | None = None) -> nn.Module:
    """A copy of ``module`` (of class ``kind`` when given) whose submodules can be replaced without
    touching ``module``; weights, buffers and settings are shared."""
    clone = copy.copy(module)
    clone._modules = module._modules.copy()
    if kind is not None:
        clone.__class__ = kind
    return clone


def with_parts(model: nn.Module, replacements: dict[tuple[str, ...], nn.Module]) -> nn.Module:
    """``model`` with the submodule at each path replaced; ``model`` itself is unchanged."""
    result = shallow(model)
    for path, replacement in replacements.items():
        parent = result
        for attribute in path[:-1]:
            child = shallow(getattr(parent, attribute))
            setattr(parent, attribute, child)
            parent = child
        setattr(parent, path[-1], replacement)
    return result
