"""``load_model``: resolve ``--model`` / ``--weights`` / sizes into a ready model and its class names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torchvision.models.detection import MaskRCNN

from ..errors import InputError
from .checkpoint import fit_state_dict, load_checkpoint, make_meta, num_classes_in
from .registry import DEFAULT_MODEL, MODELS, build_model
from .validate import check_class_names
from .weights import build_coco_model, coco_class_names

BACKGROUND = "__background__"


@dataclass
class LoadedModel:
    """A model with what is needed to use it.

    class_names: index = label id; index 0 is ``__background__``; COCO's layout has ``N/A`` gaps.
    """

    model: MaskRCNN
    model_name: str
    class_names: list[str]
    min_size: int
    max_size: int

    @property
    def meta(self) -> dict:
        """Metadata for :func:`save_checkpoint`."""
        return make_meta(self.model_name, self.class_names, self.min_size, self.max_size)


def _coco_names() -> list[str]:
    return coco_class_names(MODELS[DEFAULT_MODEL].coco_weights)


def _generic_names(num_classes: int) -> list[str]:
    if num_classes == 91:
        return _coco_names()
    return [BACKGROUND] + [f"class{i}" for i in range(1, num_classes)]


def load_model(model_name: str | None = None, weights: str = "coco", *, class_names: list[str] | None = None,
               min_size: int | None = None, max_size: int | None = None,
               classes_from: str | None = None) -> LoadedModel:
    """Build a model from ``--weights coco|none|PATH``.

    class_names: the classes wanted (background first). With ``coco`` the predictors are replaced when
    they differ from COCO's (fine-tuning); with ``none`` they set the head size; with ``PATH`` they must
    match the checkpoint's count, else :class:`InputError`. ``None``: COCO's, or the checkpoint's.
    classes_from: who asks for ``class_names`` (``"dataset data/balloon"``), named in that error.
    """
    if class_names is not None:  # e.g. a dataset's categories: refused here, not in the checkpoint it would make
        problem = check_class_names(list(class_names), len(class_names))
        if problem is not None:
            raise InputError(f"class names: {problem}")
    if weights not in ("coco", "none"):
        return _load_from_file(Path(weights), model_name, class_names, min_size, max_size, classes_from)
    name = model_name or DEFAULT_MODEL
    spec = MODELS[name]
    names = list(class_names) if class_names else _coco_names()
    build = build_coco_model if weights == "coco" else build_model
    model = build(name, len(names), min_size=min_size, max_size=max_size)
    return LoadedModel(model, name, names, min_size or spec.min_size, max_size or spec.max_size)


def _listed(names: list[str]) -> str:
    """``"3 classes (balloon, kite, ball)"``: how many class names, and the first five of them."""
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"{len(names)} class{'es' if len(names) != 1 else ''} ({shown})"


def _class_mismatch(path: Path, found: list[str], asked: list[str], classes_from: str | None) -> InputError:
    """The error for a checkpoint whose classes (``found``, background first) differ in count from ``asked``."""
    wanted = f"{classes_from} has {_listed(asked[1:])}" if classes_from else f"{len(asked) - 1} are asked for"
    return InputError(f"{path}: checkpoint has {_listed(found[1:])} but {wanted}")


def _load_from_file(path: Path, model_name: str | None, class_names: list[str] | None,
                    min_size: int | None, max_size: int | None, classes_from: str | None) -> LoadedModel:
    ckpt = load_checkpoint(path)
    meta, state = ckpt["meta"], ckpt["model"]
    saved_name = meta.get("model_name")
    if model_name and saved_name and model_name != saved_name:
        raise InputError(f"{path}: checkpoint is for {saved_name}, not --model {model_name}")
    name = saved_name or model_name or DEFAULT_MODEL
    found = num_classes_in(state)  # load_checkpoint checked the head, the names and the sizes
    names = list(meta.get("class_names") or _generic_names(found))
    if class_names is not None and len(class_names) != found:
        raise _class_mismatch(path, names, list(class_names), classes_from)
    spec = MODELS[name]
    min_size = min_size or meta.get("min_size") or spec.min_size
    max_size = max_size or meta.get("max_size") or spec.max_size
    model = build_model(name, found, min_size=min_size, max_size=max_size)
    _load_state(model, state, path, name)
    return LoadedModel(model, name, names, min_size, max_size)


def _load_state(model: MaskRCNN, state: dict, path: Path, name: str) -> None:
    problem = fit_state_dict(model, state)
    if problem is not None:
        raise InputError(f"{path}: weights do not fit {name} ({problem}); pass the right --model")
