"""Progress (``/progress``): each area's stage over the official's rounds, in words and as a chart.

A round is a finished check-in or assessment (:mod:`conversations.rounds`); an area a round did
not answer, or answered "Not sure", shows no point there rather than a guess.
"""

from __future__ import annotations

from conversations import rounds
from conversations.flows.menu import shortcuts
from conversations.messages import ProgressChart, ProgressLine, Reply
from conversations.turn import Turn

SHOWN_ROUNDS = 8
"""The latest rounds shown (older ones still count for "since when" in /results)."""


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/progress``: per area, the stage of each round (oldest first), and the chart of it."""
    assert turn.participant is not None
    past = await turn.assessments.history()
    if not past.rounds:
        return [turn.say("rounds.progress_none", options=shortcuts(turn, "checkin", "assess"), columns=2)]
    shown = past.rounds[-SHOWN_ROUNDS:]
    catalogue = turn.catalogue
    city = await turn.cities.by_id(turn.participant.city_id)
    dates = tuple(r.finished_at.date().isoformat() for r in shown)
    lines = [turn.t("rounds.progress_title", city=city.name if city else "", count=len(past.rounds))]
    lines += [
        turn.t("rounds.progress_round", number=r.number, date=date, kind=turn.t(f"rounds.kind_{r.kind}"))
        for r, date in zip(shown, dates, strict=True)
    ]
    chart_lines = []
    for domain in catalogue.domains:
        lines += ["", turn.t("results.domain", code=domain.code, name=domain.name)]
        for area in catalogue.areas_of(domain.code):
            choices = [r.choice(catalogue, area.code) for r in shown]
            words = [name(turn, choice) for choice in choices]
            lines.append(turn.t("rounds.progress_area", area=area.code, stages=turn.t("rounds.arrow").join(words)))
            points = tuple(rounds.position(catalogue, choice) for choice in choices)
            chart_lines.append(ProgressLine(area.code, domain.code, points))
    chart = ProgressChart(
        title=turn.t("rounds.progress_chart_title", city=city.name if city else ""),
        rounds=dates,
        stages=(turn.t("results.not_started"), *(stage.name for stage in catalogue.stages)),
        domains=tuple((domain.code, domain.name) for domain in catalogue.domains),
        lines=tuple(chart_lines),
    )
    return [Reply("\n".join(lines), chart=chart)]


def name(turn: Turn, choice: str | None) -> str:
    """A round's choice in words; a dash where the round said nothing of the area."""
    if choice is None:
        return turn.t("rounds.unknown")
    if choice == rounds.NOT_SURE:
        return turn.t("results.not_sure")
    if choice == rounds.NOT_STARTED:
        return turn.t("results.not_started")
    return turn.catalogue.stage(choice).name
