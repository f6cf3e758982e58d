"""A city's combined view, shown with ``/results``: where the city stands across its officials.

Built from each official's latest answers for the city by the one computation of group results
(:mod:`conversations.group_results`): per area the median stage, the lowest and highest stage
given and how many gave one, "not sure" counted apart. It appears once at least the minimum
group size of officials (``CITYBOT_MIN_GROUP_SIZE``, default 3) has answered, and each area's
figures only where that many answered it: two colleagues never read each other's answers from it.
"""

from __future__ import annotations

from conversations import coordination, group_results
from conversations.choices import Prefix, navigation_choice
from conversations.group_results import GroupResult
from conversations.messages import Option, Reply
from conversations.storage import repository
from conversations.storage.models import City, utcnow
from conversations.turn import Turn


async def city_of(turn: Turn) -> City | None:
    participant = turn.participant
    return await repository.city_by_id(turn.session, city_id=participant.city_id) if participant else None


async def city_group(turn: Turn, city: City) -> GroupResult:
    return await group_results.city_results(turn.session, turn.catalogue, city=city, min_group_size=turn.min_group_size)


async def city_section(turn: Turn) -> list[Reply]:
    """The city's combined view, after the official's own results; nothing while too few officials have answered."""
    city = await city_of(turn)
    if city is None:
        return []
    group = await city_group(turn, city)
    if group.people < group.min_group_size:
        return []
    lines = [
        turn.t("combined.city_title", city=city.name, respondents=group.people),
        turn.t("group_results.city_note", minimum=group.min_group_size),
        *coordination.area_lines(turn.texts, turn.catalogue, group),
    ]
    options = (Option(turn.t("combined.city_chart", city=city.name), navigation_choice(Prefix.CITY_CHART)),)
    return [Reply("\n".join(lines), options=options if group.shown else ())]


async def city_chart(turn: Turn, value: str) -> list[Reply]:
    """``cc:``: the chart of the official's city, combined (only aggregates, so any official may see it)."""
    city = await city_of(turn)
    if city is None:
        return [turn.say("errors.malformed_choice")]
    group = await city_group(turn, city)
    if group.people < group.min_group_size or not group.shown:
        return [turn.say("group_results.city_not_enough", city=city.name, minimum=group.min_group_size)]
    title = turn.t("combined.chart_city", city=city.name)
    chart = coordination.group_chart(turn.texts, turn.catalogue, group, title=title, moment=utcnow())
    return [Reply(title, chart=chart)]
