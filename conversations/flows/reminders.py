"""Reminders in the chat: ``/reminders``, the next round's rhythm, and a coordinator's nudge.

``/reminders`` lists a person's and turns each off; the next round's rhythm is picked at the end
of a round; a coordinator nudges a workshop's unfinished participants.

The sending is not here: :mod:`conversations.reminders` claims what is due and the adapter sends it.
"""

from __future__ import annotations

from datetime import datetime

from conversations import reminders as schedule
from conversations.choices import ReminderOff, Rhythm
from conversations.flows import workshop as rooms
from conversations.messages import Option, Reply
from conversations.stores import Assessment, AssessmentKind, Reminder, ReminderKind, WorkshopStatus
from conversations.times import utcnow
from conversations.turn import Turn

NEVER = 0


def day(moment: datetime) -> str:
    return moment.date().isoformat()


# --- /reminders ------------------------------------------------------------------------------


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/reminders``: every reminder waiting for this person, each with a button to turn it off."""
    return [await overview(turn)]


async def overview(turn: Turn, *, replaces_previous: bool = False) -> Reply:
    assert turn.participant is not None
    stored = await turn.reminders.of(turn.participant)
    lines = [turn.t("reminders.title")]
    buttons: list[Option] = []
    paused_rows = {r.assessment_id for r in stored if r.kind == ReminderKind.PAUSED}
    unfinished = await turn.assessments.unfinished(AssessmentKind.FULL)
    if unfinished is not None and unfinished.id not in paused_rows:
        due = unfinished.updated_at + turn.reminder_times.paused_after
        lines.append(turn.t("reminders.line_paused", date=day(due)))
        buttons.append(Option(turn.t("reminders.off_paused"), ReminderOff(unfinished.id or 0, paused=True).pack()))
    waiting = [r for r in stored if r.sent_at is None and r.off_at is None]
    for reminder in waiting:
        lines.append(await line(turn, reminder))
        buttons.append(Option(turn.t(f"reminders.off_{reminder.kind}"), ReminderOff(reminder.id or 0).pack()))
    if len(lines) == 1:
        lines.append(turn.t("reminders.none"))
    if not any(r.kind == ReminderKind.ROUND for r in waiting):  # no next round planned: offer the rhythms here too
        latest = await turn.assessments.latest_finished()
        if latest is not None:
            lines.append(turn.t("reminders.rhythm_question"))
            buttons += rhythm_buttons(turn, latest, None)
    sent = sum(1 for r in stored if r.delivered_at is not None)
    if sent:
        lines.append(turn.t("reminders.sent", count=sent))
    return Reply("\n".join(lines), options=tuple(buttons), replaces_previous=replaces_previous)


async def line(turn: Turn, reminder: Reminder) -> str:
    if reminder.kind == ReminderKind.ROUND:
        return turn.t("reminders.line_round", date=day(reminder.due_at), months=reminder.months or 0)
    if reminder.kind == ReminderKind.NUDGE and reminder.workshop_id is not None:
        workshop = await turn.workshops.by_id(reminder.workshop_id)
        return turn.t("reminders.line_nudge", name=workshop.name if workshop else "")
    return turn.t("reminders.line_paused", date=day(reminder.due_at))


async def turn_off(turn: Turn, choice: ReminderOff) -> list[Reply] | None:
    """``rf:<id>`` (a stored reminder) or ``rf:p<assessment>`` (an unfinished assessment's): never send it."""
    if turn.participant is None:
        return None
    if choice.paused:
        assessment = await turn.assessments.get(choice.id)
        if assessment is None:
            return None
        values = schedule.paused_values(assessment, turn.participant, turn.reminder_times) | {"off_at": utcnow()}
        await turn.reminders.add(values)
    else:
        reminder = await turn.reminders.by_id(choice.id)
        if reminder is None or reminder.participant_id != turn.participant.id:
            return None
        if reminder.sent_at is None:
            turn.reminders.turn_off(reminder)
    return [await overview(turn, replaces_previous=True)]


# --- the next round's rhythm -----------------------------------------------------------------


async def rhythm_offer(turn: Turn, assessment: Assessment) -> list[Reply]:
    """At the end of a round: when to be reminded of the next one (a rhythm picked before carries on)."""
    assert turn.participant is not None and assessment.id is not None
    stored = await turn.reminders.of(turn.participant)
    earlier = [r for r in stored if r.kind == ReminderKind.ROUND and r.sent_at is None and r.off_at is None]
    months = next((r.months for r in reversed(earlier) if r.months), None)
    for reminder in earlier:
        turn.reminders.turn_off(reminder)  # this round came first
    if months is not None:
        due = await set_rhythm(turn, assessment, months)
        text = turn.t("reminders.rhythm_kept", months=months, date=day(due))
    else:
        text = turn.t("reminders.rhythm_question")
    return [Reply(text, options=rhythm_buttons(turn, assessment, months), columns=2)]


def rhythm_buttons(turn: Turn, assessment: Assessment, current: int | None) -> tuple[Option, ...]:
    buttons = []
    for months in (*schedule.RHYTHMS, NEVER):
        label = turn.t("reminders.never") if months == NEVER else turn.t("reminders.months", months=months)
        if current == months:
            label = turn.t("checkin.chosen", label=label)
        buttons.append(Option(label, Rhythm(assessment.id or 0, months).pack()))
    return tuple(buttons)


async def set_rhythm(turn: Turn, assessment: Assessment, months: int) -> datetime:
    """The next round's reminder ``months`` after this round (replacing one set for it before)."""
    assert turn.participant is not None and assessment.finished_at is not None
    due = schedule.months_later(assessment.finished_at, months, turn.reminder_times)
    key = f"round:{assessment.id}"
    existing = await turn.reminders.by_key(key)
    if existing is None:
        values = {
            "key": key,
            "participant_id": turn.participant.id,
            "kind": ReminderKind.ROUND,
            "due_at": due,
            "assessment_id": assessment.id,
            "months": months,
        }
        await turn.reminders.add(values)
    elif existing.sent_at is None:
        turn.reminders.reschedule(existing, due_at=due, months=months)
    return due


async def pick_rhythm(turn: Turn, choice: Rhythm) -> list[Reply] | None:
    """``rr:<assessment>.<months>``: remind the next round after that many months, or never (``0``)."""
    if turn.participant is None or choice.months not in (*schedule.RHYTHMS, NEVER):
        return None
    months = choice.months
    assessment = await turn.assessments.get(choice.assessment_id)
    if assessment is None or not turn.assessments.is_finished(assessment):
        return None
    stored = await turn.reminders.of(turn.participant)
    for reminder in stored:
        if reminder.kind == ReminderKind.ROUND and reminder.sent_at is None and reminder.off_at is None:
            turn.reminders.turn_off(reminder)
    if months == NEVER:
        text = turn.t("reminders.rhythm_never")
    else:
        due = await set_rhythm(turn, assessment, months)
        text = turn.t("reminders.rhythm_set", months=months, date=day(due))
    return [Reply(text, options=rhythm_buttons(turn, assessment, months), columns=2, replaces_previous=True)]


# --- a coordinator's nudge -------------------------------------------------------------------


async def nudge(turn: Turn, value: str) -> list[Reply] | None:
    """``wn:<code>``: one reminder to each participant of the open workshop who has not finished (once each)."""
    workshop = await rooms.find(turn, value)
    if workshop is None:
        return [turn.say("workshop.unknown", code=value[:20])]
    if workshop.status != WorkshopStatus.OPEN:
        return [turn.say("workshop.already_closed", name=workshop.name)]
    unfinished = await turn.workshops.unfinished_members(workshop)
    if not unfinished:
        return [turn.say("reminders.nudge_nobody", name=workshop.name)]
    new = 0
    for person in unfinished:
        values = {
            "key": f"nudge:{workshop.id}:{person.id}",
            "participant_id": person.id,
            "kind": ReminderKind.NUDGE,
            "due_at": utcnow(),
            "workshop_id": workshop.id,
        }
        new += await turn.reminders.add(values)
    return [turn.say("reminders.nudged", name=workshop.name, count=new, before=len(unfinished) - new)]
