"""Per-chat ordering: chats run side by side, each chat's updates strictly in arrival order."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

from bot.telegram import build_application
from bot.telegram.ordering import PerChatUpdateProcessor, chat_key
from conversations import Engine
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest
from tests.helpers.telegram_updates import make_callback_update, make_command_update, make_message_update


async def test_each_chat_in_order_different_chats_at_the_same_time() -> None:
    rng = random.Random(5)
    chats = [11, 12, 13]
    updates = [make_message_update(f"m{n}", chat_id=chat, user_id=chat) for n in range(10) for chat in chats]
    done: dict[int, list[str]] = defaultdict(list)
    running: dict[int, int] = defaultdict(int)
    overlap = {"chats": 0, "within_a_chat": 0}

    async def work(chat: int, text: str) -> None:
        running[chat] += 1
        overlap["within_a_chat"] = max(overlap["within_a_chat"], running[chat])
        overlap["chats"] = max(overlap["chats"], sum(1 for count in running.values() if count))
        await asyncio.sleep(rng.uniform(0, 0.004))  # later updates often finish their I/O first
        done[chat].append(text)
        running[chat] -= 1

    async with PerChatUpdateProcessor(64) as processor:
        await asyncio.gather(*(processor.process_update(u, work(u.effective_chat.id, u.message.text)) for u in updates))
    assert all(done[chat] == [f"m{n}" for n in range(10)] for chat in chats)
    assert overlap == {"chats": 3, "within_a_chat": 1}


async def test_a_failing_update_does_not_hold_up_its_chat() -> None:
    first, second = make_message_update("a", chat_id=21), make_message_update("b", chat_id=21)
    done: list[str] = []

    async def fail() -> None:
        raise RuntimeError("boom")

    async def succeed() -> None:
        done.append("b")

    async with PerChatUpdateProcessor(8) as processor:
        results = await asyncio.gather(
            processor.process_update(first, fail()), processor.process_update(second, succeed()), return_exceptions=True
        )
    assert isinstance(results[0], RuntimeError) and done == ["b"]


async def test_a_cancelled_waiting_update_neither_warns_nor_breaks_the_chain() -> None:
    updates = [make_message_update(text, chat_id=31) for text in "abc"]
    release = asyncio.Event()
    done: list[str] = []

    async def step(text: str) -> None:
        if text == "a":
            await release.wait()
        done.append(text)

    async with PerChatUpdateProcessor(8) as processor:
        tasks = [asyncio.create_task(processor.process_update(u, step(u.message.text))) for u in updates]
        await asyncio.sleep(0)
        tasks[1].cancel()  # "b" is still queued behind "a": its coroutine must be closed, not leaked
        release.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert done == ["a", "c"]


async def test_two_chats_interleaved_through_the_application_get_replies_in_order(engine: Engine) -> None:
    api = FakeBotApi()
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api, latency=0.001, jitter=0.02))
    steps = 8
    sent = {chat: [f"/{name}{n}" for n in range(steps)] for chat, name in ((601, "a"), (602, "b"))}
    async with application:
        await application.start()
        for n in range(steps):
            for chat, commands in sent.items():
                await application.update_queue.put(make_command_update(commands[n], chat_id=chat, user_id=chat))
        await asyncio.wait_for(application.update_queue.join(), timeout=10)
        await application.stop()

    replies = [call for call in api.calls if call.method == "sendMessage"]
    for chat, commands in sent.items():
        mine = [call.text for call in replies if call.chat_id == chat]
        assert mine == [engine.texts.get("errors.unknown_command", command=command) for command in commands]
    order = [call.chat_id for call in replies]
    assert order.index(602) < len(order) - 1 - order[::-1].index(601)  # the chats did take turns


def test_a_press_without_its_message_queues_with_the_rest_of_its_private_chat() -> None:
    assert chat_key(make_callback_update("go:help", message=None, user_id=77)) == 77
    assert chat_key(make_message_update("hi", user_id=77)) == 77
    assert chat_key(make_message_update("hi", user_id=77, chat_id=-100)) == -100
    assert chat_key(object()) is None


async def test_an_update_arriving_late_goes_ahead_of_its_chats_later_updates_still_waiting() -> None:
    """A webhook may receive a chat's updates out of order (several connections, a redelivery): ids decide."""
    release = asyncio.Event()
    started: list[int] = []

    async def step(update_id: int) -> None:
        started.append(update_id)
        if update_id == 101:
            await release.wait()

    async with PerChatUpdateProcessor(4) as processor:
        tasks = []
        for update_id in (101, 104, 103, 102):  # 101 runs; 104 and 103 wait; 102 arrives last
            update = make_message_update(f"m{update_id}", chat_id=61, user_id=61, update_id=update_id)
            tasks.append(asyncio.create_task(processor.process_update(update, step(update_id))))
            await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(*tasks)
    assert started == [101, 102, 103, 104]
