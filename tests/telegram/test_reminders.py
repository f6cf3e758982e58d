"""Reminders through the real Telegram Application: its JobQueue sends each due one once, through the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram.ext import Application

from bot.telegram import build_application
from catalogue import Catalogue
from conversations import Engine
from conversations.reminders import ReminderTimes
from conversations.storage.models import Participant
from tests.helpers.chat import rows
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest
from tests.helpers.telegram_chat import TelegramChat

EVERY = 0.1
"""Seconds between the JobQueue's passes in these tests (the bot's default is 15 s)."""
PAUSED_AFTER = timedelta(seconds=1)


@pytest.fixture
async def running(engine: Engine, api: FakeBotApi) -> AsyncIterator[Application]:
    """The Application started as `citybot run` starts it, so its JobQueue runs the reminders' pass."""
    engine.reminder_times = ReminderTimes(paused_after=PAUSED_AFTER)
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api), reminders_every=EVERY)
    async with application:
        await application.start()
        try:
            yield application
        finally:
            await application.stop()


async def onboard(chat: TelegramChat, city: str = "Gent") -> None:
    await chat.send("/start")
    await chat.press("onboarding.agree")
    await chat.send(city)
    await chat.press("onboarding.roles.resilience")


def sent(api: FakeBotApi, chat: TelegramChat, key: str) -> int:
    """How many messages sent to the chat show text ``key``."""
    return sum(1 for call in api.calls_to("sendMessage", chat_id=chat.chat_id) if chat.shows(call, key))


async def wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.05)


async def test_a_paused_assessment_gets_exactly_one_reminder_with_a_button_that_continues_it(
    running: Application, api: FakeBotApi
) -> None:
    chat = TelegramChat(running, api)
    await onboard(chat)
    await chat.send("/assess")
    await chat.press("answers.done")
    await chat.press("assessment.pause")
    assert sent(api, chat, "reminders.paused") == 0
    await wait_until(lambda: sent(api, chat, "reminders.paused") == 1)
    await asyncio.sleep(PAUSED_AFTER.total_seconds() + 10 * EVERY)  # many more passes: nothing more
    assert sent(api, chat, "reminders.paused") == 1
    step = await chat.press("reminders.continue")
    assert any(chat.shows(call, "assessment.resumed") for call in step)


async def test_a_person_who_blocked_the_bot_is_tried_once_then_left_alone_until_they_write(
    running: Application, api: FakeBotApi, engine: Engine
) -> None:
    chat = TelegramChat(running, api)
    await onboard(chat)
    await chat.send("/assess")
    await chat.press("answers.done")
    await chat.press("assessment.pause")
    before = len(api.calls_to("sendMessage", chat_id=chat.chat_id))
    api.fail_next("sendMessage", "Forbidden: bot was blocked by the user", status=403)
    await wait_until(lambda: len(api.calls_to("sendMessage", chat_id=chat.chat_id)) > before)
    await asyncio.sleep(PAUSED_AFTER.total_seconds() + 10 * EVERY)
    assert len(api.calls_to("sendMessage", chat_id=chat.chat_id)) == before + 1  # tried once, never again
    [person] = await rows(engine, Participant)
    assert person.unreachable_at is not None
    await chat.send("/help")  # they unblocked the bot and write again: reachable again
    [person] = await rows(engine, Participant)
    assert person.unreachable_at is None


async def test_a_coordinators_nudge_reaches_each_unfinished_participant_once_and_no_finished_one(
    running: Application, api: FakeBotApi, engine: Engine, catalogue: Catalogue
) -> None:
    coordinator = TelegramChat(running, api, user_id=500)
    await onboard(coordinator)
    assert await engine.coordination.grant("telegram:500")
    await coordinator.send("/workshop new Spring day")
    [card] = api.calls_to("sendPhoto", chat_id=500)
    code = card.text.rsplit("start=ws_", 1)[1].split()[0]  # the join link under the card's text
    people = [TelegramChat(running, api, user_id=user_id) for user_id in (501, 502, 503)]
    for person in people:
        await person.send(f"/start ws_{code}")
        await person.press("onboarding.agree")
        await person.send("Gent")  # the coordinator's city: known, no "did you mean"
        await person.press("onboarding.roles.resilience")
    finished, *unfinished = people
    for _ in catalogue.areas:
        await finished.press("checkin.not_started")
    await unfinished[0].press("checkin.not_started")  # one area, then the coffee break
    await coordinator.send(f"/workshop {code}")
    step = await coordinator.press("reminders.nudge_button")
    assert any(coordinator.shows(call, "reminders.nudged", count=2, before=0) for call in step)
    await coordinator.send(f"/workshop {code}")
    await coordinator.press("reminders.nudge_button")  # pressed twice: nobody gets a second one
    await wait_until(lambda: all(sent(api, person, "reminders.nudge") == 1 for person in unfinished))
    await asyncio.sleep(10 * EVERY)
    assert [sent(api, person, "reminders.nudge") for person in people] == [0, 1, 1]
    step = await unfinished[1].press("reminders.continue_checkin")
    assert any(unfinished[1].shows(call, "checkin.question") for call in step)
