"""Charts as PNG images: the maturity chart that goes with ``/results``, ``/workshop`` and ``citybot report``.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, so no global figure state
and no GUI backend). matplotlib is imported on the first chart, not with this module, so
``citybot --help`` and the engine stay fast. Every word on a chart comes with its data, and is
drawn as plain text (never as matplotlib math, so a city named ``$x$`` stays ``$x$``).

One bar per area, grouped and coloured by domain, stages along x. A bar of several respondents
stands at their median stage, with a whisker from the lowest to the highest respondent. Area
titles wrap onto a second (or third) line instead of being cut (the image grows when many do).
"""

from __future__ import annotations

import io
import textwrap
import threading
from typing import TYPE_CHECKING, Any

from conversations import MaturityChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_INCHES, HEIGHT_INCHES, DPI = 6.4, 4.8, 125
"""800 x 600 pixels: sharp on a phone, small to send."""
EXTRA_LINES = 9
"""Wrapped area titles beyond this many extra lines make the image taller (a catalogue with long titles)."""
ROW_INCHES = 0.17
"""Height of one extra line of area title beyond ``EXTRA_LINES``."""
MAX_HEIGHT_INCHES = 9.6
DOMAIN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe-Ito, readable with colour blindness; domains beyond eight reuse them."""
NEXT_ALPHA = 0.3
"""The progress within the next stage is the domain colour, lighter."""
BAR_HEIGHT = 0.7
DOMAIN_GAP = 0.9
"""Extra space above each domain's bars, where its name goes."""
LABEL_WIDTH = 34
"""Area labels (code and title) wrap at this many characters per line..."""
LABEL_LINES = 3
"""...onto at most this many lines (a longer title ends in an ellipsis on the last)."""
LINE_STEP = 0.42
"""Extra bar spacing per wrapped label line, in bar units."""
STAGE_CHARS = 28
TITLE_WIDTH = 55
FONT_SIZE = 9
TEXT_COLOUR = "#333333"
SPREAD_COLOUR = "#222222"
GRID_COLOUR = "#D9D9D9"

_drawing = threading.Lock()
"""matplotlib's text layout and font caches are shared; charts are drawn one at a time."""


def maturity_chart_png(chart: MaturityChart) -> bytes:
    """Draw the maturity chart as a PNG: one bar per area, grouped and coloured by domain, stages along x."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = {area.code: wrap(f"{area.code}  {area.title}", LABEL_WIDTH, LABEL_LINES) for area in chart.areas}
    extra_lines = sum(label.count("\n") for label in labels.values())
    height = min(HEIGHT_INCHES + ROW_INCHES * max(extra_lines - EXTRA_LINES, 0), MAX_HEIGHT_INCHES)
    with _drawing:
        figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        _draw(figure, figure.add_subplot(), chart, labels)
        output = io.BytesIO()
        figure.savefig(output, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        return output.getvalue()


def _draw(figure: Figure, axes: Axes, chart: MaturityChart, labels: dict[str, str]) -> None:
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    stages = len(chart.stages)
    label_x = blended_transform_factory(axes.transAxes, axes.transData)
    plain = {"usetex": False, "parse_math": False}
    positions: list[float] = []
    ticks: list[str] = []
    y = 0.0
    spread_drawn = False
    for number, domain in enumerate(chart.domains):
        colour = DOMAIN_COLOURS[number % len(DOMAIN_COLOURS)]
        y += DOMAIN_GAP
        axes.text(
            -0.01,
            y + 0.3,
            wrap(domain.name, LABEL_WIDTH, 1),
            transform=label_x,
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
            fontweight="bold",
            color=colour,
            **plain,
        )
        for area in domain.areas:
            label = labels.get(area.code) or wrap(f"{area.code}  {area.title}", LABEL_WIDTH, LABEL_LINES)
            half = LINE_STEP * label.count("\n") / 2  # a wrapped label's bar sits in the middle of its room
            y += 1 + half
            positions.append(y)
            ticks.append(label)
            reached = _clamp(area.reached, 0, stages)
            ahead = (_clamp(area.next_stage, reached, stages) - reached) * _clamp(area.share_next, 0.0, 1.0)
            axes.barh(y, reached, height=BAR_HEIGHT, color=colour)
            axes.barh(y, ahead, left=reached, height=BAR_HEIGHT, color=colour, alpha=NEXT_ALPHA, linewidth=0)
            end = reached + ahead
            if area.low is not None and area.high is not None and (area.respondents or 0) > 1:
                low, high = sorted((_clamp(area.low, 0, stages), _clamp(area.high, 0, stages)))
                axes.plot([low, high], [y, y], color=SPREAD_COLOUR, linewidth=1.2, solid_capstyle="butt")
                axes.plot([low, high], [y, y], linestyle="none", marker="|", markersize=7, color=SPREAD_COLOUR)
                end = max(end, high)
                spread_drawn = True
            axes.text(
                end + 0.06,
                y,
                _shorten(area.stage, STAGE_CHARS),
                ha="left",
                va="center",
                fontsize=FONT_SIZE - 1,
                color=TEXT_COLOUR,
                **plain,
            )
            y += half
    axes.set_ylim(y + 0.6, 0.2)  # first domain on top
    axes.set_yticks(positions, ticks, fontsize=FONT_SIZE, color=TEXT_COLOUR, linespacing=1.0)
    for tick in axes.get_yticklabels():
        tick.set_parse_math(False)
    axes.tick_params(axis="y", length=0, pad=4)
    axes.set_xlim(0, max(stages, 1) + 1.05)  # room for the last bar's stage name
    axes.set_xticks(range(1, stages + 1), chart.stages, fontsize=FONT_SIZE, color=TEXT_COLOUR)
    for tick in axes.get_xticklabels():
        tick.set_parse_math(False)
    axes.tick_params(axis="x", length=0)
    axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID_COLOUR)
    title = wrap(chart.title, TITLE_WIDTH, 2)
    if chart.subtitle:
        title += "\n" + wrap(chart.subtitle, TITLE_WIDTH, 1)
    heading = figure.suptitle(
        title, x=0.02, ha="left", fontsize=FONT_SIZE + 3, fontweight="bold", color=TEXT_COLOUR, **plain
    )
    heading.set_linespacing(1.3)
    colours = [DOMAIN_COLOURS[number % len(DOMAIN_COLOURS)] for number in range(max(len(chart.domains), 1))]
    legend: list[Any] = [  # in the bars' own colours: one swatch per domain, solid and lighter
        tuple(Patch(color=colour) for colour in colours),
        tuple(Patch(color=colour, alpha=NEXT_ALPHA, linewidth=0) for colour in colours),
    ]
    names = [chart.legend_reached, chart.legend_next]
    if spread_drawn and chart.legend_spread:
        legend.append(Line2D([], [], color=SPREAD_COLOUR, marker="|", markersize=7))
        names.append(chart.legend_spread)
    shown = figure.legend(
        legend,
        names,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        loc="outside lower right",
        fontsize=FONT_SIZE - 0.5,
        frameon=False,
        ncols=len(legend) if len(legend) < 3 else 2,
        handlelength=0.6 * len(colours),
        labelcolor=TEXT_COLOUR,
    )
    for text in shown.get_texts():
        text.set_parse_math(False)


def wrap(text: str, width: int, lines: int) -> str:
    """Break text into lines of at most ``width`` characters; beyond ``lines`` lines it ends in an ellipsis."""
    parts = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], _shorten(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,(-") + "…"


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
