"""What goes in a group's PDF report and a workshop's poster, in words and figures; ``bot.report`` lays them out.

A report holds a cover (workshop or city, date, respondents), the chart, the per-area table, the
most common next steps, the questions asked where participants were told they would be shared,
and the catalogue with its version. Its figures come from the one computation of group results
(:mod:`conversations.group_results`), with its minimum group size, as the room view and the big
screen show them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import coordination, group_results, group_words, workshop_codes
from conversations import export_rows as exports
from conversations.messages import ExportRow, GroupReport, MaturityChart, Poster, ReportSection
from conversations.storage import participants, workshops
from conversations.storage.models import City, Workshop, WorkshopStatus
from conversations.texts import Texts
from conversations.times import utcnow

NEXT_STEPS = 10
"""How many of the most common next steps the report lists."""
QUESTIONS = 20
"""How many of the latest questions the report lists (where participants were told)."""
QUESTIONS_TOLD_KEY = "workshop_team.what_is_shown"
"""The sentence that tells participants, when they join, that the questions they type are shown to the room.

The questions go in a report only when the texts have it: people are not quoted in a document
they were never told about. They are the room view's questions (:func:`group_words.room_question`),
and only once as many people joined as the minimum group size, as in the room view.
"""


def questions_told(texts: Texts) -> bool:
    return texts.has(QUESTIONS_TOLD_KEY)


def poster(texts: Texts, workshop: Workshop) -> Poster:
    """The words of a workshop's join poster."""
    return Poster(
        name=workshop.name,
        code=workshop.code,
        payload=workshop_codes.join_payload(workshop.code),
        title=texts.get("poster.title"),
        how=texts.get("poster.how"),
        code_line=texts.get("poster.code", code=workshop.code),
        join_command=texts.get("poster.join_command", code=workshop.code),
        filename=f"citybot-{workshop.code}-poster.pdf",
    )


def table(texts: Texts, catalogue: Catalogue, results: group_results.GroupResult) -> tuple[tuple[str, ...], ...]:
    """Per domain a heading row, per area: code and title, median, lowest to highest, respondents, not sure."""
    hidden = texts.get("report.table_hidden", minimum=results.min_group_size)
    rows: list[tuple[str, ...]] = []
    for domain in catalogue.domains:
        rows.append((f"{domain.code} · {domain.name}",))
        for area in catalogue.areas_of(domain.code):
            result = results.areas[area.code]
            name = f"{area.code} {area.title}"
            if result.shown:
                low = group_words.stage_name(texts, catalogue, result.lowest)
                high = group_words.stage_name(texts, catalogue, result.highest)
                median = group_words.stage_name(texts, catalogue, result.median)
                spread = texts.get("report.spread", low=low, high=high)
                rows.append((name, median, spread, str(result.respondents), str(result.unsure)))
            elif result.counts_shown:
                rows.append((name, hidden, hidden, str(result.respondents), str(result.unsure)))
            else:
                count = hidden if result.answered else "0"
                rows.append((name, hidden, hidden, count, count))
    return tuple(rows)


def catalogue_section(texts: Texts, catalogue: Catalogue) -> ReportSection:
    """Every action of the catalogue, by domain, area and stage: what the codes in the report mean."""
    lines: list[str] = []
    for domain in catalogue.domains:
        lines.append(f"## {domain.code} · {domain.name}")
        for area in catalogue.areas_of(domain.code):
            lines.append(f"# {area.code} {area.title}")
            for stage in catalogue.stages_of(area.code):
                for action in catalogue.actions_of(area.code, stage.code):
                    lines.append(f"{action.code} ({stage.name}) {action.title}")
    heading = texts.get("report.catalogue_heading", catalogue=catalogue.name, version=catalogue.version)
    return ReportSection(heading, tuple(lines), bullets=False)


def next_steps_section(texts: Texts, results: group_results.GroupResult) -> ReportSection:
    steps = results.next_steps[:NEXT_STEPS]
    lines = tuple(f"{s.action.code} {s.action.title} ({s.count})" for s in steps)
    note = texts.get("report.next_note") if lines else texts.get("report.next_none")
    return ReportSection(texts.get("report.next_heading"), lines, note)


def build(
    texts: Texts,
    catalogue: Catalogue,
    results: group_results.GroupResult,
    *,
    title: str,
    cover: tuple[str, ...],
    chart_title: str,
    questions: tuple[str, ...] | None,
    filename: str,
    moment: datetime,
) -> GroupReport:
    chart = (
        group_words.group_chart(texts, catalogue, results, title=chart_title, moment=moment) if results.shown else None
    )
    sections = [next_steps_section(texts, results)]
    if questions is not None:
        lines = tuple(texts.get("report.question", question=q) for q in questions)
        note = texts.get("report.questions_note") if lines else texts.get("report.questions_none")
        sections.append(ReportSection(texts.get("report.questions_heading"), lines, note))
    sections.append(catalogue_section(texts, catalogue))
    return GroupReport(
        filename=filename,
        title=title,
        cover=cover,
        chart=chart,
        chart_heading=texts.get("report.chart_heading"),
        table_heading=texts.get("report.table_heading"),
        columns=tuple(
            texts.get(f"report.table_{name}") for name in ("area", "median", "spread", "respondents", "unsure")
        ),
        rows=table(texts, catalogue, results),
        table_note=texts.get("report.table_note", minimum=results.min_group_size),
        sections=tuple(sections),
        page=texts.get("report.page"),
    )


async def workshop_report(
    session: AsyncSession,
    catalogue: Catalogue,
    texts: Texts,
    *,
    workshop: Workshop,
    min_group_size: int,
    moment: datetime,
) -> GroupReport:
    """A workshop's report, as of ``moment``."""
    results = await group_results.workshop_results(session, catalogue, workshop=workshop, min_group_size=min_group_size)
    city = await participants.city_by_id(session, city_id=workshop.city_id) if workshop.city_id else None
    status = texts.get("workshop.status_open" if workshop.status == WorkshopStatus.OPEN else "workshop.status_closed")
    cover = [texts.get("report.workshop_line", name=workshop.name, code=workshop.code, status=status)]
    if city is not None:
        cover.append(texts.get("report.city_line", city=city.name))
    cover += [
        texts.get("report.date_line", date=moment.strftime("%Y-%m-%d %H:%M UTC")),
        texts.get(
            "report.respondents_line",
            respondents=results.people,
            joined=results.joined or 0,
            finished=results.finished or 0,
        ),
        texts.get("report.made_with", catalogue=catalogue.name, version=catalogue.version),
    ]
    questions = None
    if questions_told(texts) and (results.joined or 0) >= min_group_size:
        asked = await workshops.workshop_questions(session, workshop=workshop, limit=QUESTIONS * 4)
        real = [q.text for q in asked if group_words.room_question(texts, catalogue, q.text)]
        questions = tuple(" ".join(text.split()) for text in real[:QUESTIONS])
    return build(
        texts,
        catalogue,
        results,
        title=texts.get("report.title_workshop", name=workshop.name),
        cover=tuple(cover),
        chart_title=texts.get("workshop.chart_title", name=workshop.name, code=workshop.code),
        questions=questions,
        filename=f"citybot-{workshop.code}-report-{moment:%Y-%m-%d}.pdf",
        moment=moment,
    )


async def city_report(
    session: AsyncSession, catalogue: Catalogue, texts: Texts, *, city: City, min_group_size: int, moment: datetime
) -> GroupReport:
    """A city's report over its officials' latest answers, as of ``moment`` (no questions: not a room's)."""
    results = await group_results.city_results(session, catalogue, city=city, min_group_size=min_group_size)
    cover = (
        texts.get("report.city_line", city=city.name),
        texts.get("report.date_line", date=moment.strftime("%Y-%m-%d %H:%M UTC")),
        texts.get("report.respondents_city_line", respondents=results.people),
        texts.get("report.made_with", catalogue=catalogue.name, version=catalogue.version),
    )
    slug = "".join(c if c.isalnum() else "-" for c in city.key)[:40] or "city"
    return build(
        texts,
        catalogue,
        results,
        title=texts.get("report.title_city", city=city.name),
        cover=cover,
        chart_title=texts.get("combined.chart_city", city=city.name),
        questions=None,
        filename=f"citybot-{slug}-report-{moment:%Y-%m-%d}.pdf",
        moment=moment,
    )


class Reports:
    """What ``citybot report``, ``citybot export`` and ``citybot workshop poster`` read, each in one transaction."""

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

    async def report(self, *, city: str | None = None, workshop: str | None = None) -> GroupReport:
        """A workshop's report (by code) or a city's (by name); :class:`coordination.NotFound` for neither."""
        async with self._sessions() as session:
            if workshop is not None:
                group = await coordination.workshop_coded(session, workshop)
                return await workshop_report(
                    session, self.catalogue, self.texts, workshop=group, min_group_size=self.min_group_size,
                    moment=utcnow(),
                )  # fmt: skip
            place = await coordination.city_named(session, city or "")
            return await city_report(
                session, self.catalogue, self.texts, city=place, min_group_size=self.min_group_size, moment=utcnow()
            )

    async def poster(self, code: str) -> Poster:
        async with self._sessions() as session:
            return poster(self.texts, await coordination.workshop_coded(session, code))

    async def export_rows(
        self, *, city: str | None = None, workshop: str | None = None, since: datetime | None = None
    ) -> list[ExportRow]:
        """Every stored answer (of a city, a workshop, from a moment on), one row each, for ``citybot export``."""
        async with self._sessions() as session:
            place = await coordination.city_named(session, city) if city else None
            group = await coordination.workshop_coded(session, workshop) if workshop else None
            return await exports.export_rows(session, self.catalogue, city=place, workshop=group, since=since)

    async def earlier_rows(self, codes: set[str]) -> dict[str, list[ExportRow]]:
        """Per follow-up workshop among ``codes``, the rows of the workshop it follows (for the Summary)."""
        async with self._sessions() as session:
            return await exports.earlier_rows(session, self.catalogue, codes=codes)

    async def chart(self, *, city: str | None = None, workshop: str | None = None) -> MaturityChart:
        """The chart of a city's or a workshop's combined answers, as ``citybot report`` draws it."""
        async with self._sessions() as session:
            if workshop:
                group = await coordination.workshop_coded(session, workshop)
                title = self.texts.get("workshop.chart_title", name=group.name, code=group.code)
                results = await group_results.workshop_results(
                    session, self.catalogue, workshop=group, min_group_size=self.min_group_size
                )
            else:
                place = await coordination.city_named(session, city or "")
                title = self.texts.get("combined.chart_city", city=place.name)
                results = await group_results.city_results(
                    session, self.catalogue, city=place, min_group_size=self.min_group_size
                )
        return group_words.group_chart(self.texts, self.catalogue, results, title=title, moment=utcnow())
