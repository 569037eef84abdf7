"""A path that appears while a run works is never replaced (without --force): real processes, real files.

The final rename is a no-replace rename (renameat2 RENAME_NOREPLACE, else link + unlink); output folders
carry a lock naming the run writing in them. The loser of a race exits 2 with one line, keeps nothing
of its own half-done work (no temporary file) and changes nothing that was there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL
from PIL import Image
from samples import scene
from video_samples import write_video

from splashseg import fsutil
from splashseg.errors import InputError
from splashseg.fsutil import LOCK, STAMP, atomic_path, make_output_dir, release_output_dirs, rename_no_replace

POLL_S, PATIENCE_S = 0.002, 120.0  # waiting for a run to reach a point, never a timed assertion


def splashseg(*args: object) -> subprocess.Popen:
    """Start ``python -m splashseg ARGS`` (this checkout, as PYTHONPATH says) with its output captured."""
    return subprocess.Popen([sys.executable, "-m", "splashseg", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=600)
    return process.returncode, err


def wait_for(found, process: subprocess.Popen) -> None:  # noqa: ANN001
    """Poll until ``found()`` is true while ``process`` runs (it must still be running then)."""
    deadline = time.monotonic() + PATIENCE_S
    while not found():
        assert process.poll() is None, f"the run ended before the point the test waits for: {finish(process)}"
        assert time.monotonic() < deadline, "the run never reached the point the test waits for"
        time.sleep(POLL_S)


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".tmp" in p.name]


def one_error_line(err: str, *words: str) -> None:
    lines = [line for line in err.strip().splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], lines[0]


# -- the primitive -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", [True, False], ids=["renameat2", "link-unlink"])
def test_rename_no_replace_never_replaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool):
    if not kernel:
        monkeypatch.setattr(fsutil, "_RENAMEAT2", None)
    elif fsutil._RENAMEAT2 is None:
        pytest.skip("this platform has no renameat2")
    source, target = tmp_path / "new", tmp_path / "target"
    source.write_text("mine")
    target.write_text("theirs")
    with pytest.raises(FileExistsError):
        rename_no_replace(source, target)
    assert target.read_text() == "theirs" and source.read_text() == "mine"
    target.unlink()
    target.symlink_to(tmp_path / "dangling")
    with pytest.raises(FileExistsError):
        rename_no_replace(source, target)
    target.unlink()
    rename_no_replace(source, target)
    assert target.read_text() == "mine" and not source.exists()


def test_atomic_path_keeps_a_file_that_appeared_and_removes_its_temporary(tmp_path: Path):
    target = tmp_path / "out.json"
    with pytest.raises(InputError, match="appeared while this run was working"):
        with atomic_path(target) as tmp:
            tmp.write_text("ours")
            target.write_text("theirs")
    assert target.read_text() == "theirs" and temporaries(tmp_path) == []
    fsutil.refuse_overwrite([target], force=True)  # what --force does at start-up
    with atomic_path(target) as tmp:
        tmp.write_text("ours")
    assert target.read_text() == "ours"
    with atomic_path(target) as tmp:  # a file this process wrote: replaced (train's last.pt every epoch)
        tmp.write_text("again")
    assert target.read_text() == "again"


def test_a_staged_folder_never_lands_on_a_folder_that_appeared(tmp_path: Path):
    """annotate-import moves its staged images/ into place (fsutil.place_tree)."""
    staged, target = tmp_path / ".staging" / "images", tmp_path / "images"
    staged.mkdir(parents=True)
    (staged / "a.jpg").write_bytes(b"ours")
    target.mkdir()
    (target / "mine.jpg").write_bytes(b"theirs")
    with pytest.raises(InputError, match="appeared while this run was working"):
        fsutil.place_tree(staged, target)
    assert sorted(p.name for p in target.iterdir()) == ["mine.jpg"]
    fsutil.refuse_overwrite([target], force=True)
    fsutil.place_tree(staged, target)
    assert sorted(p.name for p in target.iterdir()) == ["a.jpg"]
    assert fsutil.written_under(tmp_path) == {Path("images/a.jpg")}
    fsutil.forget_written()


# -- video ---------------------------------------------------------------------------------------------
@pytest.fixture
def long_clip(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4", frames=60, audio=None)


def test_a_file_created_at_out_while_video_encodes_is_kept(long_clip: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    run = splashseg("video", long_clip, *SMALL, "--out", out / "result.mp4", "-q")
    wait_for(lambda: bool(temporaries(out)), run)  # encoding has begun: the start-up check is behind it
    (out / "result.mp4").write_text("the user's file")
    code, err = finish(run)
    assert code == 2, err
    one_error_line(err, "result.mp4", "appeared while this run was working", "--force")
    assert (out / "result.mp4").read_text() == "the user's file"
    assert temporaries(out) == []


def test_two_video_runs_into_one_out_one_wins_the_other_exits_2(long_clip: Path, tmp_path: Path):
    target = tmp_path / "out.mp4"
    runs = [splashseg("video", long_clip, *SMALL, "--out", target, "-q") for _ in range(2)]
    results = sorted(finish(run) for run in runs)
    assert [code for code, _ in results] == [0, 2], results
    one_error_line(results[1][1], str(target))
    assert target.stat().st_size > 1000 and temporaries(tmp_path) == []


# -- splash folders ------------------------------------------------------------------------------------
@pytest.fixture
def many_pictures(tmp_path: Path) -> Path:
    folder = tmp_path / "pics"
    folder.mkdir()
    for i in range(80):
        Image.fromarray(scene(seed=i % 5)).save(folder / f"p{i:03d}.png")
    return folder


def test_a_file_dropped_into_a_splash_out_mid_run_is_kept(many_pictures: Path, tmp_path: Path):
    out = tmp_path / "splashed"
    run = splashseg("splash", many_pictures, *SMALL, "--out", out, "-q")
    wait_for(lambda: (out / "p000.png").exists(), run)
    dropped = np.zeros((4, 4, 3), np.uint8)
    Image.fromarray(dropped).save(out / "p079.png")
    code, err = finish(run)
    assert code == 2, err
    one_error_line(err, "p079.png", "appeared while this run was working")
    assert np.array_equal(np.asarray(Image.open(out / "p079.png")), dropped)
    assert temporaries(out) == [] and not (out / LOCK).exists()
    listed = json.loads((out / STAMP).read_text())["files"]
    assert "p000.png" in listed and "p079.png" not in listed  # the stamp lists only what splashseg wrote


def test_two_splash_runs_into_one_folder_one_wins_the_other_exits_2(image_dir: Path, tmp_path: Path):
    out = tmp_path / "splashed"
    runs = [splashseg("splash", image_dir, *SMALL, "--out", out, "-q") for _ in range(2)]
    results = sorted(finish(run) for run in runs)
    assert [code for code, _ in results] == [0, 2], results
    one_error_line(results[1][1], str(out))
    assert sorted(p.name for p in out.iterdir()) == [STAMP, "a.jpg", "alpha.png", "gray.png"]


def test_a_folder_another_run_holds_is_refused_naming_its_pid(image_dir: Path, tmp_path: Path):
    out = make_output_dir(tmp_path / "splashed", "splash")  # this test process holds the lock
    try:
        code, err = finish(splashseg("splash", image_dir, *SMALL, "--out", out, "-q"))
        assert code == 2, err
        one_error_line(err, str(out), f"another splashseg run (pid {os.getpid()})")
        assert sorted(p.name for p in out.iterdir()) == [STAMP, LOCK]
    finally:
        release_output_dirs(succeeded=False)
    assert not (out / LOCK).exists()


def test_the_lock_of_a_run_that_died_is_taken_over_with_a_note(image_dir: Path, tmp_path: Path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    out = tmp_path / "splashed"
    out.mkdir()
    (out / STAMP).write_text(json.dumps({"kind": "splash", "files": []}))
    (out / LOCK).write_text(json.dumps({"pid": int(dead.stdout), "host": os.uname().nodename}))
    code, err = finish(splashseg("splash", image_dir, *SMALL, "--out", out, "-q"))
    assert code == 0, err
    assert f"taking over the lock of pid {int(dead.stdout)}" in err
    assert (out / "a.jpg").is_file() and not (out / LOCK).exists()
