"""``plot_history``: a PNG of the training losses and the validation AP per epoch (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fsutil import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_history(history: list[dict[str, Any]], path: Path) -> None:
    """Write :func:`history_figure` of ``metrics.jsonl`` records as a PNG, atomically."""
    figure = history_figure(history)
    with atomic_path(Path(path)) as tmp:
        figure.savefig(tmp, format="png")


def history_figure(history: list[dict[str, Any]]) -> Figure:
    """Losses (left) and bbox/segm AP (right) against the epoch, ticked at whole epochs only.

    Loss keys are those starting with ``loss``; AP keys ``bbox_AP`` and ``segm_AP`` (missing or ``None``
    values are skipped).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 4), dpi=100)
    loss_ax, ap_ax = figure.subplots(1, 2)
    epochs = [r["epoch"] for r in history]
    loss_keys = [k for k in (history[0] if history else {}) if k.startswith("loss")]
    for key in loss_keys:
        loss_ax.plot(
            epochs,
            [r.get(key) for r in history],
            marker="o",
            lw=2 if key == "loss" else 1,
            label=key.removeprefix("loss_") if key != "loss" else "total",
        )
    loss_ax.set(title="training loss", xlabel="epoch", yscale="log" if loss_keys else "linear")
    for key in ("bbox_AP", "segm_AP", "segm_AP50"):
        points = [(r["epoch"], r[key]) for r in history if r.get(key) is not None]
        if points:
            ap_ax.plot(*zip(*points, strict=True), marker="o", label=key.replace("_", " "))
    ap_ax.set(title="validation AP", xlabel="epoch", ylim=(0, 1))
    for ax in (loss_ax, ap_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole: no 1.25, 1.5 ticks
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    figure.tight_layout()
    return figure
