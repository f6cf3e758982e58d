"""The four answers an official gives about an action, as buttons and as words, and the progress shown with them."""

from __future__ import annotations

from collections.abc import Mapping

from catalogue import Answer
from conversations.choices import Pick
from conversations.stores import AnswerRecord, Assessment, AssessmentKind
from conversations.turn import Turn

SHORT = {"d": Answer.DONE, "p": Answer.IN_PROGRESS, "n": Answer.NOT_YET, "u": Answer.UNKNOWN}
"""One-letter forms used inside choice ids."""


def answer_label(turn: Turn, value: str | Answer | None) -> str:
    """The answer as the official reads it ("Done", "Not sure"...)."""
    return turn.t(f"answers.{Answer(value).value}") if value else turn.t("answers.none")


def stored(
    latest: Mapping[str, tuple[AnswerRecord, Assessment]], code: str
) -> tuple[str | None, AssessmentKind | None]:
    """An action's current answer and the kind of assessment it came from (a check-in implies, not says)."""
    if code not in latest:
        return None, None
    record, source = latest[code]
    return record.value, source.kind


def stored_label(turn: Turn, value: str | Answer | None, kind: AssessmentKind | None) -> str:
    """A stored answer as the official reads it, saying when a quick check-in implied it rather than they said it.

    A check-in's stage implies "Done" for the actions up to it and leaves those above "open, not
    asked"; neither is an answer the official gave action by action, so neither reads as one.
    """
    if kind == AssessmentKind.CHECKIN and value in (Answer.DONE, Answer.OPEN, Answer.NOT_YET):
        return turn.t(f"implied.{Answer(value).value}")
    return answer_label(turn, value)


def stored_mark(turn: Turn, value: str | None, kind: AssessmentKind | None) -> str:
    """The one-character mark of a stored answer (✅ 🔄 ⬜ ❔ ·), ☑️ for a check-in's implied "Done"."""
    if kind == AssessmentKind.CHECKIN and value == Answer.DONE:
        return turn.t("implied.mark_done")
    return turn.t(f"change.marks.{value or 'none'}")


def answer_buttons(turn: Turn, code: str) -> list[tuple[str, str]]:
    """Done · In progress · Not yet · Not sure for one action, as (label, value) pairs."""
    return [(answer_label(turn, answer), Pick(code, short).pack()) for short, answer in SHORT.items()]


def progress_bar(turn: Turn, index: int, count: int, cells: int = 10) -> str:
    """A bar such as ▰▰▰▱▱▱▱▱▱▱, filled up to the current position."""
    filled = max(0, min(cells, -(-index * cells // max(count, 1))))
    return turn.t("progress.full") * filled + turn.t("progress.empty") * (cells - filled)


def area_progress(turn: Turn, area: str) -> str:
    """The progress line over a question about ``area``: a bar and "area 3/10"."""
    codes = [a.code for a in turn.catalogue.areas]
    index = codes.index(area) + 1
    return turn.t("progress.line", bar=progress_bar(turn, index, len(codes)), index=index, count=len(codes))
