"""The bot under load: the real citybot Application against a bare PTB echo bot, on the same updates.

Run one part per process (``benchmarks/run.py`` does, and combines them)::

    python benchmarks/bot_load.py record  TRACE [--users N]        # the mix, recorded once
    python benchmarks/bot_load.py echo    TRACE                    # bare echo bot, no network delay
    python benchmarks/bot_load.py citybot TRACE [--rtt-ms 50]      # citybot, optionally 50 ms (+-50%) per call
    python benchmarks/bot_load.py all     TRACE --rtt-ms 50        # all four in one process (a smoke run)

The mix comes from ``--users`` officials (200 by default), each with a script: /start, consent,
city (some mistyped, then confirmed) and role, then a quick check-in to its results and chart,
or full-assessment answers (each press edits the question), or free-text questions with a
detail button, or part of a check-in and /results. ``record`` plays it once, user after user
in round-robin order, through the real citybot Application on a fresh SQLite file, and stores
every update together with the replies it caused. The other parts put all recorded updates into
the Application's update queue at once (as a getUpdates batch of a busy moment would) and time
until the last reply has left; a fake Bot API (``tests/helpers/fake_telegram.py``) answers, with
message ids counted per chat as Telegram does, so the recorded buttons press the same messages.

Each part prints one JSON object: updates/s, and this process's CPU time per update (1000 over
it is what updates/s approaches with a core to itself; chart worker processes not included); with a delay,
per-update latency (from the moment the chat's previous update was answered, or the batch
arrived, to the update's last Bot API call); replies of a chat that left in another order than
the recorded ones; errors (logged errors, Bot API error answers, replies missing or not in the
recording); the process's RSS.

The load's database is created beforehand by ``citybot db upgrade`` in a child process, so the
bot opens a current database as after any restart. The RSS (``rss_mb``) is read at the end of
the load, with the bot's Application and engine still referenced (stopped, as after the last
update), once the harness has let go of its own data: the
recording, the parsed updates, the fake Bot API's copy of every message and its timeline; then
garbage is collected and the heap's free pages go back to the system (``malloc_trim``), so what
is counted is what is still held: every module imported, the engine, the catalogue and its search
index, the chart cache, the fake Bot API object itself, and whatever the allocator cannot give back
(half-used arenas). Chart worker processes are not included. ``rss_with_harness_mb`` is the same
process just before, with the harness's data (about 25 MB for 2,784 updates). In ``all`` (a smoke
run) the recording is kept for the next part, so ``rss_mb`` there still includes it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import ctypes
import gc
import itertools
import json
import logging
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters  # noqa: E402

from benchmarks.report import latency_ms  # noqa: E402
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest, JsonDict, TelegramFailure  # noqa: E402

USERS = 200
CITIES = ("Torino", "Gent", "Rotterdam", "Lisboa", "Bologna", "Malmö", "Wrocław", "Valencia")
"""Known before the run (seeded), so a city step answers the same whatever order users come in."""
MISTYPED = {"Rotterdam": "Roterdam", "Valencia": "Valensia", "Bologna": "Bolognia"}
ROLES = ("Resilience officer", "Emergency management", "Urban planning", "Infrastructure")
QUESTIONS = (
    "drills with the power company",
    "who coordinates the emergency shelters?",
    "flood risk map for the river districts",
    "budget for resilience projects",
    "how do we warn residents during a heatwave",
    "data sharing agreements with utilities",
    "how do we start a resilience plan?",
    "training for volunteers",
)
ANSWERS = ("Done", "Done", "In progress", "Done", "Not yet", "Not sure")
CHECKIN_PICKS = 10
ASSESSMENT_ANSWERS = 12
RTT_JITTER = 1.0
"""``--rtt-ms R`` draws each call's delay uniformly from R*(1-J/2) to R*(1+J/2): 50 ms +-50%."""
USER_BASE, SEED_BASE = 300_000, 900_000
WAIT_LIMIT_S = 240.0
REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument",
                           "answerCallbackQuery"})  # fmt: skip

QUERY_CHATS: dict[str, int] = {}
"""Callback query id -> chat id, so answerCallbackQuery calls count for their chat."""

Step = tuple[str, Any]
"""("send", text) types a message; ("press", label) presses that button of the newest keyboard (else
the first one); ("pick", n) presses its n-th button, Back buttons left out."""


# --- the fake Bot API as the harness needs it ---------------------------------------------------


class HarnessBotApi(FakeBotApi):
    """The tests' fake Bot API, with per-chat message ids, a timeline of calls and no stored uploads.

    Edits of a message it never sent (the echo bot editing citybot's recorded messages) succeed,
    as Telegram would for a message that exists.
    """

    def __init__(self) -> None:
        super().__init__()
        self._chat_ids: dict[int, Iterator[int]] = defaultdict(lambda: itertools.count(1))
        self.timeline: list[tuple[float, int, str, str, int]] = []
        """(perf_counter, chat id, method, text or caption, HTTP status) of every reply call."""

    def call(
        self, method: str, params: JsonDict, files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, bytes]:
        status, body = 200, b""
        try:
            handler = self._methods.get(method)
            if handler is None:
                raise TelegramFailure(404, f"Not Found: method {method}")
            body = json.dumps({"ok": True, "result": handler(params, files or {})}).encode()
        except TelegramFailure as failure:
            status = failure.status
            body = json.dumps({"ok": False, "error_code": status, "description": failure.description}).encode()
        if method in REPLY_METHODS:
            chat = params.get("chat_id")
            if chat is None and method == "answerCallbackQuery":
                chat = QUERY_CHATS.get(str(params.get("callback_query_id")), 0)
            text = str(params.get("text") or params.get("caption") or "")
            self.timeline.append((time.perf_counter(), int(chat or 0), method, text, status))
        return status, body

    def _new_message(self, params: JsonDict, **content: Any) -> JsonDict:
        chat_id = int(params["chat_id"])
        message: JsonDict = {
            "message_id": next(self._chat_ids[chat_id]),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": self.bot_user,
            **content,
        }
        if params.get("reply_markup"):
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _stored(self, params: JsonDict) -> JsonDict:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if key not in self.messages:
            self.messages[key] = {
                "message_id": key[1],
                "date": int(time.time()),
                "chat": {"id": key[0], "type": "private"},
                "text": "",  # a text message: the echo bot edits every message pressed
            }
        return self.messages[key]


# --- the mix of updates -------------------------------------------------------------------------


def script(n: int) -> list[Step]:
    """What official ``n`` does: onboarding, then one kind of session (by ``n``, so the mix is fixed)."""
    rng = random.Random(n)
    city = CITIES[n % len(CITIES)]
    typed = MISTYPED.get(city, city) if n % 3 == 0 else city
    steps: list[Step] = [("send", "/start"), ("press", "I agree"), ("send", typed)]
    if typed != city:
        steps.append(("press", city))  # "did you mean ...?"
    steps.append(("press", ROLES[n % len(ROLES)]))
    kind = n % 20
    if kind < 7:  # 35%: a whole quick check-in, ending with results and a chart
        steps.append(("send", "/checkin"))
        steps += [("pick", rng.randrange(4)) for _ in range(CHECKIN_PICKS)]
    elif kind < 13:  # 30%: a stretch of the full assessment, each answer editing its question
        steps.append(("send", "/assess"))
        steps += [("press", rng.choice(ANSWERS)) for _ in range(ASSESSMENT_ANSWERS)]
        steps.append(("press", "Pause"))
    elif kind < 18:  # 25%: questions in their own words, and one action's details
        steps += [("send", question) for question in rng.sample(QUESTIONS, 4)]
        steps.append(("pick", 0))
    else:  # 10%: part of a check-in, then /results (with its chart)
        steps.append(("send", "/checkin"))
        steps += [("pick", rng.randrange(4)) for _ in range(3)]
        steps.append(("send", "/results"))
    return steps


def seed_script(n: int) -> list[Step]:
    """A user who makes city ``n`` known; the first also finishes a check-in (warming up the chart)."""
    steps: list[Step] = [("send", "/start"), ("press", "I agree"), ("send", CITIES[n]), ("press", ROLES[0])]
    if n == 0:
        steps += [("send", "/checkin"), *[("pick", 1) for _ in range(CHECKIN_PICKS)], ("send", "how to start a plan")]
    return steps


class UpdateMaker:
    """Builds the update a user's next step sends, from what the bot has shown in their chat."""

    def __init__(self, api: HarnessBotApi, first_update_id: int = 1) -> None:
        self.api = api
        self.update_ids = itertools.count(first_update_id)
        self.message_ids: dict[int, Iterator[int]] = defaultdict(lambda: itertools.count(1_000_000))
        self.fallbacks = 0

    def user(self, user_id: int) -> JsonDict:
        return {"id": user_id, "is_bot": False, "first_name": f"Official {user_id}", "language_code": "en"}

    def make(self, user_id: int, step: Step) -> JsonDict:
        update_id = next(self.update_ids)
        action, argument = step
        if action == "send":
            message: JsonDict = {
                "message_id": next(self.message_ids[user_id]),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": f"Official {user_id}"},
                "from": self.user(user_id),
                "text": argument,
            }
            if argument.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(argument.split()[0])}]
            return {"update_id": update_id, "message": message}
        pressed, data = self.button(user_id, action, argument)
        query = {
            "id": f"cq{update_id}",
            "from": self.user(user_id),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": copy.deepcopy(pressed),
        }
        return {"update_id": update_id, "callback_query": query}

    def button(self, chat_id: int, action: str, argument: Any) -> tuple[JsonDict, str]:
        keyboards = sorted(
            (m for (chat, _), m in self.api.messages.items() if chat == chat_id and m.get("reply_markup")),
            key=lambda m: m["message_id"],
            reverse=True,
        )
        if not keyboards:
            raise RuntimeError(f"chat {chat_id}: no keyboard to press for {action} {argument!r}")
        message = keyboards[0]
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b]
        if action == "pick":
            choices = [b for b in buttons if "Back" not in b["text"]] or buttons
            return message, choices[argument % len(choices)]["callback_data"]
        exact = [b for b in buttons if b["text"] == argument]
        loose = [b for b in buttons if argument.casefold() in b["text"].casefold()]
        if not exact and not loose:
            self.fallbacks += 1  # e.g. a stage gate where an answer was scripted: its first option
        return message, (exact or loose or buttons)[0]["callback_data"]


async def play_serially(application: Application, maker: UpdateMaker, scripts: dict[int, list[Step]]) -> list[JsonDict]:
    """Play scripts round-robin (each user's first step, then each one's second...), one update at a time.

    Returns each update with the replies it caused, as ``{"update", "chat", "replies"}``.
    """
    api = maker.api
    played: list[JsonDict] = []
    for position in range(max((len(steps) for steps in scripts.values()), default=0)):
        for user_id, steps in scripts.items():
            if position >= len(steps):
                continue
            update = maker.make(user_id, steps[position])
            if "callback_query" in update:
                QUERY_CHATS[update["callback_query"]["id"]] = user_id
            before = len(api.timeline)
            await application.process_update(Update.de_json(update, application.bot))
            replies = [[method, text] for _, _, method, text, _ in api.timeline[before:]]
            played.append({"update": update, "chat": user_id, "replies": replies})
    return played


# --- the two bots -------------------------------------------------------------------------------

ECHO_KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Done", callback_data="d"), InlineKeyboardButton("In progress", callback_data="p")],
     [InlineKeyboardButton("Not yet", callback_data="n"), InlineKeyboardButton("Not sure", callback_data="u")]]
)  # fmt: skip


def echo_application(request: FakeTelegramRequest) -> Application:
    """The bare PTB bot: each message echoed with an inline keyboard, each press answered and edited in."""

    async def echo(update: Update, context: object) -> None:
        message = update.effective_message
        assert message is not None
        await message.reply_text(message.text or "…", reply_markup=ECHO_KEYBOARD)

    async def pressed(update: Update, context: object) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    application = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.ALL, echo))
    return application


def upgrade_in_child(database: Path) -> None:
    """Create the load's database with ``citybot db upgrade`` in a child process, as a deployment does.

    The bot then opens a current database, as after every restart, and never imports Alembic
    (about 11 MB of the RSS of a bot that created its database itself, until its next restart).
    """
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--database-url", f"sqlite:///{database}"],
        cwd=REPO_ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


async def citybot_application(request: FakeTelegramRequest, database: Path) -> tuple[Application, Any]:
    """The real citybot Application: its handlers, engine and update processor, on an SQLite file (WAL).

    The search index is built before the load, as ``citybot run`` builds it once it polls: the load
    is a bot that has been running, not one answering its very first question.
    """
    from bot.telegram import build_application
    from conversations import open_engine

    engine = await open_engine(database_url=f"sqlite:///{database}")
    engine.catalogue.prepare_search()
    return build_application(engine, TOKEN, request=request, rate_limited=False), engine


def seed_scripts() -> dict[int, list[Step]]:
    return {SEED_BASE + n: seed_script(n) for n in range(len(CITIES))}


# --- the parts ----------------------------------------------------------------------------------


@contextmanager
def charts_stubbed() -> Iterator[None]:
    """While recording only: a tiny PNG instead of drawing each chart (the recording is not timed)."""
    from unittest import mock

    from bot.telegram import render

    png = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (1).to_bytes(4, "big") * 2 + b"\x08\x02\0\0\0"
    if hasattr(render, "maturity_chart_png"):
        with mock.patch.object(render, "maturity_chart_png", lambda chart: png):
            yield
    else:
        yield


async def record(users: int) -> dict[str, Any]:
    """Play the mix once through citybot, serially, and keep every update with its replies."""
    api = HarnessBotApi()
    with tempfile.TemporaryDirectory() as folder, charts_stubbed():
        application, engine = await citybot_application(FakeTelegramRequest(api), Path(folder) / "record.db")
        try:
            async with application:
                maker = UpdateMaker(api, first_update_id=1)
                await play_serially(application, maker, seed_scripts())
                maker.fallbacks = 0
                maker.update_ids = itertools.count(1_000_000)
                played = await play_serially(application, maker, {USER_BASE + n: script(n) for n in range(users)})
        finally:
            await engine.close()
    return {"users": users, "updates": played, "fallback_presses": maker.fallbacks}


class ErrorCounter(logging.Handler):
    """Counts records logged at ERROR or above anywhere (handler failures, the engine's apologies)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = record.getMessage()[:300]


async def replay(trace: dict[str, Any], bot: str, rtt_ms: float) -> dict[str, Any]:
    """All recorded updates into the update queue at once; time until every reply has left."""
    api = HarnessBotApi()
    rtt = rtt_ms / 1000
    request = FakeTelegramRequest(api, latency=rtt * (1 - RTT_JITTER / 2), jitter=rtt * RTT_JITTER)
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    played = trace["updates"]
    for item in played:
        if "callback_query" in item["update"]:
            QUERY_CHATS[item["update"]["callback_query"]["id"]] = item["chat"]
    with tempfile.TemporaryDirectory() as folder:
        engine = None
        if bot == "echo":
            application = echo_application(request)
            press = ["answerCallbackQuery", "editMessageText"]
            expected = {i: ["sendMessage"] if "message" in item["update"] else press for i, item in enumerate(played)}
        else:
            database = Path(folder) / "load.db"
            upgrade_in_child(database)
            application, engine = await citybot_application(request, database)
            expected = {i: [method for method, _ in item["replies"]] for i, item in enumerate(played)}
        try:
            async with application:
                if engine is not None:  # the same known cities as in the recording, and a warm chart
                    saved_latency, saved_jitter = request.latency, request.jitter
                    request.latency = request.jitter = 0.0
                    await play_serially(application, UpdateMaker(api, first_update_id=1), seed_scripts())
                    request.latency, request.jitter = saved_latency, saved_jitter
                else:  # warm-up, untimed, in a chat of its own
                    warm = {SEED_BASE: [step for n in range(25) for step in (("send", f"warm-up {n}"), ("pick", n))]}
                    await play_serially(application, UpdateMaker(api, first_update_id=1), warm)
                api.timeline.clear()
                errors.count, errors.first = 0, None
                updates = [Update.de_json(item["update"], application.bot) for item in played]
                await application.start()
                started, cpu_started = time.perf_counter(), time.process_time()
                for update in updates:
                    application.update_queue.put_nowait(update)
                total = sum(len(methods) for methods in expected.values())
                deadline = started + WAIT_LIMIT_S
                while len(api.timeline) < total and time.perf_counter() < deadline:
                    await asyncio.sleep(0.01)
                await asyncio.wait_for(application.update_queue.join(), timeout=max(deadline - time.perf_counter(), 1))
                cpu = time.process_time() - cpu_started
                await asyncio.sleep(0.05)  # anything sent after the last expected reply counts too
                await application.stop()
        finally:
            if engine is not None:
                await engine.close()
    logging.getLogger().removeHandler(errors)
    timeline = list(api.timeline)
    finished = max((entry[0] for entry in timeline), default=started)
    result: dict[str, Any] = {
        "bot": bot,
        "rtt_ms": rtt_ms,
        "users": trace["users"],
        "updates": len(played),
        "bot_api_calls": len(timeline),
        "seconds": round(finished - started, 3),
        "updates_per_s": round(len(played) / max(finished - started, 1e-9), 1),
        "cpu_ms_per_update": round(cpu * 1000 / max(len(played), 1), 3),
    }
    if bot == "citybot":
        result |= check_replies(played, timeline, started)
    failed_calls = sum(1 for entry in timeline if entry[4] != 200)
    missing = max(0, sum(len(m) for m in expected.values()) - len(timeline))
    result["errors_logged"] = errors.count
    result["first_error_logged"] = errors.first
    result["bot_api_errors"] = failed_calls
    result["replies_missing"] = missing
    result["errors"] = errors.count + failed_calls + missing + result.get("replies_not_recorded", 0)
    result["rss_with_harness_mb"] = rss_mb()
    # The bot's footprint: the harness lets go of its own data (the recording, the parsed updates, the fake
    # Bot API's messages and timeline); the Application and the engine are still referenced here.
    del updates, played, timeline, expected, trace
    api.timeline.clear()
    api.messages.clear()
    QUERY_CHATS.clear()
    result["rss_mb"] = rss_mb(release=True)
    return result


def check_replies(
    played: list[JsonDict], timeline: list[tuple[float, int, str, str, int]], started: float
) -> dict[str, Any]:
    """Order violations, replies not in the recording, and per-update latency, chat by chat.

    Each reply is matched to the recording by (method, text), the k-th time it occurs in its chat
    to the k-th recorded; failing that, by its first line with the numbers left out (a city's
    combined results count whoever has answered by then, which depends on the other chats'
    pace); pairs of replies that left in the opposite order of the recording are violations.
    Replies are grouped into updates by the recorded count per update, in order.
    """
    recorded: dict[int, list[tuple[str, str]]] = defaultdict(list)
    counts: dict[int, list[int]] = defaultdict(list)
    for item in played:
        recorded[item["chat"]] += [(method, text) for method, text in item["replies"]]
        counts[item["chat"]].append(len(item["replies"]))
    actual: dict[int, list[tuple[float, str, str]]] = defaultdict(list)
    for moment, chat, method, text, _ in timeline:
        actual[chat].append((moment, method, text))
    violations = unmatched = 0
    first_unmatched: str | None = None
    latencies: list[float] = []
    for chat, sent in actual.items():
        exact: dict[tuple[str, str], list[int]] = defaultdict(list)
        loose: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index, (method, text) in enumerate(recorded.get(chat, [])):
            exact[(method, text)].append(index)
            loose[(method, _gist(text))].append(index)
        used: set[int] = set()
        matched: list[int | None] = []
        for _, method, text in sent:
            index = next((i for i in exact[(method, text)] if i not in used), None)
            if index is not None:
                used.add(index)
            matched.append(index)
        for position, (_, method, text) in enumerate(sent):
            if matched[position] is None:
                index = next((i for i in loose[(method, _gist(text))] if i not in used), None)
                if index is None:
                    unmatched += 1
                    first_unmatched = first_unmatched or f"chat {chat}: {method} {text[:200]!r}"
                else:
                    used.add(index)
                    matched[position] = index
        order = [index for index in matched if index is not None]
        violations += sum(1 for i in range(len(order)) for j in range(i + 1, len(order)) if order[i] > order[j])
        ready, cursor = started, 0
        for count in counts.get(chat, []):
            if count == 0 or cursor + count > len(sent):
                break
            done = sent[cursor + count - 1][0]
            latencies.append(done - ready)
            ready, cursor = done, cursor + count
    return {
        "order_violations": violations,
        "replies_not_recorded": unmatched,
        "first_not_recorded": first_unmatched,
        **latency_ms(latencies or [0.0], digits=1),
    }


def _gist(text: str) -> str:
    """A reply's first line without its numbers."""
    return re.sub(r"\d+", "#", text.split("\n", 1)[0])


def rss_mb(*, release: bool = False) -> float:
    """Resident memory of this process now (Linux), else its peak.

    With ``release``, first collect garbage and hand the heap's free pages back to the system
    (glibc's ``malloc_trim``, which it otherwise does only for the top of the heap), so that
    memory freed by the harness is not counted as the bot's; everything still referenced is.
    """
    if release:
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):  # not glibc: the free pages stay counted
            ctypes.CDLL(None).malloc_trim(0)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("record", "echo", "citybot", "all"), help="all: every part in this process")
    parser.add_argument("trace", type=Path, help="the recorded mix (written by record, read by the others)")
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--rtt-ms", type=float, default=0.0, help="simulated round trip per Bot API call")
    arguments = parser.parse_args(argv)
    if arguments.part == "all":  # a smoke run: record, then echo, citybot and citybot with the delay
        trace = asyncio.run(record(arguments.users))
        result = {
            "record": {"users": trace["users"], "updates": len(trace["updates"])},
            "echo": asyncio.run(replay(trace, "echo", 0.0)),
            "citybot": asyncio.run(replay(trace, "citybot", 0.0)),
            "citybot_rtt": asyncio.run(replay(trace, "citybot", arguments.rtt_ms)),
        }
    elif arguments.part == "record":
        trace = asyncio.run(record(arguments.users))
        arguments.trace.write_text(json.dumps(trace), encoding="utf-8")
        result = {
            "users": trace["users"],
            "updates": len(trace["updates"]),
            "fallback_presses": trace["fallback_presses"],
        }
    else:  # the trace is replay's alone, so that it can let go of it before measuring the bot's memory
        result = asyncio.run(
            replay(json.loads(arguments.trace.read_text(encoding="utf-8")), arguments.part, arguments.rtt_ms)
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
