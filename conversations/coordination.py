"""The coordinators' tasks run from the server's command line: grants, workshops, exports, charts.

``citybot coordinators|workshop|export|report`` construct a :class:`Coordination` and call one
method, each in one transaction. Workshop codes are :mod:`conversations.workshop_codes`, group
results in words :mod:`conversations.group_words`, the rows of an export :mod:`conversations.export_rows`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.city_matching import match_cities
from conversations.storage import participants
from conversations.storage import workshops as stored_workshops
from conversations.storage.models import City, Workshop, WorkshopStatus
from conversations.workshop_codes import create_workshop, join_payload, parse_code, parse_username

QUALIFIED_ID = re.compile(r"^[a-z]{2,16}:\S{1,64}$")
"""A user id as the engine stores it, the transport first: ``telegram:42``, ``console:ana``."""


async def city_named(session: AsyncSession, name: str) -> City:
    """The city a name (fuzzily) means, for the server's commands; :class:`NotFound` says which names come close."""
    city, close = match_cities(name, await participants.cities(session))
    if city is None:
        hint = f"; did you mean {', '.join(c.name for c in close)}?" if close else ""
        raise NotFound(f"no city {name!r} has answers stored{hint}")
    return city


async def workshop_coded(session: AsyncSession, code: str) -> Workshop:
    """The workshop of a code as typed on the server; :class:`NotFound` points to `citybot workshop list`."""
    parsed = parse_code(code)
    workshop = await stored_workshops.workshop_by_code(session, code=parsed) if parsed else None
    if workshop is None:
        raise NotFound(f"no workshop {code!r}; `citybot workshop list` shows them")
    return workshop


class NotFound(LookupError):
    """A city or workshop named on the command line does not exist; the message says which, in one line."""


@dataclass(frozen=True, slots=True)
class WorkshopInfo:
    """A workshop as the command line lists it."""

    code: str
    name: str
    city: str
    status: str
    joined: int
    finished: int
    created_at: datetime
    closed_at: datetime | None
    hidden: bool = False

    @property
    def payload(self) -> str:
        return join_payload(self.code)


@dataclass(frozen=True, slots=True)
class CoordinatorInfo:
    """A grant as the command line lists it: whom, since when, and for which cities (all, or those named)."""

    user_id: str | None
    username: str | None
    granted_at: datetime
    all_cities: bool = True
    cities: tuple[str, ...] = ()


class Coordination:
    """The coordinators' tasks run from the server's command line, each in one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def grant(self, who: str, *, city: str | None = None) -> bool:
        """Make someone a coordinator: for one more city (``city``, created if new) or, without one, for all cities."""
        user_id, username = identify(who)
        async with self._sessions() as session:
            place = await participants.add_city(session, name=city) if city else None
            granted = await stored_workshops.grant_coordinator(session, user_id=user_id, username=username, city=place)
            await session.commit()
        return granted

    async def revoke(self, who: str) -> bool:
        user_id, username = identify(who)
        async with self._sessions() as session:
            revoked = await stored_workshops.revoke_coordinator(session, user_id=user_id, username=username)
            await session.commit()
        return revoked

    async def coordinators(self) -> list[CoordinatorInfo]:
        async with self._sessions() as session:
            grants = await stored_workshops.coordinators(session)
            cities = [await stored_workshops.granted_cities(session, coordinator=g) for g in grants]
        return [
            CoordinatorInfo(
                g.user_id,
                g.username,
                g.granted_at,
                all_cities=g.all_cities,
                cities=tuple(city.name for city in granted),
            )
            for g, granted in zip(grants, cities, strict=True)
        ]

    async def create_workshop(
        self, name: str, *, city: str | None = None, hidden: bool = False, after: str | None = None
    ) -> WorkshopInfo:
        """Open a workshop, its results hidden or not; ``after`` names (by code) the earlier workshop it follows up."""
        async with self._sessions() as session:
            follows = await workshop_coded(session, after) if after else None
            place = await participants.add_city(session, name=city) if city else None
            if place is None and follows is not None and follows.city_id is not None:
                place = await participants.city_by_id(session, city_id=follows.city_id)  # the same city, by default
            workshop = await create_workshop(session, name=name, city=place, created_by=None, follows=follows)
            if hidden:
                stored_workshops.set_results_hidden(session, workshop=workshop, hidden=True)
            info = await self._info(session, workshop)
            await session.commit()
        return info

    async def workshops(self) -> list[WorkshopInfo]:
        async with self._sessions() as session:
            return [await self._info(session, workshop) for workshop in await stored_workshops.workshops(session)]

    async def close_workshop(self, code: str) -> WorkshopInfo:
        async with self._sessions() as session:
            workshop = await workshop_coded(session, code)
            if workshop.status == WorkshopStatus.OPEN:
                stored_workshops.close_workshop(session, workshop=workshop)
            info = await self._info(session, workshop)
            await session.commit()
        return info

    async def _info(self, session: AsyncSession, workshop: Workshop) -> WorkshopInfo:
        city = await participants.city_by_id(session, city_id=workshop.city_id)
        joined, finished = await stored_workshops.workshop_counts(session, workshop=workshop)
        return WorkshopInfo(
            code=workshop.code,
            name=workshop.name,
            city=city.name if city else "",
            status=str(workshop.status),
            joined=joined,
            finished=finished,
            created_at=workshop.created_at,
            closed_at=workshop.closed_at,
            hidden=workshop.results_hidden,
        )


def identify(who: str) -> tuple[str | None, str | None]:
    """A person named on the command line: ``@name``, or a user id qualified by its transport (``telegram:42``).

    The transports qualify their own bare ids first (``citybot coordinators add 42``: ``bot.cli``).
    Returns (user id, username); raises :class:`ValueError` with one line for anything else.
    """
    text = who.strip()
    if text.startswith("@"):
        username = parse_username(text)
        if username is None:
            raise ValueError(f"{who!r} is not a Telegram username (5-32 letters, digits or _ after the @)")
        return None, username
    if QUALIFIED_ID.match(text):
        return text, None
    raise ValueError(
        f"{who!r}: give a Telegram user id (e.g. 42 or telegram:42), a @username, or a qualified id such as console:ana"
    )
