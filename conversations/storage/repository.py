"""Data access: small keyword-only functions over an open session; the flows never write SQL.

None of these commit: the engine commits once per update, so writes that belong together
(an answer and its history, a participant and their conversation) land together or not at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process, utils
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    AskedQuestion,
    Assessment,
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


# --- processed updates -----------------------------------------------------------------------


async def claim_update(session: AsyncSession, *, update_id: str) -> bool:
    """Mark an update as processed; ``False`` when it already was (a redelivery)."""
    if await session.get(ProcessedUpdate, update_id) is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id))
    try:
        await session.flush()
    except IntegrityError:  # another process claimed it between our read and write
        await session.rollback()
        return False
    return True


async def prune_processed_updates(session: AsyncSession, *, older_than: timedelta) -> None:
    """Forget update ids old enough that no transport will redeliver them."""
    cutoff = utcnow() - older_than
    await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff))  # type: ignore[call-overload]


# --- participants and conversation state -----------------------------------------------------


async def get_participant(session: AsyncSession, *, user_id: str) -> Participant | None:
    result = await session.exec(select(Participant).where(Participant.user_id == user_id))
    return result.first()


async def create_participant(
    session: AsyncSession, *, user_id: str, name: str, language: str | None
) -> tuple[Participant, Conversation]:
    """Store a participant who has just consented, with an empty conversation state."""
    participant = Participant(user_id=user_id, name=name, language=language)
    session.add(participant)
    await session.flush()
    conversation = Conversation(participant_id=participant.id)
    session.add(conversation)
    await session.flush()
    return participant, conversation


async def get_conversation(session: AsyncSession, *, participant: Participant) -> Conversation:
    conversation = await session.get(Conversation, participant.id)
    if conversation is None:
        conversation = Conversation(participant_id=participant.id)
        session.add(conversation)
        await session.flush()
    return conversation


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
    hits = process.extract(
        key,
        [city.key for city in cities],
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=CITY_MATCH_LIMIT,
        score_cutoff=CITY_MATCH_CUTOFF,
    )
    return None, [cities[index] for _, _, index in hits]


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
    session: AsyncSession, *, participant: Participant, kind: str, catalogue: str
) -> Assessment:
    assessment = Assessment(participant_id=participant.id, city_id=participant.city_id, kind=kind, catalogue=catalogue)
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
    session: AsyncSession, *, participant: Participant, kind: str | None = None, statuses: Iterable[str] | None = None
) -> Assessment | None:
    query = select(Assessment).where(Assessment.participant_id == participant.id)
    if kind is not None:
        query = query.where(Assessment.kind == kind)
    if statuses is not None:
        query = query.where(col(Assessment.status).in_(list(statuses)))
    result = await session.exec(query.order_by(col(Assessment.updated_at).desc(), col(Assessment.id).desc()))
    return result.first()


def touch(assessment: Assessment) -> None:
    assessment.updated_at = utcnow()


async def answers_of(session: AsyncSession, *, assessment: Assessment) -> dict[str, AnswerRecord]:
    result = await session.exec(select(AnswerRecord).where(AnswerRecord.assessment_id == assessment.id))
    return {record.action_code: record for record in result.all()}


async def set_answer(session: AsyncSession, *, assessment: Assessment, code: str, value: str) -> str | None:
    """Set the current answer to one action, keeping the change in its history; returns the previous value."""
    result = await session.exec(
        select(AnswerRecord).where(AnswerRecord.assessment_id == assessment.id, AnswerRecord.action_code == code)
    )
    record = result.first()
    previous = record.value if record is not None else None
    if record is None:
        record = AnswerRecord(assessment_id=assessment.id, action_code=code, value=value)
    elif previous == value:
        return previous
    record.value = value
    record.answered_at = utcnow()
    session.add(record)
    await session.flush()
    session.add(AnswerChange(answer_id=record.id, previous=previous, value=value, changed_at=record.answered_at))
    touch(assessment)
    session.add(assessment)
    return previous


async def answer_history(session: AsyncSession, *, assessment: Assessment, code: str) -> list[AnswerChange]:
    """Every value one answer had, oldest first."""
    query = (
        select(AnswerChange)
        .join(AnswerRecord, col(AnswerRecord.id) == col(AnswerChange.answer_id))
        .where(AnswerRecord.assessment_id == assessment.id, AnswerRecord.action_code == code)
        .order_by(col(AnswerChange.id))
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


async def add_note(session: AsyncSession, *, assessment: Assessment, code: str, text: str) -> Note:
    note = Note(assessment_id=assessment.id, action_code=code, text=text)
    session.add(note)
    touch(assessment)
    session.add(assessment)
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
