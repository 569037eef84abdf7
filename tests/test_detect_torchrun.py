"""``torchrun ... -m splashseg detect``: two CPU ranks (gloo) give what one process gives, byte for byte."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from samples import scene

from splashseg.apps.detect import DetectedPictures
from splashseg.apps.detect_shards import merge_parts, rank_share

MODEL = str(Path(__file__).resolve().parents[1] / "examples" / "shapes-small.pt")
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TIMEOUT = 300  # seconds: a rank that waits for another forever fails the test instead of hanging it
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]


def _detect(*args: object, launcher: list[str] | None = None,
            env: dict[str, str] = ONE_THREAD) -> subprocess.CompletedProcess[str]:
    command = [*(launcher or [sys.executable]), "-m", "splashseg", "detect", *map(str, args), "--weights", MODEL]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five pictures of different sizes (an odd count) named p0.png ... p4.png."""
    folder = tmp_path_factory.mktemp("pictures")
    for i in range(5):
        Image.fromarray(scene(48 + 8 * i, 64, seed=i)).save(folder / f"p{i}.png")
    return folder


@pytest.fixture(scope="module")
def single(pictures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What one process writes for ``pictures`` (with --save-masks)."""
    out = tmp_path_factory.mktemp("single") / "det"
    done = _detect(pictures, "--save-masks", "--out", out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_rank_share_gives_every_item_to_one_rank() -> None:
    for count in range(7):
        for world in (1, 2, 3, 4):
            shares = [rank_share(list(range(count)), rank, world) for rank in range(world)]
            assert sum(shares, []) == list(range(count))
            assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_merge_parts_renumbers_image_ids_in_rank_order() -> None:
    def part(ids: list[int], failed: list[str]) -> DetectedPictures:
        images = [{"file": f"x{i}"} for i in sorted(set(ids))]
        results = [{"image_id": i, "score": 0.5} for i in ids]
        return DetectedPictures(images, results, [(Path(f), "bad") for f in failed])

    merged = merge_parts([part([1, 1, 2], ["a"]), part([], []), part([1, 2, 2], ["b"])])
    assert [r["image_id"] for r in merged.results] == [1, 1, 2, 3, 4, 4]
    assert list(merged.results[0]) == ["image_id", "score"]  # the key order of a single run's entries
    assert len(merged.images) == 4 and merged.failed == [(Path("a"), "bad"), (Path("b"), "bad")]


@pytest.mark.slow
def test_two_ranks_write_what_one_process_writes(pictures: Path, single: Path, tmp_path: Path) -> None:
    out = tmp_path / "det"
    done = _detect(pictures, "--save-masks", "--out", out, "--json", launcher=TORCHRUN)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # one JSON document: only rank 0 printed
    assert summary["world_size"] == 2 and summary["images_per_rank"] == [2, 3]
    assert [Path(item["file"]).name for item in summary["images"]] == [f"p{i}.png" for i in range(5)]
    assert summary["instances"] > 0 and summary["failed"] == []
    ours, theirs = _files(out), _files(single)
    assert ours["detections.json"] == theirs["detections.json"]
    assert ours == theirs  # every overlay and mask once, with the same bytes, and nothing else


@pytest.mark.slow
def test_a_rank_without_pictures(pictures: Path, single: Path, tmp_path: Path) -> None:
    out = tmp_path / "det"
    done = _detect(pictures / "p0.png", "--out", out, "--json", launcher=TORCHRUN)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["world_size"] == 2 and summary["images_per_rank"] == [0, 1]
    assert sorted(p.name for p in out.iterdir()) == [".splashseg", "detections.json", "p0.png"]
    first = [e for e in json.loads((single / "detections.json").read_text()) if e["image_id"] == 1]
    assert (out / "detections.json").read_text() == json.dumps(first, ensure_ascii=False)
    assert (out / "p0.png").read_bytes() == (single / "p0.png").read_bytes()


@pytest.mark.slow
def test_a_bad_picture_is_reported_once_and_skipped_alike(pictures: Path, single: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for i in range(5):
        (mixed / f"p{i}.png").write_bytes((pictures / f"p{i}.png").read_bytes())
    (mixed / "p2b.png").write_bytes(b"not a picture")  # sorted between p2 and p3: the second rank's first
    alone = _detect(mixed, "--out", tmp_path / "alone")
    assert alone.returncode == 2, alone.stderr[-3000:]
    done = _detect(mixed, "--out", tmp_path / "ranks", launcher=TORCHRUN)
    assert done.returncode != 0  # torchrun itself exits 1 when a rank fails; the ranks exit 2
    root_cause = done.stderr.split("Root Cause", 1)[1]
    assert re.search(r"exitcode\s*:\s*2\b", root_cause), done.stderr[-3000:]
    assert done.stderr.count("warning:") == 1 and "p2b.png: not an image file" in done.stderr
    assert done.stderr.count("error: 1 of 6 inputs skipped: ") == 1
    merged = (tmp_path / "ranks" / "detections.json").read_bytes()
    assert merged == (tmp_path / "alone" / "detections.json").read_bytes()
    without_bad = (single / "detections.json").read_bytes().replace(str(pictures).encode(), str(mixed).encode())
    assert merged == without_bad  # a skipped picture takes no image id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_an_output_inside_an_input_ends_every_rank_with_exit_2(pictures: Path) -> None:
    out = pictures / "det"
    port = str(_free_port())
    ranks = [  # launched by hand (as torchrun would) to see each rank's own exit code
        subprocess.Popen([sys.executable, "-m", "splashseg", "detect", str(pictures), "--weights", MODEL,
                          "--out", str(out)], env={**ONE_THREAD, "RANK": str(rank), "LOCAL_RANK": str(rank),
                                                   "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for rank in (0, 1)
    ]
    outputs = [rank.communicate(timeout=TIMEOUT) for rank in ranks]
    assert [rank.returncode for rank in ranks] == [2, 2], outputs
    assert "--out lies inside the input" in outputs[0][1] and outputs[1] == ("", "")
    done = _detect(pictures, "--out", out, launcher=TORCHRUN)
    assert done.returncode != 0 and done.stderr.count("error: ") == 1 and "--out lies inside" in done.stderr
    assert not out.exists()
