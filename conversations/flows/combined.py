"""A city's combined view, shown with ``/results``: where the city stands across its officials.

Built from each official's latest answers for the city by the one computation of group results
(:mod:`conversations.group_results`): per area the median stage, the lowest and highest stage
given and how many gave one, "not sure" counted apart. It appears once at least the minimum
group size of officials (``CITYBOT_MIN_GROUP_SIZE``, default 3) has answered, and each area's
figures only where that many answered it: two colleagues never read each other's answers from it.
"""

from __future__ import annotations

from conversations import group_results, group_words
from conversations.choices import Prefix, navigation_choice
from conversations.group_results import GroupResult
from conversations.messages import Option, Reply
from conversations.reminders import ReminderTimes, months_later
from conversations.stores import City
from conversations.times import utcnow
from conversations.turn import Turn


async def city_of(turn: Turn) -> City | None:
    participant = turn.participant
    return await turn.cities.by_id(participant.city_id) if participant else None


async def city_group(turn: Turn, city: City) -> GroupResult:
    return await turn.workshops.city_results(city)


async def city_section(turn: Turn) -> list[Reply]:
    """The city's combined view, after the official's own results; nothing while too few officials have answered."""
    city = await city_of(turn)
    if city is None:
        return []
    group = await city_group(turn, city)
    if group.people < group.min_group_size:
        return []
    lines = [
        turn.t("combined.city_title", city=city.name, count=group.people),
        turn.t("group_results.city_note", minimum=group.min_group_size),
        *group_words.area_lines(turn.texts, turn.catalogue, group),
    ]
    options = (Option(turn.t("combined.city_chart", city=city.name), navigation_choice(Prefix.CITY_CHART)),)
    then = Option(turn.t("city_over_time.button"), navigation_choice(Prefix.CITY_THEN))
    return [Reply("\n".join(lines), options=(*options, then) if group.shown else (then,))]


AGO = (3, 6, 12, 24)
"""How many months back the city's view can be compared with (by buttons)."""


async def city_then(turn: Turn, value: str) -> list[Reply] | None:
    """``ct:`` offers dates; ``ct:<months>``: the city's view now, and under each area its view that long ago.

    The view then is built from the answers as they stood then (their history), by the same group
    computation and minimum group size as now; officials who have since left with /forget are in neither.
    """
    city = await city_of(turn)
    if city is None:
        return None
    if not value:
        options = tuple(
            Option(turn.t("city_over_time.months_ago", months=months), navigation_choice(Prefix.CITY_THEN, str(months)))
            for months in AGO
        )
        return [turn.say("city_over_time.question", city=city.name, options=options, columns=2)]
    if not value.isdigit() or int(value) not in AGO:
        return None
    moment = months_later(utcnow(), -int(value), ReminderTimes())
    now = await city_group(turn, city)
    people = await turn.workshops.city_answers_at(city, moment)
    then = group_results.group_results(turn.catalogue, people.values(), min_group_size=turn.min_group_size)
    date = moment.date().isoformat()
    if now.people < now.min_group_size:
        return [turn.say("group_results.city_not_enough", city=city.name, minimum=now.min_group_size)]
    lines = [
        turn.t("city_over_time.title", city=city.name, date=date, now=now.people, then=then.people),
        turn.t("group_results.city_note", minimum=now.min_group_size),
        *group_words.area_lines(turn.texts, turn.catalogue, now, earlier=then, code=date),
    ]
    return [Reply("\n".join(lines))]


async def city_chart(turn: Turn, value: str) -> list[Reply]:
    """``cc:``: the chart of the official's city, combined (only aggregates, so any official may see it)."""
    city = await city_of(turn)
    if city is None:
        return [turn.say("errors.malformed_choice")]
    group = await city_group(turn, city)
    if group.people < group.min_group_size or not group.shown:
        return [turn.say("group_results.city_not_enough", city=city.name, minimum=group.min_group_size)]
    title = turn.t("combined.chart_city", city=city.name)
    chart = group_words.group_chart(turn.texts, turn.catalogue, group, title=title, moment=utcnow())
    return [Reply(title, chart=chart)]
