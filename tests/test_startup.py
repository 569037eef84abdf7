"""Start-up: a command loads only its own module; ``detect`` never loads the video, training or import code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import SMALL

ROOT = Path(__file__).resolve().parents[1]
PICTURE = sorted((ROOT / "examples" / "pictures").glob("*.png"))[0]
NOT_FOR_PICTURES = ["av", "scipy", "splashseg.video", "splashseg.apps.video", "splashseg.train",
                    "splashseg.data.importers", "splashseg.cli.video_cmds", "splashseg.cli.train_cmds"]


def _modules_after(args: list[str], tmp_path: Path) -> dict:
    """Run ``splashseg ARGS`` in a new process; its exit code and which of :data:`NOT_FOR_PICTURES` it loaded."""
    code = ("import json, sys\nfrom splashseg.cli import main\ntry:\n    main(sys.argv[1:], prog_name='splashseg')\n"
            "except SystemExit as exc:\n    code = exc.code\n"
            f"print(json.dumps({{'code': code, 'loaded': [m for m in {NOT_FOR_PICTURES!r} if m in sys.modules]}}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPLASHSEG_RUNTIME": "torch"}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                          check=False)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_detect_loads_no_video_training_or_import_code(tmp_path: Path) -> None:
    assert _modules_after(["detect", "--help"], tmp_path) == {"code": 0, "loaded": []}
    ran = _modules_after(["detect", str(PICTURE), *SMALL, "--device", "cpu", "--out", str(tmp_path / "d"), "-q"],
                         tmp_path)
    assert ran == {"code": 0, "loaded": []}
    assert (tmp_path / "d" / PICTURE.name).is_file()


def test_a_video_command_still_finds_its_code(tmp_path: Path) -> None:
    loaded = _modules_after(["video", "--help"], tmp_path)
    assert loaded["code"] == 0 and {"av", "splashseg.video", "splashseg.cli.video_cmds"} <= set(loaded["loaded"])
