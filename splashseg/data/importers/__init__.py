"""Importers: VIA 1.x/2.x/3, COCO and LabelMe annotations -> the canonical COCO dataset (``data/coco.py``).

Pipeline (one module each): ``formats`` (read and recognise files) -> ``via``/``via3``/``coco_in``/``labelme``
(parse into ``records``) -> ``classes`` (class names) -> ``images``/``locate`` (find images safely, sizes
from headers) -> ``segment``/``shapes``/``rle`` (geometry) -> ``split`` -> ``build`` (COCO dicts) ->
``write``; ``report`` collects what was skipped and why.
"""

from .formats import FAMILIES
from .pipeline import ImportConfig, ImportedDataset, build_dataset, import_annotations
from .report import ImportReport

__all__ = [
    "FAMILIES",
    "ImportConfig",
    "ImportReport",
    "ImportedDataset",
    "build_dataset",
    "import_annotations",
]
