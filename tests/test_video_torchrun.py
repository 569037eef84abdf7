"""``video`` and ``splash --video`` under torchrun: until videos are shared between ranks, every rank exits 2
and the user sees one line; nothing is written (no rank renders the whole clip, none reads another's
tracks file)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_detect_torchrun import MODEL, ONE_THREAD, TIMEOUT, TORCHRUN, _free_port
from video_samples import write_video

pytestmark = pytest.mark.slow

REFUSED = "videos are not shared between torchrun's processes yet (each would render the whole clip)"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", frames=6, audio=None)


def _command(clip: Path, out: Path, command: str) -> list[str]:
    source = [command, str(clip)] if command == "video" else [command, "--video", str(clip)]
    return ["-m", "splashseg", *source, "--weights", MODEL, "--out", str(out / "out.mp4"),
            "--tracks", str(out / "tracks.json")]


@pytest.mark.parametrize("command", ["video", "splash"])
def test_every_rank_exits_2_and_the_user_sees_one_line(clip: Path, tmp_path: Path, command: str) -> None:
    port = str(_free_port())
    ranks = [  # launched by hand (as torchrun would) to see each rank's own exit code and output
        subprocess.Popen([sys.executable, *_command(clip, tmp_path, command)],
                         env={**ONE_THREAD, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2",
                              "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for rank in (0, 1)
    ]
    outputs = [rank.communicate(timeout=TIMEOUT) for rank in ranks]
    assert [rank.returncode for rank in ranks] == [2, 2], outputs
    assert outputs[0] == ("", f"error: {command}: {REFUSED}; run splashseg {command} as one process\n")
    assert outputs[1] == ("", "")
    assert list(tmp_path.iterdir()) == []


def test_through_torchrun(clip: Path, tmp_path: Path) -> None:
    done = subprocess.run([*TORCHRUN, *_command(clip, tmp_path, "video")], env=ONE_THREAD, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode != 0  # torchrun itself exits 1 when a rank fails; the ranks exit 2
    assert re.search(r"exitcode\s*:\s*2\b", done.stderr.split("Root Cause", 1)[1]), done.stderr[-3000:]
    assert done.stderr.count("error: ") == 1 and REFUSED in done.stderr and done.stdout == ""
    assert "splashseg" not in done.stderr.split("error: ", 1)[0]  # no traceback from splashseg's code
    assert list(tmp_path.iterdir()) == []
