"""Two `citybot run` webhook processes on one PostgreSQL database: each chat's updates in order, answered once.

Run: CITYBOT_TEST_POSTGRES_URL=postgresql://... python benchmarks/two_processes.py [--chats 12] [--bursts 5]
     [--burst 5] [--both 0.15] [--kill]   (prints one JSON object)

Officials send bursts of questions (``--burst`` in a row, a few milliseconds apart); each update is
posted to one of the two processes at random, ``--both`` of them to both, as a load balancer
retrying, or Telegram redelivering, would; any answer but 200 is posted again 0.1 s later, as
Telegram does. Counted: bursts whose questions were stored out of the order sent (the stored
order of a chat's questions against the order of their update ids), questions lost, stored
twice, and messages beyond the one each question gets (a question answered twice). A burst is
out of order when a question was processed after a later one of its chat although it had *reached
citybot* before that one's processing began: reached = the moment a process's webhook handler
starts on the request, its body read in full (logged at DEBUG, ``update N reached citybot at T``);
processing began = the moment its processing held the user's lock and read the inbox (the server's
clock, logged at DEBUG, ``update N processed, its turn decided at T``). This script switches both
lines on in the processes it starts and reads them back. Also reported: the same count by the
moment the request was *posted* (a request may wait in the kernel's socket queue of a busy or dead
process: not yet received by citybot), and any inversion of the id order at all.
With ``--kill``, one process is killed
with SIGKILL in the middle of the traffic and started again (the figures then allow a reply sent
twice by the crash). The database is a fresh one next to ``CITYBOT_TEST_POSTGRES_URL``'s, dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlmodel import select  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402

from bot.settings import ENV_VARS  # noqa: E402
from catalogue import Catalogue  # noqa: E402
from conversations import open_engine  # noqa: E402
from conversations.storage.models import AskedQuestion, Participant  # noqa: E402
from tests.helpers import postgres  # noqa: E402
from tests.helpers.chat import Chat  # noqa: E402
from tests.helpers.fake_bot_api_server import FakeBotApiServer, _post  # noqa: E402
from tests.helpers.fake_telegram import TOKEN  # noqa: E402
from tests.helpers.telegram_updates import make_message_update  # noqa: E402

SECRET = "two-processes-secret"
QUESTIONS = ("flood drills in schools", "money for resilience", "a resilience plan", "heat waves", "our partners")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(url: str, server: FakeBotApiServer, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": SECRET,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with log.open("a") as out:
        return subprocess.Popen([sys.executable, "-c", LAUNCH, "run"], env=env, stdout=out, stderr=out)


LAUNCH = (  # `citybot run`, with the webhook's DEBUG line saying when each update reached the process
    "import logging, runpy; logging.getLogger('bot.telegram.webhook').setLevel(logging.DEBUG); "
    "logging.getLogger('conversations.engine').setLevel(logging.DEBUG); "
    "runpy.run_module('bot', run_name='__main__')"
)
REACHED = re.compile(r"update (\d+) reached citybot at ([0-9.]+)")
DECIDED = re.compile(r"update (\d+) processed, its turn decided at ([0-9.]+)")


def logged(log: Path, pattern: re.Pattern[str]) -> dict[int, float]:
    """The first moment the processes logged for each update: when it reached a process (its webhook handler
    started, its body read), or when its processing took its user's lock and looked at the inbox (the server's
    clock: every arrival committed before then is seen)."""
    first: dict[int, float] = {}
    for match in pattern.finditer(log.read_text(errors="replace")):
        update, at = int(match.group(1)), float(match.group(2))
        first[update] = min(first.get(update, at), at)
    return first


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class Delivery:
    """One update posted to one process: the request sent now, in the order of the traffic; the answer awaited
    on a thread; anything but 200 posted again, as Telegram keeps sending an update until it is confirmed."""

    def __init__(self, update: dict[str, Any], port: int) -> None:
        self.update = update
        self.port = port
        self.sent_at = time.time()
        self.connection: http.client.HTTPConnection | None = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            self.connection.request("POST", "/hook", body=json.dumps(update).encode(), headers=HEADERS)
        except OSError:  # the process is down (killed, restarting): posted again below
            self.connection.close()
            self.connection = None

    def finish(self, statuses: list[int]) -> None:
        status = 0
        if self.connection is not None:
            try:
                status = self.connection.getresponse().status
            except OSError:
                status = 0
            finally:
                self.connection.close()
        statuses.append(status)
        while status != 200:
            time.sleep(0.1)
            status = _post(f"http://127.0.0.1:{self.port}/hook", self.update, SECRET)
            statuses.append(status)


HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}


async def onboard(url: str, users: list[int], catalogue: Catalogue) -> None:
    async with await open_engine(url, catalogue) as engine:
        for user in users:
            chat = Chat(engine, str(user))
            chat.user_id = f"telegram:{user}"
            await chat.onboard()


async def stored(url: str, catalogue: Catalogue) -> tuple[dict[int, list[str]], dict[str, float]]:
    """Each chat's stored questions in the order stored, and when each was stored."""
    async with await open_engine(url, catalogue) as engine, AsyncSession(engine.db) as session:
        columns = (Participant.user_id, AskedQuestion.text, AskedQuestion.asked_at)
        query = select(*columns).join(Participant).order_by(AskedQuestion.id)  # type: ignore[call-overload]
        rows = (await session.exec(query)).all()
    order: dict[int, list[str]] = defaultdict(list)
    when: dict[str, float] = {}
    for user_id, text, asked_at in rows:
        order[int(str(user_id).split(":")[1])].append(text)
        when[text] = asked_at.timestamp()
    return order, when


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=12)
    parser.add_argument("--bursts", type=int, default=5, help="bursts per chat")
    parser.add_argument("--burst", type=int, default=5, help="questions per burst")
    parser.add_argument("--both", type=float, default=0.15, help="share of updates posted to both processes")
    parser.add_argument("--kill", action="store_true", help="kill -9 one process in the middle, and restart it")
    parser.add_argument("--seed", type=int, default=20261203)
    arguments = parser.parse_args(argv)
    rng = random.Random(arguments.seed)
    catalogue = Catalogue.load()
    url = asyncio.run(postgres.create_database(postgres.admin_url()))
    users = [6000 + n for n in range(arguments.chats)]
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"citybot-two-processes-{os.getpid()}.log"
    began = time.monotonic()
    try:
        asyncio.run(onboard(url, users, catalogue))
        with FakeBotApiServer() as server:
            ports = [free_port(), free_port()]
            processes = [start(url, server, port, log) for port in ports]
            for port in ports:
                wait_for_port(port)
            update_ids = itertools.count(100_000)
            sent: dict[int, list[str]] = defaultdict(list)
            bursts: dict[tuple[int, int], list[str]] = {}
            statuses: list[int] = []
            posted_at: dict[str, float] = {}
            update_of: dict[str, int] = {}
            to_both = 0
            killed_at = None
            plan = [(user, burst) for burst in range(arguments.bursts) for user in users]
            rng.shuffle(plan)
            with ThreadPoolExecutor(max_workers=64) as posting:
                futures = []
                for number, (user, burst) in enumerate(plan):
                    if arguments.kill and killed_at is None and number == len(plan) // 2:
                        processes[0].send_signal(signal.SIGKILL)
                        processes[0].wait()
                        killed_at = number
                        processes[0] = start(url, server, ports[0], log)
                        wait_for_port(ports[0])
                    for n in range(arguments.burst):
                        text = f"{QUESTIONS[n % len(QUESTIONS)]} #{burst}.{n} ({user})"
                        update = make_message_update(text, user_id=user, update_id=next(update_ids)).to_dict()
                        update_of[text] = update["update_id"]
                        sent[user].append(text)
                        bursts.setdefault((user, burst), []).append(text)
                        targets = ports if rng.random() < arguments.both else [rng.choice(ports)]
                        to_both += len(targets) == 2
                        for port in rng.sample(targets, len(targets)):
                            delivery = Delivery(update, port)
                            posted_at[text] = min(posted_at.get(text, delivery.sent_at), delivery.sent_at)
                            futures.append(posting.submit(delivery.finish, statuses))
                        time.sleep(rng.uniform(0.0, 0.003))
                    time.sleep(rng.uniform(0.0, 0.02))
                for future in futures:
                    future.result(timeout=300)
            time.sleep(1.0)  # replies still going out, and anything sent twice, show by now
            messages = Counter(
                (call.chat_id, call.text) for call in server.api.calls_to("sendMessage", "editMessageText")
            )
            for process in processes:
                process.send_signal(signal.SIGTERM)
            exit_codes = [process.wait(timeout=30) for process in processes]
        order, stored_at = asyncio.run(stored(url, catalogue))
    finally:
        asyncio.run(postgres.drop_database(url))
    arrivals, decisions = logged(log, REACHED), logged(log, DECIDED)
    reached_at = {text: arrivals.get(update, float("inf")) for text, update in update_of.items()}
    decided_at = {text: decisions.get(update, stored_at.get(text, 0.0)) for text, update in update_of.items()}
    out_of_order = overtaken = overtaken_posted = 0
    gaps: list[float] = []
    overtaking: list[list[int]] = []
    for (user, _), texts in bursts.items():
        positions = [order[user].index(text) for text in texts if text in order[user]]
        out_of_order += positions != sorted(positions)
        inverted = [
            (earlier, later)
            for i, earlier in enumerate(texts)
            for later in texts[i + 1 :]
            if earlier in order[user] and later in order[user] and order[user].index(later) < order[user].index(earlier)
        ]
        # the measure: an update processed after a later one of its chat, though it had reached citybot
        # before that one's processing began (took the user's lock and looked at the inbox)
        late = [(earlier, later) for earlier, later in inverted if reached_at[earlier] < decided_at[later]]
        overtaken += bool(late)
        gaps += [decided_at[later] - reached_at[earlier] for earlier, later in late]
        overtaking += [[update_of[earlier], update_of[later]] for earlier, later in late]
        overtaken_posted += any(posted_at[earlier] < stored_at[later] for earlier, later in inverted)
    questions = sum(len(texts) for texts in sent.values())
    per_chat_messages = Counter(chat for (chat, _), n in messages.items() for _ in range(n))
    report = {
        "chats": len(users),
        "bursts": len(bursts),
        "questions": questions,
        "posted_to_both": to_both,
        "killed_one_process_after_bursts": killed_at,
        "bursts_out_of_order": overtaken,
        "out_of_order_reached_ms_before_the_later_began": sorted(round(gap * 1000, 1) for gap in gaps),
        "out_of_order_update_ids": sorted(overtaking),
        "bursts_out_of_order_by_posting_time": overtaken_posted,
        "bursts_stored_in_other_than_id_order": out_of_order,
        "updates_whose_arrival_was_not_logged": sum(1 for at in reached_at.values() if at == float("inf")),
        "questions_lost": sum(len(set(sent[u]) - set(order[u])) for u in users),
        "questions_stored_twice": sum(len(order[u]) - len(set(order[u])) for u in users),
        "messages_sent": sum(per_chat_messages.values()),
        "messages_beyond_one_per_question": sum(max(0, per_chat_messages[u] - len(sent[u])) for u in users),
        "questions_unanswered": sum(max(0, len(sent[u]) - per_chat_messages[u]) for u in users),
        "non_200_answers": sum(1 for status in statuses if status != 200),
        "exit_codes": exit_codes,
        "seconds": round(time.monotonic() - began, 1),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
