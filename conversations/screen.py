"""A workshop on the room's big screen: its secret links, and what the page shows, as plain data.

The page is opened from a link the coordinator asks for (``📺 Big screen``, or ``citybot workshop
screen CODE``). The link is the key: a random token of :data:`TOKEN_BYTES` bytes, of which only a
SHA-256 hash is stored, so the database alone opens no screen. It works while the workshop is open
and for a while after it closes (``keep_after_close``); for anything else there is no screen.

What the screen shows comes from the one computation of group results
(:mod:`conversations.group_results`), as the room view and the exports do: per area the median,
lowest to highest, respondents and unsure, each only where enough people answered
(``min_group_size``). While a workshop's results are hidden it shows only the joined and finished
counts. Nothing about one person is ever part of it. ``bot.web`` draws it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import coordination, group_results, group_words
from conversations.storage import participants, workshops
from conversations.storage.models import Workshop, WorkshopStatus
from conversations.texts import Texts
from conversations.times import utcnow

TOKEN_BYTES = 24
"""192 random bits per link (the issue asks for at least 128): as unguessable as a password manager's."""
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
"""What ``secrets.token_urlsafe(TOKEN_BYTES)`` gives; anything else is not looked up at all."""
KEEP_AFTER_CLOSE = timedelta(hours=2)
"""How long a screen keeps working after its workshop closed, unless a setting says otherwise."""


@dataclass(frozen=True, slots=True)
class ScreenSettings:
    """Where big screens are served (``public_url``, ``None`` when they are not) and how long after closing."""

    public_url: str | None = None
    keep_after_close: timedelta = KEEP_AFTER_CLOSE

    @property
    def hours(self) -> str:
        """How long after closing, in hours as people say it ("2", "0.5")."""
        return f"{self.keep_after_close.total_seconds() / 3600:g}"


def token_hash(token: str) -> str:
    """The stored form of a token: a lookup by its hash needs no comparison of secrets in Python."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


async def issue_link(session: AsyncSession, *, workshop: Workshop) -> str:
    """A new secret token for the workshop's big screen (earlier ones keep working)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await workshops.add_screen_link(session, workshop=workshop, token_hash=token_hash(token))
    return token


def screen_path(token: str) -> str:
    """Where the page lives under the public URL."""
    return f"/screen/{token}"


def screen_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + screen_path(token)


def still_shown(workshop: Workshop, *, keep_after_close: timedelta, now: datetime | None = None) -> bool:
    """A screen works while its workshop is open, and ``keep_after_close`` after it closed."""
    if workshop.status == WorkshopStatus.OPEN:
        return True
    closed = workshop.closed_at
    return closed is not None and (now or utcnow()) < closed + keep_after_close


async def workshop_for_token(
    session: AsyncSession, token: str, *, keep_after_close: timedelta, now: datetime | None = None
) -> Workshop | None:
    """The workshop this token opens now; ``None`` for a malformed, unknown or expired token."""
    if not TOKEN.match(token):
        return None
    workshop = await workshops.workshop_by_screen_link(session, token_hash=token_hash(token))
    if workshop is None or not still_shown(workshop, keep_after_close=keep_after_close, now=now):
        return None
    return workshop


# --- what the page shows -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScreenArea:
    """One area's row: its figures (``shown``), or only its counts, or nothing below the group size.

    Positions count along the stage ladder from 0 ("not started") to the catalogue's stages.
    """

    code: str
    title: str
    shown: bool
    counts_shown: bool
    respondents: int
    unsure: int
    median: str
    lowest: str
    highest: str
    median_position: int
    low_position: int
    high_position: int
    summary: str
    """The area's figures in words, as the room view says them (or why there are none)."""
    detail: str
    """Under the median: lowest to highest, respondents and unsure (empty when not shown)."""


@dataclass(frozen=True, slots=True)
class ScreenDomain:
    code: str
    name: str
    areas: tuple[ScreenArea, ...]


@dataclass(frozen=True, slots=True)
class Screen:
    """Everything the big screen shows, in the workshop's language; aggregates only."""

    name: str
    code: str
    open: bool
    hidden: bool
    joined: int
    finished: int
    stages: tuple[str, ...]
    """The ladder's names, "not started" first."""
    domains: tuple[ScreenDomain, ...]
    labels: dict[str, str]
    """The page's own words (``screen.page.*`` texts), by name."""
    language: str = "en"
    """The language of those words (the page's ``lang``)."""

    @property
    def areas(self) -> tuple[ScreenArea, ...]:
        return tuple(area for domain in self.domains for area in domain.areas)


def screen_area(
    texts: Texts, catalogue: Catalogue, result: group_results.AreaResult, ladder: dict[str | None, int], minimum: int
) -> ScreenArea:
    """One area's row, in the room view's words (:func:`group_words.area_figures`), drawn where allowed."""
    area = catalogue.area(result.area)
    median = group_words.stage_name(texts, catalogue, result.median)
    low = group_words.stage_name(texts, catalogue, result.lowest)
    high = group_words.stage_name(texts, catalogue, result.highest)
    summary = group_words.area_figures(texts, catalogue, result, minimum) or texts.get("screen.area_none")
    detail = ""
    if result.shown:
        unsure = texts.get("group_results.unsure", count=result.unsure) if result.unsure else ""
        detail = texts.get("screen.detail", low=low, high=high, count=result.respondents, unsure=unsure)
    return ScreenArea(
        code=area.code,
        title=area.title,
        shown=result.shown,
        counts_shown=result.counts_shown,
        respondents=result.respondents if result.counts_shown else 0,
        unsure=result.unsure if result.counts_shown else 0,
        median=median if result.shown else "",
        lowest=low if result.shown else "",
        highest=high if result.shown else "",
        median_position=ladder[result.median] if result.shown else 0,
        low_position=ladder[result.lowest] if result.shown else 0,
        high_position=ladder[result.highest] if result.shown else 0,
        summary=summary,
        detail=detail,
    )


def screen(texts: Texts, catalogue: Catalogue, workshop: Workshop, results: group_results.GroupResult) -> Screen:
    """The page's content from the workshop's group results; hidden results leave only the counts."""
    ladder: dict[str | None, int] = {None: 0} | {stage.code: n for n, stage in enumerate(catalogue.stages, start=1)}
    hidden = workshop.results_hidden
    domains = tuple(
        ScreenDomain(
            domain.code,
            domain.name,
            ()
            if hidden
            else tuple(
                screen_area(texts, catalogue, results.areas[area.code], ladder, results.min_group_size)
                for area in catalogue.areas_of(domain.code)
            ),
        )
        for domain in catalogue.domains
    )
    return Screen(
        name=workshop.name,
        code=workshop.code,
        open=workshop.status == WorkshopStatus.OPEN,
        hidden=hidden,
        joined=results.joined or 0,
        finished=results.finished or 0,
        stages=(group_words.stage_name(texts, catalogue, None), *(stage.name for stage in catalogue.stages)),
        domains=domains,
        labels=texts.section("screen.page"),
        language=texts.language,
    )


async def workshop_screen(
    session: AsyncSession, catalogue: Catalogue, texts: Texts, *, workshop: Workshop, min_group_size: int
) -> Screen:
    """Read the workshop's answers and counts, and make its screen."""
    results = await group_results.workshop_results(session, catalogue, workshop=workshop, min_group_size=min_group_size)
    return screen(texts, catalogue, workshop, results)


# --- the server's side: what `citybot workshop screen|hide|reveal` and the web server do --------


class Screens:
    """The big screens' tasks, each in one transaction: links, hiding and revealing, what a link shows."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        texts: Texts,
        *,
        min_group_size: int = group_results.MIN_GROUP_SIZE,
    ) -> None:
        self._sessions = sessions
        self.catalogue = catalogue
        self.texts = texts
        self.min_group_size = min_group_size
        self.speaking: Callable[[str], tuple[Texts, Catalogue]] | None = None
        """The texts and catalogue of a language (the engine's): a screen speaks its coordinator's language."""

    async def set_hidden(self, code: str, *, hidden: bool) -> Workshop:
        """Hide a workshop's results on its big screen (only counts shown), or reveal them."""
        async with self._sessions() as session:
            workshop = await coordination.workshop_coded(session, code)
            workshops.set_results_hidden(session, workshop=workshop, hidden=hidden)
            await session.commit()
        return workshop

    async def new_link(self, code: str) -> tuple[Workshop, str | None]:
        """A new secret token for the workshop's big screen; ``None`` when the workshop is closed."""
        async with self._sessions() as session:
            workshop = await coordination.workshop_coded(session, code)
            if workshop.status != WorkshopStatus.OPEN:
                return workshop, None
            token = await issue_link(session, workshop=workshop)
            await session.commit()
        return workshop, token

    async def version(self, token: str, *, keep_after_close: timedelta) -> tuple[object, ...] | None:
        """A value that changes whenever what this token's screen shows may have; ``None`` when it shows nothing.

        A few cheap queries (the workshop, its counts, its answers' count and latest time), so a page
        can be kept live by asking often and reading the answers only when this changes.
        """
        async with self._sessions() as session:
            workshop = await workshop_for_token(session, token, keep_after_close=keep_after_close)
            if workshop is None:
                return None
            counts = await workshops.workshop_counts(session, workshop=workshop)
            answers = await workshops.answers_version(session, workshop=workshop)
        return (workshop.name, workshop.status, workshop.results_hidden, *counts, *answers)

    async def for_token(self, token: str, *, keep_after_close: timedelta) -> Screen | None:
        """What the big screen of this secret token shows now; ``None`` for a wrong or expired token."""
        async with self._sessions() as session:
            workshop = await workshop_for_token(session, token, keep_after_close=keep_after_close)
            if workshop is None:
                return None
            texts, catalogue = self.texts, self.catalogue
            if self.speaking is not None and workshop.created_by:  # the room view's language: its coordinator's
                coordinator = (await participants.participant_state(session, user_id=workshop.created_by)).participant
                if coordinator is not None and coordinator.language:
                    texts, catalogue = self.speaking(coordinator.language)
            return await workshop_screen(
                session, catalogue, texts, workshop=workshop, min_group_size=self.min_group_size
            )
