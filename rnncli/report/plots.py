"""Figures, drawn headless (matplotlib's Agg backend) and written atomically as PNG.

- `loss`: train and validation loss per epoch, the best epoch marked (train writes loss.png);
- `forecast`: the last stretch of history, the forecast and its interval band (predict --plot);
- `evaluation`: actual values, the model and the best baseline over a split (evaluate --plot);
- `backtest`: actual values over every fold's test stretch, each fold's forecasts and the best
  baseline, fold borders marked (backtest --plot).

Each panel is titled, its axes labelled with the data's own column names, dates on the x axis.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from rnncli.artifacts.files import atomic_write
from rnncli.evaluation.scores import label

MAX_PANELS = 12


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = (
        False  # names from the user ("$ sales") are text, not TeX: a "$" must not break a plot
    )
    return plt


def _save(fig, path: str | Path) -> None:
    width, height = fig.get_size_inches()
    # margins in inches (room for labels and the date axis): a "tight" bounding box would draw the
    # figure twice, doubling the time to save
    fig.subplots_adjust(
        left=0.8 / width, right=1 - 0.2 / width, bottom=0.75 / height, top=1 - 0.4 / height, hspace=0.55
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    pyplot().close(fig)
    atomic_write(path, lambda fh: fh.write(buf.getvalue()))


def date_axis(ax) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def loss(history: list[dict], path: str | Path, title: str) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    epochs = [r["epoch"] for r in history]
    ax.plot(epochs, [r["train_loss"] for r in history], marker=".", label="train")
    ax.plot(epochs, [r["val_loss"] for r in history], marker=".", label="validation")
    best = min(history, key=lambda r: r["val_loss"])
    ax.axvline(best["epoch"], color="grey", linestyle=":", label=f"best epoch {best['epoch']}")
    ax.set(title=title, xlabel="epoch", ylabel="loss (mean squared error, scaled units)")
    if max(r["train_loss"] for r in history) > 20 * min(r["val_loss"] for r in history):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    _save(fig, path)


def forecast(result, path: str | Path) -> None:
    """One panel per series and target: history, forecast, interval band."""
    plt = pyplot()
    frame, time_column = result.frame, result.history[0][1].columns[0]
    targets = list(result.history[0][1].columns[1:])
    panels = [(key, hist, target) for key, hist in result.history for target in targets][:MAX_PANELS]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 3.2 * len(panels)), squeeze=False)
    keys = result.keys()
    for ax, (key, hist, target) in zip(axes[:, 0], panels):
        ahead = frame if keys is None else frame[keys == str(key)]
        ax.plot(hist[time_column], hist[target], color="black", linewidth=1, label="history")
        ax.plot(ahead[time_column], ahead[target], color="tab:blue", marker=".", label="forecast")
        if f"{target}_lower" in ahead:
            label = f"{result.coverage:.0%} interval" if result.coverage else "interval"
            ax.fill_between(
                ahead[time_column],
                ahead[f"{target}_lower"],
                ahead[f"{target}_upper"],
                color="tab:blue",
                alpha=0.2,
                label=label,
            )
        ax.axvline(hist[time_column].iloc[-1], color="grey", linestyle=":")
        ax.set(
            title=f"forecast of {target}" + ("" if key is None else f", series {key}"),
            xlabel=time_column,
            ylabel=target,
        )
        date_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    _save(fig, path)


def evaluation(scores, path: str | Path) -> None:
    """Per series and target: actual, the model and the best baseline, one step ahead."""
    plt = pyplot()
    metrics = scores.metrics
    baseline = min(metrics["baselines"], key=lambda b: metrics["baselines"][b]["mae"] or float("inf"))
    served = metrics.get("served", {}).get("label", "the network")
    text_of = {"model": f"served: {served}", baseline: label(baseline)}
    panels = [(f, j, target) for f in scores.forecasts for j, target in enumerate(metrics["targets"])][
        :MAX_PANELS
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 3.4 * len(panels)), squeeze=False)
    for ax, (f, j, target) in zip(axes[:, 0], panels):
        actual = f["actual"][:, j]
        ax.plot(f["times"], actual, color="black", linewidth=1, label="actual")
        for name, color in (("model", "tab:blue"), (baseline, "tab:orange")):
            values = f[name][:, j]
            ax.plot(
                f["times"],
                values,
                color=color,
                linewidth=1,
                label=f"{text_of[name]} (MAE {np.abs(values - actual).mean():.3g})",
            )
        series = "" if f["id"] is None else f", series {f['id']}"
        ax.set(
            title=f"{target} on the {metrics['split']} split, one step ahead{series}",
            xlabel=f.get("time_column", "time"),
            ylabel=target,
        )
        date_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    _save(fig, path)


def backtest(result, path: str | Path) -> None:
    """Per series and target: the actual values of every fold's test stretch, each fold's model
    forecasts (one step ahead) and the best baseline's, with a line at each fold's origin."""
    plt = pyplot()
    scores = result.scores
    baseline = scores["comparison"]["baseline"]
    ids = [f["id"] for f in result.results[0].scores.forecasts]
    panels = [(key, j, target) for key in ids for j, target in enumerate(scores["targets"])][:MAX_PANELS]
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 3.4 * len(panels)), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (key, j, target) in zip(axes[:, 0], panels):
        for n, fold in enumerate(result.results):
            f = next(one for one in fold.scores.forecasts if one["id"] == key)
            ax.plot(
                f["times"], f["actual"][:, j], color="black", linewidth=1, label="actual" if n == 0 else None
            )
            ax.plot(
                f["times"],
                f["model"][:, j],
                color=colours[n % len(colours)],
                linewidth=1,
                label=f"model, fold {fold.fold.k}",
            )
            ax.plot(
                f["times"],
                f[baseline][:, j],
                color="grey",
                linewidth=0.8,
                linestyle="--",
                label=label(baseline) if n == 0 else None,
            )
            ax.axvline(f["times"][0], color="grey", linestyle=":")
        series = "" if key is None else f", series {key}"
        ax.set(
            title=f"{target}: backtest over {len(result.results)} folds, one step ahead{series}",
            ylabel=target,
            xlabel=result.time_column,
        )
        date_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small", ncol=2)
    _save(fig, path)
