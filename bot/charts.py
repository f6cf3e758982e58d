"""Charts as PNG images: the maturity chart that goes with ``/results``, ``/workshop`` and ``citybot report``.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, so no global figure state
and no GUI backend). matplotlib is imported on the first chart, not with this module, so
``citybot --help`` and the engine stay fast. Every word on a chart comes with its data, and is
drawn as plain text (never as matplotlib math, so a city named ``$x$`` stays ``$x$``).

One bar per area, grouped and coloured by domain, stages along x. A bar of several respondents
stands at their median stage, with a whisker from the lowest to the highest respondent; a group's
figures ("Moderate · 4 · 1 not sure") stand in a column of their own right of the stages, so a
whisker reaching the last stage never pushes them off the image. Area titles wrap onto a second
(or third) line instead of being cut (the image grows when many do).
"""

from __future__ import annotations

import struct
import textwrap
import threading
import warnings
import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from conversations import ChartArea, MaturityChart, ProgressChart

if TYPE_CHECKING:
    from matplotlib.artist import Artist
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
GROUP_WIDTH_INCHES = 7.7
"""A group chart is wider (962 pixels): its figures stand in a column right of the stages."""
GROUP_LABEL_X = 1.02
"""Where that column starts, in axes widths (just right of the axes; the layout keeps room for it)."""
GROUP_LABEL_ROOM = 0.3
"""Stage units right of the last stage on a group chart: the whisker's cap."""
SINGLE_LABEL_ROOM = 1.05
"""Room right of the last stage on one person's chart, for the stage name after the last bar."""
TITLE_WIDTH = 55
FONT_SIZE = 9
TEXT_COLOUR = "#333333"
SPREAD_COLOUR = "#222222"
GRID_COLOUR = "#D9D9D9"
EARLIER_MARKER = "D"
"""A follow-up workshop's chart marks the earlier workshop's median with a hollow diamond."""

_drawing = threading.Lock()
"""matplotlib's text layout and font caches are shared; charts are drawn one at a time."""
TEMPLATES = 4
"""Laid-out figures kept for reuse (one per catalogue, language and kind of title; a few MB each)."""
PNG_COMPRESSION = 1
"""zlib level of the PNG: mostly flat colour compresses well even at the fastest level."""


class _Template:
    """A figure laid out once (axes, area and domain labels, stage axis, legend) and its pixels.

    Drawing a chart restores those pixels and draws only what differs from chart to chart: the
    bars, whiskers, stage names and the title. Laying out and drawing the rest (most of the text)
    is what made each chart cost 150-300 ms.
    """

    def __init__(self, chart: MaturityChart, labels: dict[str, str], height: float) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        width = GROUP_WIDTH_INCHES if _group(chart) else WIDTH_INCHES
        self.figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_subplot()
        self.positions = _draw_frame(self.figure, self.axes, chart, labels)
        self.heading = self.figure.suptitle(
            _title(chart), x=0.02, ha="left", fontsize=FONT_SIZE + 3, fontweight="bold", color=TEXT_COLOUR,
            usetex=False, parse_math=False, animated=True,
        )  # fmt: skip
        self.heading.set_linespacing(1.3)
        self.canvas.draw()  # lays the figure out once
        self.figure.set_layout_engine("none")  # from now on the layout stays as it is
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def png(self, chart: MaturityChart) -> bytes:
        self.canvas.restore_region(self.background)
        self.heading.set_text(_title(chart))
        self.figure.draw_artist(self.heading)
        for artist in _draw_bars(self.axes, chart, self.positions):
            self.axes.draw_artist(artist)
        return _png(self.canvas.buffer_rgba())


def _png(rgba: memoryview) -> bytes:
    """A PNG of the canvas's pixels: rows unfiltered, zlib at its fastest level (3x quicker than Pillow's encoder)."""
    import numpy as np

    pixels = np.asarray(rgba)
    height, width = pixels.shape[:2]
    rows = np.zeros((height, 1 + width * 4), dtype=np.uint8)  # each row: filter type 0, then R G B A ...
    rows[:, 1:] = pixels.reshape(height, width * 4)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits per channel, RGBA, no interlace
    image = zlib.compress(rows.tobytes(), PNG_COMPRESSION)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", image) + chunk(b"IEND", b"")


_templates: OrderedDict[tuple[object, ...], _Template] = OrderedDict()


def maturity_chart_png(chart: MaturityChart) -> bytes:
    """Draw the maturity chart as a PNG: one bar per area, grouped and coloured by domain, stages along x."""
    labels = {area.code: wrap(f"{area.code}  {area.title}", LABEL_WIDTH, LABEL_LINES) for area in chart.areas}
    extra_lines = sum(label.count("\n") for label in labels.values())
    height = min(HEIGHT_INCHES + ROW_INCHES * max(extra_lines - EXTRA_LINES, 0), MAX_HEIGHT_INCHES)
    key = (
        height,
        tuple(
            (domain.name, tuple(labels.get(area.code, area.code) for area in domain.areas)) for domain in chart.domains
        ),
        chart.stages,
        _legend_labels(chart),
        _title(chart).count("\n"),
        _group(chart),
    )
    with _drawing, warnings.catch_warnings():  # one lock: no other thread changes the warning filters meanwhile
        # A character the font lacks (a city written in emoji) is drawn as a box; say nothing about it.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        template = _templates.pop(key, None) or _Template(chart, labels, height)
        _templates[key] = template
        while len(_templates) > TEMPLATES:
            _templates.popitem(last=False)
        return template.png(chart)


def _title(chart: MaturityChart) -> str:
    title = wrap(chart.title, TITLE_WIDTH, 2)
    return f"{title}\n{wrap(chart.subtitle, TITLE_WIDTH, 1)}" if chart.subtitle else title


def _group(chart: MaturityChart) -> bool:
    """A chart of several people (a city, a workshop): its areas carry respondent counts."""
    return any(area.respondents is not None for area in chart.areas)


def _spread(area: ChartArea) -> bool:
    return area.low is not None and area.high is not None and (area.respondents or 0) > 1


def _legend_labels(chart: MaturityChart) -> tuple[str, ...]:
    spread = chart.legend_spread and any(_spread(area) for area in chart.areas)
    earlier = chart.legend_earlier and any(area.earlier is not None for area in chart.areas)
    return (
        chart.legend_reached,
        chart.legend_next,
        *((chart.legend_spread,) if spread else ()),
        *((chart.legend_earlier,) if earlier else ()),
    )


def _draw_frame(figure: Figure, axes: Axes, chart: MaturityChart, labels: dict[str, str]) -> dict[str, float]:
    """Everything but the bars and the title: labels, axes, grid, legend; returns each area's bar position."""
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    stages = len(chart.stages)
    label_x = blended_transform_factory(axes.transAxes, axes.transData)
    plain: dict[str, Any] = {"usetex": False, "parse_math": False}
    positions: dict[str, float] = {}
    ticks: list[str] = []
    y = 0.0
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
            positions[area.code] = y
            ticks.append(label)
            y += half
    axes.set_ylim(y + 0.6, 0.2)  # first domain on top
    if _group(chart) and positions:  # keep room right of the axes for the figures' column (drawn per chart)
        widest = "n" * STAGE_CHARS
        axes.text(GROUP_LABEL_X, next(iter(positions.values())), widest, transform=label_x, ha="left",
                  va="center", fontsize=FONT_SIZE - 1, color="none", **plain)  # fmt: skip
    axes.set_yticks(list(positions.values()), ticks, fontsize=FONT_SIZE, color=TEXT_COLOUR, linespacing=1.0)
    for tick in axes.get_yticklabels():
        tick.set_parse_math(False)
    axes.tick_params(axis="y", length=0, pad=4)
    axes.set_xlim(0, max(stages, 1) + (GROUP_LABEL_ROOM if _group(chart) else SINGLE_LABEL_ROOM))  # room for labels
    axes.set_xticks(range(1, stages + 1), chart.stages, fontsize=FONT_SIZE, color=TEXT_COLOUR)
    for tick in axes.get_xticklabels():
        tick.set_parse_math(False)
    axes.tick_params(axis="x", length=0)
    axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID_COLOUR)
    reached, ahead, *extra = _legend_labels(chart)
    spread = [label for label in extra if label == chart.legend_spread]
    earlier = [label for label in extra if label == chart.legend_earlier and label != chart.legend_spread]
    colours = [DOMAIN_COLOURS[number % len(DOMAIN_COLOURS)] for number in range(max(len(chart.domains), 1))]
    legend: list[Any] = [  # in the bars' own colours: one swatch per domain, solid and lighter
        tuple(Patch(color=colour) for colour in colours),
        tuple(Patch(color=colour, alpha=NEXT_ALPHA, linewidth=0) for colour in colours),
    ]
    names = [reached, ahead]
    if spread:
        legend.append(Line2D([], [], color=SPREAD_COLOUR, marker="|", markersize=7))
        names.append(spread[0])
    if earlier:
        legend.append(Line2D([], [], color=SPREAD_COLOUR, marker=EARLIER_MARKER, linestyle="none", markersize=6))
        names.append(earlier[0])
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
    return positions


def _draw_bars(axes: Axes, chart: MaturityChart, positions: dict[str, float]) -> list[Artist]:
    """The bars, whiskers and stage names of one chart, as artists to draw over the frame (``animated``)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle
    from matplotlib.text import Text
    from matplotlib.transforms import blended_transform_factory

    stages = len(chart.stages)
    group = _group(chart)  # a group's figures: one column right of the axes, never cut
    artists: list[Artist] = []
    columned: list[Artist] = []
    for number, domain in enumerate(chart.domains):
        colour = DOMAIN_COLOURS[number % len(DOMAIN_COLOURS)]
        for area in domain.areas:
            y = positions[area.code]
            bottom = y - BAR_HEIGHT / 2
            reached = _clamp(area.reached, 0, stages)
            ahead = (_clamp(area.next_stage, reached, stages) - reached) * _clamp(area.share_next, 0.0, 1.0)
            solid: dict[str, Any] = {"facecolor": colour, "edgecolor": "none"}  # as barh draws them: no outline
            artists.append(Rectangle((0, bottom), reached, BAR_HEIGHT, **solid))
            artists.append(Rectangle((reached, bottom), ahead, BAR_HEIGHT, alpha=NEXT_ALPHA, linewidth=0, **solid))
            end = reached + ahead
            if _spread(area):
                low, high = sorted((_clamp(area.low or 0, 0, stages), _clamp(area.high or 0, 0, stages)))
                whisker = Line2D([low, high], [y, y], color=SPREAD_COLOUR, linewidth=1.2, solid_capstyle="butt")
                caps = Line2D([low, high], [y, y], linestyle="none", marker="|", markersize=7, color=SPREAD_COLOUR)
                artists += [whisker, caps]
                end = max(end, high)
            if area.earlier is not None:  # a follow-up workshop: where the earlier one's median stood
                then = _clamp(area.earlier, 0, stages)
                artists.append(Line2D([then], [y], linestyle="none", marker=EARLIER_MARKER, markersize=6,
                                      markerfacecolor="white", markeredgecolor=SPREAD_COLOUR))  # fmt: skip
                end = max(end, then)
            stage = Text(
                GROUP_LABEL_X if group else end + 0.06, y, _shorten(area.stage, STAGE_CHARS), ha="left",
                va="center", fontsize=FONT_SIZE - 1, color=TEXT_COLOUR, usetex=False, parse_math=False,
            )  # fmt: skip
            (columned if group else artists).append(stage)
    for artist in artists:  # drawn over the axes without joining them (adding would update its data limits)
        artist.set_figure(axes.figure)
        artist.axes = axes
        artist.set_transform(axes.transData)
        artist.set_clip_box(axes.bbox)
        artist.set_animated(True)
    label_x = blended_transform_factory(axes.transAxes, axes.transData)
    for artist in columned:  # right of the axes, in the room the layout kept: not clipped to the axes
        artist.set_figure(axes.figure)
        artist.axes = axes
        artist.set_transform(label_x)
        artist.set_clip_on(False)
        artist.set_animated(True)
    return artists + columned


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


PROGRESS_OFFSET = 0.07
"""Areas of one domain at the same stage are drawn this far apart (in stages), so no line hides another."""


def progress_chart_png(chart: ProgressChart) -> bytes:
    """Draw each area's stage over the rounds as a PNG: one panel per domain, one line per area, rounds along x."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _drawing, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        columns = 2 if len(chart.domains) > 1 else 1
        rows = -(-len(chart.domains) // columns)
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained", facecolor="white")
        canvas = FigureCanvasAgg(figure)
        figure.suptitle(
            textwrap.fill(chart.title, TITLE_WIDTH), x=0.02, ha="left", fontsize=FONT_SIZE + 3, fontweight="bold",
            color=TEXT_COLOUR, usetex=False, parse_math=False,
        )  # fmt: skip
        x = list(range(len(chart.rounds)))
        for index, (code, name) in enumerate(chart.domains):
            axes = figure.add_subplot(rows, columns, index + 1)
            areas = [line for line in chart.lines if line.domain == code]
            middle = (len(areas) - 1) / 2
            for number, line in enumerate(areas):
                shift = (number - middle) * PROGRESS_OFFSET
                y = [float("nan") if point is None else point + shift for point in line.points]
                colour = DOMAIN_COLOURS[number % len(DOMAIN_COLOURS)]
                axes.plot(x, y, marker="o", markersize=4, linewidth=1.6, color=colour, label=line.code)
            axes.set_title(_shorten(f"{code} · {name}", 38), fontsize=FONT_SIZE, color=TEXT_COLOUR, loc="left")
            axes.set_ylim(-0.5, len(chart.stages) - 0.5)
            axes.set_yticks(range(len(chart.stages)), [_shorten(stage, 12) for stage in chart.stages])
            axes.set_xlim(-0.4, max(len(x) - 0.6, 0.4))
            axes.set_xticks(x, [label[2:] if len(x) > 3 else label for label in chart.rounds])  # 26-06-03 when crowded
            axes.tick_params(labelsize=FONT_SIZE - 2, colors=TEXT_COLOUR)
            axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            if areas:
                axes.legend(fontsize=FONT_SIZE - 2, loc="upper left", frameon=False, ncols=min(len(areas), 4))
        for text in figure.findobj(lambda artist: hasattr(artist, "set_parse_math")):
            text.set_parse_math(False)  # type: ignore[attr-defined]  # a city named $x$ stays $x$
        canvas.draw()
        return _png(canvas.buffer_rgba())


def chart_png(chart: MaturityChart | ProgressChart) -> bytes:
    """Any of citybot's charts as a PNG."""
    return progress_chart_png(chart) if isinstance(chart, ProgressChart) else maturity_chart_png(chart)
