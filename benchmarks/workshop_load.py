"""A workshop room finishing together: 60 officials send their last check-in tap within one second.

Run: python benchmarks/workshop_load.py [--participants N] [--spread-s S]   (prints one JSON object)

Each participant is registered and taken through nine of the ten check-in questions beforehand
(straight through the engine, untimed). Then their last taps reach the real citybot Application
(its handlers, engine and update processor, SQLite file in WAL, fake Bot API without delay),
one every S/N seconds. For each tap: the time until the results text has left, and until the
chart photo has. The figures are the median and the 99th percentile (nearest rank: with 60
participants, the slowest but none).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from telegram import Update  # noqa: E402

from benchmarks.bot_load import ErrorCounter, HarnessBotApi, rss_mb  # noqa: E402
from benchmarks.report import latency_ms  # noqa: E402
from tests.helpers.fake_telegram import TOKEN, FakeTelegramRequest  # noqa: E402

PARTICIPANTS = 60
SPREAD_S = 1.0
CITY = "Torino"
FIRST_USER = 500_000
WAIT_LIMIT_S = 180.0


async def prepare(engine: Any, user_id: int, update_ids: Any) -> str:
    """Register one participant and answer nine check-in questions; the choice id of their last tap."""
    from bot.telegram.config import TRANSPORT
    from conversations import Incoming, Kind

    async def send(kind: Kind, payload: str) -> Any:
        incoming = Incoming(
            user_id=f"{TRANSPORT}:{user_id}",
            chat_id=f"{TRANSPORT}:{user_id}",
            kind=kind,
            payload=payload,
            user_name=f"Official {user_id}",
            language="en",
            update_id=str(next(update_ids)),
        )
        return await engine.handle(incoming)

    replies = await send(Kind.COMMAND, "/start")
    replies = await send(Kind.CHOICE, replies[-1].options[0].choice)  # I agree
    replies = await send(Kind.TEXT, CITY)
    replies = await send(Kind.CHOICE, replies[-1].options[0].choice)  # a role
    replies = await send(Kind.COMMAND, "/checkin")
    picks = random.Random(user_id)  # each participant's own answers, so no two charts need be alike
    for _ in range(9):
        replies = await send(Kind.CHOICE, replies[-1].options[picks.randrange(4)].choice)
    return replies[-1].options[picks.randrange(4)].choice


def tap(user_id: int, update_id: int, choice: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"Official {user_id}", "language_code": "en"}
    message = {"message_id": 50, "date": int(time.time()), "chat": {"id": user_id, "type": "private"}, "text": "…"}
    query = {"id": f"cq{update_id}", "from": user, "chat_instance": f"ci{user_id}", "data": choice, "message": message}
    return {"update_id": update_id, "callback_query": query}


async def run(participants: int, spread: float) -> dict[str, Any]:
    import itertools
    import logging

    from bot.telegram import build_application
    from conversations import open_engine

    api = HarnessBotApi()
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    with tempfile.TemporaryDirectory() as folder:
        engine = await open_engine(database_url=f"sqlite:///{folder}/workshop.db")
        try:
            update_ids = itertools.count(1)
            users = [FIRST_USER + n for n in range(participants + 1)]
            choices = {user: await prepare(engine, user, update_ids) for user in users}
            marker = engine.texts.get("results.title", city=CITY)
            application = build_application(engine, TOKEN, request=FakeTelegramRequest(api), rate_limited=False)
            async with application:
                warm, *room = users  # one participant finishes first, untimed: imports and caches warm up
                await application.process_update(
                    Update.de_json(tap(warm, next(update_ids), choices[warm]), application.bot)
                )
                api.timeline.clear()
                errors.count = 0
                taps = {
                    user: Update.de_json(tap(user, next(update_ids), choices[user]), application.bot) for user in room
                }
                await application.start()
                tapped: dict[int, float] = {}
                started = time.perf_counter()
                for index, user in enumerate(room):
                    await asyncio.sleep(max(0.0, started + index * spread / participants - time.perf_counter()))
                    tapped[user] = time.perf_counter()
                    application.update_queue.put_nowait(taps[user])
                deadline = started + WAIT_LIMIT_S
                while time.perf_counter() < deadline and sum(e[2] == "sendPhoto" for e in api.timeline) < len(room):
                    await asyncio.sleep(0.01)
                await application.update_queue.join()
                await application.stop()
        finally:
            await engine.close()
    logging.getLogger().removeHandler(errors)
    results: list[float] = []
    charts: list[float] = []
    for user, moment in tapped.items():
        mine = [entry for entry in api.timeline if entry[1] == user]
        text_at = next((entry[0] for entry in mine if marker in entry[3]), None)
        chart_at = next((entry[0] for entry in mine if entry[2] == "sendPhoto"), None)
        results.append((text_at or deadline) - moment)
        charts.append((chart_at or deadline) - moment)
    missing = sum(1 for user in tapped for kind in ("text", "chart")
                  if not any(e[1] == user and (marker in e[3] if kind == "text" else e[2] == "sendPhoto")
                             for e in api.timeline))  # fmt: skip
    seconds = lambda samples: {k.replace("_ms", "_s"): round(v / 1000, 3) for k, v in latency_ms(samples, 1).items()}  # noqa: E731
    return {
        "participants": participants,
        "spread_s": spread,
        "results": seconds(results),
        "chart": seconds(charts),
        "errors": errors.count + missing + sum(1 for e in api.timeline if e[4] != 200),
        "rss_mb": rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=PARTICIPANTS)
    parser.add_argument("--spread-s", type=float, default=SPREAD_S, help="the taps are spread over this many seconds")
    arguments = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(arguments.participants, arguments.spread_s))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
