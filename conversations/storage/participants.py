"""Participants, their conversation state read in one query, and the cities they work for.

The only writers of a participant's row (the :class:`~conversations.turn.Turn` writes the
conversation row). None of these commit: the engine commits once per update, so a participant
and their conversation land together or not at all. Matching a typed city name is not here:
:mod:`conversations.city_matching`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Select, and_, bindparam, delete, func, update
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.city_matching import city_key
from conversations.storage.assessments import AnswerSheet
from conversations.storage.models import (
    AnswerRecord,
    Assessment,
    City,
    Conversation,
    CoordinatorCity,
    Note,
    Participant,
    ProcessedUpdate,
    Workshop,
    WorkshopCoordinator,
    table_of,
)
from conversations.times import utcnow


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


def set_language(session: AsyncSession, *, participant: Participant, language: str) -> None:
    participant.language = language
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


def set_share_name(session: AsyncSession, *, participant: Participant, share: bool) -> None:
    participant.share_name = share
    session.add(participant)


async def set_unreachable(session: AsyncSession, *, participant_id: int, unreachable: bool) -> None:
    """Telegram refused to deliver to this person (they blocked the bot), or they wrote again."""
    table = table_of(Participant)
    value = utcnow() if unreachable else None
    await session.exec(table.update().where(table.c.id == participant_id).values(unreachable_at=value))
