"""Charts as PNG images: the maturity chart that goes with ``/results``.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, so no global figure state
and no GUI backend). matplotlib is imported on the first chart, not with this module, so
``citybot --help`` and the engine stay fast. Every word on a chart comes with its data.
"""

from __future__ import annotations

import io
import threading
from typing import TYPE_CHECKING

from conversations import MaturityChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_INCHES, HEIGHT_INCHES, DPI = 6.4, 4.8, 125
"""800 x 600 pixels: sharp on a phone, small to send."""
DOMAIN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe-Ito, readable with colour blindness; domains beyond eight reuse them."""
NEXT_ALPHA = 0.3
"""The progress within the next stage is the domain colour, lighter."""
BAR_HEIGHT = 0.7
DOMAIN_GAP = 0.9
"""Extra space above each domain's bars, where its name goes."""
LABEL_CHARS = 28
"""Area labels (code and title) and domain names are cut to this many characters, so the bars keep the width."""
STAGE_CHARS = 16
TITLE_CHARS = 60
FONT_SIZE = 9
TEXT_COLOUR = "#333333"
GRID_COLOUR = "#D9D9D9"

_drawing = threading.Lock()
"""matplotlib's text layout and font caches are shared; charts are drawn one at a time."""


def maturity_chart_png(chart: MaturityChart) -> bytes:
    """Draw the maturity chart as a PNG: one bar per area, grouped and coloured by domain, stages along x."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _drawing:
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        _draw(figure, figure.add_subplot(), chart)
        output = io.BytesIO()
        figure.savefig(output, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        return output.getvalue()


def _draw(figure: Figure, axes: Axes, chart: MaturityChart) -> None:
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    stages = len(chart.stages)
    label_x = blended_transform_factory(axes.transAxes, axes.transData)
    positions: list[float] = []
    labels: list[str] = []
    y = 0.0
    for number, domain in enumerate(chart.domains):
        colour = DOMAIN_COLOURS[number % len(DOMAIN_COLOURS)]
        y += DOMAIN_GAP
        axes.text(
            -0.01,
            y + 0.3,
            _shorten(domain.name, LABEL_CHARS),
            transform=label_x,
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
            fontweight="bold",
            color=colour,
        )
        for area in domain.areas:
            y += 1
            positions.append(y)
            labels.append(_shorten(f"{area.code}  {area.title}", LABEL_CHARS))
            reached = _clamp(area.reached, 0, stages)
            ahead = (_clamp(area.next_stage, reached, stages) - reached) * _clamp(area.share_next, 0.0, 1.0)
            axes.barh(y, reached, height=BAR_HEIGHT, color=colour)
            axes.barh(y, ahead, left=reached, height=BAR_HEIGHT, color=colour, alpha=NEXT_ALPHA, linewidth=0)
            axes.text(
                reached + ahead + 0.06,
                y,
                _shorten(area.stage, STAGE_CHARS),
                ha="left",
                va="center",
                fontsize=FONT_SIZE - 1,
                color=TEXT_COLOUR,
            )
    axes.set_ylim(y + 0.6, 0.2)  # first domain on top
    axes.set_yticks(positions, labels, fontsize=FONT_SIZE, color=TEXT_COLOUR)
    axes.tick_params(axis="y", length=0, pad=4)
    axes.set_xlim(0, max(stages, 1) + 0.75)  # room for the last bar's stage name
    axes.set_xticks(range(1, stages + 1), chart.stages, fontsize=FONT_SIZE, color=TEXT_COLOUR)
    axes.tick_params(axis="x", length=0)
    axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID_COLOUR)
    figure.suptitle(
        _shorten(chart.title, TITLE_CHARS),
        x=0.02,
        ha="left",
        fontsize=FONT_SIZE + 3,
        fontweight="bold",
        color=TEXT_COLOUR,
    )
    legend = [
        Patch(color="#777777", label=chart.legend_reached),
        Patch(color="#777777", alpha=NEXT_ALPHA, label=chart.legend_next),
    ]
    figure.legend(
        handles=legend,
        loc="outside lower right",
        fontsize=FONT_SIZE - 0.5,
        frameon=False,
        ncols=2,
        handlelength=1.2,
        labelcolor=TEXT_COLOUR,
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,(-") + "…"


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
