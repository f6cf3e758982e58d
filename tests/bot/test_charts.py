"""The maturity chart PNG: a real image of the right size that changes with the maturity and spread it shows."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from matplotlib.image import imread

from bot.charts import LABEL_LINES, LABEL_WIDTH, maturity_chart_png, wrap
from catalogue import Catalogue
from conversations import ChartArea, ChartDomain, MaturityChart
from tests.helpers.cli import modules_loaded_by

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STAGES = ("Starting", "Moderate", "Advanced", "Robust", "verTebrate")


def make_chart(
    catalogue: Catalogue,
    reached: dict[str, int],
    *,
    share_next: float = 0.0,
    spread: dict[str, tuple[int, int, int]] | None = None,
    title: str = "Torino: stage reached per area",
) -> MaturityChart:
    """A chart of the SMR areas with the given stage positions (missing areas: not started).

    ``spread`` gives an area (lowest, highest, respondents), as for a city's or a workshop's chart.
    """
    stages = len(catalogue.stages)

    def bar(code: str) -> ChartArea:
        position = reached.get(code, 0)
        low, high, respondents = (spread or {}).get(code, (None, None, None))
        return ChartArea(
            code=code,
            title=catalogue.area(code).title,
            reached=position,
            next_stage=min(position + 1, stages),
            share_next=share_next,
            stage=STAGES[position - 1] if position else "not started",
            low=low,
            high=high,
            respondents=respondents,
        )

    domains = tuple(
        ChartDomain(domain.code, domain.name, tuple(bar(area.code) for area in catalogue.areas_of(domain.code)))
        for domain in catalogue.domains
    )
    return MaturityChart(
        title,
        STAGES,
        domains,
        "Stage reached",
        "Next stage, actions done",
        subtitle="4 respondents · 1 December 2026" if spread else "",
        legend_spread="Lowest to highest respondent" if spread else "",
    )


def pixels(png: bytes):  # numpy array, rows x columns x channels
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png), format="png")


def test_the_chart_is_a_phone_sized_png(catalogue: Catalogue) -> None:
    image = pixels(maturity_chart_png(make_chart(catalogue, {"L1": 2, "P1": 3, "C2": 1}, share_next=0.4)))
    height, width, channels = image.shape
    assert 700 <= width <= 1000 and 500 <= height <= 1250 and channels in (3, 4)
    assert image[..., :3].std() > 0.05  # something is drawn, not a blank canvas


def test_the_chart_changes_with_the_maturity(catalogue: Catalogue) -> None:
    early = maturity_chart_png(make_chart(catalogue, {"L1": 1}))
    later = maturity_chart_png(make_chart(catalogue, {"L1": 3, "I2": 2}))
    partly = maturity_chart_png(make_chart(catalogue, {"L1": 1}, share_next=0.5))
    assert len({early, later, partly}) == 3
    assert maturity_chart_png(make_chart(catalogue, {"L1": 1})) == early  # same data, same bytes


@pytest.mark.parametrize(
    "reached",
    [
        pytest.param({}, id="nothing-started"),
        pytest.param(
            {"L1": 5, "L2": 5, "L3": 5, "L4": 4, "P1": 5, "P2": 5, "I1": 5, "I2": 5, "C1": 5, "C2": 5}, id="complete"
        ),
    ],
)
def test_extreme_states_draw(catalogue: Catalogue, reached: dict[str, int]) -> None:
    image = pixels(maturity_chart_png(make_chart(catalogue, reached)))
    assert image.shape[1] >= 700


@pytest.mark.parametrize(
    "chart",
    [
        pytest.param(MaturityChart("Empty", STAGES, (), "Stage reached", "Next"), id="no-domains"),
        pytest.param(MaturityChart("No stages", (), (ChartDomain("L", "Leadership", ()),), "a", "b"), id="no-stages"),
        pytest.param(
            MaturityChart(
                "Out of range",
                ("One",),
                (ChartDomain("X", "Città & Ökonomie", (ChartArea("X1", "x" * 200, 3, 1, 7.0, "Ünknown"),)),),
                "a",
                "b",
            ),
            id="odd-values",
        ),
    ],
)
def test_degenerate_charts_do_not_crash(chart: MaturityChart) -> None:
    assert pixels(maturity_chart_png(chart)).shape[0] > 0


def test_matplotlib_is_imported_only_when_a_chart_is_drawn() -> None:
    loaded = modules_loaded_by("import bot.cli, bot.charts, bot.console, bot.telegram.render")
    assert "matplotlib" not in loaded, "matplotlib imported eagerly"


def test_a_groups_chart_shows_the_spread(catalogue: Catalogue) -> None:
    median_only = maturity_chart_png(make_chart(catalogue, {"L1": 2, "P1": 3}))
    spread = {"L1": (1, 4, 4), "P1": (0, 5, 4)}
    with_spread = maturity_chart_png(make_chart(catalogue, {"L1": 2, "P1": 3}, spread=spread))
    assert with_spread != median_only
    image = pixels(with_spread)
    assert 700 <= image.shape[1] <= 1000 and 500 <= image.shape[0] <= 1250


def test_one_respondent_has_no_whisker(catalogue: Catalogue) -> None:
    alone = make_chart(catalogue, {"L1": 2}, spread={"L1": (2, 2, 1), "P1": (0, 0, 0)})
    apart = make_chart(catalogue, {"L1": 2}, spread={"L1": (1, 3, 1), "P1": (0, 0, 0)})  # a spread of one: none
    whisker = make_chart(catalogue, {"L1": 2}, spread={"L1": (1, 3, 2), "P1": (0, 0, 0)})
    assert maturity_chart_png(alone) == maturity_chart_png(apart) != maturity_chart_png(whisker)


@pytest.mark.parametrize("code", ["L1", "I2", "C1"])
def test_area_titles_wrap_instead_of_being_cut(catalogue: Catalogue, code: str) -> None:
    label = wrap(f"{code}  {catalogue.area(code).title}", LABEL_WIDTH, LABEL_LINES)
    assert "…" not in label
    assert label.split() == f"{code}  {catalogue.area(code).title}".split()
    assert all(len(line) <= LABEL_WIDTH for line in label.splitlines())


def test_a_title_too_long_for_its_lines_ends_in_an_ellipsis() -> None:
    assert wrap("word " * 40, 20, 2).count("\n") == 1
    assert wrap("word " * 40, 20, 2).endswith("…")


def test_the_smr_chart_keeps_800_by_600_and_wordier_catalogues_grow_taller(catalogue: Catalogue) -> None:
    smr = make_chart(catalogue, {})

    def titled(title: str) -> MaturityChart:
        domains = tuple(
            ChartDomain(d.code, d.name, tuple(ChartArea(a.code, title, 1, 2, 0.0, "Starting") for a in d.areas))
            for d in smr.domains
        )
        return MaturityChart(smr.title, smr.stages, domains, smr.legend_reached, smr.legend_next)

    assert pixels(maturity_chart_png(smr)).shape[:2] == (600, 800)
    wordy = pixels(maturity_chart_png(titled("A policy area whose title runs over three lines " * 2)))
    assert wordy.shape[1] == 800 and wordy.shape[0] > 600


@pytest.mark.parametrize("title", ["$\\undefinedmacro$ city", "50% of $x$ & {braces}", "Ünïcode · Ελλάδα ✓"])
def test_words_on_the_chart_are_plain_text_never_math(catalogue: Catalogue, title: str) -> None:
    assert pixels(maturity_chart_png(make_chart(catalogue, {"L1": 1}, title=title))).shape[0] > 0


def test_a_groups_figures_are_never_cut_at_the_right_edge(catalogue: Catalogue) -> None:
    spread = {code: (1, 5, 12) for code in ("L1", "P1", "I1", "C2")}  # whiskers reaching verTebrate
    chart = make_chart(catalogue, {"L1": 2, "P1": 3, "I1": 1, "C2": 2}, spread=spread)
    domains = tuple(
        ChartDomain(d.code, d.name, tuple(replace(a, stage=f"{a.stage} · 12 · 3 not sure") for a in d.areas))
        for d in chart.domains
    )
    image = pixels(maturity_chart_png(replace(chart, domains=domains)))
    width = image.shape[1]
    assert width <= 1000
    ink = image[..., :3].mean(axis=2) < 0.6
    assert not ink[:, -6:].any(), "a label runs into the right edge"
    assert ink[:, int(width * 0.72) :].any()  # the figures' column is drawn, right of the stages
