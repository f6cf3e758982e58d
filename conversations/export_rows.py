"""The rows of an answer export: one per answer, typed once, as every writer (``bot.export``) writes them.

Participants appear under a stable pseudonym unless they chose to show their name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Answer, Catalogue
from catalogue.group_results import Said, area_said, group_results
from conversations.messages import AnswerExport, ExportRow
from conversations.storage import reports
from conversations.storage import workshops as stored_workshops
from conversations.storage.models import AssessmentKind, City, Workshop
from conversations.times import as_utc


async def export_rows(
    session: AsyncSession,
    catalogue: Catalogue,
    *,
    city: City | None = None,
    workshop: Workshop | None = None,
    since: datetime | None = None,
) -> list[ExportRow]:
    """Every answer (of a city, of a workshop, from a moment on), one :class:`ExportRow` each, oldest first."""
    facts = await reports.answer_facts(session, city=city, workshop=workshop, since=since)
    rounds = await reports.round_numbers(session, participant_ids={fact.participant.id or 0 for fact in facts})
    notes = await reports.notes_by_answer(session, assessment_ids={fact.assessment.id or 0 for fact in facts})
    rows: list[ExportRow] = []
    for fact in facts:
        action = catalogue.action(fact.code) if catalogue.has_action(fact.code) else None
        area = catalogue.area(action.area) if action else None
        stage = catalogue.stage(action.stage) if action else None
        person, counted = fact.participant, fact.workshop
        rows.append(
            ExportRow(
                city=fact.city.name if fact.city else "",
                participant=person.pseudonym,
                name=person.name if person.share_name else "",
                role=person.role or "",
                workshop=counted.code if counted else "",
                workshop_name=counted.name if counted else "",
                assessment=fact.assessment.id,
                assessment_kind=str(fact.assessment.kind),
                round=rounds.get(fact.assessment.id or 0),
                domain=action.domain if action else "",
                area=area.code if area else "",
                area_title=area.title if area else "",
                stage=stage.code if stage else "",
                stage_name=stage.name if stage else "",
                action_code=fact.code,
                action_title=action.title if action else "",
                answer=fact.value,
                implied=fact.assessment.kind == AssessmentKind.CHECKIN,
                note=" | ".join(notes.get((fact.assessment.id or 0, fact.code), ())),
                answered_at=as_utc(fact.answered_at),
            )
        )
    return rows


async def earlier_rows(session: AsyncSession, catalogue: Catalogue, *, codes: set[str]) -> dict[str, list[ExportRow]]:
    """For each follow-up workshop among ``codes``: the answer rows of the workshop it follows (for the Summary)."""
    found: dict[str, list[ExportRow]] = {}
    for code in sorted(code for code in codes if code):
        workshop = await stored_workshops.workshop_by_code(session, code=code)
        if workshop is None or workshop.follows_id is None:
            continue
        follows = await stored_workshops.workshop_by_id(session, workshop_id=workshop.follows_id)
        if follows is not None:
            found[code] = await export_rows(session, catalogue, workshop=follows)
    return found


# --- the workbook's other sheets, computed with the rows (the adapter only writes them) ----------


def summary_rows(
    rows: Iterable[ExportRow],
    *,
    catalogue: Catalogue,
    not_started: str = "",
    earlier: Mapping[str, Sequence[ExportRow]] | None = None,
) -> list[dict[str, Any]]:
    """Per city, then per workshop, per area: respondents, unsure, the median stage with its spread, next steps.

    Built from the exported rows themselves with :func:`conversations.group_results.group_results`
    (the room's computation), each participant counted once with their latest answer per action,
    so the Summary always agrees with the Answers sheet it comes with and with the room. The
    export holds the answers themselves, as participants consented, so no group is too small
    here (``min_group_size=1``). Answers to actions the catalogue does not have are left out.
    A follow-up workshop's rows carry the ``earlier`` workshop's figures too, computed the same way.
    """
    groups: dict[tuple[str, str], dict[str, list[ExportRow]]] = {}
    codes: dict[str, str] = {}  # a workshop group's label -> its code
    for row in rows:
        if not catalogue.has_action(row.action_code):
            continue
        person = row.participant
        if row.city:
            groups.setdefault(("city", row.city), {}).setdefault(person, []).append(row)
        if row.workshop:
            label = " · ".join(str(part) for part in (row.workshop, row.workshop_name) if part)
            groups.setdefault(("workshop", label), {}).setdefault(person, []).append(row)
            codes[label] = row.workshop

    def stage(code: str | None) -> str:
        return catalogue.stage(code).name if code else not_started

    summary: list[dict[str, Any]] = []
    for (group, name), people in sorted(groups.items(), key=lambda item: (item[0][0] != "city", item[0][1])):
        combined = group_results(catalogue, [latest_answers(answers) for answers in people.values()], min_group_size=1)
        before = (earlier or {}).get(codes.get(name, "")) if group == "workshop" else None
        then, then_label = None, ""
        if before:
            earlier_people: dict[str, list[ExportRow]] = {}
            for row in before:
                if catalogue.has_action(row.action_code):
                    earlier_people.setdefault(row.participant, []).append(row)
            then = group_results(catalogue, [latest_answers(a) for a in earlier_people.values()], min_group_size=1)
            first = before[0]
            then_label = " · ".join(str(part) for part in (first.workshop, first.workshop_name) if part)
        for area in catalogue.areas:
            state = combined.areas[area.code]
            past = then.areas[area.code] if then is not None else None
            comparison = {
                "earlier_workshop": then_label,
                "earlier_respondents": past.respondents if past is not None else None,
                "earlier_median_stage": stage(past.median) if past is not None and past.respondents else "",
                "earlier_lowest_stage": stage(past.lowest) if past is not None and past.respondents else "",
                "earlier_highest_stage": stage(past.highest) if past is not None and past.respondents else "",
            }
            summary.append(
                {
                    "group": group,
                    "name": name,
                    "participants": len(people),
                    "area": area.code,
                    "area_title": area.title,
                    "respondents": state.respondents,
                    "unsure": state.unsure,
                    "median_stage": stage(state.median) if state.respondents else "",
                    "lowest_stage": stage(state.lowest) if state.respondents else "",
                    "highest_stage": stage(state.highest) if state.respondents else "",
                    "next_actions": ", ".join(f"{step.action.code} ({step.count})" for step in state.next_steps),
                    **comparison,
                }
            )
    return summary


def stage_rows(
    rows: Iterable[ExportRow], *, catalogue: Catalogue, not_started: str = "", not_sure: str = ""
) -> list[dict[str, Any]]:
    """One row per participant and area they answered: the stage their latest answers give, or "not sure".

    A participant's answers count per workshop (or, outside workshops, per city), as the Summary
    groups them; the stage is :func:`catalogue.group_results.area_said`'s, the room's own reading.
    """
    people: dict[tuple[str, str, str], list[ExportRow]] = {}
    for row in rows:
        if catalogue.has_action(row.action_code):
            key = (row.participant, row.workshop, row.city)
            people.setdefault(key, []).append(row)
    stages = {area.code: [None, *(s.code for s in catalogue.stages_of(area.code))] for area in catalogue.areas}
    result: list[dict[str, Any]] = []
    for (participant, workshop, city), answered in people.items():
        latest = latest_answers(answered)
        last = max(answered, key=lambda row: _moment(row.answered_at))
        for area in catalogue.areas:
            said, position = area_said(catalogue, area.code, latest)
            if said == Said.NOTHING:
                continue
            in_area = [row for row in answered if row.area == area.code]
            stage = stages[area.code][position] if said == Said.STAGE else None
            name = {Said.STAGE: catalogue.stage(stage).name if stage else not_started, Said.UNSURE: not_sure}
            result.append(
                {
                    "participant": participant,
                    "name": last.name,
                    "role": last.role,
                    "city": city,
                    "workshop": workshop,
                    "area": area.code,
                    "area_title": area.title,
                    "said": str(said),
                    "stage": stage or "",
                    "stage_name": name.get(said, ""),
                    "implied": any(row.implied for row in in_area),
                    "answered_at": max((row.answered_at for row in in_area), key=_moment, default=None),
                }
            )
    return result


def latest_answers(rows: Iterable[ExportRow]) -> dict[str, Answer]:
    """One participant's current answer per action: the most recently answered row wins."""
    ordered = sorted(rows, key=lambda row: _moment(row.answered_at))
    return {row.action_code: Answer(row.answer) for row in ordered}


def _moment(value: Any) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or UTC).astimezone(UTC).isoformat(timespec="seconds")
    return str(value or "")


def catalogue_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every action of the catalogue with its domain, area and stage, in catalogue order."""
    return [
        {
            "code": action.code,
            "domain": action.domain,
            "domain_name": catalogue.domain(action.domain).name,
            "area": action.area,
            "area_title": catalogue.area(action.area).title,
            "stage": action.stage,
            "stage_name": catalogue.stage(action.stage).name,
            "title": action.title,
        }
        for action in catalogue.actions
    ]


def answer_export(
    rows: Sequence[ExportRow],
    fmt: str,
    *,
    filename: str,
    catalogue: Catalogue,
    not_started: str = "",
    not_sure: str = "",
    earlier: Mapping[str, Sequence[ExportRow]] | None = None,
    sheets: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> AnswerExport:
    """An export for the adapter to write: the rows, and for a workbook its Summary, Stages and Catalogue sheets.

    The sheets are computed here, with the catalogue, so that the reply carries plain data only
    (it waits in the outbox as JSON until sent); ``not_started`` and ``not_sure`` name those
    answers in them, ``earlier`` gives per follow-up workshop's code the rows of the one it follows;
    ``sheets`` and ``headers`` name a workbook's sheets and columns in the reader's language.
    """
    if fmt != "xlsx":
        return AnswerExport(rows=tuple(rows), fmt=fmt, filename=filename)
    return AnswerExport(
        rows=tuple(rows),
        fmt=fmt,
        filename=filename,
        summary=tuple(summary_rows(rows, catalogue=catalogue, not_started=not_started, earlier=earlier)),
        stages=tuple(stage_rows(rows, catalogue=catalogue, not_started=not_started, not_sure=not_sure)),
        actions=tuple(catalogue_rows(catalogue)),
        sheets=tuple((sheets or {}).items()),
        headers=tuple((headers or {}).items()),
    )
