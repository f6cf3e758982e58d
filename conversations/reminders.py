"""Reminders that arrive once: what is due, claimed by one process, sent through an outbox, never twice.

Three kinds (:class:`~conversations.storage.models.ReminderKind`):

* **paused**: a full assessment left unfinished for :attr:`ReminderTimes.paused_after` gets one
  reminder, with a button to continue. Nothing is stored for it until it is due: the reminder
  row is made by the claim itself (``INSERT ... ON CONFLICT (key) DO NOTHING``, key
  ``paused:<assessment>``), so each assessment is reminded once, whichever process gets there.
* **round**: the next round, on the date the official picked at the end of a round.
* **nudge**: a coordinator's "Remind those who haven't finished", one per person and workshop.

A stored reminder is claimed by one ``UPDATE ... WHERE sent_at IS NULL`` that also writes its
replies (its outbox): on PostgreSQL a second process's UPDATE waits for the first and then finds
nothing to claim. The adapter sends the replies and reports them delivered, which empties the
outbox; a reminder claimed but not delivered within :attr:`ReminderTimes.retry_after` (its
sender was killed) is claimed again, by one process, and sent then. The window left is the one
every outbox has: a crash after Telegram accepted the message and before it is marked delivered.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import outbox
from conversations.choices import Prefix, navigation_choice
from conversations.messages import Option, Reply
from conversations.storage import rounds, workshops
from conversations.storage.models import (
    Assessment,
    AssessmentStatus,
    Participant,
    Reminder,
    ReminderKind,
    WorkshopStatus,
)
from conversations.texts import Texts
from conversations.times import utcnow

RHYTHMS = (6, 12, 24)
"""The rhythms of rounds an official may pick, in months (or none)."""
BATCH = 100
"""Reminders claimed per pass at most; the rest wait for the next pass."""


@dataclass(frozen=True, slots=True)
class ReminderTimes:
    """How long citybot waits before each reminder; settings (``CITYBOT_REMIND_*``) shorten them for trials."""

    paused_after: timedelta = timedelta(days=3)
    """An unfinished full assessment is reminded this long after it was last worked on."""
    month: timedelta | None = None
    """The length of a month of a round's rhythm; ``None``: calendar months."""
    retry_after: timedelta = timedelta(minutes=1)
    """A reminder claimed but not delivered for this long (its sender stopped) is claimed and sent again."""


def months_later(moment: datetime, months: int, times: ReminderTimes) -> datetime:
    """``months`` after ``moment``: calendar months (the 31st becomes the month's last day), or the set length."""
    if times.month is not None:
        return moment + times.month * months
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder claimed for sending: to whom (the participant's user id), and what."""

    id: int
    user_id: str
    kind: ReminderKind
    replies: tuple[Reply, ...]


def _button(texts: Texts, key: str, command: str) -> Option:
    return Option(texts.get(key), navigation_choice(Prefix.SHORTCUT, command))


async def compose(
    session: AsyncSession, texts: Texts, reminder: Reminder | None, *, kind: ReminderKind, since: datetime | None
) -> list[Reply] | None:
    """The message of a reminder, in its person's language; ``None`` when it no longer has a point."""
    mine = _button(texts, "reminders.mine", "reminders")
    if kind == ReminderKind.PAUSED:
        day = since.date().isoformat() if since else ""
        continuing = _button(texts, "reminders.continue", "assess")
        return [Reply(texts.get("reminders.paused", date=day), options=(continuing, mine))]
    if kind == ReminderKind.ROUND:
        day = since.date().isoformat() if since else ""
        choices = (_button(texts, "menu.checkin", "checkin"), _button(texts, "menu.assess", "assess"), mine)
        return [Reply(texts.get("reminders.round", date=day), options=choices, columns=2)]
    assert reminder is not None and reminder.workshop_id is not None
    workshop = await workshops.workshop_by_id(session, workshop_id=reminder.workshop_id)
    if workshop is None or workshop.status != WorkshopStatus.OPEN:
        return None
    unfinished = await workshops.unfinished_members(session, workshop=workshop)
    if all(person.id != reminder.participant_id for person in unfinished):
        return None  # finished meanwhile: no nudge needed
    options = (_button(texts, "reminders.continue_checkin", "checkin"),)
    return [Reply(texts.get("reminders.nudge", name=workshop.name), options=options)]


async def claim_due(
    session: AsyncSession,
    catalogue: Catalogue,
    texts_for: Callable[[str | None], Texts],
    times: ReminderTimes,
    *,
    user_prefix: str | None = None,
    user_id: str | None = None,
) -> list[DueReminder]:
    """Claim every reminder due now (of one transport's people, or of one person), with its replies stored.

    The caller commits, then sends each one and reports it (``delivered`` / ``undeliverable``).
    """
    now = utcnow()
    claimed: list[DueReminder] = []
    people = {"user_prefix": user_prefix, "user_id": user_id}
    for reminder, person in (
        await rounds.stranded_reminders(session, claimed_before=now - times.retry_after, **people)
    )[:BATCH]:
        assert reminder.id is not None
        if await rounds.claim_reminder(
            session, reminder_id=reminder.id, replies=list(reminder.replies or []), stale_before=now - times.retry_after
        ):
            kept = outbox.decode(reminder.replies or [])
            claimed.append(DueReminder(reminder.id, person.user_id, reminder.kind, tuple(kept)))
    for reminder, person in (await rounds.due_reminders(session, now=now, **people))[:BATCH]:
        assert reminder.id is not None
        texts = texts_for(person.language)
        since = await _since(session, reminder)
        replies = await compose(session, texts, reminder, kind=reminder.kind, since=since)
        if replies is None:
            rounds.turn_off_reminder(session, reminder=reminder)
            continue
        if await rounds.claim_reminder(session, reminder_id=reminder.id, replies=outbox.encode(replies)):
            claimed.append(DueReminder(reminder.id, person.user_id, reminder.kind, tuple(replies)))
    idle_since = now - times.paused_after
    for assessment, person in (await rounds.paused_assessments(session, idle_since=idle_since, **people))[:BATCH]:
        replies = await compose(
            session, texts_for(person.language), None, kind=ReminderKind.PAUSED, since=assessment.updated_at
        )
        assert replies is not None
        values = paused_values(assessment, person, times) | {"sent_at": now, "replies": outbox.encode(replies)}
        if await rounds.add_reminder(session, values=values):
            stored = await rounds.reminder_by_key(session, key=values["key"])
            assert stored is not None and stored.id is not None
            claimed.append(DueReminder(stored.id, person.user_id, ReminderKind.PAUSED, tuple(replies)))
    return claimed


def paused_values(assessment: Assessment, person: Participant, times: ReminderTimes) -> dict[str, Any]:
    """The row of an unfinished assessment's one reminder (made when it is sent, or turned off)."""
    return {
        "key": f"paused:{assessment.id}",
        "participant_id": person.id,
        "kind": ReminderKind.PAUSED,
        "due_at": assessment.updated_at + times.paused_after,
        "assessment_id": assessment.id,
    }


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """One reminder as operators see it: ids, kind, when, and where it stands; no names, no texts."""

    id: int | None
    kind: ReminderKind
    participant_id: int
    due_at: datetime
    state: str
    """``upcoming`` (an unfinished assessment's, made when due), ``waiting``, ``claimed``, ``delivered``,
    ``off`` or ``undeliverable``."""
    sent_at: datetime | None = None


async def overview(session: AsyncSession, times: ReminderTimes) -> list[ReminderRow]:
    """Every reminder, stored or still to be made (an unfinished assessment's), soonest first."""
    rows = []
    for reminder in await rounds.all_reminders(session):
        if reminder.off_at is not None:
            state = "off"
        elif reminder.undeliverable_at is not None:
            state = "undeliverable"
        elif reminder.delivered_at is not None:
            state = "delivered"
        elif reminder.sent_at is not None:
            state = "claimed"
        else:
            state = "waiting"
        rows.append(
            ReminderRow(reminder.id, reminder.kind, reminder.participant_id, reminder.due_at, state,
                        reminder.sent_at)
        )  # fmt: skip
    far = utcnow() + timedelta(days=36500)
    for assessment, person in await rounds.paused_assessments(session, idle_since=far, user_prefix=None, user_id=None):
        due = assessment.updated_at + times.paused_after
        rows.append(ReminderRow(None, ReminderKind.PAUSED, person.id or 0, due, "upcoming"))
    return sorted(rows, key=lambda row: row.due_at)


async def _since(session: AsyncSession, reminder: Reminder) -> datetime | None:
    """The date a reminder speaks of: the round it follows (its assessment's finishing)."""
    if reminder.assessment_id is None:
        return None
    assessment = await session.get(Assessment, reminder.assessment_id)
    if assessment is None:
        return None
    if assessment.status == AssessmentStatus.FINISHED and assessment.finished_at is not None:
        return assessment.finished_at
    return assessment.updated_at
