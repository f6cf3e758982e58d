"""The rows of an answer export: one per answer, typed once, as every writer (``bot.export``) writes them.

Participants appear under a stable pseudonym unless they chose to show their name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
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
