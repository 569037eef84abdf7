"""Where outputs may go: never onto, into or around an input, and --force replaces only what splashseg wrote.

Every command that writes a folder (annotate-import, train, inspect, demo, detect, splash) or a file
(video, splash --video) is run through the CLI against real files; each case checks the exit code, the
one-line message and that every input is still there, byte for byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL, refused
from fixtures_import import via_polygon, write_image, write_json, write_via_project
from test_train_data import make_dataset
from video_samples import write_video

from splashseg.cli import main
from splashseg.errors import InputError
from splashseg.fsutil import STAMP, check_not_input, check_output_dir, check_output_files, make_output_dir


def run(*args: object) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256), to prove inputs were not touched."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- the shared checks ------------------------------------------------------------------------------
def test_check_not_input_follows_symlinks(tmp_path: Path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(source, target_is_directory=True)
    for out, relation in ((link, "is"), (tmp_path, "holds"), (link / "sub" / "new", "lies inside")):
        with pytest.raises(InputError, match=f"--out {relation} the input"):
            check_not_input(out, [source])
    check_not_input(tmp_path / "elsewhere", [source, None])


def test_check_output_dir_kinds_stamps_and_signatures(tmp_path: Path):
    assert check_output_dir(tmp_path / "new", [], "detect") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty", [], "dataset")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a folder"):
        check_output_dir(tmp_path / "file", [], "detect")
    mine = tmp_path / "mine"
    (mine / "notes.txt").parent.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not written by splashseg splash.*--force replaces only"):
        check_output_dir(mine, [], "splash")
    make_output_dir(mine, "splash")  # once stamped, the folder is splash's (and only splash's)
    check_output_dir(mine, [], "splash")
    with pytest.raises(InputError, match="holds the output of splashseg splash, not of detect"):
        check_output_dir(mine, [], "detect")
    (tmp_path / "ds" / "annotations").mkdir(parents=True)
    (tmp_path / "ds" / "import-report.json").write_text("{}")
    with pytest.raises(InputError, match="not written by splashseg annotate-import"):
        check_output_dir(tmp_path / "ds", [], "dataset")  # half a signature is no dataset
    (tmp_path / "ds" / "annotations" / "train.json").write_text("{}")
    check_output_dir(tmp_path / "ds", [], "dataset")
    (tmp_path / "docs" / "index.md").parent.mkdir()
    (tmp_path / "docs" / "index.md").write_text("# my docs")  # a common name is no demo
    with pytest.raises(InputError, match="not written by splashseg demo"):
        check_output_dir(tmp_path / "docs", [], "demo")


def test_check_output_files_refuses_an_input_behind_a_symlink(tmp_path: Path):
    picture = write_image(tmp_path / "in" / "a.jpg")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.jpg").symlink_to(picture)
    with pytest.raises(InputError, match="would overwrite the input"):
        check_output_files([tmp_path / "out" / "a.jpg"], [picture], force=True)


# -- annotate-import ---------------------------------------------------------------------------------
@pytest.fixture
def via_source(tmp_path: Path) -> Path:
    """SRC/annotations/via_project.json (+ another JSON beside it) naming SRC/images/a.jpg and b.jpg;
    SRC/images/other.jpg is named by no annotation."""
    src = tmp_path / "SRC"
    regions = [via_polygon([5, 40, 40, 5], [5, 5, 40, 40], name="balloon")]
    write_via_project(src / "images", {"a.jpg": regions, "b.jpg": regions}, name="../annotations/via_project.json")
    write_json(src / "annotations" / "notes.json", {"keep": "me"})
    write_image(src / "images" / "other.jpg")
    return src


@pytest.mark.parametrize("out", ["SRC", "SRC/images", "SRC/annotations", "SRC/images/ds", "."])
def test_import_never_writes_onto_into_or_around_its_inputs(via_source: Path, out: str):
    before = snapshot(via_source.parent)
    target = via_source.parent / out
    result = run("annotate-import", via_source / "annotations" / "via_project.json", "--images",
                 via_source / "images", "--out", target, "--force")
    refused(result, "the input")
    assert snapshot(via_source.parent) == before


def test_import_refuses_a_symlink_to_its_source_and_a_folder_it_did_not_write(via_source: Path, tmp_path: Path):
    before = snapshot(via_source)
    link = tmp_path / "alias"
    link.symlink_to(via_source, target_is_directory=True)
    args = ["annotate-import", via_source / "annotations" / "via_project.json", "--images", via_source / "images"]
    refused(run(*args, "--out", link, "--force"), "--out holds the input")
    unrelated = tmp_path / "photos"
    write_image(unrelated / "holiday.jpg")
    refused(run(*args, "--out", unrelated, "--force"), "not written by splashseg annotate-import")
    assert (unrelated / "holiday.jpg").exists() and snapshot(via_source) == before
    dataset = tmp_path / "ds"
    assert run(*args, "--out", dataset).exit_code == 0
    refused(run(*args, "--out", dataset), "already exists; use --force")
    assert run(*args, "--out", dataset, "--force").exit_code == 0  # an earlier import may be replaced
    assert snapshot(via_source) == before


def test_import_refuses_to_replace_a_dataset_holding_its_images(tmp_path: Path):
    """An annotation file naming ``ds/images/a.jpg`` inside an earlier dataset: --force may not replace it."""
    regions = [via_polygon([5, 40, 40, 5], [5, 5, 40, 40], name="balloon")]
    first = write_via_project(tmp_path / "src", {"a.jpg": regions})
    assert run("annotate-import", first, "--out", tmp_path / "ann" / "ds").exit_code == 0
    project = write_via_project(tmp_path / "ann", {"ds/images/a.jpg": regions})
    before = snapshot(tmp_path)
    result = run("annotate-import", project, "--out", tmp_path / "ann" / "ds", "--force")
    refused(result, "holds the input", "a.jpg")
    assert snapshot(tmp_path) == before


# -- train, inspect, demo ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("outputs") / "shapes", n_train=2, n_val=1)


@pytest.mark.parametrize("out, words", [(".", ["--out is the input"]), ("images", ["--out lies inside the input"]),
                                        ("run", ["--out lies inside the input"]), ("..", ["--out holds"])])
def test_train_never_writes_into_its_dataset(dataset: Path, out: str, words: list[str]):
    before = snapshot(dataset)
    result = run("train", "--dataset", dataset, *SMALL, "--device", "cpu", "--workers", "0", "--epochs", "1",
                 "--out", dataset / out, "--force")
    refused(result, *words)
    assert snapshot(dataset) == before and not (dataset / "run").exists()


def test_train_refuses_a_folder_it_did_not_write_and_its_weights_folder(dataset: Path, tmp_path: Path,
                                                                       small_checkpoint: Path):
    mine = tmp_path / "mine"
    (mine / "config.json").parent.mkdir()
    (mine / "config.json").write_text("my own settings")
    result = run("train", "--dataset", dataset, *SMALL, "--epochs", "1", "--out", mine, "--force")
    refused(result, "not written by splashseg train")
    assert (mine / "config.json").read_text() == "my own settings"
    result = run("train", "--dataset", dataset, "--weights", small_checkpoint, "--epochs", "1",
                 "--out", small_checkpoint.parent, "--force")
    refused(result, "holds the input", small_checkpoint.name)


def test_train_force_starts_over_and_resume_keeps_out_of_the_dataset(dataset: Path, tmp_path: Path):
    """--force over a run leaves none of its files: no stale best.pt (a run without val writes its own only
    at the end), no last.pt that --resume would continue. --resume --out must not be the dataset either."""
    import torch

    from splashseg.models import load_checkpoint
    from splashseg.train import TrainConfig, train

    run_dir = tmp_path / "run"
    common = dict(dataset=str(dataset), model="maskrcnn_small", weights="none", min_size=64, max_size=96,
                  batch_size=2, workers=0, device="cpu", warmup_iters=1, out=str(run_dir))
    train(TrainConfig(**common, epochs=1))  # evaluates on val: writes best.pt after epoch 1
    train(TrainConfig(**common, epochs=2, val_split=None, force=True))
    best = load_checkpoint(run_dir / "checkpoints" / "best.pt")["model"]
    last = load_checkpoint(run_dir / "checkpoints" / "last.pt")["model"]
    assert all(torch.equal(best[name], last[name]) for name in last)
    before = snapshot(dataset)
    refused(run("train", "--resume", run_dir, "--out", dataset, "--epochs", "3"), "--out is the input")
    assert snapshot(dataset) == before


def test_inspect_never_writes_into_the_dataset_images(dataset: Path, tmp_path: Path):
    before = snapshot(dataset)
    refused(run("inspect", dataset, "--out", dataset / "images", "--force"), "--out is the input")
    refused(run("inspect", dataset, "--out", dataset, "--force"), "--out holds the input")
    assert snapshot(dataset) == before
    out = tmp_path / "look"
    assert run("inspect", dataset, "--count", "2", "--out", out).exit_code == 0
    assert run("inspect", dataset, "--count", "2", "--out", out, "--force").exit_code == 0  # its own pictures


def test_demo_refuses_a_folder_it_did_not_write(tmp_path: Path):
    mine = tmp_path / "mine"
    write_image(mine / "photo.jpg")
    result = run("demo", "--images", "10", "--size", "64", "--epochs", "1", "--out", mine, "--force")
    refused(result, "not written by splashseg demo")
    assert [p.name for p in mine.iterdir()] == ["photo.jpg"]


# -- detect and splash ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["detect", "splash"])
def test_pictures_never_overwrite_their_inputs(image_dir: Path, tmp_path: Path, command: str,
                                              monkeypatch: pytest.MonkeyPatch):
    before = snapshot(image_dir)
    refused(run(command, image_dir, *SMALL, "--out", image_dir, "--force"), "--out is the input")
    refused(run(command, image_dir / "a.jpg", *SMALL, "--out", image_dir, "--force"), "--out holds the input")
    refused(run(command, image_dir, *SMALL, "--out", image_dir / "out", "--force"), "--out lies inside")
    link = tmp_path / "alias"
    link.symlink_to(image_dir, target_is_directory=True)
    refused(run(command, image_dir / "a.jpg", *SMALL, "--out", link, "--force"), "--out holds the input")
    monkeypatch.chdir(image_dir)  # the default --out (detections/, splashed/) inside the folder being read
    refused(run(command, ".", *SMALL, "--force"), "lies inside the input")
    assert snapshot(image_dir) == before and sorted(p.name for p in image_dir.iterdir()) == sorted(before)


@pytest.mark.parametrize("command", ["detect", "splash"])
def test_pictures_force_replaces_only_splashseg_output(image_dir: Path, tmp_path: Path, command: str):
    album = tmp_path / "album"
    write_image(album / "a.jpg", color=(1, 2, 3))
    before = snapshot(album)
    for force in ([], ["--force"]):
        refused(run(command, image_dir / "a.jpg", *SMALL, "--out", album, *force),
                f"not written by splashseg {command}")
    assert snapshot(album) == before
    (tmp_path / "file.txt").write_text("x")
    refused(run(command, image_dir / "a.jpg", *SMALL, "--out", tmp_path / "file.txt"), "not a folder")
    out = tmp_path / "out"
    assert run(command, image_dir / "a.jpg", *SMALL, "--out", out).exit_code == 0
    assert (out / STAMP).is_file()
    again = run(command, image_dir / "gray.png", *SMALL, "--out", out)  # adds to its own folder
    if command == "detect":  # but detect writes detections.json every time
        refused(again, "detections.json: already exists; use --force")
    else:
        assert again.exit_code == 0, again.output
    refused(run(command, image_dir / "a.jpg", *SMALL, "--out", out), "already exists; use --force")
    assert run(command, image_dir / "a.jpg", *SMALL, "--out", out, "--force").exit_code == 0
    other = "splash" if command == "detect" else "detect"
    refused(run(other, image_dir / "a.jpg", *SMALL, "--out", out, "--force"), f"output of splashseg {command}")


# -- video and splash --video ----------------------------------------------------------------------------
@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4", frames=2, audio=None)


@pytest.mark.parametrize("command", [["video"], ["splash", "--video"]])
def test_video_output_never_overwrites_its_input(clip: Path, tmp_path: Path, command: list[str]):
    before = clip.read_bytes()
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    for out in (clip, link):
        refused(run(*command, clip, *SMALL, "--out", out, "--force"), "would overwrite the input")
    assert clip.read_bytes() == before


@pytest.mark.parametrize("command, render", [(["video"], "splash"), (["video", "--render", "overlay"], "overlay"),
                                             (["splash", "--video"], "splash")])
@pytest.mark.parametrize("folder", ["existing", "new/", "new-no-suffix"])
def test_video_and_splash_video_take_a_folder_as_out(clip: Path, tmp_path: Path, command: list[str], render: str,
                                                     folder: str):
    if folder == "existing":
        (tmp_path / folder).mkdir()
    result = run(*command, clip, *SMALL, "--out", f"{tmp_path}/{folder}", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / folder.rstrip("/") / f"clip-{render}.mp4").is_file()


@pytest.mark.parametrize("command", [["video"], ["splash", "--video"]])
def test_video_out_with_an_unknown_suffix_or_under_a_file_exits_2(clip: Path, tmp_path: Path, command: list[str]):
    refused(run(*command, clip, *SMALL, "--out", tmp_path / "clip.avi"), "suffix '.avi'")
    assert not (tmp_path / "clip.avi").exists()
    refused(run(*command, clip, *SMALL, "--out", f"{clip}/"), f"{clip}: exists and is not a folder")


def test_pictures_out_under_a_file_exits_2(image_dir: Path, tmp_path: Path):
    (tmp_path / "notes.txt").write_text("x")
    refused(run("detect", image_dir, *SMALL, "--out", tmp_path / "notes.txt" / "det"), "exists and is not a folder")
    assert (tmp_path / "notes.txt").read_text() == "x"


def test_splash_never_overwrites_its_background(image_dir: Path, tmp_path: Path, clip: Path):
    out = tmp_path / "out"
    assert run("splash", image_dir / "a.jpg", *SMALL, "--out", out).exit_code == 0
    background = out / "gray.png"
    background.write_bytes((image_dir / "gray.png").read_bytes())
    refused(run("splash", image_dir / "gray.png", *SMALL, "--effect", "image", "--background", background,
                "--out", out, "--force"), "holds the input")
    odd = tmp_path / "bg.mp4"  # a picture is read by its content, whatever its name
    odd.write_bytes(background.read_bytes())
    refused(run("video", clip, *SMALL, "--effect", "image", "--background", odd, "--out", odd, "--force"),
            "would overwrite the input")
    assert odd.read_bytes() == background.read_bytes()


@pytest.mark.parametrize("command", ["detect", "splash"])
def test_pictures_never_write_into_the_folder_of_their_weights(image_dir: Path, tmp_path: Path, command: str,
                                                               small_checkpoint: Path):
    before = small_checkpoint.read_bytes()
    refused(run(command, image_dir / "a.jpg", "--weights", small_checkpoint, "--out", small_checkpoint.parent,
                "--force"), "holds the input", small_checkpoint.name)
    assert small_checkpoint.read_bytes() == before


@pytest.mark.parametrize("command", [["video"], ["splash", "--video"]])
def test_video_never_overwrites_its_weights(clip: Path, tmp_path: Path, command: list[str], small_checkpoint: Path):
    weights = tmp_path / "model.mp4"  # a checkpoint is read by its content, whatever its name
    weights.write_bytes(small_checkpoint.read_bytes())
    refused(run(*command, clip, "--weights", weights, "--out", weights, "--force"), "would overwrite the input")
    assert weights.read_bytes() == small_checkpoint.read_bytes()
