"""Maturity scoring: pure functions from a city's answers to stages reached and next actions.

Stages are cumulative: a stage counts as reached only when every action of it and of
every lower stage of the same area is done. Areas that lack a stage simply skip it.

Several respondents (a city's officials, a workshop's participants) combine per area in
:mod:`catalogue.group_results`, the one computation of group results.
"""

from __future__ import annotations

import math
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


def nearest_rank(ordered: Sequence[int], share: float) -> int:
    """The value at the nearest-rank percentile ``share`` of an ascending sequence (never interpolated)."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
