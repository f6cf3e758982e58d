"""Privacy: ``/mydata`` sends everything stored about the user, ``/forget`` deletes it after confirmation."""

from __future__ import annotations

import json
from typing import Any

from conversations import outbox
from conversations.flows.menu import shortcuts
from conversations.messages import Attachment, Reply
from conversations.stores import AssessmentKind
from conversations.times import as_utc
from conversations.turn import Turn

FORGET_FLOW = "forget"
YES, NO = "yes", "no"


async def mydata(turn: Turn, argument: str) -> list[Reply]:
    """Everything stored about this user, as a summary and a JSON document."""
    participant = turn.participant
    if participant is None:
        return [turn.say("privacy.nothing")]
    people = turn.participants
    city = await turn.cities.by_id(participant.city_id)
    rows = await people.answer_rows(participant)
    questions = await people.questions_of(participant)
    histories = await people.answer_histories(participant)
    notes = await people.notes_of(participant)
    joined = await people.memberships_of(participant)
    coordinated = await turn.workshops.coordinated_by(participant.user_id)
    kept = await people.kept_replies(participant)
    grant = await turn.workshops.grant(user_id=participant.user_id, username=turn.incoming.username)
    assessments: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = assessments.setdefault(
            row.assessment.id or 0,
            {
                "kind": str(row.assessment.kind),
                "status": str(row.assessment.status),
                "started_at": as_utc(row.assessment.started_at),
                "answers": [],
            },
        )
        code = row.answer.action_code
        entry["answers"].append(
            {
                "action": code,
                "title": turn.catalogue.action(code).title if turn.catalogue.has_action(code) else None,
                "answer": row.answer.value,
                "implied_by_checkin": row.assessment.kind == AssessmentKind.CHECKIN,
                "answered_at": as_utc(row.answer.answered_at),
                "notes": list(row.notes),
                "history": [
                    {"from": change.previous, "to": change.value, "at": as_utc(change.changed_at)}
                    for change in histories.get(row.answer.id or 0, [])
                ],
            }
        )
    document = {
        "user_id": participant.user_id,
        "name": participant.name,
        "language": participant.language,
        "city": city.name if city else None,
        "role": participant.role,
        "pseudonym": participant.pseudonym,
        "name_shown_to_coordinators": participant.share_name,
        "consented_at": as_utc(participant.consented_at),
        "assessments": assessments,
        "notes": [
            {
                "assessment": note.assessment_id,
                "action": note.action_code,
                "text": note.text,
                "at": as_utc(note.created_at),
            }
            for note in notes
        ],
        "questions": [{"text": q.text, "matches": q.matches, "asked_at": as_utc(q.asked_at)} for q in questions],
        "reminders": [
            {
                "kind": str(r.kind),
                "due_at": as_utc(r.due_at),
                "sent_at": as_utc(r.sent_at),
                "delivered_at": as_utc(r.delivered_at),
                "turned_off_at": as_utc(r.off_at),
                "next_round_every_months": r.months,
            }
            for r in await turn.reminders.of(participant)
        ],
        "unreachable_since": as_utc(participant.unreachable_at),
        "workshops_joined": [{"code": w.code, "name": w.name, "joined_at": as_utc(m.joined_at)} for m, w in joined],
        "workshops_coordinated": [{"code": w.code, "name": w.name} for w in coordinated],
        "coordinator": None
        if grant is None
        else {
            "granted_at": as_utc(grant.granted_at),
            "username": grant.username,
            "all_cities": grant.all_cities,
            "cities": [city.name for city in await turn.workshops.granted_cities(grant)],
        },
        "replies_kept_for_sending": [
            {
                "update": update.update_id,
                "at": as_utc(update.processed_at),
                "texts": [reply.text for reply in outbox.decode(update.replies or [])],
            }
            for update in kept
        ],
    }
    data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    text = turn.t(
        "privacy.mydata",
        city=document["city"] or "-",
        role=participant.role or "-",
        assessments=turn.t("privacy.assessments", count=len(assessments)),
        answers=turn.t("privacy.answers", count=len(rows)),
        questions=turn.t("privacy.questions", count=len(questions)),
    )
    text += "\n" + turn.t(
        "privacy_more.mydata",
        pseudonym=participant.pseudonym,
        notes=turn.t("privacy_more.notes", count=len(notes)),
        workshops=turn.t("privacy_more.workshops", count=len(joined) + len(coordinated)),
        kept=turn.t("privacy_more.kept", count=len(kept)),
    )
    return [Reply(text, attachment=Attachment(filename="citybot-mydata.json", data=data))]


async def forget(turn: Turn, argument: str) -> list[Reply]:
    """Ask for confirmation before deleting anything."""
    if turn.participant is None:
        return [turn.say("privacy.nothing")]
    turn.set_flow(FORGET_FLOW)
    return await render(turn)


async def render(turn: Turn) -> list[Reply]:
    buttons = [(turn.t("privacy.forget_yes"), YES), (turn.t("privacy.forget_no"), NO)]
    return [turn.question(turn.t("privacy.forget_question"), buttons)]


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    if value == NO:
        turn.clear_flow()
        return [turn.echo(turn.t("privacy.forget_kept")), turn.say("menu.rest", options=shortcuts(turn, "help"))]
    if value != YES or turn.participant is None:
        return None
    await turn.participants.delete(turn.participant)
    turn.forget_participant()
    return [Reply(turn.t("privacy.forgotten"), replaces_previous=True, forgotten=True)]  # adapters drop their files
