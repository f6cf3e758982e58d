"""Group results, the pure computation (no I/O): see :mod:`conversations.group_results`, which re-exports it.

Per area: respondents (gave a stage), unsure (counted apart, never a stage), incomplete, median
(the lower middle one) and lowest to highest over respondents, next steps counted among the area's
respondents only, and whether the minimum group size lets each figure be shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from catalogue.catalogue import Catalogue
from catalogue.maturity import MAJORITY, Answer, nearest_rank
from catalogue.model import Action

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
