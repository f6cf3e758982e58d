"""The join QR code: a real PNG that a real decoder reads back as the link."""

from __future__ import annotations

import io

import numpy as np
import pytest
import zxingcpp
from matplotlib.image import imread

from bot.qr import MODULE_PIXELS, QUIET_ZONE, qr_png
from tests.helpers.cli import modules_loaded_by


def decode(png: bytes) -> list[str]:
    image = imread(io.BytesIO(png), format="png")
    grey = image if image.ndim == 2 else image[..., :3].mean(axis=2)
    return [barcode.text for barcode in zxingcpp.read_barcodes((grey * 255).astype(np.uint8))]


@pytest.mark.parametrize(
    "link",
    ["https://t.me/citybot?start=ws_k7m2qp", "https://t.me/Gent_Resilience_bot?start=ws_" + "Ab9-" * 15],
)
def test_the_code_decodes_to_the_link(link: str) -> None:
    assert decode(qr_png(link)) == [link]


def test_the_code_is_square_with_a_quiet_zone() -> None:
    image = imread(io.BytesIO(qr_png("https://t.me/citybot?start=ws_k7m2qp")), format="png")
    height, width = image.shape[:2]
    assert height == width and 300 <= width <= 800
    border = QUIET_ZONE * MODULE_PIXELS
    assert image[:border].min() == image[:, :border].min() == 1.0  # white all round
    assert image.min() == 0.0  # and black modules inside


def test_segno_is_imported_only_when_a_code_is_made() -> None:
    assert "segno" not in modules_loaded_by("import bot.cli, bot.qr")
