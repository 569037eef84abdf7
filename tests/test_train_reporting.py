"""What a training run reports about itself: a best AP only when one was measured, the warm-up it really
used (capped for short runs), and whole-epoch ticks on ``training.png``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.backends.backend_agg import FigureCanvasAgg
from test_train_cli import SMALL
from test_train_data import make_dataset, one_thread  # noqa: F401 (autouse fixture)

from splashseg.cli import main
from splashseg.train.optim import capped_warmup, lr_factor
from splashseg.train.plot import history_figure

WARMUP_AT = SMALL.index("--warmup-iters")
NO_WARMUP_OPTION = SMALL[:WARMUP_AT] + SMALL[WARMUP_AT + 2:]  # the default --warmup-iters


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("reporting") / "shapes", n_train=4, n_val=2)


def test_best_ap_is_null_when_it_was_never_measured(tmp_path: Path):
    """A val split of pictures without objects: AP is undefined, so no ``best_segm_AP: 0.0``."""
    root = make_dataset(tmp_path / "negatives", n_train=4, n_val=2)
    val = json.loads((root / "annotations" / "val.json").read_text())
    (root / "annotations" / "val.json").write_text(json.dumps({**val, "annotations": []}))
    run = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--dataset", str(root), *SMALL, "--epochs", "2", "--batch-size", "2",
                                       "--out", str(run), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["best_segm_AP"] is None and summary["last_epoch"]["segm_AP"] is None
    assert (run / "checkpoints" / "best.pt").exists()  # the first evaluated epoch is still kept as the best


def test_short_run_caps_its_warm_up_and_says_so(dataset: Path, tmp_path: Path):
    """4 pictures, batch 2, 3 epochs: 6 iterations in all, so the default 100-iteration warm-up becomes 1."""
    run = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--dataset", str(dataset), *NO_WARMUP_OPTION, "--epochs", "3",
                                       "--batch-size", "2", "--out", str(run)])
    assert result.exit_code == 0, result.output
    assert ("warm-up: 1 iteration (--warmup-iters 100 capped to the first epoch and 25% of this run's 6 "
            "iterations)") in result.output
    assert json.loads((run / "config.json").read_text())["warmup_iters"] == 1


@pytest.mark.parametrize(("requested", "per_epoch", "epochs", "used"), [
    (100, 16, 3, 12),     # the run: 3 epochs of 16 iterations
    (100, 500, 10, 100),  # a long run keeps what was asked
    (100, 40, 10, 40),    # at most the first epoch, as torchvision's references
    (0, 16, 3, 0),
    (100, 1, 1, 0),
])
def test_warm_up_is_capped_to_a_share_of_the_run(requested: int, per_epoch: int, epochs: int, used: int):
    assert capped_warmup(requested, per_epoch, epochs) == used


def test_the_capped_warm_up_reaches_the_peak_learning_rate():
    warmup = capped_warmup(100, 16, 3)
    factors = [lr_factor(i, total_iters=48, schedule="step", warmup_iters=warmup) for i in range(48)]
    assert max(factors) == 1.0 and factors.index(1.0) == warmup


def test_training_plot_ticks_whole_epochs():
    history = [{"epoch": e, "loss": 1.0 / e, "loss_mask": 0.5 / e, "segm_AP": 0.1 * e} for e in (1, 2, 3)]
    figure = history_figure(history)
    FigureCanvasAgg(figure).draw()
    for axes in figure.axes:
        low, high = axes.get_xlim()
        ticks = [t for t in axes.get_xticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
