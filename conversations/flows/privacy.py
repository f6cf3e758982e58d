"""Privacy: ``/mydata`` sends everything stored about the user, ``/forget`` deletes it after confirmation."""

from __future__ import annotations

import json
from typing import Any

from conversations.flows.menu import shortcuts
from conversations.messages import Attachment, Reply
from conversations.storage import repository
from conversations.turn import Turn

FORGET_FLOW = "forget"
YES, NO = "yes", "no"


async def mydata(turn: Turn, argument: str) -> list[Reply]:
    """Everything stored about this user, as a summary and a JSON document."""
    participant = turn.participant
    if participant is None:
        return [turn.say("privacy.nothing")]
    session = turn.session
    city = await repository.city_by_id(session, city_id=participant.city_id)
    rows = await repository.answer_rows(session, participant=participant)
    questions = await repository.questions_of(session, participant=participant)
    histories = await repository.answer_histories(session, participant=participant)
    assessments: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = assessments.setdefault(
            row.assessment.id or 0,
            {
                "kind": str(row.assessment.kind),
                "status": str(row.assessment.status),
                "started_at": repository.as_utc(row.assessment.started_at),
                "answers": [],
            },
        )
        entry["answers"].append(
            {
                "action": row.answer.action_code,
                "answer": row.answer.value,
                "answered_at": repository.as_utc(row.answer.answered_at),
                "notes": list(row.notes),
                "history": [
                    {"from": change.previous, "to": change.value, "at": repository.as_utc(change.changed_at)}
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
        "consented_at": repository.as_utc(participant.consented_at),
        "assessments": assessments,
        "questions": [
            {"text": q.text, "matches": q.matches, "asked_at": repository.as_utc(q.asked_at)} for q in questions
        ],
    }
    data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    text = turn.t(
        "privacy.mydata",
        city=document["city"] or "-",
        role=participant.role or "-",
        assessments=len(assessments),
        answers=len(rows),
        questions=len(questions),
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
    await repository.delete_participant(turn.session, participant=turn.participant)
    turn.forget_participant()
    return [Reply(turn.t("privacy.forgotten"), replaces_previous=True, forgotten=True)]  # adapters drop their files
