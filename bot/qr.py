"""QR codes as PNG images: the workshop join link, for the room's screen or a printed sheet.

segno writes the PNG itself (no Pillow); it is imported on the first code, not with this module.
"""

from __future__ import annotations

import io

ERROR_CORRECTION = "m"
"""Level M (15% of the code may be hidden or smudged): robust on a projector, still a small code."""
MODULE_PIXELS = 10
"""Pixels per module: a 37-module link code (with its quiet zone) is 450 px, sharp when projected."""
QUIET_ZONE = 4
"""Light modules around the code, as the QR standard asks, so phones find it on any background."""


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` (e.g. ``https://t.me/citybot?start=ws_k7m2qp``) as a black-on-white PNG."""
    import segno

    code = segno.make(text, error=ERROR_CORRECTION, boost_error=False)
    output = io.BytesIO()
    code.save(output, kind="png", scale=MODULE_PIXELS, border=QUIET_ZONE)
    return output.getvalue()


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an inline ``<svg>`` element that scales to its box (the big screen, a page).

    Black modules on a white quiet zone, whatever the page's colours, so phones read it on a projector.
    """
    import segno

    code = segno.make(text, error=ERROR_CORRECTION, boost_error=False)
    return code.svg_inline(scale=1, border=QUIET_ZONE, omitsize=True, dark="#000", light="#fff")
