"""Updates per second through the real PTB Application, offline, and whether each chat stays in order.

Run: python benchmarks/telegram_throughput.py [--quick]   (prints one JSON object)

* baseline: a no-op handler, serial, fake Bot API with no latency;
* citybot serial: our handlers and the real engine on a temp SQLite file, a quick check-in per
  user (/start, consent, city, role, check-in, 10 answers: 15 updates), serial;
* with a 5 ms simulated round trip per Bot API call: many chats sending commands at once,
  processed sequentially, with plain `concurrent_updates=256`, and with our per-chat
  ordering processor; then the two concurrent ones again with 0-5 ms of random jitter added;
  out-of-order pairs = pairs of one chat's replies shown in the wrong order.

Ratios are against the baseline measured in the same run. No rate limiter (it would cap
everything at Telegram's 30 messages/s, which is the point of it, not of this benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # reuse the tests' fake Bot API

import telegram
from telegram import Update
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, MessageHandler, SimpleUpdateProcessor, filters

from benchmarks.report import add_ratios, environment
from bot.telegram import build_application
from bot.telegram.ordering import PerChatUpdateProcessor
from conversations import open_engine
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest
from tests.helpers.telegram_chat import TelegramChat
from tests.helpers.telegram_updates import make_command_update, make_message_update

LATENCY = 0.005
JITTER = 0.005
"""Extra random delay (0 to 5 ms) per call in the jitter runs, as on a real network."""


async def baseline(updates: int) -> dict[str, Any]:
    """A no-op handler: the cost of PTB itself (parsing, dispatch, context) per update."""

    async def noop(update: Update, context: object) -> None:
        return None

    application = ApplicationBuilder().token(TOKEN).request(FakeTelegramRequest()).build()
    application.add_handler(MessageHandler(filters.ALL, noop))
    batch = [make_message_update(f"m{n}").to_dict() for n in range(updates)]
    async with application:
        started = time.perf_counter()
        for data in batch:  # parsed as PTB parses getUpdates results, then dispatched
            await application.process_update(Update.de_json(data, application.bot))
        elapsed = time.perf_counter() - started
    return {"updates": updates, "seconds": round(elapsed, 3), "updates_per_s": round(updates / elapsed)}


class TimedEngine:
    """The real engine, timing its `handle` calls, to tell adapter cost from engine cost."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.texts = engine.texts
        self.seconds = 0.0

    async def handle(self, incoming: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.engine.handle(incoming)
        finally:
            self.seconds += time.perf_counter() - started

    async def close(self) -> None:
        await self.engine.close()


async def citybot_serial(users: int, folder: Path) -> dict[str, Any]:
    """Our handlers + the real engine: whole quick check-ins, one update at a time."""
    engine = TimedEngine(await open_engine(database_url=f"sqlite:///{folder}/serial.db"))
    api = FakeBotApi()
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api), rate_limited=False)
    count = 0
    try:
        async with application:
            started = time.perf_counter()
            for user in range(users):
                chat = TelegramChat(application, api, user_id=10_000 + user)
                await chat.send("/start")
                await chat.press("I agree")
                await chat.send("Torino")  # an exact match: every user joins the same city
                await chat.press("Resilience officer")
                await chat.press("Quick check-in")
                for _ in range(10):
                    await chat.press("Not started")
                count += 15
            elapsed = time.perf_counter() - started
    finally:
        await engine.close()
    calls = len(api.calls)
    return {
        "updates": count,
        "bot_api_calls": calls,
        "seconds": round(elapsed, 3),
        "updates_per_s": round(count / elapsed),
        "seconds_in_engine_handle": round(engine.seconds, 3),
        "engine_share": round(engine.seconds / elapsed, 3),
    }


async def with_latency(
    name: str, processor: BaseUpdateProcessor, chats: int, per_chat: int, folder: Path, jitter: float = 0.0
) -> dict[str, Any]:
    """Many chats at once through the update queue, each Bot API call taking LATENCY (+ up to jitter) seconds."""
    engine = await open_engine(database_url=f"sqlite:///{folder}/{name}.db")
    api = FakeBotApi()
    request = FakeTelegramRequest(api, latency=LATENCY, jitter=jitter)
    application = build_application(engine, TOKEN, request=request, rate_limited=False, update_processor=processor)
    try:
        async with application:
            await application.start()
            started = time.perf_counter()
            for chat in range(chats):  # each chat sends a quick burst, as when someone taps fast
                for n in range(per_chat):
                    chat_id = 20_000 + chat
                    update = make_command_update(f"/x{n}", chat_id=chat_id, user_id=chat_id, bot=application.bot)
                    await application.update_queue.put(update)
            await application.update_queue.join()
            elapsed = time.perf_counter() - started
            await application.stop()
    finally:
        await engine.close()
    total = chats * per_chat
    return {
        "updates": total,
        "seconds": round(elapsed, 3),
        "updates_per_s": round(total / elapsed),
        "out_of_order_pairs": out_of_order_pairs(api),
    }


def out_of_order_pairs(api: FakeBotApi) -> int:
    """Pairs of replies within one chat that were sent in the opposite order of their updates."""
    sequences: dict[int, list[int]] = {}
    for call in api.calls:
        if call.method == "sendMessage" and call.chat_id is not None:
            number = int(call.text.split("/x", 1)[1].split()[0].rstrip(".,"))
            sequences.setdefault(call.chat_id, []).append(number)
    return sum(
        1
        for sequence in sequences.values()
        for i in range(len(sequence))
        for j in range(i + 1, len(sequence))
        if sequence[i] > sequence[j]
    )


async def main(quick: bool) -> dict[str, Any]:
    scale = 0.25 if quick else 1.0
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        base = await baseline(int(5000 * scale))
        serial = await citybot_serial(int(40 * scale) or 1, folder)
        chats, per_chat = int(40 * scale) or 2, 10
        latency_runs = {
            "sequential": (SimpleUpdateProcessor(1), 0.0),
            "concurrent_256_unordered": (SimpleUpdateProcessor(256), 0.0),
            "per_chat_ordered_256": (PerChatUpdateProcessor(256), 0.0),
            "plus_jitter_concurrent_256_unordered": (SimpleUpdateProcessor(256), JITTER),
            "plus_jitter_per_chat_ordered_256": (PerChatUpdateProcessor(256), JITTER),
        }
        measured = {
            f"latency_{int(LATENCY * 1000)}ms_{name}": await with_latency(
                name, processor, chats, per_chat, folder, jitter
            )
            for name, (processor, jitter) in latency_runs.items()
        }
    results = {"baseline_noop_serial": base, "citybot_engine_sqlite_serial": serial, **measured}
    add_ratios(results, base["updates_per_s"], digits=4)
    return {
        **environment(python_telegram_bot=telegram.__version__),
        "notes": "fake Bot API via BaseRequest, no rate limiter; engine on a fresh temp SQLite file per workload",
        "results": results,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the work, for a smoke run")
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.quick)), indent=2))
