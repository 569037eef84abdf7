"""``openvino_model``: a loaded torchvision Mask R-CNN whose dense parts run in OpenVINO on the CPU.

The parts (:data:`~splashseg.runtime.parts.PARTS`) are converted once per weights and cached
(:mod:`splashseg.runtime.cache`); OpenVINO compiles them for this CPU at the precision asked for, and
its compiled blobs are cached beside them. Everything data-dependent stays in torch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import warnings
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn
from torchvision.models.detection.transform import GeneralizedRCNNTransform
from torchvision.ops import MultiScaleRoIAlign

from ..errors import InputError
from .cache import cache_root, checked_entry, stamps_path, update_manifest, weights_hash
from .parts import PARTS, DensePart, Examples, module_at
from .paste import pasting_transform
from .pooling import ThreadedRoIAlign
from .views import with_parts

MAP_NAMES = "backbone-maps.json"  # the backbone's output names, in order (e.g. ["0", "1", "2", "3", "pool"])
EXAMPLE_SIZE = (256, 320)  # height, width of the picture the parts are traced on (every size works after)
OPENVINO_PRECISION = {"fp32": "f32", "bf16": "bf16"}  # our precision names -> INFERENCE_PRECISION_HINT


def _parts_of(model: nn.Module) -> list[DensePart]:
    """The parts ``model`` has (a Faster R-CNN has no mask head); :class:`InputError` if it is no R-CNN."""
    if not all(hasattr(model, name) for name in ("backbone", "rpn", "roi_heads", "transform")):
        raise InputError(f"--runtime openvino: needs a torchvision Mask R-CNN, not {type(model).__name__}; "
                         "use --runtime torch")
    return [p for p in PARTS if getattr(module_at(model, p.path[:-1]), p.path[-1], None) is not None]


def _examples(model: nn.Module) -> Examples:
    torch.manual_seed(0)
    images = torch.rand(1, 3, *EXAMPLE_SIZE)
    with torch.inference_mode():
        maps = model.backbone(images)
    return Examples(images, OrderedDict((k, v.clone()) for k, v in maps.items()))


def entry_name(model_name: str, digest: str, version: str) -> str:
    """``maskrcnn_small-1a2b...-openvino-2026.4.1``: the cache folder of one model, weights and version."""
    return re.sub(r"[^\w.-]", "_", f"{model_name}-{digest[:20]}-openvino-{version}")


def _convert(model: nn.Module, parts: list[DensePart], folder: Path) -> None:
    """Export every part to OpenVINO IR in ``folder`` (float32 weights), the backbone's output names to
    :data:`MAP_NAMES`, and write the manifest."""
    import openvino as ov

    folder.mkdir(parents=True)
    examples = _examples(model)
    (folder / MAP_NAMES).write_text(json.dumps(list(examples.maps)))
    for part in parts:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # torch.jit.trace's deprecation and tracer warnings
            module, inputs = part.export(model, examples)
            converted = ov.convert_model(module, example_input=inputs, input=part.input_shapes(inputs))
        ov.save_model(converted, folder / f"{part.name}.xml", compress_to_fp16=False)
    update_manifest(folder)


def _build_entry(model: nn.Module, parts: list[DensePart], folder: Path) -> None:
    """Convert into a temporary folder, then rename it and its stamps to ``folder``'s (another process may
    win the race)."""
    temporary = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        _convert(model, parts, temporary)
        os.replace(temporary, folder)
        os.replace(stamps_path(temporary), stamps_path(folder))
    except OSError:
        if not folder.is_dir():
            raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        stamps_path(temporary).unlink(missing_ok=True)


def compile_config(precision: str, cache_dir: Path) -> dict[str, str]:
    """OpenVINO CPU settings: the precision, its blob cache, latency mode on torch's thread count."""
    return {"INFERENCE_PRECISION_HINT": OPENVINO_PRECISION[precision], "CACHE_DIR": str(cache_dir),
            "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": str(torch.get_num_threads())}


def openvino_model(model: nn.Module, *, precision: str = "fp32", model_name: str = "model",
                   cache: Path | None = None) -> nn.Module:
    """``model`` (a torchvision Mask R-CNN in eval mode on the CPU) with its dense parts in OpenVINO and
    its masks pasted by :func:`~splashseg.runtime.paste.paste_masks` (torchvision's numbers, less copying)
    and its RoIAlign on torch's thread count (:class:`~splashseg.runtime.pooling.ThreadedRoIAlign`).

    Takes and returns RGB ``[3, H, W]`` float images in ``[0, 1]`` like torchvision's model. precision:
    ``fp32`` or ``bf16``. The first call for a model and weights converts (seconds to a minute); later
    ones load from ``cache`` (default :func:`~splashseg.runtime.cache.cache_root`). ``model`` is unchanged.
    """
    import openvino as ov

    parts = _parts_of(model)
    folder = (cache or cache_root()) / entry_name(model_name, weights_hash(model), ov.get_version())
    required = (MAP_NAMES, *(f"{part.name}.{suffix}" for part in parts for suffix in ("xml", "bin")))
    if not checked_entry(folder, required):
        _build_entry(model, parts, folder)
    map_names = json.loads((folder / MAP_NAMES).read_text())
    core, config = ov.Core(), compile_config(precision, folder / "compiled")
    replacements = {}
    for part in parts:
        compiled = core.compile_model(str(folder / f"{part.name}.xml"), "CPU", config)
        replacements[part.path] = part.runner(compiled, model, map_names)
    if isinstance(model.transform, GeneralizedRCNNTransform):
        replacements[("transform",)] = pasting_transform(model.transform)
    for pool in ("box_roi_pool", "mask_roi_pool"):  # torchvision's CPU RoIAlign uses one core
        if isinstance(getattr(model.roi_heads, pool, None), MultiScaleRoIAlign):
            replacements[("roi_heads", pool)] = ThreadedRoIAlign(getattr(model.roi_heads, pool),
                                                                 torch.get_num_threads())
    update_manifest(folder)  # vouch for any blob OpenVINO has just cached (hashes only new files)
    return with_parts(model, replacements)
