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

Public API (stable; add, don't rename):

- :data:`MIN_GROUP_SIZE`, :class:`Said`, :func:`area_said` (one person, one area)
- :class:`NextStep`, :class:`AreaResult`, :class:`GroupResult`
- :func:`group_results` (pure: catalogue + each person's answers -> :class:`GroupResult`)
- :func:`workshop_answers`, :func:`city_answers` (each person's answers as a workshop or a city
  counts them), :func:`workshop_results`, :func:`city_results` (read, then :func:`group_results`)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Action, Answer, Catalogue
from catalogue.maturity import MAJORITY, nearest_rank
from conversations.storage import repository
from conversations.storage.models import City, Workshop

MIN_GROUP_SIZE = 3
"""The default fewest people a group figure may come from (with two, each would read the other's answer)."""

NOT_DONE = frozenset({Answer.NOT_YET, Answer.IN_PROGRESS, Answer.OPEN})
"""Answers that say an action is not done (a stage with one of them is not complete)."""


class Said(StrEnum):
    """What one person's answers say about one area."""

    STAGE = "stage"
    """A stage reached (or "not started"): the person is one of the area's respondents."""
    UNSURE = "unsure"
    """"Not sure" where it decides the stage."""
    INCOMPLETE = "incomplete"
    """Part of a stage answered, the rest not yet: no stage given."""
    NOTHING = "nothing"
    """No answer in the area (never reached it)."""


def area_said(catalogue: Catalogue, area: str, answers: Mapping[str, Answer]) -> tuple[Said, int]:
    """What a person's answers say about an area, and (for :attr:`Said.STAGE`) how many of its stages are reached.

    Stages are cumulative: the first stage not all done decides. It is the stage not reached when
    one of its actions is answered not done; "Not sure" there makes the person unsure; actions
    not answered there leave the area incomplete.
    """
    stages = [catalogue.actions_of(area, stage.code) for stage in catalogue.stages_of(area)]
    if not any(action.code in answers for actions in stages for action in actions):
        return Said.NOTHING, 0
    for position, actions in enumerate(stages):
        values = [answers.get(action.code) for action in actions]
        if all(value == Answer.DONE for value in values):
            continue
        if any(value in NOT_DONE for value in values):
            return Said.STAGE, position
        if any(value == Answer.UNKNOWN for value in values):
            return Said.UNSURE, 0
        return Said.INCOMPLETE, 0
    return Said.STAGE, len(stages)


@dataclass(frozen=True, slots=True)
class NextStep:
    """An action and how many of its area's respondents have it among their own next steps."""

    action: Action
    count: int


@dataclass(frozen=True, slots=True)
class AreaResult:
    """One area across a group (see the module's docstring for what each figure means).

    ``median``, ``lowest``, ``highest`` and ``next_stage`` are stage codes, ``None`` for "not
    started" (or, for ``next_stage``, "nothing above"); they mean something only with respondents.
    ``distribution`` counts respondents per stage reached, from "not started" upward.
    ``share_next`` is the share of the next stage's actions done by more than half of the respondents.
    """

    area: str
    respondents: int
    unsure: int
    incomplete: int
    median: str | None
    lowest: str | None
    highest: str | None
    distribution: tuple[tuple[str | None, int], ...]
    next_stage: str | None
    share_next: float
    next_steps: tuple[NextStep, ...]
    shown: bool
    """The stage figures (median, spread, distribution, next steps) may be shown: enough respondents."""
    counts_shown: bool
    """The counts of respondents and unsure people may be shown: enough people answered the area."""

    @property
    def answered(self) -> int:
        """People who answered the area with a stage or "Not sure"."""
        return self.respondents + self.unsure


@dataclass(frozen=True, slots=True)
class GroupResult:
    """A group's results: per area (catalogue order), the most common next steps, and how many took part.

    ``people`` counts everyone with at least one answer counted; ``joined`` and ``finished`` are a
    workshop's (``None`` for a city). ``next_steps`` joins the shown areas' next steps, most common
    first, ties in catalogue urgency order (stage, then code).
    """

    people: int
    areas: dict[str, AreaResult]
    next_steps: tuple[NextStep, ...]
    min_group_size: int
    joined: int | None = None
    finished: int | None = None

    @property
    def respondents(self) -> int:
        """The most respondents any area has (what a chart's subtitle counts)."""
        return max((area.respondents for area in self.areas.values()), default=0)

    @property
    def shown(self) -> bool:
        """At least one area's figures may be shown."""
        return any(area.shown for area in self.areas.values())


def _answers(catalogue: Catalogue, answers: Mapping[str, str | Answer]) -> dict[str, Answer]:
    return {code: Answer(value) for code, value in answers.items() if catalogue.has_action(code)}


def _area(catalogue: Catalogue, area: str, people: Sequence[Mapping[str, Answer]], minimum: int) -> AreaResult:
    ladder: tuple[str | None, ...] = (None, *(stage.code for stage in catalogue.stages_of(area)))
    said = [(answers, area_said(catalogue, area, answers)) for answers in people]
    placed = [(answers, position) for answers, (kind, position) in said if kind == Said.STAGE]
    unsure = sum(kind == Said.UNSURE for _, (kind, _) in said)
    incomplete = sum(kind == Said.INCOMPLETE for _, (kind, _) in said)
    positions = sorted(position for _, position in placed)
    counts = Counter(positions)
    median = nearest_rank(positions, 0.5) if positions else 0
    next_stage = ladder[median + 1] if median + 1 < len(ladder) else None
    share_next = 0.0
    if next_stage is not None and placed:
        actions = catalogue.actions_of(area, next_stage)
        done = sum(sum(a.get(x.code) == Answer.DONE for a, _ in placed) > MAJORITY * len(placed) for x in actions)
        share_next = done / len(actions)
    steps: Counter[str] = Counter()
    for answers, position in placed:
        if position + 1 < len(ladder):
            stage = ladder[position + 1]
            steps.update(a.code for a in catalogue.actions_of(area, stage) if answers.get(a.code) != Answer.DONE)
    ordered = catalogue.sorted_actions(catalogue.action(code) for code in steps)
    next_steps = tuple(sorted((NextStep(a, steps[a.code]) for a in ordered), key=lambda step: -step.count))
    return AreaResult(
        area=area,
        respondents=len(positions),
        unsure=unsure,
        incomplete=incomplete,
        median=ladder[median],
        lowest=ladder[positions[0]] if positions else None,
        highest=ladder[positions[-1]] if positions else None,
        distribution=tuple((stage, counts.get(position, 0)) for position, stage in enumerate(ladder)),
        next_stage=next_stage,
        share_next=share_next,
        next_steps=next_steps,
        shown=len(positions) >= minimum,
        counts_shown=len(positions) + unsure >= minimum,
    )


def group_results(
    catalogue: Catalogue,
    people: Iterable[Mapping[str, str | Answer]],
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    joined: int | None = None,
    finished: int | None = None,
) -> GroupResult:
    """The group's results from each person's current answers (action code -> answer; unknown codes left out)."""
    minimum = max(1, min_group_size)
    answer_sets = [answers for answers in (_answers(catalogue, person) for person in people) if answers]
    areas = {area.code: _area(catalogue, area.code, answer_sets, minimum) for area in catalogue.areas}
    shown = [step for area in areas.values() if area.shown for step in area.next_steps]
    urgency = {action.code: index for index, action in enumerate(catalogue.sorted_actions(s.action for s in shown))}
    next_steps = tuple(sorted(shown, key=lambda step: (-step.count, urgency[step.action.code])))
    return GroupResult(
        people=len(answer_sets),
        areas=areas,
        next_steps=next_steps,
        min_group_size=minimum,
        joined=joined,
        finished=finished,
    )


# --- reading a group's answers -----------------------------------------------------------------


async def workshop_answers(session: AsyncSession, *, workshop: Workshop) -> dict[int, dict[str, str]]:
    """Each participant's latest answer per action, as the workshop counts them (participant id -> ...)."""
    facts = await repository.answer_facts(session, workshop=workshop)
    people: dict[int, dict[str, str]] = {}
    for fact in sorted(facts, key=lambda fact: (repository.as_utc(fact.answered_at), fact.answer_id)):
        people.setdefault(fact.participant.id or 0, {})[fact.code] = fact.value
    return people


async def city_answers(session: AsyncSession, *, city: City) -> dict[int, dict[str, str]]:
    """Each participant's latest answer per action over their assessments of this city (participant id -> ...)."""
    return await repository.city_answers(session, city=city)


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
    joined, finished = await repository.workshop_counts(session, workshop=workshop)
    return group_results(catalogue, people.values(), min_group_size=min_group_size, joined=joined, finished=finished)


async def city_results(
    session: AsyncSession, catalogue: Catalogue, *, city: City, min_group_size: int = MIN_GROUP_SIZE
) -> GroupResult:
    """A city's results over its officials' latest answers."""
    people = await city_answers(session, city=city)
    return group_results(catalogue, people.values(), min_group_size=min_group_size)
