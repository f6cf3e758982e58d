"""Group results, computed once: what a room, a city, a chart, an export or a report says about several people.

Every view of several people's answers (the workshop room, a city's combined view, the chart,
the XLSX *Summary*, and later the PDF report and the big screen) takes its figures from
:func:`group_results`, so they cannot disagree. Per area:

- *respondents* are the people who gave a stage for the area (a check-in's stage, or a full
  assessment's answers that place the area: every action of the stages below done and one of the
  next stage not done). "Not sure" is counted apart (``unsure``), never as a stage; someone who
  answered part of a stage and stopped (``incomplete``) gave no stage; someone who never reached
  the area is not counted at all.
- ``median`` (the lower of the two middle ones for an even count), ``lowest`` and ``highest`` are
  over the respondents only; ``None`` is "not started" (no stage reached).
- ``next_steps``: each action with how many of the area's respondents have it among their own
  next steps (the open actions of their lowest unfinished stage), most common first.

Privacy: ``min_group_size`` (the setting ``CITYBOT_MIN_GROUP_SIZE``, default
:data:`MIN_GROUP_SIZE`) is the fewest people a figure may come from. An area's stage figures and
next steps are ``shown`` only when it has at least that many respondents; its counts of
respondents and unsure people (``counts_shown``) only when at least that many answered it. Below
that a view says "fewer than N" and nothing else, so two colleagues cannot read each other's
answers from their city's view. Exports hold the answers themselves, as participants consented,
and compute their Summary with ``min_group_size=1``.

The pure computation lives in :mod:`catalogue.group_results` (no database, so exports and the
command line use it without the engine); this module re-exports it and reads a group's answers.

Public API (stable; add, don't rename), all importable from here:

- :data:`MIN_GROUP_SIZE`, :class:`Said`, :func:`area_said` (one person, one area)
- :class:`NextStep`, :class:`AreaResult`, :class:`GroupResult`
- :func:`group_results` (pure: catalogue + each person's answers -> :class:`GroupResult`)
- :func:`workshop_answers`, :func:`city_answers` (each person's answers as a workshop or a city
  counts them), :func:`workshop_results`, :func:`city_results` (read, then :func:`group_results`)
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from catalogue.group_results import (
    MIN_GROUP_SIZE,
    NOT_DONE,
    AreaResult,
    GroupResult,
    NextStep,
    Said,
    area_said,
    group_results,
)
from conversations.storage import reports, workshops
from conversations.storage.models import City, Workshop
from conversations.times import as_utc

__all__ = [
    "MIN_GROUP_SIZE",
    "NOT_DONE",
    "AreaResult",
    "GroupResult",
    "NextStep",
    "Said",
    "area_said",
    "city_answers",
    "city_results",
    "group_results",
    "workshop_answers",
    "workshop_results",
]


# --- reading a group's answers -----------------------------------------------------------------


async def workshop_answers(session: AsyncSession, *, workshop: Workshop) -> dict[int, dict[str, str]]:
    """Each participant's latest answer per action, as the workshop counts them (participant id -> ...)."""
    facts = await reports.answer_facts(session, workshop=workshop)
    people: dict[int, dict[str, str]] = {}
    for fact in sorted(facts, key=lambda fact: (as_utc(fact.answered_at), fact.answer_id)):
        people.setdefault(fact.participant.id or 0, {})[fact.code] = fact.value
    return people


async def city_answers(session: AsyncSession, *, city: City) -> dict[int, dict[str, str]]:
    """Each participant's latest answer per action over their assessments of this city (participant id -> ...)."""
    return await reports.city_answers(session, city=city)


async def workshop_results(
    session: AsyncSession,
    catalogue: Catalogue,
    *,
    workshop: Workshop,
    min_group_size: int = MIN_GROUP_SIZE,
    people: Mapping[int, Mapping[str, str]] | None = None,
) -> GroupResult:
    """A workshop's results, with its joined and finished counts (``people``: its answers, when already read)."""
    if people is None:
        people = await workshop_answers(session, workshop=workshop)
    joined, finished = await workshops.workshop_counts(session, workshop=workshop)
    return group_results(catalogue, people.values(), min_group_size=min_group_size, joined=joined, finished=finished)


async def city_results(
    session: AsyncSession, catalogue: Catalogue, *, city: City, min_group_size: int = MIN_GROUP_SIZE
) -> GroupResult:
    """A city's results over its officials' latest answers."""
    people = await city_answers(session, city=city)
    return group_results(catalogue, people.values(), min_group_size=min_group_size)
