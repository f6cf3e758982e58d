"""Rounds: every finished check-in and assessment is a dated round of its person.

Nothing is stored twice: a round is a finished assessment, dated by its ``finished_at``, and its
answers are the person's answers for the city as they stood at that moment, read back from the
answers' history. So a full assessment that refined an earlier check-in is a round of all the
person's answers, not only of those it asked again. Each area of a round is one *choice*, as the
check-in asks it: a stage code, :data:`NOT_STARTED`, :data:`NOT_SURE`, or ``None`` (no answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Answer, Catalogue, area_maturity
from conversations.storage import rounds as stored_rounds
from conversations.storage.models import AssessmentKind, Participant

NOT_STARTED = "0"
NOT_SURE = "u"


def area_choice(catalogue: Catalogue, area: str, answers: Mapping[str, str]) -> str | None:
    """An area's answers as one choice: the stage reached, not started, not sure; ``None`` when none are given."""
    given = {a.code: Answer(answers[a.code]) for a in catalogue.actions_of(area) if a.code in answers}
    if not given:
        return None
    if all(value == Answer.UNKNOWN for value in given.values()):
        return NOT_SURE
    return area_maturity(catalogue, area, given).stage_reached or NOT_STARTED


def position(catalogue: Catalogue, choice: str | None) -> int | None:
    """Where a choice stands on the stage axis (0 not started, 1 the first stage...); ``None`` if unknown."""
    if choice is None or choice == NOT_SURE:
        return None
    if choice == NOT_STARTED:
        return 0
    return [stage.code for stage in catalogue.stages].index(choice) + 1


@dataclass(frozen=True, slots=True)
class Round:
    """One finished check-in or assessment: when, what kind, and every answer as it stood then."""

    number: int
    assessment_id: int
    kind: AssessmentKind
    finished_at: datetime
    answers: Mapping[str, str]

    def choice(self, catalogue: Catalogue, area: str) -> str | None:
        return area_choice(catalogue, area, self.answers)


@dataclass(frozen=True, slots=True)
class History:
    """A person's rounds for their city, and when their answers last changed (``None``: never answered)."""

    rounds: tuple[Round, ...]
    last_change: datetime | None

    @property
    def baseline(self) -> Round | None:
        """The round the current answers are compared with: the last one finished before they last changed.

        Right after a round, that is the round before it; after answers changed since the last
        round (``/change``, an unfinished assessment), it is the last round.
        """
        if self.last_change is None:
            return None
        earlier = [r for r in self.rounds if r.finished_at < self.last_change]
        return earlier[-1] if earlier else None


async def history(session: AsyncSession, *, participant: Participant) -> History:
    """The participant's rounds for their current city (two queries)."""
    finished = await stored_rounds.finished_assessments(session, participant=participant, city_id=participant.city_id)
    timeline = await stored_rounds.answer_timeline(session, participant=participant, city_id=participant.city_id)
    rounds: list[Round] = []
    answers: dict[str, str] = {}
    index = 0
    for number, assessment in enumerate(finished, start=1):
        assert assessment.finished_at is not None and assessment.id is not None
        moment = assessment.finished_at
        while index < len(timeline) and timeline[index][2] <= moment:
            code, value, _ = timeline[index]
            answers[code] = value
            index += 1
        rounds.append(Round(number, assessment.id, assessment.kind, moment, dict(answers)))
    return History(tuple(rounds), timeline[-1][2] if timeline else None)


class Direction(StrEnum):
    """How an area moved between two rounds."""

    UP = "up"
    DOWN = "down"
    SAME = "same"


@dataclass(frozen=True, slots=True)
class AreaChange:
    """An area now against the baseline round: which way, from which choice, and since when it stood so."""

    area: str
    direction: Direction
    before: str
    since: datetime


def changes(catalogue: Catalogue, past: History, now: Mapping[str, str]) -> dict[str, AreaChange]:
    """Per area, how it moved since the baseline round; areas unknown (or "Not sure") on either side are left out.

    ``since`` is the baseline round's date for a move, and for an area that stayed put the date of
    the first round of the unbroken run at that choice.
    """
    baseline = past.baseline
    if baseline is None:
        return {}
    rounds = [r for r in past.rounds if r.number <= baseline.number]
    found: dict[str, AreaChange] = {}
    for area in catalogue.areas:
        before, current = baseline.choice(catalogue, area.code), area_choice(catalogue, area.code, now)
        was, is_now = position(catalogue, before), position(catalogue, current)
        if was is None or is_now is None or before is None:
            continue
        if is_now == was:
            since = baseline.finished_at
            for earlier in reversed(rounds):
                if earlier.choice(catalogue, area.code) != before:
                    break
                since = earlier.finished_at
            found[area.code] = AreaChange(area.code, Direction.SAME, before, since)
        else:
            direction = Direction.UP if is_now > was else Direction.DOWN
            found[area.code] = AreaChange(area.code, direction, before, baseline.finished_at)
    return found
