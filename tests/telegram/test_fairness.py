"""Fair per-chat scheduling: a chat's queued updates hold no concurrency slot, so other chats never wait for it."""

from __future__ import annotations

import asyncio
import statistics
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.telegram import build_application
from bot.telegram.ordering import PerChatUpdateProcessor
from conversations import Engine
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest
from tests.helpers.telegram_updates import make_command_update, make_message_update

BUSY_CHAT = 900
BACKLOG = 1000
OTHER_CHATS = range(901, 921)
BUSY_UPDATE_SECONDS = 0.005
"""What each of the busy chat's updates costs (a slow network round trip)."""
MAX_LATENCY = 0.5


async def test_queued_updates_of_one_chat_leave_the_slots_to_the_others() -> None:
    release = asyncio.Event()
    started: list[str] = []

    async def step(name: str) -> None:
        started.append(name)
        if name.startswith("a"):
            await release.wait()

    async with PerChatUpdateProcessor(4) as processor:
        busy = [make_message_update(f"a{n}", chat_id=41, user_id=41) for n in range(10)]
        tasks = [asyncio.create_task(processor.process_update(u, step(u.message.text))) for u in busy]
        await asyncio.sleep(0.01)
        other = make_message_update("b", chat_id=42, user_id=42)
        await asyncio.wait_for(processor.process_update(other, step("b")), timeout=1)
        assert started == ["a0", "b"]  # ten queued behind a0, four slots, and b still went straight in
        release.set()
        await asyncio.gather(*tasks)
    assert started == ["a0", "b", *(f"a{n}" for n in range(1, 10))]


async def test_no_more_updates_run_at_once_than_the_limit() -> None:
    running, peak = 0, 0

    async def step() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    async with PerChatUpdateProcessor(3) as processor:
        updates = [make_message_update("x", chat_id=50 + n, user_id=50 + n) for n in range(12)]
        await asyncio.gather(*(processor.process_update(u, step()) for u in updates))
    assert peak == 3


async def test_other_chats_are_answered_within_half_a_second_while_one_chat_has_a_thousand_queued(
    engine: Engine,
) -> None:
    """1,000 queued updates of one slow chat; 20 other chats write meanwhile and get their answers at once."""
    api = FakeBotApi()
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api))
    cost = {"seconds": BUSY_UPDATE_SECONDS}
    busy_done = 0

    async def slow_chat(update: Update, context: object) -> None:
        nonlocal busy_done
        if update.effective_chat is not None and update.effective_chat.id == BUSY_CHAT:
            await asyncio.sleep(cost["seconds"])
            busy_done += 1
            raise ApplicationHandlerStop  # the busy chat only costs time here

    application.add_handler(TypeHandler(Update, slow_chat), group=-1)
    latencies: list[float] = []
    async with application:
        await application.start()
        for n in range(BACKLOG):
            await application.update_queue.put(make_message_update(f"m{n}", chat_id=BUSY_CHAT, user_id=BUSY_CHAT))
        await asyncio.sleep(0.05)
        for chat in OTHER_CHATS:
            sent = time.perf_counter()
            await application.update_queue.put(make_command_update("/help", chat_id=chat, user_id=chat))
            while not api.calls_to("sendMessage", chat_id=chat):
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(0.02)
        busy_meanwhile = busy_done
        cost["seconds"] = 0  # let the rest of the backlog drain quickly
        await application.stop()
    print(
        f"\nfairness: {len(latencies)} chats answered while one chat had {BACKLOG} queued: "
        f"median {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms "
        f"({busy_meanwhile} of its updates done meanwhile)"
    )
    assert busy_meanwhile < BACKLOG / 2  # the busy chat was still busy throughout
    assert max(latencies) < MAX_LATENCY
