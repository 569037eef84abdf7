"""``train`` and ``evaluate``: fine-tune Mask R-CNN on a canonical dataset, and score a checkpoint on it."""

from __future__ import annotations

import click
from click.core import ParameterSource

from ..predict import speed_line
from ..train.config import LR_PER_IMAGE, WEIGHT_DECAY, TrainConfig
from ..train.evaluate import EvaluateConfig
from ..train.optim import FREEZE, OPTIMIZERS, SCHEDULES, WARMUP_SHARE
from ..train.resume import RUNS_DIR
from .options import (
    FiniteFloatRange,
    common_options,
    model_options,
    output_options,
    refine_option,
    reporter,
    runtime_option,
)

# CLI parameter name -> TrainConfig field (the rest have the same name; the others are not config).
FIELD_OF_PARAM = {"model_name": "model"}
NOT_CONFIG = {"json_mode", "quiet"}


def _set_by_user(ctx: click.Context) -> dict[str, object]:
    """The options given on the command line (so defaults stay in TrainConfig alone)."""
    return {
        FIELD_OF_PARAM.get(name, name): value
        for name, value in ctx.params.items()
        if name not in NOT_CONFIG and ctx.get_parameter_source(name) != ParameterSource.DEFAULT
    }


def _by_optimizer(values: dict[str, float]) -> str:
    """``{"sgd": 1e-4, "adamw": 0.05}`` -> ``"sgd 0.0001, adamw 0.05"`` for a ``[default: ...]``."""
    return ", ".join(f"{name} {value:g}" for name, value in values.items())


@click.command()
@click.option(
    "--dataset",
    type=click.Path(file_okay=False),
    default=None,
    help="Canonical dataset folder (annotations/train.json, val.json, images/).",
)
@model_options(default_weights=TrainConfig.weights)
@click.option(
    "--epochs", type=click.IntRange(1), default=TrainConfig.epochs, show_default=True, help="Epochs to train."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=TrainConfig.batch_size,
    show_default=True,
    help="Images per step and process.",
)
@click.option(
    "--lr",
    type=FiniteFloatRange(0, min_open=True),
    show_default=f"per image in a step: {_by_optimizer(LR_PER_IMAGE)}",
    help="Peak learning rate.",
)
@click.option(
    "--optimizer",
    type=click.Choice(list(OPTIMIZERS)),
    default=TrainConfig.optimizer,
    show_default=True,
    help=f"sgd (momentum {TrainConfig.momentum}) or adamw.",
)
@click.option(
    "--schedule",
    type=click.Choice(list(SCHEDULES)),
    default=TrainConfig.schedule,
    show_default=True,
    help="Learning-rate decay.",
)
@click.option(
    "--warmup-iters",
    type=click.IntRange(0),
    default=TrainConfig.warmup_iters,
    show_default=True,
    help=f"Linear warm-up iterations, capped to the first epoch and to {WARMUP_SHARE:.0%} of the run (a "
    "run that caps it says how many it uses; config.json holds that number).",
)
@click.option(
    "--weight-decay",
    type=FiniteFloatRange(0),
    show_default=_by_optimizer(WEIGHT_DECAY),
    help="Weight decay.",
)
@click.option(
    "--clip-grad",
    type=FiniteFloatRange(0),
    default=TrainConfig.clip_grad,
    show_default=True,
    help="Clip the gradient norm to this (0: off).",
)
@click.option(
    "--freeze",
    type=click.Choice(list(FREEZE)),
    default=TrainConfig.freeze,
    show_default=True,
    help="backbone: train only FPN and heads (Matterport's 'heads').",
)
@click.option(
    "--augment/--no-augment",
    default=TrainConfig.augment,
    show_default=True,
    help="Flip, scale jitter and colour changes.",
)
@click.option("--amp/--no-amp", default=TrainConfig.amp, show_default="on with CUDA", help="Mixed precision.")
@click.option(
    "--resume",
    is_flag=False,
    flag_value="last",
    default=None,
    metavar="[RUN_OR_CKPT]",
    help="Continue a run: its folder or checkpoint (alone: --out RUN, or this dataset's newest run).",
)
@click.option("--seed", type=int, default=TrainConfig.seed, show_default=True, help="Seed of every random generator.")
@click.option(
    "--workers", type=click.IntRange(0), default=TrainConfig.workers, show_default=True, help="Data-loading processes."
)
@output_options(f"Run folder [default: {RUNS_DIR}/<dataset name>-<n>].")
@click.pass_context
def train(ctx: click.Context, json_mode: bool, quiet: bool, **_options: object) -> None:
    """Fine-tune Mask R-CNN on a dataset made by annotate-import.

    Writes RUN/checkpoints/last.pt (every epoch) and best.pt (best segm AP), RUN/metrics.jsonl,
    RUN/training.png and RUN/config.json. Several GPUs: torchrun --nproc-per-node N -m splashseg train ...

    \b
    Example:
        splashseg train --dataset balloons --weights coco --epochs 20 --out runs/balloon
        splashseg train --resume runs/balloon
    """
    from ..train import train as run_training
    from .train_tables import summary_table

    options = _set_by_user(ctx)
    if not options.get("dataset") and not options.get("resume"):
        raise click.UsageError("--dataset is required (unless --resume names a run)")
    config = TrainConfig(**options)
    rep = reporter(json_mode, quiet)
    summary = run_training(config, rep, explicit=set(options))
    if summary.is_main:
        rep.table(summary_table(summary))
        rep.emit_json(summary.to_json())


@click.command()
@click.option("--dataset", type=click.Path(file_okay=False), required=True, help="Canonical dataset folder.")
@model_options(default_weights=None)
@runtime_option
@click.option("--split", default=EvaluateConfig.split, show_default=True, help="Which split to score.")
@click.option("--batch-size", type=click.IntRange(1), default=EvaluateConfig.batch_size, show_default=True,
              help="Images per forward pass.")
@click.option("--workers", type=click.IntRange(0), default=EvaluateConfig.workers, show_default=True,
              help="Data-loading processes.")
@refine_option
@common_options
def evaluate(json_mode: bool, quiet: bool, **options: object) -> None:
    """COCO bbox and segm AP (AP50, AP75, small/medium/large, per class) of a checkpoint on a split.

    Also the masks' boundary IoU (mean over the objects found, band 2% of the diagonal). With --refine
    the masks are refined first and scored beside the plain ones (one forward pass).

    \b
    Example:
        splashseg evaluate --dataset balloons --weights runs/balloon/checkpoints/best.pt
        splashseg evaluate --dataset balloons --weights runs/balloon/checkpoints/best.pt --refine --json
    """
    from ..train import evaluate_weights
    from .train_tables import metrics_table, per_class_table

    if not options["weights"]:
        raise click.UsageError("--weights PATH is required (a checkpoint written by splashseg train)")
    rep = reporter(json_mode, quiet)
    config = EvaluateConfig(**options)  # type: ignore[arg-type]
    result = evaluate_weights(config)
    if result.extra["checkpoint_classes"] != result.extra["dataset_classes"]:
        rep.warn(
            f"class names differ: checkpoint {result.extra['checkpoint_classes']}, "
            f"dataset {result.extra['dataset_classes']} (matched by position)"
        )
    title = f"{config.weights} on {config.dataset} ({config.split}, {result.images} images)"
    rep.table(metrics_table(result, title))
    rep.table(per_class_table(result))
    speed = result.extra.get("speed", {})
    if speed:
        rep.info(speed_line(speed))
    rep.emit_json(result.to_json() | speed | {"extra": result.extra})


COMMANDS = [train, evaluate]
