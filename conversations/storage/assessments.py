"""Assessments and their answers: created, moved through, answered (with history), noted; questions asked.

None of these commit: the engine commits once per update, so an answer and its history land
together or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Select, String, and_, bindparam, func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    AskedQuestion,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Note,
    Participant,
    stored_id,
    table_of,
)
from conversations.times import utcnow


@dataclass(slots=True)
class AnswerSheet:
    """An assessment's current answers as one update sees them: the value per action code.

    ``notes`` is how many notes the assessment has, when that was read along (``None`` if not).
    """

    values: dict[str, str] = field(default_factory=dict)
    notes: int | None = None


async def create_assessment(
    session: AsyncSession,
    *,
    participant: Participant,
    kind: AssessmentKind,
    catalogue: str,
    cursor: str | None = None,
    status: AssessmentStatus = AssessmentStatus.OPEN,
) -> Assessment:
    """A new assessment of the participant's city, starting at ``cursor``."""
    assessment = Assessment(
        participant_id=stored_id(participant),
        city_id=participant.city_id,
        kind=kind,
        catalogue=catalogue,
        cursor=cursor,
        status=status,
    )
    session.add(assessment)
    await session.flush()
    return assessment


async def get_assessment(
    session: AsyncSession, *, assessment_id: int | None, participant: Participant
) -> Assessment | None:
    """An assessment of this participant (never someone else's)."""
    if assessment_id is None:
        return None
    assessment = await session.get(Assessment, assessment_id)
    return assessment if assessment is not None and assessment.participant_id == participant.id else None


async def latest_assessment(
    session: AsyncSession,
    *,
    participant: Participant,
    kind: AssessmentKind | None = None,
    statuses: Iterable[AssessmentStatus] | None = None,
) -> Assessment | None:
    """The participant's most recently worked-on assessment (optionally of one kind, in one of ``statuses``)."""
    query = select(Assessment).where(Assessment.participant_id == participant.id)
    if kind is not None:
        query = query.where(Assessment.kind == kind)
    if statuses is not None:
        query = query.where(col(Assessment.status).in_(list(statuses)))
    result = await session.exec(query.order_by(col(Assessment.updated_at).desc(), col(Assessment.id).desc()))
    return result.first()


def _touch(session: AsyncSession, assessment: Assessment) -> None:
    """The assessment was worked on now (the latest worked-on one is the one resumed)."""
    assessment.updated_at = utcnow()
    session.add(assessment)


def move_assessment(
    session: AsyncSession, *, assessment: Assessment, cursor: str | None, trail: list[str] | None = None
) -> None:
    """Point the assessment at another question (``None``: nothing left); ``trail`` replaces the way back."""
    assessment.cursor = cursor
    if trail is not None:
        assessment.trail = trail
    _touch(session, assessment)


def set_status(session: AsyncSession, *, assessment: Assessment, status: AssessmentStatus) -> None:
    """Open, pause or finish an assessment; finishing stamps the time."""
    assessment.status = status
    if status == AssessmentStatus.FINISHED:
        assessment.finished_at = utcnow()
    _touch(session, assessment)


async def answers_of(session: AsyncSession, *, assessment: Assessment) -> AnswerSheet:
    """The assessment's answers and its number of notes, in one query (as :func:`participant_state` reads them)."""
    query = _sheet_query(session.get_bind().dialect.name)
    answers, notes = (await session.exec(query, params={"b_assessment": assessment.id})).one()  # type: ignore[call-overload]  # SQLModel types exec() without params=
    return AnswerSheet(dict(answers or {}), notes)


@functools.cache
def _sheet_query(dialect: str) -> Select[Any]:
    """The query behind :func:`answers_of`: knowing the notes count spares a notes query per question shown."""
    answers_object = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    answers = select(answers_object(col(AnswerRecord.action_code), col(AnswerRecord.value), type_=JSON)).where(
        col(AnswerRecord.assessment_id) == bindparam("b_assessment")
    )
    notes = select(func.count(col(Note.id))).where(col(Note.assessment_id) == bindparam("b_assessment"))
    return select(answers.scalar_subquery(), notes.scalar_subquery())


async def set_answers(
    session: AsyncSession, *, assessment: Assessment, answers: Mapping[str, str], sheet: AnswerSheet
) -> dict[str, str | None]:
    """Set the current answers to several actions at once, each change kept in its history.

    ``sheet`` holds the assessment's current answers (as :func:`answers_of` reads them) and is
    kept up to date here, so nobody needs to read them again. Whatever the number of answers, it
    takes three statements at most: insert the new answers, update the changed ones, insert
    their history rows. These are SQL statements, not ORM changes: ``AnswerRecord`` objects
    already in the session (:func:`current_answers` loads some) keep the values they were read with.
    Returns each action's previous value.
    """
    previous: dict[str, str | None] = {}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for code, value in answers.items():
        previous[code] = before = sheet.values.get(code)
        if before == value:
            continue
        row = {"b_assessment": assessment.id, "b_code": code, "b_value": value, "b_previous": before, "b_at": utcnow()}
        (inserts if before is None else updates).append(row)
        sheet.values[code] = value
    if not inserts and not updates:
        return previous
    statements = _answer_statements()
    if inserts:
        await session.exec(statements.insert, params=inserts)
    if updates:
        await session.exec(statements.update, params=updates)
    await session.exec(statements.history, params=[*inserts, *updates])
    _touch(session, assessment)
    return previous


@dataclass(frozen=True, slots=True)
class _AnswerStatements:
    insert: Any
    update: Any
    history: Any


@functools.cache
def _answer_statements() -> _AnswerStatements:
    """:func:`set_answers`' three statements, built once (each update only binds its rows)."""
    answer, change = table_of(AnswerRecord), table_of(AnswerChange)
    this_answer = and_(answer.c.assessment_id == bindparam("b_assessment"), answer.c.action_code == bindparam("b_code"))
    new_answer: dict[str, Any] = {
        "assessment_id": bindparam("b_assessment"),
        "action_code": bindparam("b_code"),
        "value": bindparam("b_value"),
        "answered_at": bindparam("b_at"),
    }
    history = insert(change).from_select(
        ["answer_id", "previous", "value", "changed_at"],
        select(answer.c.id, bindparam("b_previous", type_=String), answer.c.value, answer.c.answered_at).where(
            this_answer
        ),
    )
    return _AnswerStatements(
        insert=answer.insert().values(new_answer),
        update=answer.update().where(this_answer).values(value=bindparam("b_value"), answered_at=bindparam("b_at")),
        history=history,
    )


async def answer_histories(session: AsyncSession, *, participant: Participant) -> dict[int, list[AnswerChange]]:
    """Every value each of the participant's answers had, oldest first, by answer id (one query)."""
    query = (
        select(AnswerChange)
        .join(AnswerRecord, col(AnswerRecord.id) == col(AnswerChange.answer_id))
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.participant_id == participant.id)
        .order_by(col(AnswerChange.id))
    )
    histories: dict[int, list[AnswerChange]] = {}
    for change in (await session.exec(query)).all():
        histories.setdefault(change.answer_id, []).append(change)
    return histories


async def participant_notes(session: AsyncSession, *, participant: Participant) -> list[Note]:
    """Every note of the participant, also those added to an action before (or without) answering it."""
    query = (
        select(Note)
        .join(Assessment, col(Assessment.id) == col(Note.assessment_id))
        .where(Assessment.participant_id == participant.id)
        .order_by(col(Note.id))
    )
    return list((await session.exec(query)).all())


async def current_answers(
    session: AsyncSession, *, participant: Participant
) -> dict[str, tuple[AnswerRecord, Assessment]]:
    """Per action, the participant's most recent answer over all their assessments, and where it lives."""
    query = (
        select(AnswerRecord, Assessment)
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.participant_id == participant.id)
        .order_by(col(AnswerRecord.answered_at), col(AnswerRecord.id))
    )
    latest: dict[str, tuple[AnswerRecord, Assessment]] = {}
    for record, assessment in (await session.exec(query)).all():
        latest[record.action_code] = (record, assessment)
    return latest


async def current_values(session: AsyncSession, *, participant: Participant) -> dict[str, tuple[str, int | None]]:
    """Per action, the value of the participant's most recent answer and the city of its assessment.

    What :func:`current_answers` gives, as plain values: results and ranking read every answer at
    each update, and loading them as objects costs ten times the query.
    """
    query = (
        select(AnswerRecord.action_code, AnswerRecord.value, Assessment.city_id)
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.participant_id == participant.id)
        .order_by(col(AnswerRecord.answered_at), col(AnswerRecord.id))
    )
    return {code: (value, city) for code, value, city in (await session.exec(query)).all()}


async def implied_codes(session: AsyncSession, *, participant: Participant, city_id: int | None) -> set[str]:
    """The actions whose most recent answer (for this city) a quick check-in implied rather than the person gave."""
    query = (
        select(AnswerRecord.action_code, Assessment.kind)
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.participant_id == participant.id, Assessment.city_id == city_id)
        .order_by(col(AnswerRecord.answered_at), col(AnswerRecord.id))
    )
    kinds = {code: kind for code, kind in (await session.exec(query)).all()}
    return {code for code, kind in kinds.items() if kind == AssessmentKind.CHECKIN}


async def add_note(session: AsyncSession, *, assessment: Assessment, code: str, text: str) -> Note:
    note = Note(assessment_id=stored_id(assessment), action_code=code, text=text)
    session.add(note)
    _touch(session, assessment)
    await session.flush()
    return note


async def notes_of(session: AsyncSession, *, assessment: Assessment, code: str | None = None) -> list[Note]:
    query = select(Note).where(Note.assessment_id == assessment.id)
    if code is not None:
        query = query.where(Note.action_code == code)
    return list((await session.exec(query.order_by(col(Note.id)))).all())


async def record_question(
    session: AsyncSession, *, participant: Participant, text: str, matches: Iterable[str], confident: bool
) -> None:
    session.add(
        AskedQuestion(participant_id=stored_id(participant), text=text, matches=",".join(matches), confident=confident)
    )


async def questions_of(session: AsyncSession, *, participant: Participant) -> list[AskedQuestion]:
    query = select(AskedQuestion).where(AskedQuestion.participant_id == participant.id).order_by(col(AskedQuestion.id))
    return list((await session.exec(query)).all())
