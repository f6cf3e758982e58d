"""`kill -9` around the moment reminders fall due: each paused assessment still gets exactly one reminder.

Twelve officials pause their full assessment; `citybot run` (a subprocess, against the fake Bot API
HTTP server) is started with reminders due a few seconds later, and killed with SIGKILL at random
moments around then, four times, restarted each time. A reminder claimed by a process killed before
it could send it is claimed again by the next one (after ``CITYBOT_REMIND_RETRY_AFTER``). In the end
every official has exactly one reminder, and the bot still stops cleanly with SIGTERM.

The one exception is the window every outbox has (Telegram's API has no idempotency key): a kill
after Telegram accepted a reminder and before the bot heard back and marked it delivered. That
reminder goes out once more after the restart; the test checks that every second copy is one of
those (its first copy reached the fake API less than a second before a kill), and prints them.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.telegram import ENV_VARS
from bot.telegram.render import escape
from catalogue import Catalogue
from conversations import Engine, Incoming, Kind, Texts, open_engine
from tests.helpers.chat import ExpectedTexts
from tests.helpers.fake_bot_api_server import FakeBotApiServer
from tests.helpers.fake_telegram import TOKEN

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL semantics")

ROOT = Path(__file__).resolve().parents[2]
USERS = range(3001, 3013)
KILLS = 4
SEED = int(os.environ.get("CITYBOT_CRASH_SEED", "20261203"))
PAUSED_AFTER = 4.0
"""Seconds after the pause that the reminders fall due: while the bot is being killed and restarted."""
START_TIMEOUT = 20.0
KILL_WITHIN = (0.3, 1.8)
"""Seconds after start-up (the first getUpdates) within which the kill comes, at random."""
SETUP_STEPS = 6


async def say(engine: Engine, user_id: int, kind: Kind, payload: str) -> list[tuple[str, str]]:
    """One engine turn; the (label, choice id) pairs of its last reply with options."""
    incoming = Incoming(f"telegram:{user_id}", f"telegram:{user_id}", kind, payload, "Official", "en")
    replies = await engine.handle(incoming)
    with_options = [reply for reply in replies if reply.options]
    return [(o.label, o.choice) for o in with_options[-1].options] if with_options else []


async def pause_assessments(database: Path, catalogue: Catalogue) -> None:
    """Every official onboarded, one action answered, the assessment paused."""
    texts = Texts.load("en")
    async with await open_engine(f"sqlite:///{database}", catalogue) as engine:
        for user_id in USERS:
            options = await say(engine, user_id, Kind.COMMAND, "/start")
            for step in range(SETUP_STEPS):  # consent, the city (perhaps confirmed), the role
                if options and options[0][1].startswith("go:"):
                    break
                if step == 1:
                    options = await say(engine, user_id, Kind.TEXT, "Torino")
                    continue
                options = await say(engine, user_id, Kind.CHOICE, options[0][1])
            options = await say(engine, user_id, Kind.COMMAND, "/assess")
            options = await say(engine, user_id, Kind.CHOICE, options[0][1])  # Done
            [pause] = [choice for label, choice in options if label == texts.get("assessment.pause")]
            await say(engine, user_id, Kind.CHOICE, pause)


def start_bot(tmp_path: Path, server: FakeBotApiServer, database: Path) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{database}",
        "TELEGRAM_API_BASE_URL": server.base_url,
        "CITYBOT_REMIND_PAUSED_AFTER": f"{PAUSED_AFTER}s",
        "CITYBOT_REMIND_RETRY_AFTER": "1s",
        "CITYBOT_REMINDERS_EVERY": "0.2s",
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with (tmp_path / "bot.log").open("a") as log:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log)


def test_kill_minus_nine_around_the_due_moment_still_sends_each_reminder_exactly_once(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    rng = random.Random(SEED)
    database = tmp_path / "citybot.db"
    asyncio.run(pause_assessments(database, catalogue))
    paused_at = time.monotonic()
    expected = ExpectedTexts(Texts.load("en"), escape=escape)

    def reminded(api_calls: list) -> Counter[int]:  # type: ignore[type-arg]
        return Counter(
            int(call.chat_id)
            for call in api_calls
            if call.method == "sendMessage" and expected.within(call.text, "reminders.paused")
        )

    kills: list[float] = []
    kill_times: list[float] = []
    sent_at: dict[int, list[float]] = {}
    with FakeBotApiServer() as server:
        api = server.api
        answer = api.call

        def timed(method: str, params: dict, files: dict | None = None) -> tuple[int, bytes]:  # type: ignore[type-arg]
            """The fake API, noting when each reminder reached it."""
            moment = time.monotonic()
            result = answer(method, params, files)
            if method == "sendMessage" and expected.within(str(params.get("text", "")), "reminders.paused"):
                sent_at.setdefault(int(params["chat_id"]), []).append(moment)
            return result

        api.call = timed  # type: ignore[method-assign]
        for run in range(KILLS + 1):
            before = len(api.calls_to("deleteWebhook"))  # each run calls it once, as it starts polling
            process = start_bot(tmp_path, server, database)
            try:
                api.wait_for(lambda calls, n=before: len([c for c in calls if c.method == "deleteWebhook"]) > n,
                             timeout=START_TIMEOUT)  # fmt: skip
                if run < KILLS:
                    time.sleep(rng.uniform(*KILL_WITHIN))
                    kills.append(round(time.monotonic() - paused_at - PAUSED_AFTER, 2))  # seconds after due
                    kill_times.append(time.monotonic())
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=5)
                    continue
                api.wait_for(lambda calls: set(reminded(calls)) == set(USERS), timeout=30)
                time.sleep(2.5)  # past the retry delay: a reminder sent twice would show up by now
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=15) == 0, (tmp_path / "bot.log").read_text()[-3000:]
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=5)
        counts = reminded(list(api.calls))

    in_flight = {  # sent twice: was the first one in flight (Telegram had it, the bot not yet its answer) at a kill?
        user: [round(kill - times[0], 3) for kill in kill_times if 0 <= kill - times[0] < 1]
        for user, times in sent_at.items()
        if len(times) > 1
    }
    print(
        f"\nreminder crash test: kills at {kills} s after due; reminders per official {dict(counts)}; "
        f"sent twice (seconds from the first sending to a kill): {in_flight}; seed {SEED}"
    )
    assert len(kills) == KILLS
    assert set(counts) == set(USERS)  # nobody's reminder lost
    # Exactly once, but for the one window no outbox closes: a kill after Telegram took the message
    # and before the bot heard back and marked it delivered. Then it goes out once more, and only then.
    assert all(count == 1 or (count == 2 and in_flight.get(user)) for user, count in counts.items()), in_flight
    assert sum(counts.values()) - len(USERS) <= len(kills)
