"""Short forms of catalogue wording for phone screens: shortened titles and per-area stage summaries.

The catalogue's official titles stay as they are; these only decide how much of them fits a
button or a line, and describe an area's stages by that area's own actions.
"""

from __future__ import annotations

from catalogue import Catalogue

BUTTON_TITLE = 34
"""Characters of an action's title on a button, after its code (a phone shows about 40 per button)."""
STAGE_SUMMARY = 56
"""Characters of an area's stage summary (its first action's title) on a check-in screen."""


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole words, an ellipsis when cut."""
    text = " ".join(text.split()).rstrip(".")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and cut.rindex(" ") > limit // 2:  # whole words, unless that leaves too little
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:(/-") + "…"


def button_title(catalogue: Catalogue, code: str) -> str:
    """An action as a button shows it: its code and the start of its title."""
    return f"{code} {shorten(catalogue.action(code).title, BUTTON_TITLE)}"


def stage_summary(catalogue: Catalogue, area: str, stage: str) -> tuple[str, int]:
    """What a stage means in one area, told by its first action (shortened), and how many actions it has."""
    actions = catalogue.sorted_actions(catalogue.actions_of(area, stage))
    return shorten(actions[0].title, STAGE_SUMMARY), len(actions)
