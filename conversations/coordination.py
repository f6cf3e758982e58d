"""The coordinators' side: workshops, the combined picture of several people's answers, export rows.

A coordinator opens a workshop and shares its join link (``/start ws_<code>``); participants go
straight into the quick check-in, linked to the workshop. Everything a coordinator sees of other
people is said here in words and as a chart, from the one computation of group results
(:mod:`conversations.group_results`), and the rows of an export are built here, where participants
appear under a stable pseudonym unless they chose to show their name.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Answer, Catalogue
from conversations.city_matching import match_cities
from conversations.group_results import (
    MIN_GROUP_SIZE,
    AreaResult,
    GroupResult,
    city_results,
    workshop_results,
)
from conversations.messages import ChartArea, ChartDomain, MaturityChart
from conversations.storage import participants, reports
from conversations.storage import workshops as stored_workshops
from conversations.storage.models import AssessmentKind, City, Workshop, WorkshopStatus
from conversations.texts import Texts
from conversations.times import as_utc, aware, utcnow

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Workshop codes: lower-case letters and digits without look-alikes (no 0/o, 1/l/i)."""
CODE_LENGTH = 6
"""31^6, about 887 million codes: unguessable enough for a room, short enough to read out."""
JOIN_PREFIX = "ws_"
"""A join link's start payload is ``ws_<code>``: within Telegram's 64 characters of ``[A-Za-z0-9_-]``."""
CODE = re.compile(rf"^(?:{JOIN_PREFIX})?([{CODE_ALPHABET}]{{{CODE_LENGTH}}})$")
MAX_NAME_LENGTH = 80
USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
"""A Telegram username as people write it (``@gent_coordinator``): 5-32 characters."""
QUALIFIED_ID = re.compile(r"^[a-z]{2,16}:\S{1,64}$")
"""A user id as the engine stores it, the transport first: ``telegram:42``, ``console:ana``."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def join_payload(code: str) -> str:
    return f"{JOIN_PREFIX}{code}"


def parse_code(text: str) -> str | None:
    """The workshop code in what someone typed or a link carried (``K7M2QP``, ``ws_k7m2qp``); ``None`` if none."""
    match = CODE.match(text.strip().lower())
    return match.group(1) if match else None


def parse_username(text: str) -> str | None:
    """A Telegram username, lower case without the ``@`` (usernames are case-insensitive)."""
    match = USERNAME.match(text.strip())
    return match.group(1).lower() if match else None


async def create_workshop(
    session: AsyncSession, *, name: str, city: City | None, created_by: str | None, follows: Workshop | None = None
) -> Workshop:
    """Open a workshop under a fresh code (as a follow-up of ``follows``, if given)."""
    while True:
        code = new_code()
        if await stored_workshops.workshop_by_code(session, code=code) is None:
            workshop = await stored_workshops.create_workshop(
                session, code=code, name=name.strip()[:MAX_NAME_LENGTH], city=city, created_by=created_by
            )
            if follows is not None:
                workshop.follows_id = follows.id
                session.add(workshop)
            return workshop


# --- the combined picture: conversations.group_results, in words and as a chart ------------------


WORD = re.compile(r"[^\W\d_]+")
MIN_QUESTION_WORDS = 3
"""Fewer words than this is a reply or a button label typed, not a question (unless it asks, with a "?")."""


def room_question(texts: Texts, catalogue: Catalogue, text: str) -> bool:
    """Whether a typed text is a question for the room: not a command, a one-word reply or a button's words.

    Button words are what the bot offers to tap (answers, stages, "Show my name instead"...): a
    text made only of the start of one of them was meant as a tap, and is not listed. The room view
    and the PDF report list the same questions.
    """
    if text.lstrip().startswith("/"):
        return False
    words = WORD.findall(text.casefold())
    if len(words) < (2 if "?" in text else MIN_QUESTION_WORDS):
        return False
    typed = " ".join(words)
    return not any(label.startswith(typed) for label in button_words(texts, catalogue))


def button_words(texts: Texts, catalogue: Catalogue) -> list[str]:
    """The words of the buttons people might type instead of tapping, lower case, without emoji."""
    keys = ("workshop.share_name", "workshop.hide_name", "checkin.not_started", "checkin.not_sure", "checkin.back")
    labels = [texts.get(key) for key in keys] + [texts.get(f"answers.{answer.value}") for answer in Answer]
    labels += [stage.name for stage in catalogue.stages]
    return [" ".join(WORD.findall(label.casefold())) for label in labels]


def stage_name(texts: Texts, catalogue: Catalogue, stage: str | None) -> str:
    return catalogue.stage(stage).name if stage else texts.get("results.not_started")


def area_figures(texts: Texts, catalogue: Catalogue, area: AreaResult, minimum: int) -> str:
    """An area's figures in words, only those the minimum group size allows.

    The median, lowest to highest, how many gave a stage and how many were not sure; only the
    counts when fewer gave a stage; "fewer than N answers so far"; "" when nobody answered the area.
    """
    unsure = texts.get("group_results.unsure", count=area.unsure) if area.unsure else ""
    if area.shown:
        return texts.get(
            "group_results.figures",
            stage=stage_name(texts, catalogue, area.median),
            low=stage_name(texts, catalogue, area.lowest),
            high=stage_name(texts, catalogue, area.highest),
            count=area.respondents,
            unsure=unsure,
        )
    if area.counts_shown:
        return texts.get("group_results.figures_unsure", count=area.respondents, unsure=unsure, minimum=minimum)
    if area.answered or area.incomplete:
        return texts.get("group_results.figures_few", minimum=minimum)
    return ""


def group_chart(
    texts: Texts,
    catalogue: Catalogue,
    group: GroupResult,
    *,
    title: str,
    moment: datetime,
    earlier: GroupResult | None = None,
    earlier_code: str = "",
) -> MaturityChart:
    """The chart of a group: each shown area's bar at its median stage, a whisker from lowest to highest.

    Its subtitle carries the moment and the group's counts (a workshop's joined and finished, as
    its room says them), so a chart is never read for another moment's figures.
    """
    positions = {stage.code: number for number, stage in enumerate(catalogue.stages, start=1)}

    def place(stage: str | None) -> int:
        return positions[stage] if stage else 0

    def before(area: AreaResult) -> int | None:
        then = earlier.areas[area.area] if earlier is not None else None
        return place(then.median) if then is not None and then.shown else None

    def bar(area: AreaResult) -> ChartArea:
        words = area_figures(texts, catalogue, area, group.min_group_size)
        if not area.shown:
            return ChartArea(code=area.area, title=catalogue.area(area.area).title, reached=0, next_stage=0,
                             share_next=0.0, stage=words, respondents=0, earlier=before(area))  # fmt: skip
        reached = place(area.median)
        stage = texts.get(
            "group_results.chart_stage",
            stage=stage_name(texts, catalogue, area.median),
            count=area.respondents,
            unsure=texts.get("group_results.unsure", count=area.unsure) if area.unsure else "",
        )
        return ChartArea(
            code=area.area,
            title=catalogue.area(area.area).title,
            reached=reached,
            next_stage=place(area.next_stage) if area.next_stage else reached,
            share_next=area.share_next,
            stage=stage,
            low=place(area.lowest),
            high=place(area.highest),
            respondents=area.respondents,
            earlier=before(area),
        )

    domains = tuple(
        ChartDomain(
            domain.code,
            domain.name,
            tuple(bar(group.areas[area.code]) for area in catalogue.areas_of(domain.code)),
        )
        for domain in catalogue.domains
    )
    when = moment.strftime("%Y-%m-%d %H:%M")
    if group.joined is not None:
        counts = {"joined": group.joined, "finished": group.finished or 0}
        subtitle = texts.get("group_results.chart_workshop", **counts, time=when)
    else:
        subtitle = texts.get("group_results.chart_city", people=group.people, time=when)
    return MaturityChart(
        title=title,
        stages=tuple(stage.name for stage in catalogue.stages),
        domains=domains,
        legend_reached=texts.get("combined.chart_median"),
        legend_next=texts.get("combined.chart_next"),
        subtitle=subtitle,
        legend_spread=texts.get("combined.chart_spread"),
        legend_earlier=texts.get("follow_up.chart_legend", code=earlier_code) if earlier is not None else "",
    )


def area_lines(
    texts: Texts, catalogue: Catalogue, group: GroupResult, *, earlier: GroupResult | None = None, code: str = ""
) -> list[str]:
    """Per domain, per area: the figures :func:`area_figures` allows, or "no answers yet".

    With ``earlier`` (the workshop a follow-up follows, its code ``code``) each area's earlier
    figures come under its own, as far as the minimum group size allows them there too.
    """
    lines: list[str] = []
    for domain in catalogue.domains:
        lines.append(texts.get("workshop.room_domain", code=domain.code, name=domain.name))
        for area in catalogue.areas_of(domain.code):
            words = area_figures(texts, catalogue, group.areas[area.code], group.min_group_size)
            if not words:
                lines.append(texts.get("workshop.room_area_empty", area=area.code))
            else:
                lines.append(texts.get("group_results.area", area=area.code, figures=words))
            if earlier is not None:
                before = area_figures(texts, catalogue, earlier.areas[area.code], earlier.min_group_size)
                lines.append(texts.get("follow_up.area", code=code, figures=before or texts.get("follow_up.none")))
    return lines


# --- export rows -----------------------------------------------------------------------------


async def export_rows(
    session: AsyncSession,
    catalogue: Catalogue,
    *,
    city: City | None = None,
    workshop: Workshop | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every answer (of a city, of a workshop, from a moment on), one row each, as ``bot.export`` writes them.

    Plain values only (text, numbers, booleans; times as ISO 8601 UTC text). ``participant`` is the
    stable pseudonym; ``name`` the display name only for participants who chose to show it.
    ``implied`` marks the answers a quick check-in implied from the stage picked.
    """
    facts = await reports.answer_facts(session, city=city, workshop=workshop, since=since)
    rounds = await reports.round_numbers(session, participant_ids={fact.participant.id or 0 for fact in facts})
    notes = await reports.notes_by_answer(session, assessment_ids={fact.assessment.id or 0 for fact in facts})
    rows = []
    for fact in facts:
        action = catalogue.action(fact.code) if catalogue.has_action(fact.code) else None
        area = catalogue.area(action.area) if action else None
        stage = catalogue.stage(action.stage) if action else None
        person, counted = fact.participant, fact.workshop
        rows.append(
            {
                "city": fact.city.name if fact.city else "",
                "participant": person.pseudonym,
                "name": person.name if person.share_name else "",
                "role": person.role or "",
                "workshop": counted.code if counted else "",
                "workshop_name": counted.name if counted else "",
                "assessment": fact.assessment.id,
                "assessment_kind": str(fact.assessment.kind),
                "round": rounds.get(fact.assessment.id or 0),
                "domain": action.domain if action else "",
                "area": area.code if area else "",
                "area_title": area.title if area else "",
                "stage": stage.code if stage else "",
                "stage_name": stage.name if stage else "",
                "action_code": fact.code,
                "action_title": action.title if action else "",
                "answer": fact.value,
                "implied": fact.assessment.kind == AssessmentKind.CHECKIN,
                "note": " | ".join(notes.get((fact.assessment.id or 0, fact.code), ())),
                "answered_at": as_utc(fact.answered_at),
            }
        )
    return rows


async def earlier_rows(
    session: AsyncSession, catalogue: Catalogue, *, codes: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """For each follow-up workshop among ``codes``: the answer rows of the workshop it follows (for the Summary)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for code in sorted(code for code in codes if code):
        workshop = await stored_workshops.workshop_by_code(session, code=code)
        if workshop is None or workshop.follows_id is None:
            continue
        follows = await stored_workshops.workshop_by_id(session, workshop_id=workshop.follows_id)
        if follows is not None:
            found[code] = await export_rows(session, catalogue, workshop=follows)
    return found


# --- the server's side: what `citybot coordinators|workshop|export|report` do ----------------


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

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        texts: Texts,
        *,
        min_group_size: int = MIN_GROUP_SIZE,
    ) -> None:
        self._sessions = sessions
        self.catalogue = catalogue
        self.texts = texts
        self.min_group_size = min_group_size

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
                aware(g.granted_at),
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

    async def export_rows(
        self, *, city: str | None = None, workshop: str | None = None, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            place = await city_named(session, city) if city else None
            group = await workshop_coded(session, workshop) if workshop else None
            return await export_rows(session, self.catalogue, city=place, workshop=group, since=since)

    async def earlier_rows(self, codes: set[str]) -> dict[str, list[dict[str, Any]]]:
        """Per follow-up workshop among ``codes``, the rows of the workshop it follows (for the Summary)."""
        async with self._sessions() as session:
            return await earlier_rows(session, self.catalogue, codes=codes)

    async def chart(self, *, city: str | None = None, workshop: str | None = None) -> MaturityChart:
        """The chart of a city's or a workshop's combined answers, as ``citybot report`` draws it."""
        async with self._sessions() as session:
            if workshop:
                group = await workshop_coded(session, workshop)
                title = self.texts.get("workshop.chart_title", name=group.name, code=group.code)
                results = await workshop_results(
                    session, self.catalogue, workshop=group, min_group_size=self.min_group_size
                )
            else:
                place = await city_named(session, city or "")
                title = self.texts.get("combined.chart_city", city=place.name)
                results = await city_results(session, self.catalogue, city=place, min_group_size=self.min_group_size)
        return group_chart(self.texts, self.catalogue, results, title=title, moment=utcnow())

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
            created_at=aware(workshop.created_at),
            closed_at=aware(workshop.closed_at) if workshop.closed_at else None,
            hidden=workshop.results_hidden,
        )


def identify(who: str) -> tuple[str | None, str | None]:
    """A person named on the command line: ``42`` (a Telegram user id), ``@name``, or ``console:ana``.

    Returns (user id, username); raises :class:`ValueError` with one line for anything else.
    """
    text = who.strip()
    if text.isdigit():
        return f"telegram:{text}", None
    if text.startswith("@"):
        username = parse_username(text)
        if username is None:
            raise ValueError(f"{who!r} is not a Telegram username (5-32 letters, digits or _ after the @)")
        return None, username
    if QUALIFIED_ID.match(text):
        return text, None
    raise ValueError(f"{who!r}: give a Telegram user id (e.g. 42), a @username, or a qualified id such as console:ana")
