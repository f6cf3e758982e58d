"""Several people's answers read out at once: combined results, exports, and one person's rows for ``/mydata``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.city_matching import city_key
from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    Assessment,
    AssessmentStatus,
    City,
    Note,
    Participant,
    Workshop,
)
from conversations.times import aware


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One stored answer with what it belongs to, for exports."""

    city: City | None
    participant: Participant
    assessment: Assessment
    answer: AnswerRecord
    notes: tuple[str, ...]


async def answer_rows(
    session: AsyncSession, *, city: str | None = None, participant: Participant | None = None
) -> list[AnswerRow]:
    """Every current answer (optionally of one city or one participant), oldest assessment first."""
    query = (
        select(AnswerRecord, Assessment, Participant, City)
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .join(Participant, col(Participant.id) == col(Assessment.participant_id))
        .join(City, col(City.id) == col(Assessment.city_id), isouter=True)
        .order_by(col(Assessment.id), col(AnswerRecord.id))
    )
    if city is not None:
        query = query.where(City.key == city_key(city))
    if participant is not None:
        query = query.where(Participant.id == participant.id)
    rows = (await session.exec(query)).all()
    notes: dict[tuple[int, str], list[str]] = {}
    note_query = select(Note).order_by(col(Note.id))
    if participant is not None:
        note_query = note_query.join(Assessment, col(Assessment.id) == col(Note.assessment_id)).where(
            Assessment.participant_id == participant.id
        )
    for note in (await session.exec(note_query)).all():
        notes.setdefault((note.assessment_id, note.action_code), []).append(note.text)
    return [
        AnswerRow(
            city=city_row,
            participant=person,
            assessment=assessment,
            answer=record,
            notes=tuple(notes.get((assessment.id or 0, record.action_code), ())),
        )
        for record, assessment, person, city_row in rows
    ]


@dataclass(frozen=True, slots=True)
class AnswerFact:
    """One answer as a group view or an export counts it: whose, in which assessment, what and when.

    ``workshop`` is the workshop the answer counts for: its assessment's, unless the answer was
    given (or last changed) after the workshop closed.
    """

    answer_id: int
    participant: Participant
    assessment: Assessment
    city: City | None
    workshop: Workshop | None
    code: str
    value: str
    answered_at: datetime


async def answer_facts(
    session: AsyncSession,
    *,
    city: City | None = None,
    workshop: Workshop | None = None,
    since: datetime | None = None,
) -> list[AnswerFact]:
    """The current answers (of one city's assessments, or one workshop's), oldest assessment first.

    For one workshop, each answer counts with the value it had when the workshop closed: an
    answer changed later counts with its value from the history; one first given later not at all.
    ``since`` keeps the answers given from that moment on.
    """
    query = (
        select(AnswerRecord, Assessment, Participant, City, Workshop)  # type: ignore[call-overload]  # SQLModel types up to 4
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .join(Participant, col(Participant.id) == col(Assessment.participant_id))
        .join(City, col(City.id) == col(Assessment.city_id), isouter=True)
        .join(Workshop, col(Workshop.id) == col(Assessment.workshop_id), isouter=True)
        .order_by(col(Assessment.id), col(AnswerRecord.id))
    )
    if city is not None:
        query = query.where(Assessment.city_id == city.id)
    if workshop is not None:
        query = query.where(Assessment.workshop_id == workshop.id)
    facts: list[AnswerFact] = []
    late: dict[int, AnswerFact] = {}
    for record, assessment, person, city_row, counted in (await session.exec(query)).all():
        fact = AnswerFact(
            record.id, person, assessment, city_row, counted, record.action_code, record.value, record.answered_at
        )
        if counted is not None and counted.closed_at is not None and fact.answered_at > counted.closed_at:
            if workshop is None:
                facts.append(replace(fact, workshop=None))  # it counts for the person and the city, not the workshop
            else:
                late[record.id] = fact
            continue
        facts.append(fact)
    if late and workshop is not None and workshop.closed_at is not None:
        history = (
            select(AnswerChange)
            .where(col(AnswerChange.answer_id).in_(list(late)), col(AnswerChange.changed_at) <= workshop.closed_at)
            .order_by(col(AnswerChange.id))
        )
        at_closing = {change.answer_id: change for change in (await session.exec(history)).all()}
        for answer_id, change in at_closing.items():
            facts.append(replace(late[answer_id], value=change.value, answered_at=change.changed_at))
        facts.sort(key=lambda fact: (fact.assessment.id or 0, fact.answer_id))
    if since is not None:
        facts = [fact for fact in facts if fact.answered_at >= aware(since)]
    return facts


async def city_answers(session: AsyncSession, *, city: City) -> dict[int, dict[str, str]]:
    """Each participant's latest answer per action over their assessments of this city (participant id -> ...)."""
    query = (
        select(Assessment.participant_id, AnswerRecord.action_code, AnswerRecord.value)
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.city_id == city.id)
        .order_by(col(AnswerRecord.answered_at), col(AnswerRecord.id))
    )
    people: dict[int, dict[str, str]] = {}
    for participant_id, code, value in (await session.exec(query)).all():
        people.setdefault(participant_id, {})[code] = value
    return people


async def notes_by_answer(session: AsyncSession, *, assessment_ids: Iterable[int]) -> dict[tuple[int, str], list[str]]:
    """The notes of these assessments, per (assessment id, action code), oldest first."""
    ids = list(assessment_ids)
    if not ids:
        return {}
    query = select(Note).where(col(Note.assessment_id).in_(ids)).order_by(col(Note.id))
    notes: dict[tuple[int, str], list[str]] = {}
    for note in (await session.exec(query)).all():
        notes.setdefault((note.assessment_id, note.action_code), []).append(note.text)
    return notes


async def round_numbers(session: AsyncSession, *, participant_ids: Iterable[int]) -> dict[int, int]:
    """Each finished assessment's round: its number among its person's finished ones for its city (1 the first).

    Unfinished assessments have none (they are not a round yet).
    """
    ids = list(participant_ids)
    if not ids:
        return {}
    query = (
        select(Assessment.id, Assessment.participant_id, Assessment.city_id)
        .where(col(Assessment.participant_id).in_(ids), Assessment.status == AssessmentStatus.FINISHED)
        .order_by(col(Assessment.finished_at), col(Assessment.id))
    )
    counted: dict[tuple[int, int | None], int] = {}
    numbers: dict[int, int] = {}
    for assessment_id, participant_id, city_id in (await session.exec(query)).all():
        assert assessment_id is not None  # a stored row's key
        counted[participant_id, city_id] = counted.get((participant_id, city_id), 0) + 1
        numbers[assessment_id] = counted[participant_id, city_id]
    return numbers


async def city_answers_at(session: AsyncSession, *, city: City, moment: datetime) -> dict[int, dict[str, str]]:
    """Each participant's answer per action for this city as it stood at ``moment`` (from the answers' history)."""
    query = (
        select(Assessment.participant_id, AnswerRecord.action_code, AnswerChange.value)
        .join(AnswerRecord, col(AnswerRecord.id) == col(AnswerChange.answer_id))
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.city_id == city.id, col(AnswerChange.changed_at) <= moment)
        .order_by(col(AnswerChange.changed_at), col(AnswerChange.id))
    )
    people: dict[int, dict[str, str]] = {}
    for participant_id, code, value in (await session.exec(query)).all():
        people.setdefault(participant_id, {})[code] = value
    return people
