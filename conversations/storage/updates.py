"""Updates processed and their outbox, and the inbox that keeps a user's updates in order across processes.

A processed update's id is claimed once, with the replies still to send (the outbox); on
PostgreSQL, arrivals wait in the inbox until the one process that took them hands them in.
None of these commit: the engine commits once per update.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, bindparam, delete
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage.database import upsert
from conversations.storage.models import (
    InboxUpdate,
    ProcessedUpdate,
    table_of,
)
from conversations.times import utcnow


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
    return upsert(dialect)(table).values(values).on_conflict_do_nothing()


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
    await connection.execute(upsert(connection.dialect.name)(table).values(arrivals).on_conflict_do_nothing())


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
    insert_ = upsert(session.get_bind().dialect.name)(table).values(values)
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


async def kept_replies(session: AsyncSession, *, user_id: str) -> list[ProcessedUpdate]:
    """The user's updates whose replies are still kept for sending (a send that failed, or not yet reported)."""
    query = select(ProcessedUpdate).where(col(ProcessedUpdate.user_id) == user_id)
    updates = (await session.exec(query.order_by(col(ProcessedUpdate.processed_at)))).all()
    return [update for update in updates if update.replies]  # an emptied outbox may read back as JSON null
