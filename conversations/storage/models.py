"""The tables: everything citybot stores, in one place (only these classes set ``table=True``).

Times are stored in UTC. Deleting a participant cascades to everything that is theirs;
cities are shared by many participants and stay.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Dialect,
    ForeignKey,
    Integer,
    Table,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import AutoString, Field, SQLModel

from conversations.times import UtcDateTime, utcnow


class AssessmentKind(StrEnum):
    """What sort of assessment: the full one, action by action, or the quick check-in, area by area."""

    FULL = "full"
    CHECKIN = "checkin"


class AssessmentStatus(StrEnum):
    """Where an assessment is in its life: being answered, paused (resumable), or finished."""

    OPEN = "open"
    PAUSED = "paused"
    FINISHED = "finished"


class WorkshopStatus(StrEnum):
    """A workshop takes answers while open; once closed, answers given later stay out of it."""

    OPEN = "open"
    CLOSED = "closed"


class StoredEnum(TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as its plain value in a string column, and read back as the enum."""

    impl = AutoString
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def table_of(model: type[SQLModel]) -> Table:
    """A model's Core table, for Core statements (SQLModel does not declare ``__table__`` to type checkers)."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]  # set by SQLAlchemy's declarative mapping


def stored_id(row: Any) -> int:
    """A stored row's primary key: typed ``int | None`` on the model, it is set once the row was flushed."""
    key = row.id
    assert isinstance(key, int), f"{type(row).__name__} not stored yet"
    return key


PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Letters and digits without look-alikes (no 0/O, 1/I/L)."""


def new_pseudonym() -> str:
    """A participant's stable pseudonymous id in exports, e.g. ``P-7K2QXM``: random, so it reveals nothing."""
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))


def _time(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, **kwargs)


def _owner(table: str, *, nullable: bool = False) -> Any:
    """A foreign key that disappears with its owner (``/forget`` relies on it)."""
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=nullable, index=True),
    )


class City(SQLModel, table=True):
    """A city as officials name it; ``key`` is the normalised name used to find it again."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    key: str = Field(unique=True, index=True)
    created_at: datetime = _time()


class Participant(SQLModel, table=True):
    """An official who has given consent; nobody is stored before that."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(unique=True, index=True)
    name: str = ""
    language: str | None = None
    role: str | None = None
    city_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("city.id", ondelete="SET NULL"), nullable=True)
    )
    pseudonym: str = Field(default_factory=new_pseudonym, unique=True, index=True)
    """How exports name the participant, unless ``share_name``: they chose to show their name to coordinators."""
    share_name: bool = False
    unreachable_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """When Telegram refused to deliver to them (they blocked the bot); cleared when they write again."""
    consented_at: datetime = _time()
    created_at: datetime = _time()


class Assessment(SQLModel, table=True):
    """One sitting or series of sittings: a full assessment or a quick check-in.

    ``cursor`` is where a full assessment stands (an action code, or ``gate:<area>:<stage>``),
    ``trail`` the cursors visited before it, so Back and resume work after a restart.
    """

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = _owner("participant")
    city_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("city.id", ondelete="SET NULL"), nullable=True)
    )
    workshop_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    """The workshop the answers count for (a check-in started from its join link)."""
    kind: AssessmentKind = Field(sa_type=StoredEnum(AssessmentKind))
    status: AssessmentStatus = Field(default=AssessmentStatus.OPEN, sa_type=StoredEnum(AssessmentStatus))
    catalogue: str = ""  # catalogue id and version the answers refer to
    cursor: str | None = None
    trail: list[str] = Field(default_factory=list, sa_type=JSON)
    started_at: datetime = _time()
    updated_at: datetime = _time()
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class AnswerRecord(SQLModel, table=True):
    """The current answer to one action in one assessment (``catalogue.Answer`` values)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("assessment_id", "action_code"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = _owner("assessment")
    action_code: str
    value: str
    answered_at: datetime = _time()


class AnswerChange(SQLModel, table=True):
    """Every value an answer ever had, so changing an answer never loses the earlier one."""

    __tablename__ = "answer_change"

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = _owner("answer")
    previous: str | None = None
    value: str
    changed_at: datetime = _time()


class Note(SQLModel, table=True):
    """A free-text note an official adds to an action during an assessment."""

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = _owner("assessment")
    action_code: str
    text: str
    created_at: datetime = _time()


class Conversation(SQLModel, table=True):
    """Where a participant is in the dialogue; ``seq`` numbers questions so stale buttons are caught."""

    participant_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True),
    )
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    seq: int = 0
    updated_at: datetime = _time()


class AskedQuestion(SQLModel, table=True):
    """A free-text question and what it matched, so coordinators see what officials look for."""

    __tablename__ = "asked_question"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = _owner("participant")
    text: str
    matches: str = ""  # matched action codes, best first, comma separated
    confident: bool = False
    asked_at: datetime = _time()


class Coordinator(SQLModel, table=True):
    """Someone allowed to run workshops, granted on the server, for all cities or for the cities listed.

    Granted by user id (``telegram:42``) or by Telegram ``username`` (lower case, no ``@``): such a
    grant waits with no ``user_id`` until that user writes to the bot, and is then bound to them.
    A coordinator sees, closes and exports the workshops they opened or were added to, and the
    answers of the cities granted (:class:`CoordinatorCity`), or of every city with ``all_cities``.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: str | None = Field(default=None, unique=True, index=True)
    username: str | None = Field(default=None, index=True)
    granted_at: datetime = _time()
    all_cities: bool = True


@dataclass(frozen=True, slots=True)
class CoordinatorScope:
    """What a coordinator may see: every city, or the cities granted, plus the workshops they run."""

    user_id: str
    username: str | None
    all_cities: bool
    city_ids: frozenset[int]


class CoordinatorCity(SQLModel, table=True):
    """A city whose answers a coordinator may see and export (``citybot coordinators add @x --city Gent``)."""

    __tablename__ = "coordinator_city"
    __table_args__ = (UniqueConstraint("coordinator_id", "city_id"),)

    id: int | None = Field(default=None, primary_key=True)
    coordinator_id: int = _owner("coordinator")
    city_id: int = _owner("city")


class WorkshopCoordinator(SQLModel, table=True):
    """A colleague added to run a workshop too (``/workshop CODE add @name``), by user id or by username."""

    __tablename__ = "workshop_coordinator"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = _owner("workshop")
    user_id: str | None = Field(default=None, index=True)
    username: str | None = Field(default=None, index=True)
    added_at: datetime = _time()


class JoinAttempt(SQLModel, table=True):
    """A workshop code tried that does not exist: a few a minute per person, so codes cannot be guessed."""

    __tablename__ = "join_attempt"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = _owner("participant")
    tried_at: datetime = _time()


class Workshop(SQLModel, table=True):
    """A session a coordinator runs; participants join it with the deep link ``/start ws_<code>``."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    city_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("city.id", ondelete="SET NULL"), nullable=True)
    )
    created_by: str | None = None
    """The user id of the coordinator who opened it in the chat (cleared by their ``/forget``)."""
    status: WorkshopStatus = Field(default=WorkshopStatus.OPEN, sa_type=StoredEnum(WorkshopStatus))
    follows_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True)
    )
    """The earlier workshop this one follows up (its figures shown beside this one's, area by area)."""
    created_at: datetime = _time()
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    results_hidden: bool = False
    """The big screen shows only counts until the coordinator reveals the results (hide until reveal)."""


class ScreenLink(SQLModel, table=True):
    """A secret link to a workshop's big screen: only a hash of its token is stored, never the token.

    Each link a coordinator asks for is a new row, so a screen already open keeps working; they all
    stop working a while after the workshop closes (``bot.web`` decides), and go with the workshop.
    """

    __tablename__ = "screen_link"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = _owner("workshop")
    token_hash: str = Field(unique=True, index=True)
    created_at: datetime = _time()


class Membership(SQLModel, table=True):
    """A participant who joined a workshop (``/forget`` removes it with them)."""

    __tablename__ = "workshop_member"
    __table_args__ = (UniqueConstraint("workshop_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = _owner("workshop")
    participant_id: int = _owner("participant")
    joined_at: datetime = _time()


class ReminderKind(StrEnum):
    """Why citybot writes to someone unasked: a paused assessment, a next round due, a coordinator's nudge."""

    PAUSED = "paused"
    ROUND = "round"
    NUDGE = "nudge"


class Reminder(SQLModel, table=True):
    """One message citybot sends once, unasked, when it is due; ``/forget`` deletes it with its person.

    ``key`` makes "once" a constraint rather than a hope: ``paused:<assessment>``,
    ``nudge:<workshop>:<participant>``, ``round:<assessment>``. A reminder is claimed by setting
    ``sent_at`` (only where it is still empty, so one process wins), together with its replies
    (its outbox); ``delivered_at`` is set and the replies emptied once Telegram has them.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    participant_id: int = _owner("participant")
    kind: ReminderKind = Field(sa_type=StoredEnum(ReminderKind))
    due_at: datetime = Field(sa_type=UtcDateTime, index=True)
    assessment_id: int | None = _owner("assessment", nullable=True)
    workshop_id: int | None = _owner("workshop", nullable=True)
    months: int | None = None
    """A next round's rhythm (6, 12, 24 months), kept so the next round is reminded after as long."""
    created_at: datetime = _time()
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    off_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """Turned off by its person (``/reminders``), or made pointless (the round came first): never sent."""
    undeliverable_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """Telegram refused it (the person blocked the bot): not tried again."""
    replies: list[Any] | None = Field(default=None, sa_type=JSON)
    """Its outbox: the replies from the claim until they are delivered (``conversations.outbox``)."""


class ProcessedUpdate(SQLModel, table=True):
    """A transport update already handled; a redelivery of it is ignored."""

    __tablename__ = "processed_update"

    update_id: str = Field(primary_key=True)
    processed_at: datetime = _time()
    user_id: str | None = Field(default=None, index=True)
    """Whose update it was, so that ``/forget`` deletes its record and any reply kept for it."""
    replies: list[Any] | None = Field(default=None, sa_type=JSON)
    """The outbox: the update's replies (``conversations.outbox``) until the adapter has sent them."""
    sender: str | None = None
    """The process sending the replies (PostgreSQL, several processes): only it sends them, until ``sending_until``."""
    sending_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


class InboxUpdate(SQLModel, table=True):
    """An update that has reached a process sharing a PostgreSQL database, waiting for its turn among its user's.

    Whoever holds the user's lock processes the user's updates here in update-id order, whichever process
    received them. ``incoming`` is ``None`` from the moment the update arrived until its process has read
    it (a placeholder: later updates of the user wait for it); the row is deleted once the update is processed.
    """

    __tablename__ = "inbox"

    update_id: str = Field(primary_key=True)
    user_id: str = Field(index=True)
    seq: int = Field(sa_type=BigInteger)
    incoming: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    receiver: str | None = None
    """The process that received it (its transport keeps its own arrivals in order)."""
    raw: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    """The update as the transport received it (Telegram's JSON), noted with its arrival: should its receiver die
    before handing it in, another process takes it over and processes it in its turn."""
    arrived_at: datetime = _time()
