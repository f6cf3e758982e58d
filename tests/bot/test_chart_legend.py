"""The chart's legend is drawn in the bars' own colours (one swatch per domain), not in a grey that no bar has."""

from __future__ import annotations

import numpy as np

from bot.charts import DOMAIN_COLOURS, maturity_chart_png
from catalogue import Catalogue
from tests.bot.test_charts import make_chart, pixels

LEGEND_ROWS = 40
"""The strip at the bottom of the image where the legend is (below the stage axis)."""


def has_colour(image: np.ndarray, colour: str, tolerance: float = 0.02) -> bool:
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return bool((np.abs(image[..., :3] - rgb).max(axis=-1) < tolerance).any())


def test_the_legend_shows_each_domains_colour(catalogue: Catalogue) -> None:
    image = pixels(maturity_chart_png(make_chart(catalogue, {"L1": 2, "P1": 1, "I1": 3, "C1": 1}, share_next=0.5)))
    legend = image[-LEGEND_ROWS:]
    for colour in DOMAIN_COLOURS[: len(catalogue.domains)]:
        assert has_colour(legend, colour), colour
