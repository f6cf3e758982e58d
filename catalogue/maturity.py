"""Maturity scoring: pure functions from a city's answers to stages reached and next actions.

Stages are cumulative: a stage counts as reached only when every action of it and of
every lower stage of the same area is done. Areas that lack a stage simply skip it.

Several respondents (a city's officials, a workshop's participants) combine per area into
the median stage reached, its spread and the number of respondents (:func:`combined_maturity`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from catalogue.catalogue import Catalogue
from catalogue.model import Action


class Answer(StrEnum):
    """How far a city is with one action; only ``DONE`` completes it."""

    DONE = "done"
    IN_PROGRESS = "in_progress"
    NOT_YET = "not_yet"
    UNKNOWN = "unknown"
    OPEN = "open"
    """Not done, and not asked: a quick check-in placed the area below this action's stage."""


Answers = Mapping[str, Answer]
"""Action code -> answer; codes without an answer count as not done."""


@dataclass(frozen=True, slots=True)
class StageProgress:
    """How many of one stage's actions in one area are done or under way."""

    stage: str
    total: int
    done: int
    in_progress: int

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def share_done(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True, slots=True)
class AreaMaturity:
    """Where one area stands: the stage reached (``None`` before the first) and what comes next."""

    area: str
    stage_reached: str | None
    next_stage: str | None
    stages: tuple[StageProgress, ...]
    next_actions: tuple[Action, ...]

    @property
    def share_done(self) -> float:
        total = sum(progress.total for progress in self.stages)
        return sum(progress.done for progress in self.stages) / total if total else 1.0


def is_done(answers: Answers, code: str) -> bool:
    return answers.get(code) == Answer.DONE


def area_maturity(catalogue: Catalogue, area: str, answers: Answers) -> AreaMaturity:
    """Score one area: progress per stage, the stage reached and the open actions of the next one."""
    progress: list[StageProgress] = []
    for stage in catalogue.stages_of(area):
        actions = catalogue.actions_of(area, stage.code)
        progress.append(
            StageProgress(
                stage=stage.code,
                total=len(actions),
                done=sum(is_done(answers, a.code) for a in actions),
                in_progress=sum(answers.get(a.code) == Answer.IN_PROGRESS for a in actions),
            )
        )
    reached: str | None = None
    next_stage: str | None = None
    for stage_progress in progress:
        if not stage_progress.complete:
            next_stage = stage_progress.stage
            break
        reached = stage_progress.stage
    next_actions = (
        tuple(a for a in catalogue.actions_of(area, next_stage) if not is_done(answers, a.code)) if next_stage else ()
    )
    return AreaMaturity(
        area=area, stage_reached=reached, next_stage=next_stage, stages=tuple(progress), next_actions=next_actions
    )


def city_maturity(catalogue: Catalogue, answers: Answers) -> dict[str, AreaMaturity]:
    """Every area's maturity, keyed by area code in catalogue order."""
    return {area.code: area_maturity(catalogue, area.code, answers) for area in catalogue.areas}


def next_actions(catalogue: Catalogue, answers: Answers) -> dict[str, list[Action]]:
    """The recommended next actions per domain: the open actions of each area's lowest unfinished stage.

    Domains come in catalogue order; within a domain, most urgent first (lower stage, then code).
    Domains whose areas are all complete map to an empty list.
    """
    by_domain: dict[str, list[Action]] = {domain.code: [] for domain in catalogue.domains}
    for maturity in city_maturity(catalogue, answers).values():
        by_domain[catalogue.area(maturity.area).domain].extend(maturity.next_actions)
    return {domain: catalogue.sorted_actions(actions) for domain, actions in by_domain.items()}


def answers_for_stage(catalogue: Catalogue, area: str, stage_reached: str | None) -> dict[str, Answer]:
    """The answers implied by saying "this area has reached stage X" (quick check-in).

    Every action up to and including that stage is done; the rest is open, not asked
    (:attr:`Answer.OPEN`): the official said the next stage is not complete, not which of its actions are missing.
    """
    order = catalogue.stage(stage_reached).order if stage_reached else -1
    return {
        action.code: Answer.DONE if catalogue.stage(action.stage).order <= order else Answer.OPEN
        for action in catalogue.actions_of(area)
    }


MAJORITY = 0.5
"""An action counts as done for a group when more than this share of the area's respondents has done it."""


@dataclass(frozen=True, slots=True)
class CombinedArea:
    """Where one area stands across several respondents, each scored on their own answers.

    A respondent is anyone who answered at least one action of the area. ``median`` is the
    stage reached by the median respondent (the lower one of an even count, so a group is never
    placed above what half of it has reached); ``lowest``/``highest`` and the quartiles give the
    spread; ``None`` is "no stage reached yet". ``distribution`` counts respondents per stage
    reached, from "none" upward through the area's stages. The next stage is the one after the
    median, and its next actions are those that no more than half of the respondents have done:
    for a single respondent exactly :func:`area_maturity`'s.
    """

    area: str
    respondents: int
    median: str | None
    lowest: str | None
    highest: str | None
    lower_quartile: str | None
    upper_quartile: str | None
    distribution: tuple[tuple[str | None, int], ...]
    next_stage: str | None
    next_actions: tuple[Action, ...]
    share_next: float
    """Share of the next stage's actions done by more than half of the respondents, 0..1."""


def nearest_rank(ordered: Sequence[int], share: float) -> int:
    """The value at the nearest-rank percentile ``share`` of an ascending sequence (never interpolated)."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def combined_area(catalogue: Catalogue, area: str, answer_sets: Sequence[Answers]) -> CombinedArea:
    """Combine one area over several respondents' answers (see :class:`CombinedArea`)."""
    stages = tuple((stage.code, catalogue.actions_of(area, stage.code)) for stage in catalogue.stages_of(area))
    ladder: tuple[str | None, ...] = (None, *(code for code, _ in stages))
    codes = {action.code for _, actions in stages for action in actions}
    answered = [answers for answers in answer_sets if not codes.isdisjoint(answers)]
    positions = sorted(_position_reached(stages, answers) for answers in answered)
    counts = Counter(positions)
    distribution = tuple((stage, counts.get(position, 0)) for position, stage in enumerate(ladder))
    if positions:
        median, lowest, highest = nearest_rank(positions, 0.5), positions[0], positions[-1]
        quartiles = nearest_rank(positions, 0.25), nearest_rank(positions, 0.75)
    else:
        median = lowest = highest = 0
        quartiles = (0, 0)
    next_stage = ladder[median + 1] if median + 1 < len(ladder) else None
    next_actions: tuple[Action, ...] = ()
    share_next = 0.0
    if next_stage is not None:
        stage_actions = catalogue.actions_of(area, next_stage)
        needed = MAJORITY * len(answered)
        done = {a.code for a in stage_actions if answered and sum(is_done(x, a.code) for x in answered) > needed}
        next_actions = tuple(a for a in stage_actions if a.code not in done)
        share_next = len(done) / len(stage_actions)
    return CombinedArea(
        area=area,
        respondents=len(answered),
        median=ladder[median],
        lowest=ladder[lowest],
        highest=ladder[highest],
        lower_quartile=ladder[quartiles[0]],
        upper_quartile=ladder[quartiles[1]],
        distribution=distribution,
        next_stage=next_stage,
        next_actions=next_actions,
        share_next=share_next,
    )


def _position_reached(stages: Sequence[tuple[str, Sequence[Action]]], answers: Answers) -> int:
    """How many of the area's stages are complete, counting from the first (the cumulative rule)."""
    for position, (_, actions) in enumerate(stages):
        if not all(is_done(answers, action.code) for action in actions):
            return position
    return len(stages)


def combined_maturity(catalogue: Catalogue, answer_sets: Sequence[Answers]) -> dict[str, CombinedArea]:
    """Every area combined over several respondents' answers, keyed by area code in catalogue order.

    Each element of ``answer_sets`` is one respondent's current answers; their order does not matter.
    """
    return {area.code: combined_area(catalogue, area.code, answer_sets) for area in catalogue.areas}


def combined_next_actions(catalogue: Catalogue, combined: Mapping[str, CombinedArea]) -> dict[str, list[Action]]:
    """The group's next actions per domain, grouped and ordered as :func:`next_actions` does for one person."""
    by_domain: dict[str, list[Action]] = {domain.code: [] for domain in catalogue.domains}
    for area in combined.values():
        by_domain[catalogue.area(area.area).domain].extend(area.next_actions)
    return {domain: catalogue.sorted_actions(actions) for domain, actions in by_domain.items()}


def common_next_actions(catalogue: Catalogue, answer_sets: Sequence[Answers]) -> list[tuple[Action, int]]:
    """The actions that come next for the most respondents: each with how many have it among their own next.

    Most common first; ties in catalogue urgency order (stage, then code). Respondents without any
    answer are left out.
    """
    counts: Counter[str] = Counter()
    for answers in answer_sets:
        if answers:
            counts.update(action.code for actions in next_actions(catalogue, answers).values() for action in actions)
    ordered = catalogue.sorted_actions(catalogue.action(code) for code in counts)
    return sorted(((action, counts[action.code]) for action in ordered), key=lambda pair: -pair[1])
