"""Data access: small keyword-only functions over an open session; the flows never write SQL.

These are the only writers of stored state (the :class:`~conversations.turn.Turn` writes the
conversation row and calls them for the rest); flows read the rows, and change them only here.
None of these commit: the engine commits once per update, so writes that belong together
(an answer and its history, a participant and their conversation) land together or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Select, String, and_, bindparam, delete, func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.city_matching import city_key
from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    AskedQuestion,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    City,
    Conversation,
    Coordinator,
    CoordinatorCity,
    CoordinatorScope,
    InboxUpdate,
    JoinAttempt,
    Membership,
    Note,
    Participant,
    ProcessedUpdate,
    Reminder,
    ReminderKind,
    ScreenLink,
    Workshop,
    WorkshopCoordinator,
    WorkshopStatus,
    table_of,
)
from conversations.times import aware, utcnow

# --- processed updates -----------------------------------------------------------------------


async def claim_update(
    session: AsyncSession,
    *,
    update_id: str,
    replies: list[Any] | None = None,
    user_id: str | None = None,
    sender: str | None = None,
    sending_until: datetime | None = None,
) -> bool:
    """Mark an update as processed, with its outbox (``replies``); ``False`` when it already was (a redelivery).

    One ``INSERT ... ON CONFLICT DO NOTHING``: no read first, and no error when another
    process claimed the same id a moment earlier (PostgreSQL makes this one wait for it).
    ``user_id`` says whose update it was, so that ``/forget`` deletes the record and its outbox;
    ``sender`` (PostgreSQL) names the process that will send the replies, until ``sending_until``.
    """
    statement = _claim_statement(session.get_bind().dialect.name)
    params = {
        "b_update_id": update_id,
        "b_processed_at": utcnow(),
        "b_replies": replies,
        "b_user_id": user_id,
        "b_sender": sender,
        "b_sending_until": sending_until,
    }
    result = await session.exec(statement, params=params)
    return bool(result.rowcount == 1)


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """The claim as a Core statement on the table, built once: no ORM bulk-insert path, no new cache key per update."""
    table = table_of(ProcessedUpdate)
    values = {
        "update_id": bindparam("b_update_id"),
        "processed_at": bindparam("b_processed_at"),
        "replies": bindparam("b_replies", type_=JSON(none_as_null=True)),  # no outbox: NULL, as when emptied
        "user_id": bindparam("b_user_id", type_=String()),
        "sender": bindparam("b_sender", type_=String()),
        "sending_until": bindparam("b_sending_until", type_=table.c.sending_until.type),
    }
    return _upsert(dialect)(table).values(values).on_conflict_do_nothing()


def _upsert(dialect: str) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` clauses."""
    if dialect == "postgresql":  # imported here: loading the PostgreSQL dialect costs SQLite users 0.1 s at start
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def is_processed(session: AsyncSession, *, update_id: str) -> bool:
    """Whether the update has been processed (its id claimed)."""
    query = select(ProcessedUpdate.update_id).where(col(ProcessedUpdate.update_id) == update_id)
    return (await session.exec(query)).first() is not None


async def take_sending(
    session: AsyncSession, *, update_id: str, sender: str, until: datetime, from_gone: str | None = None
) -> list[Any] | None:
    """Become the one process to send an update's unsent replies: them, or ``None``.

    ``None`` when none are unsent, or another process is sending them and its time to do so has not run out
    (unless it is ``from_gone``, a process known to have died).
    """
    table = table_of(ProcessedUpdate)
    statement = (
        table.update()
        .where(
            table.c.update_id == update_id,
            table.c.replies.is_not(None),
            (table.c.sender.is_(None))
            | (table.c.sender == sender)
            | (table.c.sending_until < utcnow())
            | (table.c.sender == from_gone),
        )
        .values(sender=sender, sending_until=until)
        .returning(table.c.replies)
    )
    row = (await session.exec(statement)).first()
    return list(row[0]) if row is not None and row[0] is not None else None


# --- the inbox (several processes on PostgreSQL) ------------------------------------------------


def arrival(*, update_id: str, user_id: str, seq: int, receiver: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    """An update's placeholder in the inbox, as :func:`arrive` notes it: received now, not handed in yet."""
    return {
        "update_id": update_id,
        "user_id": user_id,
        "seq": seq,
        "receiver": receiver,
        "raw": raw,
        "arrived_at": utcnow(),
    }


async def arrive(connection: AsyncConnection, arrivals: list[dict[str, Any]]) -> None:
    """Note that updates have reached a process: their users' later updates wait for them (placeholders).

    One statement for all of them, on a bare connection (no ORM session): it is the first thing done for each update.
    """
    table = table_of(InboxUpdate)
    await connection.execute(_upsert(connection.dialect.name)(table).values(arrivals).on_conflict_do_nothing())


async def leave_placeholder(connection: AsyncConnection, *, update_id: str) -> None:
    """Remove an update's placeholder, unless it was handed in: the transport is done with it (a bare connection)."""
    table = table_of(InboxUpdate)
    await connection.execute(table.delete().where(table.c.update_id == update_id, table.c.incoming.is_(None)))


async def take_over(session: AsyncSession, *, update_id: str, receiver: str, by: str) -> bool:
    """Make ``by`` the receiver of a dead process's placeholder; ``False`` if it was handed in or taken meanwhile."""
    table = table_of(InboxUpdate)
    statement = (
        table.update()
        .where(table.c.update_id == update_id, table.c.receiver == receiver, table.c.incoming.is_(None))
        .values(receiver=by, arrived_at=utcnow())
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def hand_in(session: AsyncSession, *, update_id: str, user_id: str, seq: int, incoming: dict[str, Any]) -> None:
    """Store the update in the inbox, ready to be processed in its turn (filling its placeholder, if any)."""
    table = table_of(InboxUpdate)
    values = {"update_id": update_id, "user_id": user_id, "seq": seq, "incoming": incoming, "arrived_at": utcnow()}
    insert_ = _upsert(session.get_bind().dialect.name)(table).values(values)
    statement = insert_.on_conflict_do_update(
        index_elements=[table.c.update_id],
        set_={"incoming": insert_.excluded.incoming},
        where=table.c.incoming.is_(None),
    )
    await session.exec(statement)


async def inbox_of(session: AsyncSession, *, user_id: str, up_to: int) -> list[InboxUpdate]:
    """The user's stored updates up to update id ``up_to``, lowest id first."""
    query = (
        select(InboxUpdate)
        .where(col(InboxUpdate.user_id) == user_id, col(InboxUpdate.seq) <= up_to)
        .order_by(col(InboxUpdate.seq))
    )
    return list((await session.exec(query)).all())


async def next_in_inbox(session: AsyncSession, *, user_id: str) -> InboxUpdate | None:
    """The user's stored update with the lowest id that has been handed in."""
    query = (
        select(InboxUpdate)
        .where(col(InboxUpdate.user_id) == user_id, col(InboxUpdate.incoming).is_not(None))
        .order_by(col(InboxUpdate.seq))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def leave_inbox(session: AsyncSession, *, update_id: str, placeholder_only: bool = False) -> None:
    """Remove an update from the inbox (processed; or, ``placeholder_only``, never handed in)."""
    statement = delete(InboxUpdate).where(col(InboxUpdate.update_id) == update_id)
    if placeholder_only:
        statement = statement.where(col(InboxUpdate.incoming).is_(None))
    await session.exec(statement)


async def sender_of(session: AsyncSession, *, update_id: str) -> str | None:
    """The process sending (or that last took) an update's replies, if any."""
    query = select(ProcessedUpdate.sender).where(col(ProcessedUpdate.update_id) == update_id)
    return (await session.exec(query)).first()


async def unsent_replies(session: AsyncSession, *, update_id: str) -> list[Any]:
    """The outbox of an update processed before: its replies if they were never reported sent, else ``[]``."""
    query = select(ProcessedUpdate.replies).where(col(ProcessedUpdate.update_id) == update_id)
    return list((await session.exec(query)).first() or [])


async def clear_replies(session: AsyncSession, *, update_ids: Iterable[str]) -> None:
    """Empty these updates' outboxes: their replies went out."""
    await session.exec(_clear_statement(), params={"b_update_ids": list(update_ids)})


@functools.cache
def _clear_statement() -> Any:
    """The emptying of outboxes as a Core statement on the table, built once.

    An ORM-enabled UPDATE would first look for the rows among the session's objects to keep them
    in step (none are ever loaded), at several times the cost of the statement itself.
    """
    table = table_of(ProcessedUpdate)
    return table.update().where(table.c.update_id.in_(bindparam("b_update_ids", expanding=True))).values(replies=None)


async def prune_processed_updates(session: AsyncSession, *, older_than: timedelta) -> None:
    """Forget update ids old enough that no transport will redeliver them, and inbox entries nobody took up."""
    cutoff = utcnow() - older_than
    await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff))
    await session.exec(delete(InboxUpdate).where(col(InboxUpdate.arrived_at) < cutoff))


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
    city: City | None = None


@functools.cache
def _state_query(dialect: str) -> Select[Any]:
    """The query behind :func:`participant_state`, built once per kind of database."""
    pointer = col(Conversation.data)["assessment"].as_integer()
    of_assessment = col(AnswerRecord.assessment_id) == col(Assessment.id)
    answers_object = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    answers = select(answers_object(col(AnswerRecord.action_code), col(AnswerRecord.value), type_=JSON))
    notes = select(func.count(col(Note.id))).where(col(Note.assessment_id) == col(Assessment.id))
    query: Select[Any] = (
        select(  # type: ignore[call-overload]  # SQLModel's select is typed for up to 4 columns
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
    return query


async def participant_state(session: AsyncSession, *, user_id: str) -> ParticipantState:
    """The participant, their conversation, and the assessment its flow data points at, in one query.

    The assessment counts only when it is the participant's own; its answers (as one JSON object)
    and its number of notes come along, and so does the participant's city, so that looking it
    up later in the update (``city_by_id``) needs no query. A participant without a conversation
    row gets an empty one.
    """
    query = _state_query(session.get_bind().dialect.name)
    row = (await session.exec(query, params={"user_id": user_id})).first()  # type: ignore[call-overload]  # SQLModel types exec() without params=
    if row is None:
        return ParticipantState(None, None, None, None)
    participant, conversation, assessment, city, answers, notes = row
    if conversation is None:
        conversation = Conversation(participant_id=participant.id)
        session.add(conversation)
    if assessment is None:
        return ParticipantState(participant, conversation, None, None, city)
    return ParticipantState(participant, conversation, assessment, AnswerSheet(dict(answers or {}), notes), city)


def attach_state(session: AsyncSession, state: ParticipantState) -> ParticipantState:
    """A state kept from the user's previous update, in this session again: its rows, without reading them."""
    for row in (state.participant, state.conversation, state.assessment, state.city):
        if row is not None:
            session.add(row)  # detached and unchanged since their commit: attached as they are, no SQL
    return state


def loaded_city(session: AsyncSession, *, city_id: int | None) -> City | None:
    """The city if this session has it loaded already (``None`` otherwise): never a query."""
    if city_id is None:
        return None
    loaded = session.sync_session.identity_map.get(identity_key(City, city_id))
    return loaded if isinstance(loaded, City) else None


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
    """Delete a participant and, through the foreign keys' cascades, everything that is theirs.

    Their workshop memberships go with them; a workshop they opened stays, without their id. The
    records of their updates go too, with any reply kept for sending (a failed send of ``/mydata``
    holds everything), and so does their city when nothing else refers to it any more.
    """
    for instance in list(session):
        if not isinstance(instance, City):
            session.expunge(instance)
    await session.exec(delete(Participant).where(col(Participant.id) == participant.id))
    opened = update(Workshop).where(col(Workshop.created_by) == participant.user_id).values(created_by=None)
    await session.exec(opened)
    await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.user_id) == participant.user_id))
    await session.exec(delete(WorkshopCoordinator).where(col(WorkshopCoordinator.user_id) == participant.user_id))
    if participant.city_id is not None:
        await _drop_city_if_unused(session, city_id=participant.city_id)


async def _drop_city_if_unused(session: AsyncSession, *, city_id: int) -> None:
    """Delete a city no participant, assessment, workshop or grant refers to (its name alone could say who)."""
    for model, column in (
        (Participant, Participant.city_id),
        (Assessment, Assessment.city_id),
        (Workshop, Workshop.city_id),
        (CoordinatorCity, CoordinatorCity.city_id),
    ):
        if (await session.exec(select(func.count()).select_from(model).where(col(column) == city_id))).one():
            return
    city = await session.get(City, city_id)
    if city is not None:
        await session.delete(city)


# --- cities ----------------------------------------------------------------------------------


async def city_by_id(session: AsyncSession, *, city_id: int | None) -> City | None:
    return await session.get(City, city_id) if city_id is not None else None


async def cities(session: AsyncSession) -> list[City]:
    """Every known city (for matching a typed name: :mod:`conversations.city_matching`)."""
    return list((await session.exec(select(City))).all())


async def add_city(session: AsyncSession, *, name: str) -> City:
    """The city with this name, created if it is new."""
    key = city_key(name)
    exact = (await session.exec(select(City).where(col(City.key) == key))).first()
    if exact is not None:
        return exact
    city = City(name=name.strip(), key=key)
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


async def memberships_of(session: AsyncSession, *, participant: Participant) -> list[tuple[Membership, Workshop]]:
    """The workshops the participant joined, with when, oldest first."""
    query = (
        select(Membership, Workshop)
        .join(Workshop, col(Workshop.id) == col(Membership.workshop_id))
        .where(Membership.participant_id == participant.id)
        .order_by(col(Membership.id))
    )
    return [(membership, workshop) for membership, workshop in (await session.exec(query)).all()]


async def kept_replies(session: AsyncSession, *, user_id: str) -> list[ProcessedUpdate]:
    """The user's updates whose replies are still kept for sending (a send that failed, or not yet reported)."""
    query = select(ProcessedUpdate).where(col(ProcessedUpdate.user_id) == user_id)
    updates = (await session.exec(query.order_by(col(ProcessedUpdate.processed_at)))).all()
    return [update for update in updates if update.replies]  # an emptied outbox may read back as JSON null


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


# --- questions asked -------------------------------------------------------------------------


async def record_question(
    session: AsyncSession, *, participant: Participant, text: str, matches: Iterable[str], confident: bool
) -> None:
    session.add(
        AskedQuestion(participant_id=stored_id(participant), text=text, matches=",".join(matches), confident=confident)
    )


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


# --- coordinators ----------------------------------------------------------------------------


async def grant_coordinator(
    session: AsyncSession, *, user_id: str | None = None, username: str | None = None, city: City | None = None
) -> bool:
    """Make someone a coordinator, by user id or by Telegram username; ``False`` if the grant was there already.

    Without a city the grant is for every city; with one, that city is added to the grant (a
    grant for every city stays one).
    """
    grant = await _grants(session, user_id=user_id, username=username)
    new = grant is None
    if grant is None:
        grant = Coordinator(user_id=user_id, username=username, all_cities=city is None)
        session.add(grant)
        await session.flush()
    elif city is None:
        new = not grant.all_cities
        grant.all_cities = True
        session.add(grant)
    if city is not None:
        query = select(CoordinatorCity).where(
            CoordinatorCity.coordinator_id == grant.id, CoordinatorCity.city_id == city.id
        )
        if (await session.exec(query)).first() is None:
            session.add(CoordinatorCity(coordinator_id=grant.id or 0, city_id=city.id or 0))
            await session.flush()
            new = True
    return new


async def granted_cities(session: AsyncSession, *, coordinator: Coordinator) -> list[City]:
    """The cities a coordinator's grant lists (by name), whatever ``all_cities`` says."""
    query = (
        select(City)
        .join(CoordinatorCity, col(CoordinatorCity.city_id) == col(City.id))
        .where(CoordinatorCity.coordinator_id == coordinator.id)
        .order_by(col(City.name))
    )
    return list((await session.exec(query)).all())


async def revoke_coordinator(session: AsyncSession, *, user_id: str | None = None, username: str | None = None) -> bool:
    """Take the coordinator role away (by user id, or by the username it was granted to); ``False`` if not one."""
    grant = await _grants(session, user_id=user_id, username=username)
    if grant is None:
        return False
    await session.delete(grant)
    return True


async def _grants(session: AsyncSession, *, user_id: str | None, username: str | None) -> Coordinator | None:
    query = select(Coordinator)
    if user_id is not None:
        query = query.where(Coordinator.user_id == user_id)
    elif username is not None:
        query = query.where(Coordinator.username == username)
    else:
        return None
    return (await session.exec(query)).first()


async def coordinators(session: AsyncSession) -> list[Coordinator]:
    """Every grant, oldest first (pending ones have no user id yet)."""
    return list((await session.exec(select(Coordinator).order_by(col(Coordinator.id)))).all())


async def is_coordinator(session: AsyncSession, *, user_id: str, username: str | None) -> bool:
    """Whether this user may coordinate; a pending grant to their username is bound to them on the way."""
    return await coordinator_grant(session, user_id=user_id, username=username) is not None


async def coordinator_grant(session: AsyncSession, *, user_id: str, username: str | None) -> Coordinator | None:
    """This user's coordinator grant, if any; a pending grant to their username (any case) is bound to them."""
    query = select(Coordinator).where(col(Coordinator.user_id) == user_id)
    if username:
        query = select(Coordinator).where(
            (col(Coordinator.user_id) == user_id)
            | (col(Coordinator.user_id).is_(None) & (col(Coordinator.username) == username.lower()))
        )
    grants = list((await session.exec(query)).all())
    if not grants:
        return None
    bound = next((grant for grant in grants if grant.user_id == user_id), None)
    if bound is None:
        bound = grants[0]
        bound.user_id = user_id
        session.add(bound)
    return bound


async def coordinator_scope(session: AsyncSession, *, user_id: str, username: str | None) -> CoordinatorScope | None:
    """The coordinator's scope; ``None`` for someone who is not a coordinator."""
    grant = await coordinator_grant(session, user_id=user_id, username=username)
    if grant is None:
        return None
    cities = frozenset(city.id or 0 for city in await granted_cities(session, coordinator=grant))
    return CoordinatorScope(user_id, username.lower() if username else None, grant.all_cities, cities)


async def runs_workshop(session: AsyncSession, *, scope: CoordinatorScope, workshop: Workshop) -> bool:
    """Whether the coordinator may see, close and export this workshop: theirs, added to, or of a city granted."""
    if scope.all_cities or workshop.created_by == scope.user_id:
        return True
    if workshop.city_id is not None and workshop.city_id in scope.city_ids:
        return True
    who = col(WorkshopCoordinator.user_id) == scope.user_id
    if scope.username:
        who = who | (col(WorkshopCoordinator.username) == scope.username)
    query = select(WorkshopCoordinator.id).where(WorkshopCoordinator.workshop_id == workshop.id, who)
    return (await session.exec(query)).first() is not None


async def add_workshop_coordinator(
    session: AsyncSession, *, workshop: Workshop, user_id: str | None = None, username: str | None = None
) -> bool:
    """Add a colleague to run a workshop (by user id or username); ``False`` if they were added before."""
    column, value = (WorkshopCoordinator.user_id, user_id) if user_id else (WorkshopCoordinator.username, username)
    query = select(WorkshopCoordinator.id).where(WorkshopCoordinator.workshop_id == workshop.id, col(column) == value)
    if (await session.exec(query)).first() is not None:
        return False
    session.add(WorkshopCoordinator(workshop_id=workshop.id or 0, user_id=user_id, username=username))
    await session.flush()
    return True


async def workshop_coordinators(session: AsyncSession, *, workshop: Workshop) -> list[WorkshopCoordinator]:
    query = select(WorkshopCoordinator).where(WorkshopCoordinator.workshop_id == workshop.id)
    return list((await session.exec(query.order_by(col(WorkshopCoordinator.id)))).all())


async def coordinated_workshops(session: AsyncSession, *, user_id: str) -> list[Workshop]:
    """The workshops someone opened or was added to by user id (for ``/mydata``)."""
    added = select(WorkshopCoordinator.workshop_id).where(WorkshopCoordinator.user_id == user_id)
    query = select(Workshop).where((col(Workshop.created_by) == user_id) | col(Workshop.id).in_(added))
    return list((await session.exec(query.order_by(col(Workshop.id)))).all())


# --- wrong join codes ---------------------------------------------------------------------------


async def join_misses(session: AsyncSession, *, participant: Participant, since: datetime) -> list[datetime]:
    """When this participant tried workshop codes that do not exist, from ``since`` on (oldest first)."""
    query = (
        select(JoinAttempt.tried_at)
        .where(JoinAttempt.participant_id == participant.id, col(JoinAttempt.tried_at) >= since)
        .order_by(col(JoinAttempt.tried_at))
    )
    return [aware(moment) for moment in (await session.exec(query)).all()]


async def record_join_miss(session: AsyncSession, *, participant: Participant, older_than: datetime) -> None:
    """Count a wrong code; the participant's misses before ``older_than`` are dropped on the way."""
    stale = delete(JoinAttempt).where(
        col(JoinAttempt.participant_id) == participant.id, col(JoinAttempt.tried_at) < older_than
    )
    await session.exec(stale)
    session.add(JoinAttempt(participant_id=participant.id or 0))


# --- workshops -------------------------------------------------------------------------------


async def create_workshop(
    session: AsyncSession, *, code: str, name: str, city: City | None, created_by: str | None
) -> Workshop:
    workshop = Workshop(code=code, name=name, city_id=city.id if city else None, created_by=created_by)
    session.add(workshop)
    await session.flush()
    return workshop


async def workshop_by_code(session: AsyncSession, *, code: str) -> Workshop | None:
    return (await session.exec(select(Workshop).where(Workshop.code == code))).first()


async def workshop_by_id(session: AsyncSession, *, workshop_id: int) -> Workshop | None:
    return await session.get(Workshop, workshop_id)


async def workshops(session: AsyncSession, *, status: WorkshopStatus | None = None) -> list[Workshop]:
    """Workshops, newest first."""
    query = select(Workshop).order_by(col(Workshop.created_at).desc(), col(Workshop.id).desc())
    if status is not None:
        query = query.where(Workshop.status == status)
    return list((await session.exec(query)).all())


def close_workshop(session: AsyncSession, *, workshop: Workshop) -> None:
    workshop.status = WorkshopStatus.CLOSED
    workshop.closed_at = utcnow()
    session.add(workshop)


async def join_workshop(session: AsyncSession, *, workshop: Workshop, participant: Participant) -> bool:
    """Add a participant to a workshop; ``False`` when they had joined it already."""
    query = select(Membership).where(Membership.workshop_id == workshop.id, Membership.participant_id == participant.id)
    if (await session.exec(query)).first() is not None:
        return False
    session.add(Membership(workshop_id=stored_id(workshop), participant_id=stored_id(participant)))
    await session.flush()
    return True


def link_assessment(session: AsyncSession, *, assessment: Assessment, workshop: Workshop) -> None:
    """The assessment's answers count for this workshop (until it closes)."""
    assessment.workshop_id = workshop.id
    session.add(assessment)


async def workshop_counts(session: AsyncSession, *, workshop: Workshop) -> tuple[int, int]:
    """How many participants joined, and how many of them finished a check-in or assessment of the workshop."""
    joined = select(func.count(col(Membership.id))).where(Membership.workshop_id == workshop.id)
    finished = select(func.count(func.distinct(col(Assessment.participant_id)))).where(
        Assessment.workshop_id == workshop.id, Assessment.status == AssessmentStatus.FINISHED
    )
    return (await session.exec(joined)).one(), (await session.exec(finished)).one()


async def workshop_questions(session: AsyncSession, *, workshop: Workshop, limit: int) -> list[AskedQuestion]:
    """The latest questions the workshop's participants typed while it was open (newest first)."""
    query = (
        select(AskedQuestion)
        .join(Membership, col(Membership.participant_id) == col(AskedQuestion.participant_id))
        .where(Membership.workshop_id == workshop.id, col(AskedQuestion.asked_at) >= col(Membership.joined_at))
        .order_by(col(AskedQuestion.asked_at).desc(), col(AskedQuestion.id).desc())
        .limit(limit)
    )
    if workshop.closed_at is not None:
        query = query.where(col(AskedQuestion.asked_at) <= workshop.closed_at)
    return list((await session.exec(query)).all())


def set_results_hidden(session: AsyncSession, *, workshop: Workshop, hidden: bool) -> None:
    workshop.results_hidden = hidden
    session.add(workshop)


async def add_screen_link(session: AsyncSession, *, workshop: Workshop, token_hash: str) -> None:
    session.add(ScreenLink(workshop_id=stored_id(workshop), token_hash=token_hash))
    await session.flush()


async def answers_version(session: AsyncSession, *, workshop: Workshop) -> tuple[Any, ...]:
    """What changes whenever an answer counted for the workshop is given, changed or deleted: one cheap query.

    The number of its answers, the highest answer id and the latest answer time (a change updates it).
    """
    query = (
        select(
            func.count(col(AnswerRecord.id)), func.max(col(AnswerRecord.id)), func.max(col(AnswerRecord.answered_at))
        )
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.workshop_id == workshop.id)
    )
    return tuple((await session.exec(query)).one())


async def workshop_by_screen_link(session: AsyncSession, *, token_hash: str) -> Workshop | None:
    """The workshop a big-screen link opens, by the hash of its token."""
    query = (
        select(Workshop)
        .join(ScreenLink, col(ScreenLink.workshop_id) == col(Workshop.id))
        .where(ScreenLink.token_hash == token_hash)
    )
    return (await session.exec(query)).first()


def set_share_name(session: AsyncSession, *, participant: Participant, share: bool) -> None:
    participant.share_name = share
    session.add(participant)


# --- several people's answers: combined results and exports ----------------------------------


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
        if counted is not None and counted.closed_at is not None and aware(fact.answered_at) > aware(counted.closed_at):
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
        facts = [fact for fact in facts if aware(fact.answered_at) >= aware(since)]
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


def stored_id(row: Any) -> int:
    """A stored row's primary key: typed ``int | None`` on the model, it is set once the row was flushed."""
    key = row.id
    assert isinstance(key, int), f"{type(row).__name__} not stored yet"
    return key


# --- rounds ----------------------------------------------------------------------------------


async def finished_assessments(
    session: AsyncSession, *, participant: Participant, city_id: int | None
) -> list[Assessment]:
    """The participant's finished check-ins and assessments of one city, first finished first: their rounds."""
    query = (
        select(Assessment)
        .where(
            Assessment.participant_id == participant.id,
            Assessment.city_id == city_id,
            Assessment.status == AssessmentStatus.FINISHED,
            col(Assessment.finished_at).is_not(None),
        )
        .order_by(col(Assessment.finished_at), col(Assessment.id))
    )
    return list((await session.exec(query)).all())


async def answer_timeline(
    session: AsyncSession, *, participant: Participant, city_id: int | None
) -> list[tuple[str, str, datetime]]:
    """Every value the participant gave any action for one city, with when: ``(code, value, at)``, oldest first."""
    query = (
        select(AnswerRecord.action_code, AnswerChange.value, AnswerChange.changed_at)
        .join(AnswerRecord, col(AnswerRecord.id) == col(AnswerChange.answer_id))
        .join(Assessment, col(Assessment.id) == col(AnswerRecord.assessment_id))
        .where(Assessment.participant_id == participant.id, Assessment.city_id == city_id)
        .order_by(col(AnswerChange.changed_at), col(AnswerChange.id))
    )
    return [(code, value, aware(at)) for code, value, at in (await session.exec(query)).all()]


# --- reminders -------------------------------------------------------------------------------


async def add_reminder(session: AsyncSession, *, values: Mapping[str, Any]) -> bool:
    """Store a reminder unless one with its ``key`` exists; ``False`` then (another process may have just made it).

    ``values`` are the :class:`Reminder` columns; with ``sent_at`` and ``replies`` in them the
    reminder is stored already claimed, in the same statement.
    """
    upsert = _upsert(session.get_bind().dialect.name)
    table = table_of(Reminder)
    row = {"created_at": utcnow(), **values}
    if "replies" in row:
        statement = upsert(table).values({**row, "replies": bindparam("b_replies", type_=JSON(none_as_null=True))})
        result = await session.exec(
            statement.on_conflict_do_nothing(index_elements=["key"]), params={"b_replies": row["replies"]}
        )
    else:
        result = await session.exec(upsert(table).values(row).on_conflict_do_nothing(index_elements=["key"]))
    return bool(result.rowcount == 1)


async def claim_reminder(
    session: AsyncSession, *, reminder_id: int, replies: list[Any], stale_before: datetime | None = None
) -> bool:
    """Take a reminder to send, with its replies: ``True`` for the one process whose UPDATE found it unclaimed.

    With ``stale_before`` it re-claims a reminder claimed before then but never delivered (its
    sender stopped after the claim); the UPDATE moves ``sent_at`` to now, so only one process does.
    """
    table = table_of(Reminder)
    statement = table.update().where(
        table.c.id == reminder_id,
        table.c.off_at.is_(None),
        table.c.delivered_at.is_(None),
        table.c.undeliverable_at.is_(None),
        table.c.sent_at.is_(None) if stale_before is None else table.c.sent_at < stale_before,
    )
    statement = statement.values(sent_at=utcnow(), replies=bindparam("b_replies", type_=JSON(none_as_null=True)))
    result = await session.exec(statement, params={"b_replies": replies})
    return bool(result.rowcount == 1)


def turn_off_reminder(session: AsyncSession, *, reminder: Reminder) -> None:
    """Never send this reminder (its person turned it off, or it no longer has a point)."""
    reminder.off_at = utcnow()
    session.add(reminder)


async def due_reminders(
    session: AsyncSession, *, now: datetime, user_prefix: str | None, user_id: str | None
) -> list[tuple[Reminder, Participant]]:
    """Stored reminders due and not yet sent, of people Telegram can reach (of one transport, or one person)."""
    query = (
        select(Reminder, Participant)
        .join(Participant, col(Participant.id) == col(Reminder.participant_id))
        .where(
            col(Reminder.sent_at).is_(None),
            col(Reminder.off_at).is_(None),
            col(Reminder.due_at) <= now,
            col(Participant.unreachable_at).is_(None),
        )
        .order_by(col(Reminder.due_at), col(Reminder.id))
    )
    return list((await session.exec(_of_people(query, user_prefix, user_id))).all())


def _of_people(query: Any, user_prefix: str | None, user_id: str | None) -> Any:
    if user_id is not None:
        query = query.where(Participant.user_id == user_id)
    elif user_prefix is not None:
        query = query.where(col(Participant.user_id).startswith(user_prefix))
    return query


async def stranded_reminders(
    session: AsyncSession, *, claimed_before: datetime, user_prefix: str | None, user_id: str | None
) -> list[tuple[Reminder, Participant]]:
    """Reminders claimed before ``claimed_before`` whose replies never went out (their sender stopped)."""
    query = (
        select(Reminder, Participant)
        .join(Participant, col(Participant.id) == col(Reminder.participant_id))
        .where(
            col(Reminder.sent_at) < claimed_before,
            col(Reminder.delivered_at).is_(None),
            col(Reminder.undeliverable_at).is_(None),
            col(Reminder.replies).is_not(None),
            col(Participant.unreachable_at).is_(None),
        )
    )
    return list((await session.exec(_of_people(query, user_prefix, user_id))).all())


async def paused_assessments(
    session: AsyncSession, *, idle_since: datetime, user_prefix: str | None, user_id: str | None
) -> list[tuple[Assessment, Participant]]:
    """Full assessments left unfinished since before ``idle_since`` and not yet reminded (nor turned off)."""
    reminded = select(Reminder.id).where(
        col(Reminder.assessment_id) == col(Assessment.id), Reminder.kind == ReminderKind.PAUSED
    )
    query = (
        select(Assessment, Participant)
        .join(Participant, col(Participant.id) == col(Assessment.participant_id))
        .where(
            Assessment.kind == AssessmentKind.FULL,
            col(Assessment.status).in_([AssessmentStatus.OPEN, AssessmentStatus.PAUSED]),
            col(Assessment.updated_at) <= idle_since,
            col(Assessment.city_id) == col(Participant.city_id),
            col(Participant.unreachable_at).is_(None),
            ~reminded.exists(),
        )
    )
    return list((await session.exec(_of_people(query, user_prefix, user_id))).all())


async def mark_reminder(session: AsyncSession, *, reminder_id: int, delivered: bool) -> None:
    """The reminder's replies went out (``delivered``), or Telegram refused them for good: its outbox is emptied."""
    table = table_of(Reminder)
    column = "delivered_at" if delivered else "undeliverable_at"
    await session.exec(table.update().where(table.c.id == reminder_id).values({column: utcnow(), "replies": None}))


async def reminder_by_id(session: AsyncSession, *, reminder_id: int) -> Reminder | None:
    return await session.get(Reminder, reminder_id)


async def reminders_of(session: AsyncSession, *, participant: Participant) -> list[Reminder]:
    """The participant's stored reminders, soonest first."""
    query = select(Reminder).where(Reminder.participant_id == participant.id).order_by(col(Reminder.due_at))
    return list((await session.exec(query)).all())


async def all_reminders(session: AsyncSession) -> list[Reminder]:
    """Every stored reminder, soonest first (for operators)."""
    return list((await session.exec(select(Reminder).order_by(col(Reminder.due_at), col(Reminder.id)))).all())


async def set_unreachable(session: AsyncSession, *, participant_id: int, unreachable: bool) -> None:
    """Telegram refused to deliver to this person (they blocked the bot), or they wrote again."""
    table = table_of(Participant)
    value = utcnow() if unreachable else None
    await session.exec(table.update().where(table.c.id == participant_id).values(unreachable_at=value))


async def unfinished_members(session: AsyncSession, *, workshop: Workshop) -> list[Participant]:
    """The workshop's members without a finished check-in or assessment of it."""
    finished = select(Assessment.id).where(
        col(Assessment.participant_id) == col(Membership.participant_id),
        Assessment.workshop_id == workshop.id,
        Assessment.status == AssessmentStatus.FINISHED,
    )
    query = (
        select(Participant)
        .join(Membership, col(Membership.participant_id) == col(Participant.id))
        .where(Membership.workshop_id == workshop.id, ~finished.exists())
        .order_by(col(Membership.id))
    )
    return list((await session.exec(query)).all())


async def reminder_by_key(session: AsyncSession, *, key: str) -> Reminder | None:
    return (await session.exec(select(Reminder).where(Reminder.key == key))).first()


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
