"""README's "What splashseg never does": every sentence of it, and the tests that hold it to its word.

:data:`PROMISES` cites, for each sentence (by its opening words), the tests that check it. A sentence
added to the README without tests, or a cited test that no longer exists, fails here. The few promises no
other module checks are tested below.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import SMALL
from test_output_limits import noise_clip

from splashseg.cli import main
from splashseg.fsutil import STAMP

ROOT = Path(__file__).resolve().parents[1]
HERE = "test_never_does.py"

PROMISES = {
    "It never modifies or deletes an input.": [
        "test_outputs.py::test_import_never_writes_onto_into_or_around_its_inputs",
        "test_outputs.py::test_video_output_never_overwrites_its_input",
        "test_outputs.py::test_inspect_never_writes_into_the_dataset_images"],
    "An output path that is, holds or lies inside an input": [
        "test_outputs.py::test_check_not_input_follows_symlinks",
        "test_outputs.py::test_splash_never_overwrites_its_background",
        "test_outputs.py::test_pictures_never_write_into_the_folder_of_their_weights",
        "test_outputs.py::test_video_never_overwrites_its_weights"],
    "It never replaces a path that appeared while it worked.": [
        "test_output_races.py::test_atomic_path_keeps_a_file_that_appeared_and_removes_its_temporary",
        "test_output_races.py::test_rename_no_replace_never_replaces"],
    "Without `--force`, an output that exists is exit 2 at start-up.": [
        "test_outputs.py::test_pictures_force_replaces_only_splashseg_output",
        "test_outputs.py::test_import_refuses_a_symlink_to_its_source_and_a_folder_it_did_not_write"],
    "A file that appears at an output path later": [
        "test_output_races.py::test_a_file_created_at_out_while_video_encodes_is_kept",
        "test_output_races.py::test_two_video_runs_into_one_out_one_wins_the_other_exits_2",
        "test_output_races.py::test_a_file_dropped_into_a_splash_out_mid_run_is_kept"],
    "A second run into an output folder another run is writing in": [
        "test_output_races.py::test_two_splash_runs_into_one_folder_one_wins_the_other_exits_2",
        "test_output_races.py::test_a_folder_another_run_holds_is_refused_naming_its_pid",
        "test_output_races.py::test_the_lock_of_a_run_that_died_is_taken_over_with_a_note"],
    "The run holds a kernel lock (`flock`) on the folder's `.splashseg.lock` while it writes": [
        "test_output_lock.py::test_a_live_holder_is_refused_even_when_its_file_names_a_dead_run",
        "test_output_lock.py::test_a_killed_holder_leaves_a_lock_the_next_run_takes_over",
        "test_output_lock.py::test_an_empty_lock_file_of_a_starting_run_is_refused"],
    "`--force` on a named file replaces that file, as `cp -f` does.": [
        f"{HERE}::test_force_on_a_named_file_replaces_whatever_is_there"],
    "`--out clip.mp4` and `--tracks t.json` name one file": [
        f"{HERE}::test_force_on_a_named_file_replaces_whatever_is_there",
        "test_output_limits.py::test_out_dev_null_is_a_device",
        "test_output_limits.py::test_tracks_dev_null_is_a_device",
        "test_video_tracks_cli.py::test_tracks_file_never_overwrites_an_input_or_the_output"],
    "`--force` on a folder replaces it as a whole": [
        "test_force_replace.py::test_forced_detect_leaves_no_masks_of_the_previous_run",
        "test_force_replace.py::test_without_force_earlier_files_stay_listed"],
    "Folders it writes carry a `.splashseg` stamp listing the files": [
        "test_force_replace.py::test_forced_import_refuses_a_dataset_holding_a_user_file",
        "test_force_replace.py::test_forced_pictures_refuse_a_folder_holding_a_user_file",
        "test_force_replace.py::test_forced_import_leaves_no_stale_inspect_folder_nor_images"],
    "A non-empty folder splashseg did not write is exit 2": [
        "test_outputs.py::test_pictures_force_replaces_only_splashseg_output",
        "test_outputs.py::test_demo_refuses_a_folder_it_did_not_write",
        "test_outputs.py::test_train_refuses_a_folder_it_did_not_write_and_its_weights_folder"],
    "`train --force` starts the run over; `--resume` continues it.": [
        "test_outputs.py::test_train_force_starts_over_and_resume_keeps_out_of_the_dataset"],
    "Folders written before 0.3 have stamps that list no files": [
        f"{HERE}::test_force_on_a_folder_from_before_0_3_removes_nothing_it_does_not_write",
        "test_force_replace.py::test_forced_import_refuses_a_dataset_holding_a_user_file"],
    "No file runs code.": [
        "test_coco_weights.py::test_pickled_code_in_the_cache_is_refused_and_never_runs",
        "test_models.py::test_pickle_payload_is_refused_and_never_runs"],
    "Checkpoints and the COCO weights in torchvision's cache are read with": [
        "test_coco_weights.py::test_every_torch_load_in_the_package_is_weights_only"],
    "Nothing is half-written.": [
        "test_interrupts.py::test_signal_during_video_leaves_no_temporary_file",
        "test_disk_full.py::test_video_on_a_full_disk_leaves_no_temporary_file"],
    "Every output goes to a temporary file and is renamed when complete": [
        "test_interrupts.py::test_interrupted_demo_over_an_earlier_one_says_what_it_kept",
        "test_disk_full.py::test_detect_on_a_full_disk_names_the_file",
        "test_output_limits.py::test_a_file_size_limit_is_one_line_naming_the_output"],
    "A bad input is one line.": [
        "test_bad_pictures_cli.py::test_bomb_as_background_names_the_option_and_file"],
    "It names the file (and the entry or option) and what is wrong": [
        "test_checkpoint_fields.py::test_damaged_checkpoint_names_file_and_field",
        "test_cli_predict.py::test_debug_shows_traceback"],
    "An empty value for any option, or an output name longer than a filesystem allows": [
        "test_output_limits.py::test_every_string_and_path_option_refuses_an_empty_value",
        "test_output_limits.py::test_a_name_too_long_is_exit_2_at_start_up"],
    "A bad picture among good ones": [
        "test_bad_pictures_cli.py::test_bad_picture_among_good_ones_is_skipped"],
}


def readme_sentences() -> list[str]:
    """The sentences of README's "What splashseg never does" list (bold markers removed)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## What splashseg never does"):]
    section = section[:section.index("\n## ", 3)]
    items = section.split("\n- ", 1)[1]
    flat = re.sub(r"\s+", " ", items.replace("**", "").replace("\n- ", " ")).strip()
    return re.split(r"(?<=[.)])\s+(?=[A-Z`])", flat)


def test_every_sentence_is_cited_and_every_citation_is_a_sentence():
    sentences = readme_sentences()
    uncited = [s for s in sentences if not any(s.startswith(opening) for opening in PROMISES)]
    assert uncited == [], f"sentences without tests: {uncited}"
    stale = [opening for opening in PROMISES if not any(s.startswith(opening) for s in sentences)]
    assert stale == [], f"cited sentences no longer in README: {stale}"


def test_every_cited_test_exists():
    for tests in PROMISES.values():
        for node in tests:
            module, name = node.split("::")
            source = (ROOT / "tests" / module).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.M), f"{node}: no such test"


def test_force_on_a_named_file_replaces_whatever_is_there(tmp_path: Path):
    clip = noise_clip(tmp_path / "clip.mp4", frames=3)
    out, tracks = tmp_path / "mine.mp4", tmp_path / "t.json"
    out.write_text("a file splashseg did not write")
    tracks.write_text("{}")
    args = ["video", str(clip), *SMALL, "--out", str(out), "--tracks", str(tracks), "-q"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "already exists; use --force" in refused.output
    result = CliRunner().invoke(main, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[4:8] == b"ftyp" and json.loads(tracks.read_text())["frames"] == 3


def test_force_on_a_folder_from_before_0_3_removes_nothing_it_does_not_write(image_dir: Path, tmp_path: Path):
    out = tmp_path / "splashed"
    out.mkdir()
    (out / STAMP).write_text(json.dumps({"kind": "splash", "written_by": "splashseg splash", "version": "0.2.0"}))
    (out / "old.png").write_bytes(b"an earlier output, or not: nothing tells")
    result = CliRunner().invoke(main, ["splash", str(image_dir / "a.jpg"), *SMALL, "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert (out / "old.png").read_bytes() == b"an earlier output, or not: nothing tells"
    assert json.loads((out / STAMP).read_text())["files"] == ["a.jpg"]
