"""Several processes on one PostgreSQL: each chat's updates processed in update-id order, and answered once.

Two engines on one database stand for two webhook processes (each its own pool and locks). Each
process's transport is simulated as citybot's is: an update arrives (``Engine.arrived``), waits
for the updates of its chat that arrived at that process before it (PTB's per-chat order), is
handled, its replies "sent" and reported (``replies_sent``), and the transport is done with it
(``Engine.left``). Bursts of questions per chat go to either process at random, 15% to both.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import Engine, Incoming, Kind, NotYourTurn, RepliesInFlight, Reply, open_engine
from conversations.engine import LIVENESS_AFTER, PLACEHOLDER_PATIENCE
from conversations.storage import database
from conversations.storage.models import AskedQuestion, InboxUpdate, Participant
from tests.helpers.chat import Chat, count
from tests.helpers.postgres import ENV, SKIP_REASON, admin_url, fresh_database

if not os.environ.get(ENV, "").strip():
    pytest.skip(SKIP_REASON, allow_module_level=True)

CHATS = 12
BURST = 5
BOTH = 0.15
SEED = int(os.environ.get("CITYBOT_INBOX_SEED", "20261203"))
QUESTIONS = ("flood drills in schools", "money for resilience", "a resilience plan", "heat waves", "our partners")


@pytest.fixture
async def two(catalogue: Catalogue) -> AsyncIterator[tuple[Engine, Engine]]:
    async with fresh_database(admin_url()) as url:
        first, second = await asyncio.gather(open_engine(url, catalogue), open_engine(url, catalogue))
        async with first, second:
            yield first, second


class Process:
    """One bot process's transport: per-chat order of arrival, then handle, send, report sent."""

    def __init__(self, name: str, engine: Engine, rng: random.Random) -> None:
        self.name = name
        self.engine = engine
        self.rng = rng
        self.chains: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)  # FIFO: arrival order per chat
        self.sent: list[tuple[str, int]] = []  # (update id, replies) as they went out

    async def receive(self, incoming: Incoming) -> asyncio.Task[None]:
        assert incoming.update_id is not None
        await self.engine.arrived(incoming.update_id, incoming.user_id)
        chain = self.chains[incoming.chat_id]
        ready = asyncio.Event()

        async def run() -> None:
            async with chain:
                ready.set()
                await asyncio.sleep(self.rng.uniform(0, 0.02))  # parsing, the handler, the network: jitter
                while True:
                    try:
                        replies = await self.engine.handle(incoming)
                        break
                    except RepliesInFlight:  # the webhook's 503 and Telegram's retry, in short
                        await asyncio.sleep(0.05)
                if replies:
                    self.sent.append((incoming.update_id, len(replies)))
                    await asyncio.sleep(self.rng.uniform(0, 0.01))  # the Bot API calls
                    await self.engine.replies_sent(incoming.update_id)
            await self.engine.left(incoming.update_id)

        task = asyncio.create_task(run())
        await asyncio.sleep(0)  # the task queues on its chain now, in arrival order
        return task


async def stored_order(engine: Engine) -> dict[str, list[str]]:
    async with AsyncSession(engine.db) as session:
        query = select(Participant.user_id, AskedQuestion.text).join(Participant).order_by(AskedQuestion.id)  # type: ignore[arg-type]
        rows = (await session.exec(query)).all()
    order: dict[str, list[str]] = defaultdict(list)
    for user_id, text in rows:
        order[user_id].append(text)
    return order


async def test_bursts_to_two_processes_are_processed_in_order_and_answered_once(two: tuple[Engine, Engine]) -> None:
    rng = random.Random(SEED)
    a, b = two
    users = [f"telegram:{5000 + n}" for n in range(CHATS)]
    for n, user in enumerate(users):
        chat = Chat(a if n % 2 else b, str(n))
        chat.user_id = user
        await chat.onboard()
    processes = [Process("a", a, rng), Process("b", b, rng)]
    update_ids = itertools.count(10_000)
    sent_order: dict[str, list[str]] = defaultdict(list)
    to_both = 0
    tasks: list[asyncio.Task[None]] = []
    bursts = [(user, n) for user in users for n in range(BURST)]  # chat after chat, each a burst of five
    for user, n in bursts:
        text = f"{QUESTIONS[n]} #{n} ({user})"
        incoming = Incoming(
            user_id=user, chat_id=user, kind=Kind.TEXT, payload=text, language="en",
            update_id=str(next(update_ids)), outbox=True,
        )  # fmt: skip
        sent_order[user].append(text)
        receivers = processes if rng.random() < BOTH else [rng.choice(processes)]
        to_both += len(receivers) == 2
        for process in rng.sample(receivers, len(receivers)):
            tasks.append(await process.receive(incoming))
        await asyncio.sleep(rng.uniform(0, 0.002))
    await asyncio.wait_for(asyncio.gather(*tasks), 120)

    stored = await stored_order(a)
    out_of_order = sum(stored[user] != sent_order[user] for user in users)
    answered = Counter(update_id for process in processes for update_id, _ in process.sent)
    twice = sum(1 for times in answered.values() if times > 1)
    print(
        f"\ninbox: {len(bursts)} updates in {CHATS} bursts of {BURST}, {to_both} delivered to both processes; "
        f"bursts out of order {out_of_order}, answered twice {twice}, answered {len(answered)}"
    )
    assert to_both > 0
    assert {user: sorted(stored[user]) for user in users} == {user: sorted(sent_order[user]) for user in users}
    assert out_of_order == 0
    assert twice == 0 and len(answered) == len(bursts)  # every update answered, by one process, once
    assert await count(a, InboxUpdate) == 0  # nothing left waiting


async def test_an_earlier_update_arriving_at_the_same_process_goes_first_and_is_not_taken_for_a_failure(
    two: tuple[Engine, Engine],
) -> None:
    a, _ = two
    chat = Chat(a, "late")
    chat.user_id = "telegram:5999"
    await chat.onboard()

    def question(update_id: str, text: str) -> Incoming:
        return Incoming(user_id=chat.user_id, chat_id=chat.user_id, kind=Kind.TEXT, payload=text, language="en",
                        update_id=update_id, outbox=True)  # fmt: skip

    await a.arrived("2002", chat.user_id)  # 2002 has begun here when 2001 arrives here too
    await a.arrived("2001", chat.user_id)
    with pytest.raises(NotYourTurn):
        await a.handle(question("2002", "heat waves in the city"))
    first = await a.handle(question("2001", "flood drills in schools"))
    second = await a.handle(question("2002", "heat waves in the city"))
    assert first and second and a.texts.get("errors.internal") not in [r.text for r in first + second]
    assert (await stored_order(a))[chat.user_id] == ["flood drills in schools", "heat waves in the city"]
    await a.left("2001")
    await a.left("2002")
    assert await count(a, InboxUpdate) == 0


def question_of(user_id: str, update_id: str, text: str) -> Incoming:
    return Incoming(user_id=user_id, chat_id=user_id, kind=Kind.TEXT, payload=text, language="en",
                    update_id=update_id, outbox=True)  # fmt: skip


async def onboarded(engine: Engine, user_id: str) -> str:
    chat = Chat(engine, user_id.split(":")[1])
    chat.user_id = user_id
    await chat.onboard()
    return user_id


async def test_an_update_that_reached_another_process_first_is_processed_first(two: tuple[Engine, Engine]) -> None:
    """3001 reaches process a, 3002 process b; b gets to 3002 first: it waits until a has processed 3001."""
    a, b = two
    user = await onboarded(a, "telegram:5801")
    await a.arrived("3001", user)
    await b.arrived("3002", user)
    later = asyncio.create_task(b.handle(question_of(user, "3002", "heat waves in the city")))
    await asyncio.sleep(0.5)
    assert not later.done()  # held back by 3001, which has reached citybot but is not processed yet
    assert (await stored_order(a)).get(user, []) == []
    first = await a.handle(question_of(user, "3001", "flood drills in schools"))
    second = await asyncio.wait_for(later, 10)
    assert first and second
    assert (await stored_order(a))[user] == ["flood drills in schools", "heat waves in the city"]
    await a.left("3001")
    await b.left("3002")
    assert await count(a, InboxUpdate) == 0


async def test_arrivals_are_noted_while_processing_holds_every_connection(two: tuple[Engine, Engine]) -> None:
    """Arrivals have connections of their own: a process whose pool is taken by processing still notes them."""
    a, _ = two
    user = await onboarded(a, "telegram:5802")
    held = [await a.db.connect() for _ in range(database.POOL_SIZE + database.POOL_OVERFLOW)]
    try:
        await asyncio.wait_for(a.arrived("3101", user), 5)
    finally:
        for connection in held:
            await connection.close()
    async with AsyncSession(a.db) as session:
        entry = await session.get(InboxUpdate, "3101")
    assert entry is not None and entry.user_id == user and entry.incoming is None
    await a.left("3101")
    assert await count(a, InboxUpdate) == 0


async def test_the_update_of_a_process_that_died_is_taken_over_and_processed_in_its_turn(
    two: tuple[Engine, Engine],
) -> None:
    """3201 reaches process a, which dies before handing it in; b, at 3202, takes 3201 over from its copy, in order."""
    a, b = two
    user = await onboarded(b, "telegram:5803")
    raw = {"update_id": 3201, "text": "flood drills in schools"}  # what the transport kept: its own form
    await a.arrived("3201", user, raw=raw)
    await a.close()  # the process dies: its connections end, and its liveness lock with them
    taken: list[asyncio.Task[list[Reply]]] = []

    def take_over(copy: dict[str, Any]) -> None:  # the transport processes the copy as if it had received it
        assert copy == raw
        taken.append(asyncio.create_task(b.handle(question_of(user, str(copy["update_id"]), copy["text"]))))

    b.take_over = take_over
    began = time.monotonic()
    await b.arrived("3202", user)
    with pytest.raises(NotYourTurn):  # 3201 is this process's now, and earlier: the transport puts 3202 behind it
        await b.handle(question_of(user, "3202", "heat waves in the city"))
    assert len(taken) == 1
    first = await asyncio.wait_for(taken[0], 10)
    second = await b.handle(question_of(user, "3202", "heat waves in the city"))
    waited = time.monotonic() - began
    assert first and second
    assert (await stored_order(b))[user] == ["flood drills in schools", "heat waves in the city"]
    assert waited < PLACEHOLDER_PATIENCE.total_seconds() / 3  # not held back until the placeholder is given up on
    await b.left("3202")
    assert await count(b, InboxUpdate) == 0


async def test_a_placeholder_of_a_live_process_is_not_taken_over(two: tuple[Engine, Engine]) -> None:
    """A process that is slow to hand an update in, but alive, keeps it: nobody else processes it."""
    a, b = two
    user = await onboarded(a, "telegram:5804")
    await a.arrived("3301", user, raw={"update_id": 3301})
    b.take_over = lambda copy: pytest.fail("took over the update of a live process")
    await b.arrived("3302", user)
    later = asyncio.create_task(b.handle(question_of(user, "3302", "heat waves in the city")))
    await asyncio.sleep(LIVENESS_AFTER.total_seconds() + 0.75)
    assert not later.done()
    await a.handle(question_of(user, "3301", "flood drills in schools"))
    assert await asyncio.wait_for(later, 10)
    assert (await stored_order(a))[user] == ["flood drills in schools", "heat waves in the city"]
    await a.left("3301")
    await b.left("3302")


async def test_an_update_steps_back_for_its_own_process_earlier_update_even_behind_another_process(
    two: tuple[Engine, Engine],
) -> None:
    """4001 reached b, 4002 then reached a while a was handling 4003: 4003 steps back for 4002 at once.

    Were it to wait for 4001 first, and b's chat queue wait for a's 4002, each would hold the other back.
    """
    a, b = two
    user = await onboarded(a, "telegram:5805")
    await b.arrived("4001", user)
    await a.arrived("4002", user)
    await a.arrived("4003", user)
    with pytest.raises(NotYourTurn):
        await asyncio.wait_for(a.handle(question_of(user, "4003", "our partners")), 5)
    later = asyncio.create_task(a.handle(question_of(user, "4002", "heat waves in the city")))
    await asyncio.sleep(0.3)
    assert not later.done()  # 4002 waits for 4001, which reached b first
    assert await b.handle(question_of(user, "4001", "flood drills in schools"))
    assert await asyncio.wait_for(later, 10)
    assert await a.handle(question_of(user, "4003", "our partners"))
    assert (await stored_order(a))[user] == ["flood drills in schools", "heat waves in the city", "our partners"]
    for engine, update in ((b, "4001"), (a, "4002"), (a, "4003")):
        await engine.left(update)
    assert await count(a, InboxUpdate) == 0


async def test_the_replies_of_a_process_that_died_before_sending_them_are_sent_by_the_next_delivery(
    two: tuple[Engine, Engine],
) -> None:
    """a processed 4101 and was to send its replies, then died: Telegram's redelivery to b gets them at once,
    not after the 60 s lease (meanwhile the chat's later updates would wait behind it)."""
    a, b = two
    await a.ready_for_arrivals()  # as a webhook process does on start: its liveness lock held
    user = await onboarded(a, "telegram:5806")
    await a.arrived("4101", user)
    replies = await a.handle(question_of(user, "4101", "flood drills in schools"))
    assert replies  # a has them to send...
    await a.close()  # ...and dies before reporting them sent
    again = await asyncio.wait_for(b.handle(question_of(user, "4101", "flood drills in schools")), 5)
    assert [reply.text for reply in again] == [reply.text for reply in replies]
    assert (await stored_order(b))[user] == ["flood drills in schools"]  # stored once
