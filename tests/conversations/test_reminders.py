"""Reminders on the engine: each due one is claimed once, sent through its outbox, listed and turned off by its person."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from catalogue import Catalogue
from conversations import Engine, open_engine
from conversations.reminders import DueReminder, ReminderTimes
from conversations.storage.models import Reminder, ReminderKind
from tests.conversations.test_workshops import coordinator, join, open_workshop
from tests.helpers.chat import Chat, checked_in, count, rows
from tests.helpers.workshops import join_only

NOW = ReminderTimes(paused_after=timedelta(0), month=timedelta(0))
"""Every reminder due at once."""
LATER = ReminderTimes()


async def paused_assessment(engine: Engine, user: str = "alice") -> Chat:
    """An official who answered two actions of the full assessment and pressed Pause."""
    chat = Chat(engine, user, user.title())
    await chat.onboard()
    await chat.command("/assess")
    await chat.press("answers.done")
    await chat.press("answers.done")
    await chat.press("assessment.pause")
    assert chat.said("assessment.paused")
    return chat


def texts_of(engine: Engine, due: list[DueReminder]) -> list[str]:
    return [reply.text for reminder in due for reply in reminder.replies]


async def test_a_paused_assessment_gets_one_reminder_once_it_is_due_with_a_button_to_continue(engine: Engine) -> None:
    chat = await paused_assessment(engine)
    engine.reminder_times = LATER
    assert await engine.due_reminders(user_prefix="test:") == []  # three days away
    engine.reminder_times = NOW
    [due] = await engine.due_reminders(user_prefix="test:")
    assert (due.user_id, due.kind) == (chat.user_id, ReminderKind.PAUSED)
    assert chat.expected.within(due.replies[0].text, "reminders.paused")
    assert await engine.due_reminders(user_prefix="test:") == []  # claimed: not again, though not yet delivered
    await engine.reminder_delivered(due.id)
    assert await engine.due_reminders(user_prefix="test:") == []
    [stored] = await rows(engine, Reminder)
    assert stored.delivered_at is not None and stored.replies is None  # the outbox is emptied
    await chat.choose_id(due.replies[0].options[0].choice)  # ▶️ Continue
    assert chat.said("assessment.resumed"), chat.text
    await chat.press("assessment.pause")
    assert await engine.due_reminders(user_prefix="test:") == []  # one reminder per assessment


async def test_a_reminder_claimed_by_a_sender_that_died_is_sent_once_more_after_the_retry_delay(engine: Engine) -> None:
    await paused_assessment(engine)
    engine.reminder_times = NOW
    [first] = await engine.due_reminders(user_prefix="test:")  # ...and the process is killed before sending
    engine.reminder_times = ReminderTimes(paused_after=timedelta(0), retry_after=timedelta(0))
    [again] = await engine.due_reminders(user_prefix="test:")
    assert (again.id, again.replies) == (first.id, first.replies)  # the same message, from its outbox
    await engine.reminder_delivered(again.id)
    assert await engine.due_reminders(user_prefix="test:") == []


async def test_reminders_are_listed_and_each_can_be_turned_off(engine: Engine) -> None:
    chat = await paused_assessment(engine)
    await chat.command("/reminders")
    assert chat.said("reminders.line_paused")
    await chat.press("reminders.off_paused")
    assert chat.said("reminders.none")
    engine.reminder_times = NOW
    assert await engine.due_reminders(user_prefix="test:") == []
    await chat.command("/mydata")  # a reminder is data about its person too
    [document] = [reply.attachment for reply in chat.replies if reply.attachment is not None]
    [stored] = json.loads(document.data)["reminders"]
    assert stored["kind"] == "paused" and stored["turned_off_at"] and not stored["sent_at"]


async def test_the_next_round_is_reminded_at_the_rhythm_picked_and_a_new_round_carries_it_on(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "M"})
    assert chat.said("reminders.rhythm_question")
    await chat.choose_id(
        next(o.choice for r in chat.replies for o in r.options if o.label == chat.t("reminders.months", months=12))
    )
    assert chat.said("reminders.rhythm_set", months=12)
    await chat.command("/reminders")
    assert chat.said("reminders.line_round", months=12)
    assert await engine.due_reminders(user_prefix="test:") == []  # a year away
    await chat.command("/checkin")  # a new round before it is due
    await chat.answer_check_in(catalogue, {"L1": "A"})
    assert chat.said("reminders.rhythm_kept", months=12)
    pending = [r for r in await rows(engine, Reminder) if r.off_at is None and r.sent_at is None]
    assert len(pending) == 1  # the earlier one gave way to the one after this round
    engine.reminder_times = NOW
    await chat.command("/checkin")
    await chat.answer_check_in(catalogue, {"L1": "A"})  # month=0: due right away
    [due] = await engine.due_reminders(user_prefix="test:")
    assert due.kind == ReminderKind.ROUND and chat.expected.within(due.replies[0].text, "reminders.round")


async def test_a_coordinators_nudge_reaches_each_unfinished_participant_once_and_no_finished_one(
    engine: Engine, catalogue: Catalogue
) -> None:
    coord = await coordinator(engine)
    code = await open_workshop(coord)
    finished = await join(engine, catalogue, code, "fay", {"L1": "M"})
    waiting = []
    for user in ("ana", "bo"):
        chat = await join_only(engine, code, user)
        await chat.press(catalogue.stage("S").name)  # one area, then they stop
        waiting.append(chat)
    await coord.command(f"/workshop {code}")
    await coord.press("reminders.nudge_button")
    assert coord.said("reminders.nudged", count=2, before=0)
    await coord.command(f"/workshop {code}")
    await coord.press("reminders.nudge_button")
    assert coord.said("reminders.nudged", count=0, before=2)  # pressing again sends nobody a second one
    due = await engine.due_reminders(user_prefix="test:")
    assert sorted(d.user_id for d in due) == sorted(chat.user_id for chat in waiting)
    assert finished.user_id not in {d.user_id for d in due}
    for reminder in due:
        await engine.reminder_delivered(reminder.id)
    assert await engine.due_reminders(user_prefix="test:") == []
    await waiting[0].choose_id(due[0].replies[0].options[0].choice)  # ▶️ Continue the check-in
    assert waiting[0].said("progress.line", index=2)

    await waiting[1].command("/forget")  # deleted with its person
    await waiting[1].press("privacy.forget_yes")
    assert await count(engine, Reminder) == 1


async def test_two_processes_claim_each_due_reminder_once(database_url: str, catalogue: Catalogue) -> None:
    first = await open_engine(database_url, catalogue, reminder_times=NOW)
    second = await open_engine(database_url, catalogue, reminder_times=NOW)
    try:
        for user in ("u1", "u2", "u3"):
            await paused_assessment(first, user)
        claims = await asyncio.gather(
            *(engine.due_reminders(user_prefix="test:") for engine in (first, second, first, second))
        )
        ids = [due.id for claim in claims for due in claim]
        assert len(ids) == len(set(ids)) == 3
    finally:
        await first.close()
        await second.close()
