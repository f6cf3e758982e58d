"""Rounds (finished check-ins and assessments, the answers' timeline) and the reminders sent about them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage.database import upsert
from conversations.storage.models import (
    AnswerChange,
    AnswerRecord,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Participant,
    Reminder,
    ReminderKind,
    table_of,
)
from conversations.times import utcnow


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
    return [(code, value, at) for code, value, at in (await session.exec(query)).all()]


async def add_reminder(session: AsyncSession, *, values: Mapping[str, Any]) -> bool:
    """Store a reminder unless one with its ``key`` exists; ``False`` then (another process may have just made it).

    ``values`` are the :class:`Reminder` columns; with ``sent_at`` and ``replies`` in them the
    reminder is stored already claimed, in the same statement.
    """
    insert = upsert(session.get_bind().dialect.name)
    table = table_of(Reminder)
    row = {"created_at": utcnow(), **values}
    if "replies" in row:
        statement = insert(table).values({**row, "replies": bindparam("b_replies", type_=JSON(none_as_null=True))})
        result = await session.exec(
            statement.on_conflict_do_nothing(index_elements=["key"]), params={"b_replies": row["replies"]}
        )
    else:
        result = await session.exec(insert(table).values(row).on_conflict_do_nothing(index_elements=["key"]))
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


async def reminder_by_key(session: AsyncSession, *, key: str) -> Reminder | None:
    return (await session.exec(select(Reminder).where(Reminder.key == key))).first()
