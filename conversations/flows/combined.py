"""A city's combined view, shown with ``/results``: where the city stands across its officials.

Built from each official's latest answers for the city (:mod:`conversations.coordination`): per
area the median stage, the lowest and highest answer and how many answered. It appears once more
than one official of the city has answered, and shows aggregates only, never a named person's answers.
"""

from __future__ import annotations

from conversations import coordination
from conversations.choices import Prefix, navigation_choice
from conversations.messages import Option, Reply
from conversations.storage import repository
from conversations.storage.models import City, utcnow
from conversations.turn import Turn

MIN_RESPONDENTS = 2
"""A city's combined view needs this many officials with answers (one would be a person's answers)."""


async def city_of(turn: Turn) -> City | None:
    participant = turn.participant
    return await repository.city_by_id(turn.session, city_id=participant.city_id) if participant else None


async def city_group(turn: Turn, city: City) -> coordination.Picture:
    return await coordination.city_picture(turn.session, turn.catalogue, city=city)


async def city_section(turn: Turn) -> list[Reply]:
    """The city's combined view, after the official's own results; nothing while they are its only respondent."""
    city = await city_of(turn)
    if city is None:
        return []
    group = await city_group(turn, city)
    if group.respondents < MIN_RESPONDENTS:
        return []
    lines = [
        turn.t("combined.city_title", city=city.name, respondents=group.respondents),
        turn.t("combined.city_note"),
        *coordination.area_lines(turn.texts, turn.catalogue, group, "combined.city_area"),
    ]
    chart = Option(turn.t("combined.city_chart", city=city.name), navigation_choice(Prefix.CITY_CHART))
    return [Reply("\n".join(lines), options=(chart,))]


async def city_chart(turn: Turn, value: str) -> list[Reply]:
    """``cc:``: the chart of the official's city, combined (only aggregates, so any official may see it)."""
    city = await city_of(turn)
    if city is None:
        return [turn.say("errors.malformed_choice")]
    group = await city_group(turn, city)
    if group.respondents < MIN_RESPONDENTS:
        return [turn.say("combined.not_enough", city=city.name)]
    title = turn.t("combined.chart_city", city=city.name)
    chart = coordination.picture_chart(turn.texts, turn.catalogue, group, title=title, moment=utcnow())
    return [Reply(title, chart=chart)]
