"""Data access: small keyword-only functions over an open session; the flows never write SQL.

These are the only writers of stored state (the :class:`~conversations.turn.Turn` writes the
conversation row and calls them for the rest); flows read the rows, and change them only here.
None of these commit: the engine commits once per update, so writes that belong together
(an answer and its history, a participant and their conversation) land together or not at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA
from sqlalchemy import JSON, Select, String, and_, bindparam, delete, func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    AskedQuestion,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    City,
    Conversation,
    Note,
    Participant,
    ProcessedUpdate,
    utcnow,
)

CITY_MATCH_CUTOFF = 80.0
"""rapidfuzz WRatio score from which a typed city name is offered as "did you mean ...?"."""
CITY_MATCH_LIMIT = 3
CITY_TYPO_EDITS = 2
"""A typed name this many edits (swaps count as one) from a known city's is offered too..."""
CITY_TYPO_SHORT = 5
"""...but only one edit for names of up to this many characters (short names are close to many)."""


# --- processed updates -----------------------------------------------------------------------


async def claim_update(session: AsyncSession, *, update_id: str) -> bool:
    """Mark an update as processed; ``False`` when it already was (a redelivery).

    One ``INSERT ... ON CONFLICT DO NOTHING``: no read first, and no error when another
    process claimed the same id a moment earlier (PostgreSQL makes this one wait for it).
    """
    statement = _claim_statement(session.get_bind().dialect.name)
    result = await session.exec(statement, params={"update_id": update_id, "processed_at": utcnow()})  # type: ignore[call-overload]
    return bool(result.rowcount == 1)


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """The claim as a Core statement on the table, built once: no ORM bulk-insert path, no new cache key per update."""
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    values = {"update_id": bindparam("update_id"), "processed_at": bindparam("processed_at")}
    return upsert(table).values(values).on_conflict_do_nothing()


async def prune_processed_updates(session: AsyncSession, *, older_than: timedelta) -> None:
    """Forget update ids old enough that no transport will redeliver them."""
    cutoff = utcnow() - older_than
    await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff))  # type: ignore[call-overload]


# --- participants and conversation state -----------------------------------------------------


@dataclass(slots=True)
class AnswerSheet:
    """An assessment's current answers as one update sees them: the value per action code.

    ``notes`` is how many notes the assessment has, when that was read along (``None`` if not).
    """

    values: dict[str, str] = field(default_factory=dict)
    notes: int | None = None


@dataclass(frozen=True, slots=True)
class ParticipantState:
    """What almost every update needs: the participant, where they are, and the assessment they are in."""

    participant: Participant | None
    conversation: Conversation | None
    assessment: Assessment | None
    answers: AnswerSheet | None


@functools.cache
def _state_query(dialect: str) -> Select[Any]:
    """The query behind :func:`participant_state`, built once per kind of database."""
    pointer = col(Conversation.data)["assessment"].as_integer()
    of_assessment = col(AnswerRecord.assessment_id) == col(Assessment.id)
    answers_object = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    answers = select(answers_object(col(AnswerRecord.action_code), col(AnswerRecord.value), type_=JSON))
    notes = select(func.count(col(Note.id))).where(col(Note.assessment_id) == col(Assessment.id))
    return (
        select(
            Participant,
            Conversation,
            Assessment,
            City,
            answers.where(of_assessment).scalar_subquery(),
            notes.scalar_subquery(),
        )
        .join(Conversation, col(Conversation.participant_id) == col(Participant.id), isouter=True)
        .join(
            Assessment,
            and_(col(Assessment.id) == pointer, col(Assessment.participant_id) == col(Participant.id)),
            isouter=True,
        )
        .join(City, col(City.id) == col(Participant.city_id), isouter=True)
        .where(col(Participant.user_id) == bindparam("user_id"))
    )


async def participant_state(session: AsyncSession, *, user_id: str) -> ParticipantState:
    """The participant, their conversation, and the assessment its flow data points at, in one query.

    The assessment counts only when it is the participant's own; its answers (as one JSON object)
    and its number of notes come along, and so does the participant's city, so that looking it
    up later in the update (``city_by_id``) needs no query. A participant without a conversation
    row gets an empty one.
    """
    query = _state_query(session.get_bind().dialect.name)
    row = (await session.exec(query, params={"user_id": user_id})).first()  # type: ignore[call-overload]
    if row is None:
        return ParticipantState(None, None, None, None)
    participant, conversation, assessment, _city, answers, notes = row
    if conversation is None:
        conversation = Conversation(participant_id=participant.id)
        session.add(conversation)
    if assessment is None:
        return ParticipantState(participant, conversation, None, None)
    return ParticipantState(participant, conversation, assessment, AnswerSheet(dict(answers or {}), notes))


async def create_participant(
    session: AsyncSession, *, user_id: str, name: str, language: str | None
) -> tuple[Participant, Conversation]:
    """Store a participant who has just consented, with an empty conversation state."""
    participant = Participant(user_id=user_id, name=name, language=language)
    session.add(participant)
    await session.flush()  # the conversation's key is the participant's id
    conversation = Conversation(participant_id=participant.id)
    session.add(conversation)
    return participant, conversation


def set_city(session: AsyncSession, *, participant: Participant, city: City) -> None:
    participant.city_id = city.id
    session.add(participant)


def set_role(session: AsyncSession, *, participant: Participant, role: str) -> None:
    participant.role = role
    session.add(participant)


async def delete_participant(session: AsyncSession, *, participant: Participant) -> None:
    """Delete a participant and, through the foreign keys' cascades, everything that is theirs."""
    for instance in list(session):
        if not isinstance(instance, City):
            session.expunge(instance)
    await session.exec(delete(Participant).where(col(Participant.id) == participant.id))  # type: ignore[call-overload]


# --- cities ----------------------------------------------------------------------------------


def city_key(name: str) -> str:
    """The normalised form two spellings of one city share: no accents, case or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", plain.casefold()).strip()


async def city_by_id(session: AsyncSession, *, city_id: int | None) -> City | None:
    return await session.get(City, city_id) if city_id is not None else None


async def match_cities(session: AsyncSession, *, name: str) -> tuple[City | None, list[City]]:
    """The city with exactly this (normalised) name, else known cities whose names are close."""
    cities = list((await session.exec(select(City))).all())
    key = city_key(name)
    for city in cities:
        if city.key == key:
            return city, []
    keys = [city.key for city in cities]
    hits = process.extract(
        key, keys, scorer=fuzz.WRatio, processor=utils.default_process, limit=None, score_cutoff=CITY_MATCH_CUTOFF
    )
    found = {index: score for _, score, index in hits}
    budget = CITY_TYPO_EDITS if len(key) > CITY_TYPO_SHORT else 1
    for _, distance, index in process.extract(key, keys, scorer=OSA.distance, limit=None, score_cutoff=budget):
        found.setdefault(index, CITY_MATCH_CUTOFF - distance)  # a close typo ("Gnet", "Gant" for "Gent")
    best = sorted(found, key=lambda index: -found[index])[:CITY_MATCH_LIMIT]
    return None, [cities[index] for index in best]


async def add_city(session: AsyncSession, *, name: str) -> City:
    """The city with this name, created if it is new."""
    exact, _ = await match_cities(session, name=name)
    if exact is not None:
        return exact
    city = City(name=name.strip(), key=city_key(name))
    session.add(city)
    await session.flush()
    return city


# --- assessments and answers -----------------------------------------------------------------


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
        participant_id=participant.id,
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
    query = select(AnswerRecord.action_code, AnswerRecord.value).where(AnswerRecord.assessment_id == assessment.id)
    return AnswerSheet({code: value for code, value in (await session.exec(query)).all()})


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
        await session.exec(statements.insert, params=inserts)  # type: ignore[call-overload]
    if updates:
        await session.exec(statements.update, params=updates)  # type: ignore[call-overload]
    await session.exec(statements.history, params=[*inserts, *updates])  # type: ignore[call-overload]
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
    answer, change = AnswerRecord.__table__, AnswerChange.__table__  # type: ignore[attr-defined]
    this_answer = and_(answer.c.assessment_id == bindparam("b_assessment"), answer.c.action_code == bindparam("b_code"))
    new_answer = {
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


async def add_note(session: AsyncSession, *, assessment: Assessment, code: str, text: str) -> Note:
    note = Note(assessment_id=assessment.id, action_code=code, text=text)
    session.add(note)
    _touch(session, assessment)
    await session.flush()
    return note


async def notes_of(session: AsyncSession, *, assessment: Assessment, code: str | None = None) -> list[Note]:
    query = select(Note).where(Note.assessment_id == assessment.id)
    if code is not None:
        query = query.where(Note.action_code == code)
    return list((await session.exec(query.order_by(col(Note.id)))).all())


# --- questions asked -------------------------------------------------------------------------


async def record_question(
    session: AsyncSession, *, participant: Participant, text: str, matches: Iterable[str], confident: bool
) -> None:
    session.add(AskedQuestion(participant_id=participant.id, text=text, matches=",".join(matches), confident=confident))


# --- reading everything out: /mydata and exports ---------------------------------------------


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


async def questions_of(session: AsyncSession, *, participant: Participant) -> list[AskedQuestion]:
    query = select(AskedQuestion).where(AskedQuestion.participant_id == participant.id).order_by(col(AskedQuestion.id))
    return list((await session.exec(query)).all())


def as_utc(moment: datetime | None) -> str:
    """ISO 8601 in UTC; SQLite hands datetimes back without their zone."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=moment.tzinfo or UTC).isoformat(timespec="seconds")
