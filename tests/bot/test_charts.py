"""The maturity chart PNG: a real image of the right size that changes with the maturity it shows."""

from __future__ import annotations

import io

import pytest
from matplotlib.image import imread

from bot.charts import maturity_chart_png
from catalogue import Catalogue
from conversations import ChartArea, ChartDomain, MaturityChart
from tests.helpers.cli import modules_loaded_by

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STAGES = ("Starting", "Moderate", "Advanced", "Robust", "verTebrate")


def make_chart(catalogue: Catalogue, reached: dict[str, int], *, share_next: float = 0.0) -> MaturityChart:
    """A chart of the SMR areas with the given stage positions (missing areas: not started)."""
    stages = len(catalogue.stages)

    def bar(code: str) -> ChartArea:
        position = reached.get(code, 0)
        return ChartArea(
            code=code,
            title=catalogue.area(code).title,
            reached=position,
            next_stage=min(position + 1, stages),
            share_next=share_next,
            stage=STAGES[position - 1] if position else "not started",
        )

    domains = tuple(
        ChartDomain(domain.code, domain.name, tuple(bar(area.code) for area in catalogue.areas_of(domain.code)))
        for domain in catalogue.domains
    )
    return MaturityChart("Torino: stage reached per area", STAGES, domains, "Stage reached", "Next stage, actions done")


def pixels(png: bytes):  # numpy array, rows x columns x channels
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png), format="png")


def test_the_chart_is_a_phone_sized_png(catalogue: Catalogue) -> None:
    image = pixels(maturity_chart_png(make_chart(catalogue, {"L1": 2, "P1": 3, "C2": 1}, share_next=0.4)))
    height, width, channels = image.shape
    assert 700 <= width <= 1000 and 500 <= height <= 800 and channels in (3, 4)
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
