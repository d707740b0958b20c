"""The report's charts, drawn by matplotlib as SVG text to inline in the page (`rnncli report`).

Each function returns one `<svg>` element that scales to the width of its container: no external
font, image or script (text is kept as text, in the page's font). Colours are the same in every
chart: the served forecast blue, the best baseline orange, actual values black.
"""

from __future__ import annotations

import functools
import io
import re

import numpy as np

from rnncli.report.plots import date_axis, pyplot

SERVED, BASELINE, NETWORK, ACTUAL = "#1f6feb", "#e8710a", "#8250df", "#1b1f24"
PARTS = {"train": "#9ecae1", "validation": "#fdd49e", "test": "#a1d99b"}


STYLE = {
    "text.parse_math": False,  # "$ sales" is a name, not TeX
    "svg.fonttype": "none",  # text as text: small, and in the page's font
    "svg.hashsalt": "rnncli",  # the same ids every time: the same file for the same run
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.frameon": False,
}


def styled(draw):
    """Draw (and write) a chart in the report's style, leaving matplotlib's settings as they were."""

    @functools.wraps(draw)
    def inner(*args, **kwargs) -> str:
        with pyplot().rc_context(STYLE):
            return draw(*args, **kwargs)

    return inner


def figure(width: float = 8.0, height: float = 3.0):
    return pyplot().subplots(figsize=(width, height))


def to_svg(fig) -> str:
    """The figure as an inline `<svg>` that scales to its container's width."""
    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    pyplot().close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart" role="img"', text, count=1
    )


@styled
def loss(history: list[dict]) -> str:
    """Train and validation loss per epoch, the best epoch marked."""
    fig, ax = figure(8, 2.8)
    epochs = [r["epoch"] for r in history]
    ax.plot(epochs, [r["train_loss"] for r in history], marker=".", color=SERVED, label="train")
    ax.plot(epochs, [r["val_loss"] for r in history], marker=".", color=BASELINE, label="validation")
    best = min(history, key=lambda r: r["val_loss"])
    ax.axvline(best["epoch"], color="grey", linestyle=":", label=f"best epoch {int(best['epoch'])}")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if max(r["train_loss"] for r in history) > 20 * min(r["val_loss"] for r in history):
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss (scaled units)")
    ax.legend(loc="upper right")
    return to_svg(fig)


@styled
def timeline(rows: list[tuple[str, list[tuple[object, object, str]]]], xlabel: str) -> str:
    """One bar per row (a series, a fold) on a time axis, cut into its parts: (label, [(first, last,
    part)]), part one of PARTS."""
    import pandas as pd

    fig, ax = figure(8, 1.5 + 0.3 * len(rows))
    for y, (_, spans) in enumerate(rows):
        for first, last, part in spans:
            start, end = pd.Timestamp(first), pd.Timestamp(last)
            ax.barh(y, end - start, left=start, height=0.6, color=PARTS[part], edgecolor="white")
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    handles = [pyplot().Rectangle((0, 0), 1, 1, color=c) for c in PARTS.values()]
    ax.legend(handles, list(PARTS), loc="lower right", bbox_to_anchor=(1, 1), ncol=3, fontsize=8)
    ax.set_xlabel(xlabel)
    date_axis(ax)
    return to_svg(fig)


@styled
def forecast(
    one: dict, j: int, baseline: str | None, labels: dict[str, str], ylabel: str, xlabel: str
) -> str:
    """Actual values, the served forecast with its interval band, and a baseline, one step ahead."""
    fig, ax = figure(8, 2.8)
    times, actual, served = one["times"], one["actual"][:, j], one["model"][:, j]
    few = len(times) < 30  # a few windows (a short test part): points, and the interval as bars
    mark = {"marker": "o", "markersize": 4} if few else {}
    if "lower" in one and few:
        below, above = served - one["lower"][:, j], one["upper"][:, j] - served
        ax.errorbar(
            times,
            served,
            yerr=[below, above],
            fmt="none",
            ecolor=SERVED,
            alpha=0.35,
            capsize=3,
            label="interval",
        )
    elif "lower" in one:
        ax.fill_between(
            times,
            one["lower"][:, j],
            one["upper"][:, j],
            color=SERVED,
            alpha=0.15,
            linewidth=0,
            label="interval",
        )
    ax.plot(times, actual, color=ACTUAL, linewidth=1.1, label="actual", **mark)
    ax.plot(times, served, color=SERVED, linewidth=1.1, label=labels["model"], **mark)
    if baseline is not None:
        ax.plot(
            times,
            one[baseline][:, j],
            color=BASELINE,
            linewidth=0.9,
            linestyle="--",
            label=labels[baseline],
            **mark,
        )
    ax.set(xlabel=xlabel, ylabel=ylabel)
    date_axis(ax)
    ax.legend(loc="upper left", ncol=4, fontsize=8)
    return to_svg(fig)


@styled
def per_step(coverage: list[float], nominal: float, widths: list[float]) -> str:
    """The intervals per horizon step: share of actual values inside against the nominal, and width."""
    fig, (left, right) = pyplot().subplots(1, 2, figsize=(8, 2.6))
    steps = np.arange(1, len(coverage) + 1)
    left.bar(steps, np.array(coverage) * 100, color=SERVED, width=0.7)
    left.axhline(nominal * 100, color=BASELINE, linestyle="--", label=f"nominal {nominal:.0%}")
    left.set(xlabel="horizon step", ylabel="% inside", ylim=(0, 100))
    left.legend(loc="lower right")
    right.plot(steps, widths, marker=".", color=SERVED)
    right.set(xlabel="horizon step", ylabel="mean width (real units)")
    right.set_ylim(bottom=0)
    return to_svg(fig)


@styled
def bars(labels: list[str], values: list[float], xlabel: str, highlight: int | None = None) -> str:
    """Horizontal bars, one per label (a forecast, a run), the highlighted one in the served colour."""
    fig, ax = figure(8, 0.5 + 0.3 * len(labels))
    colours = [SERVED if i == highlight else "#8c959f" for i in range(len(labels))]
    shown = [np.nan if v is None else v for v in values]
    ax.barh(range(len(labels)), shown, color=colours, height=0.65)
    for y, v in enumerate(shown):
        if np.isfinite(v):
            ax.text(v, y, f" {v:.4g}", va="center", fontsize=8)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.12)
    return to_svg(fig)


@styled
def folds(
    numbers: list[str], lines: dict[str, list[float]], ylabel: str, nominal: float | None = None
) -> str:
    """One value per fold for each named line (served, network, best baseline; or coverage)."""
    fig, ax = figure(8, 2.6)
    colours = {"served": SERVED, "inside": SERVED, "network alone": NETWORK}  # any other: the baseline
    for name, values in lines.items():
        ax.plot(numbers, values, marker="o", color=colours.get(name, BASELINE), label=name)
    if nominal is not None:
        ax.axhline(nominal, color="grey", linestyle=":", label=f"nominal {nominal:.0%}")
    ax.set(xlabel="fold", ylabel=ylabel)
    ax.legend(loc="best", fontsize=8)
    return to_svg(fig)
