"""The four answers an official gives about an action, as buttons and as words, and the progress shown with them."""

from __future__ import annotations

from catalogue import Answer
from conversations.turn import Turn

SHORT = {"d": Answer.DONE, "p": Answer.IN_PROGRESS, "n": Answer.NOT_YET, "u": Answer.UNKNOWN}
"""One-letter forms used inside choice ids."""


def answer_label(turn: Turn, value: str | Answer | None) -> str:
    """The answer as the official reads it ("Done", "Not sure"...)."""
    return turn.t(f"answers.{Answer(value).value}") if value else turn.t("answers.none")


def answer_buttons(turn: Turn, code: str) -> list[tuple[str, str]]:
    """Done · In progress · Not yet · Not sure for one action, as (label, value) pairs."""
    return [(answer_label(turn, answer), f"{code}:{short}") for short, answer in SHORT.items()]


def progress_bar(turn: Turn, index: int, count: int, cells: int = 10) -> str:
    """A bar such as ▰▰▰▱▱▱▱▱▱▱, filled up to the current position."""
    filled = max(0, min(cells, -(-index * cells // max(count, 1))))
    return turn.t("progress.full") * filled + turn.t("progress.empty") * (cells - filled)


def area_progress(turn: Turn, area: str) -> str:
    """The progress line over a question about ``area``: a bar and "area 3/10"."""
    codes = [a.code for a in turn.catalogue.areas]
    index = codes.index(area) + 1
    return turn.t("progress.line", bar=progress_bar(turn, index, len(codes)), index=index, count=len(codes))
