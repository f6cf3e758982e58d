"""Workshops and their coordinators: grants, scopes, codes, joining, the big screen's links, wrong join codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage.models import (
    AnswerRecord,
    AskedQuestion,
    Assessment,
    AssessmentStatus,
    City,
    Coordinator,
    CoordinatorCity,
    CoordinatorScope,
    JoinAttempt,
    Membership,
    Participant,
    ScreenLink,
    Workshop,
    WorkshopCoordinator,
    WorkshopStatus,
    stored_id,
)
from conversations.times import utcnow


async def memberships_of(session: AsyncSession, *, participant: Participant) -> list[tuple[Membership, Workshop]]:
    """The workshops the participant joined, with when, oldest first."""
    query = (
        select(Membership, Workshop)
        .join(Workshop, col(Workshop.id) == col(Membership.workshop_id))
        .where(Membership.participant_id == participant.id)
        .order_by(col(Membership.id))
    )
    return [(membership, workshop) for membership, workshop in (await session.exec(query)).all()]


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


async def join_misses(session: AsyncSession, *, participant: Participant, since: datetime) -> list[datetime]:
    """When this participant tried workshop codes that do not exist, from ``since`` on (oldest first)."""
    query = (
        select(JoinAttempt.tried_at)
        .where(JoinAttempt.participant_id == participant.id, col(JoinAttempt.tried_at) >= since)
        .order_by(col(JoinAttempt.tried_at))
    )
    return list((await session.exec(query)).all())


async def record_join_miss(session: AsyncSession, *, participant: Participant, older_than: datetime) -> None:
    """Count a wrong code; the participant's misses before ``older_than`` are dropped on the way."""
    stale = delete(JoinAttempt).where(
        col(JoinAttempt.participant_id) == participant.id, col(JoinAttempt.tried_at) < older_than
    )
    await session.exec(stale)
    session.add(JoinAttempt(participant_id=participant.id or 0))


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
