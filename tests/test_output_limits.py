"""Outputs the filesystem cannot take: a file-size limit (EFBIG), a name too long (ENAMETOOLONG), a device,
an empty value. Each is one line naming the output (or option) and what is wrong, never "unexpected"."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import click
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SMALL
from PIL import Image

from splashseg.cli import all_commands, main

LIMIT_BYTES = 16384


def noise_picture(path: Path) -> Path:
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(path)
    return path


def noise_clip(path: Path, frames: int = 30) -> Path:
    """An H.264 clip of random pixels: its splash is far larger than :data:`LIMIT_BYTES`."""
    rng = np.random.default_rng(0)
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        stream.time_base = Fraction(1, 25)
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))


def run_limited(cwd: Path, *args: object) -> subprocess.CompletedProcess:
    """``python -m splashseg ARGS`` under ``ulimit -f`` (:data:`LIMIT_BYTES`)."""
    return subprocess.run([sys.executable, "-m", "splashseg", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, preexec_fn=_limit_file_size, timeout=600)


@pytest.mark.parametrize("command, make, out, written", [
    ("splash", noise_picture, "splashed", "splashed/noise.png"),
    ("detect", noise_picture, "detected", "detected/noise.png"),
    ("video", noise_clip, "out.mp4", "out.mp4"),
])
def test_a_file_size_limit_is_one_line_naming_the_output(tmp_path: Path, command: str, make, out: str,  # noqa: ANN001
                                                       written: str):
    source = make(tmp_path / ("noise.png" if make is noise_picture else "noise.mp4"))
    result = run_limited(tmp_path, command, source.name, *SMALL, "--out", out, "-q")
    assert result.returncode == 1, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert error == [f"error: {written}: cannot write it: file too large (the filesystem or `ulimit -f` limits the "
                     "size of a file; write it elsewhere)"], result.stderr
    assert not (tmp_path / written).exists()
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


LONG = "x" * 300


@pytest.mark.parametrize("command, out", [
    (["video", "{clip}", *SMALL], f"{LONG}.mp4"),
    (["splash", "{picture}", *SMALL], LONG),
    (["splash", "--video", "{clip}", *SMALL], f"{LONG}.mp4"),
    (["detect", "{picture}", *SMALL], LONG),
    (["annotate-import", "{picture}"], LONG),
    (["inspect", "{picture}"], LONG),
    (["train", "--dataset", "{picture}"], LONG),
])
def test_a_name_too_long_is_exit_2_at_start_up(tmp_path: Path, command: list[str], out: str):
    paths = {"clip": noise_clip(tmp_path / "clip.mp4", frames=2), "picture": noise_picture(tmp_path / "p.png")}
    args = [a.format(**paths) for a in command]
    result = CliRunner().invoke(main, [args[0], "--out", str(tmp_path / out), *args[1:]])  # --out is read first
    assert result.exit_code == 2, result.output
    assert "a name 30" in result.output and "bytes long; file systems allow at most 255" in result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["video", "{clip}"], ["splash", "--video", "{clip}"], ["splash", "{picture}"],
                                     ["detect", "{picture}"], ["annotate-import", "{picture}"]])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_out_dev_null_is_a_device(tmp_path: Path, command: list[str], force: list[str]):
    paths = {"clip": noise_clip(tmp_path / "clip.mp4", frames=2), "picture": noise_picture(tmp_path / "p.png")}
    args = [a.format(**paths) for a in command]
    model = SMALL if command[0] != "annotate-import" else []
    result = CliRunner().invoke(main, [*args, *model, "--out", "/dev/null", *force])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == \
        "error: /dev/null: --out is a device, not a file or folder splashseg can write to"
    assert Path("/dev/null").is_char_device()


def test_tracks_dev_null_is_a_device(tmp_path: Path):
    clip = noise_clip(tmp_path / "clip.mp4", frames=2)
    result = CliRunner().invoke(main, ["video", str(clip), *SMALL, "--out", str(tmp_path / "o.mp4"), "--tracks",
                                       "/dev/null", "--force"])
    assert result.exit_code == 2, result.output
    assert "/dev/null: --tracks is a device" in result.output
    assert Path("/dev/null").is_char_device() and not (tmp_path / "o.mp4").exists()


def _string_and_path_options() -> list[tuple[str, str]]:
    found = []
    for name, command in all_commands().items():
        for param in command.params:
            inner = getattr(param.type, "inner", param.type)
            if isinstance(param, click.Option) and not param.is_flag and \
                    isinstance(inner, (click.Path, click.types.StringParamType)):
                found.append((name, param.opts[-1]))
    return found


@pytest.mark.parametrize("command, option", _string_and_path_options())
def test_every_string_and_path_option_refuses_an_empty_value(command: str, option: str):
    result = CliRunner().invoke(main, [command, option, ""])
    assert result.exit_code == 2, result.output
    assert f"empty value for {option}" in result.output and "Traceback" not in result.output


def test_the_options_the_issue_names_are_among_those_walked():
    walked = set(_string_and_path_options())
    assert {("detect", "--weights"), ("splash", "--device"), ("splash", "--classes"), ("video", "--tracks"),
            ("video", "--out"), ("annotate-import", "--out"), ("evaluate", "--weights")} <= walked


@pytest.mark.parametrize("command", [["splash"], ["annotate-import"], ["detect"]])
def test_an_empty_argument_is_refused(command: list[str]):
    result = CliRunner().invoke(main, [*command, ""])
    assert result.exit_code == 2 and "empty value for" in result.output, result.output
