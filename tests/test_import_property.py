"""Property tests: for any JSON value the importer returns a dataset or raises InputError, nothing else."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fixtures_import import balloon_regions, labelme_shape, via_region, write_image
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from splashseg.data.importers import ImportConfig, build_dataset
from splashseg.errors import InputError

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

TEMPLATES: list[Any] = [
    {"a.jpg48": {"filename": "a.jpg", "size": 48, "regions": balloon_regions(), "file_attributes": {}}},
    {
        "a.jpg48": {
            "filename": "a.jpg",
            "size": 48,
            "regions": {"0": via_region({"name": "ellipse", "cx": 5, "cy": 5, "rx": 3, "ry": 2, "theta": 1})},
        }
    },
    {
        "_via_settings": {},
        "_via_attributes": {"region": {"name": {"type": "checkbox", "options": {"b": ""}}}},
        "_via_img_metadata": {
            "k": {
                "filename": "a.jpg",
                "regions": [
                    via_region({"name": "rect", "x": 1, "y": 1, "width": 5, "height": 5}, name={"b": True})
                ],
            }
        },
    },
    {
        "project": {},
        "config": {},
        "attribute": {"1": {"aname": "c", "type": 4, "options": {"0": "b"}}},
        "file": {"1": {"fid": "1", "fname": "a.jpg", "src": ""}},
        "view": {"1": {"fid_list": ["1"]}},
        "metadata": {"1_x": {"vid": "1", "z": [], "xy": [7, 1, 1, 9, 1, 9, 9], "av": {"1": "0"}}},
    },
    {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 9, 1, 9, 9]]},
            {"id": 2, "image_id": 1, "category_id": 1, "segmentation": {"size": [48, 64], "counts": "PP2"}},
        ],
        "categories": [{"id": 1, "name": "b"}],
    },
    {"shapes": [labelme_shape("b", [[1, 1], [9, 1], [9, 9]])], "imagePath": "a.jpg", "imageData": None},
]


def mutate(value: Any, path: list[int], replacement: Any) -> Any:
    """Replace the subtree reached by following ``path`` (indices into keys/items) with ``replacement``."""
    if not path or not isinstance(value, (dict, list)) or not value:
        return replacement
    if isinstance(value, dict):
        key = list(value)[path[0] % len(value)]
        return {**value, key: mutate(value[key], path[1:], replacement)}
    index = path[0] % len(value)
    return [*value[:index], mutate(value[index], path[1:], replacement), *value[index + 1 :]]


def import_value(value: Any) -> int:
    """Write ``value`` as an annotation file beside a real image and import it in memory.

    Returns the number of images imported (0 when the importer raised :class:`InputError`).
    """
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_image(root / "a.jpg")
        source = root / "ann.json"
        source.write_text(json.dumps(value), encoding="utf-8")
        try:
            dataset = build_dataset(ImportConfig(sources=[source], out=root / "ds", class_key=None))
        except InputError:
            return 0
        count = sum(len(c["images"]) for c in dataset.splits.values())
        assert count >= 1
        return count


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_gives_dataset_or_input_error(value: Any) -> None:
    import_value(value)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEMPLATES), st.lists(st.integers(0, 8), max_size=6), json_values)
def test_mutated_annotation_files_give_dataset_or_input_error(
    template: Any, path: list[int], value: Any
) -> None:
    import_value(mutate(template, path, value))


def test_templates_import_cleanly() -> None:
    assert [import_value(template) for template in TEMPLATES] == [1] * len(TEMPLATES)


def test_shape_types_that_are_not_names_are_skipped() -> None:
    """Found by the mutation test above: a list where LabelMe's ``shape_type`` or VIA 3's shape id goes."""
    labelme = {"shapes": [{**labelme_shape("b", [[1, 1], [9, 1], [9, 9]]), "shape_type": [None]}],
               "imagePath": "a.jpg", "imageData": None}
    assert import_value(labelme) == 0
    via3 = next(t for t in TEMPLATES if "metadata" in t)
    assert import_value(mutate(via3, [5, 0, 2, 0], [None])) == 0  # xy = [[None], 1, 1, 9, ...]
