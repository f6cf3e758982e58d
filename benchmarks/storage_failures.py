"""What each storage failure does to citybot, measured: nothing lost, nothing reordered, backups that finish.

Run: python benchmarks/storage_failures.py [disk-full|write-lock|backup ...] [--lock-seconds S] [--megabytes N]
(prints one JSON object; with no part named, all of them)

- **disk-full**: 5 officials send 3 questions each through the real PTB Application and long
  polling (the fake Bot API) while the SQLite database is full: ``PRAGMA max_page_count`` on the
  bot's connection (no root needed) and, as root, a real 2 MB tmpfs filled to the last byte. Then
  space returns. Counted: questions lost, answers stored twice, chats told "your answers are safe"
  (false), chats told the truth (and how often), updates confirmed to Telegram while full.
- **write-lock**: another process holds SQLite's write lock for ``--lock-seconds`` (20) while 10
  officials send bursts of 4 questions; counted: questions stored out of their chat's order,
  lost, and how long after the lock is let go all are answered. The baseline is the same burst
  with no lock, in the same run.
- **backup**: ``citybot db backup`` of a database of ``--megabytes`` (160) while another process
  commits as fast as it can; the baseline is the same backup with no writes. Counted: seconds,
  size, the copy's ``quick_check``, files left beside the copy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlmodel import select  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402

from bot.telegram import build_application  # noqa: E402
from bot.telegram.updater import Poller  # noqa: E402
from catalogue import Catalogue  # noqa: E402
from conversations import Engine, open_engine  # noqa: E402
from conversations.storage.models import AskedQuestion, Participant  # noqa: E402
from tests.helpers.chat import Chat  # noqa: E402
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest  # noqa: E402
from tests.helpers.storage import FullDatabase, hold_write_lock  # noqa: E402
from tests.helpers.telegram_updates import make_message_update  # noqa: E402

QUESTIONS = ("how do we start a resilience plan", "flood drills in schools", "where can we find money for this")
FULL_FOR_S = 8.0
"""How long the database stays full (the engine tells users after ``NOTICE_AFTER``, 3 s)."""


def citybot(*args: str, database: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


async def onboard(engine: Engine, officials: range) -> None:
    for official in officials:
        chat = Chat(engine, str(official))
        chat.user_id = f"telegram:{official}"
        await chat.onboard()


@contextlib.asynccontextmanager
async def polling(engine: Engine, api: FakeBotApi) -> AsyncIterator[Poller]:
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api), rate_limited=False)
    async with application:
        await application.start()
        poller = Poller(application, timeout=0)
        await poller.start()
        try:
            yield poller
        finally:
            await poller.stop()
            await application.stop()


def push(api: FakeBotApi, officials: range, questions: tuple[str, ...]) -> list[int]:
    return [
        api.push_update(make_message_update(f"{question} ({official})", user_id=official).to_dict())
        for question in questions
        for official in officials
    ]


def texts_to(api: FakeBotApi, official: int) -> list[str]:
    return [call.text for call in api.calls_to("sendMessage", "editMessageText", chat_id=official)]


async def stored_questions(engine: Engine) -> dict[int, list[str]]:
    async with AsyncSession(engine.db) as session:
        query = select(Participant.user_id, AskedQuestion.text).join(Participant).order_by(AskedQuestion.id)  # type: ignore[arg-type]
        rows = (await session.exec(query)).all()
    stored: dict[int, list[str]] = {}
    for user_id, text in rows:
        stored.setdefault(int(str(user_id).split(":")[1]), []).append(text)
    return stored


async def until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def order_figures(stored: dict[int, list[str]], officials: range, questions: tuple[str, ...]) -> dict[str, int]:
    """Questions lost, stored twice, and pairs of one chat stored in the wrong order."""
    lost = twice = reordered = 0
    for official in officials:
        sent = [f"{question} ({official})" for question in questions]
        mine = stored.get(official, [])
        lost += len(set(sent) - set(mine))
        twice += len(mine) - len(set(mine))
        positions = [sent.index(text) for text in mine if text in sent]
        reordered += sum(1 for a, b in itertools.pairwise(positions) if b < a)
    return {"lost": lost, "stored_twice": twice, "reordered": reordered}


async def disk_full_run(
    engine: Engine, fill: Callable[[], Awaitable[None]], give_room: Callable[[], Awaitable[None]]
) -> dict[str, Any]:
    officials = range(801, 806)
    await onboard(engine, officials)
    await fill()
    api = FakeBotApi()
    truth, safe = engine.texts.get("storage.not_saved"), engine.texts.get("errors.internal")
    async with polling(engine, api):
        first = push(api, officials, QUESTIONS)[0]
        await asyncio.sleep(FULL_FOR_S)
        offsets = [call.params.get("offset") or 0 for call in api.calls_to("getUpdates")]
        confirmed_while_full = sum(1 for update_id in range(first, first + 15) if max(offsets) > update_id)
        answered_while_full = sum(len(texts_to(api, o)) - texts_to(api, o).count(truth) for o in officials)
        space_back = time.monotonic()
        await give_room()
        everyone = await until(lambda: all(len(texts_to(api, o)) >= 1 + len(QUESTIONS) for o in officials), 60)
        recovered_s = time.monotonic() - space_back
        await asyncio.sleep(0.5)  # anything sent twice would show by now
        stored = await stored_questions(engine)
        pending = api.take_updates(None)
    return {
        **order_figures(stored, officials, QUESTIONS),
        "questions": len(officials) * len(QUESTIONS),
        "confirmed_while_full": confirmed_while_full,
        "answered_while_full": answered_while_full,
        "chats_told_the_truth": sum(1 for o in officials if truth in texts_to(api, o)),
        "truth_messages": sum(texts_to(api, o).count(truth) for o in officials),
        "false_safe": sum(1 for o in officials for text in texts_to(api, o) if safe in text),
        "all_answered": everyone,
        "answered_after_space_returned_s": round(recovered_s, 2),
        "unconfirmed_at_end": len(pending),
    }


async def disk_full(folder: Path, catalogue: Catalogue) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    path = folder / "page-cap.db"
    async with await open_engine(f"sqlite:///{path}", catalogue) as engine:
        full = FullDatabase(engine)
        figures["page_cap"] = await disk_full_run(engine, full.fill, full.make_room)
    disk = folder / "tmpfs"
    disk.mkdir()
    if os.geteuid() != 0:
        figures["tmpfs"] = {"skipped": "a tmpfs of its own needs root"}
        return figures
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True, text=True, check=False
    )
    if mounted.returncode != 0:
        figures["tmpfs"] = {"skipped": f"cannot mount a tmpfs: {mounted.stderr.strip()}"}
        return figures
    try:
        async with await open_engine(f"sqlite:///{disk / 'citybot.db'}", catalogue) as engine:
            filler = disk / "filler"

            async def fill() -> None:
                async with engine.db.connect() as connection:
                    await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                with filler.open("wb", buffering=0) as out:
                    for size in (16384, 1024, 64, 1):
                        with contextlib.suppress(OSError):
                            while True:
                                out.write(bytes(size))

            async def give_room() -> None:
                filler.unlink()

            figures["tmpfs"] = await disk_full_run(engine, fill, give_room)
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    return figures


async def burst_run(engine: Engine, lock: Path | None, seconds: float) -> dict[str, Any]:
    officials = range(820, 830)
    questions = tuple(f"{question} #{n}" for n in range(2) for question in QUESTIONS[:2])
    api = FakeBotApi()
    async with polling(engine, api):
        holder = None
        if lock is not None:
            started = threading.Event()
            holder = threading.Thread(target=hold_write_lock, args=(lock, seconds, started))
            holder.start()
            started.wait(5)
        began = time.monotonic()
        push(api, officials, questions)
        if holder is not None:
            await asyncio.to_thread(holder.join)
        released = time.monotonic()
        truth = engine.texts.get("storage.not_saved")

        def answered() -> int:
            return sum(len(texts_to(api, o)) - texts_to(api, o).count(truth) for o in officials)

        answered_during_lock = answered()
        everyone = await until(lambda: answered() >= len(officials) * len(questions), 120)
        done = time.monotonic()
        stored = await stored_questions(engine)
    return {
        **order_figures(stored, officials, questions),
        "questions": len(officials) * len(questions),
        "answered_while_locked": answered_during_lock if lock is not None else None,
        "all_answered": everyone,
        "all_answered_after_release_s": round(done - released, 2),
        "burst_s": round(done - began, 2),
    }


async def write_lock(folder: Path, catalogue: Catalogue, seconds: float) -> dict[str, Any]:
    figures: dict[str, Any] = {"lock_seconds": seconds}
    for name, locked in (("baseline_no_lock", False), ("locked", True)):
        path = folder / f"{name}.db"
        async with await open_engine(f"sqlite:///{path}", catalogue) as engine:
            await onboard(engine, range(820, 830))
            figures[name] = await burst_run(engine, path if locked else None, seconds)
    return figures


def grow(path: Path, megabytes: int) -> None:
    reply = '[{"__type__": "Reply", "text": "' + "x" * 900 + '"}]'
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO processed_update (update_id, processed_at, replies) VALUES (?, '2026-01-01 00:00:00', ?)",
            ((f"old-{n}", reply) for n in range(megabytes * 1000)),
        )


WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=10)
n = 0
while True:
    connection.execute(
        "INSERT INTO processed_update (update_id, processed_at) VALUES (?, '2026-12-01 00:00:00')", (f"load-{n}",)
    )
    connection.commit()
    n += 1
    if n % 100 == 0:
        print(n, flush=True)
"""


def backup(folder: Path, megabytes: int) -> dict[str, Any]:
    path = folder / "big.db"
    assert citybot("db", "upgrade", database=path).returncode == 0
    grow(path, megabytes)
    figures: dict[str, Any] = {"database_mb": round(path.stat().st_size / 1e6, 1)}
    for name, loaded in (("baseline_idle", False), ("under_writes", True)):
        target = folder / f"copy-{name}.db"
        writer = None
        if loaded:
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
            time.sleep(1.0)
        began = time.monotonic()
        result = citybot("db", "backup", str(target), database=path, timeout=600)
        seconds = time.monotonic() - began
        writes = None
        if writer is not None:
            writer.kill()
            out, _ = writer.communicate()
            writes = int(out.split()[-1]) if out.split() else 0
        with contextlib.closing(sqlite3.connect(target)) if target.exists() else contextlib.nullcontext() as copy:
            check = copy.execute("PRAGMA quick_check").fetchone()[0] if copy is not None else None
        figures[name] = {
            "exit_code": result.returncode,
            "seconds": round(seconds, 2),
            "copy_mb": round(target.stat().st_size / 1e6, 1) if target.exists() else None,
            "quick_check": check,
            "output": (result.stdout or result.stderr).strip(),
            "writes_committed_meanwhile": writes,
            "files_left_beside": sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{target.name}")),
        }
    figures["ratio_under_writes_to_idle"] = round(
        figures["under_writes"]["seconds"] / figures["baseline_idle"]["seconds"], 2
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", choices=["disk-full", "write-lock", "backup"], default=[])
    parser.add_argument("--lock-seconds", type=float, default=20.0)
    parser.add_argument("--megabytes", type=int, default=160)
    arguments = parser.parse_args(argv)
    parts = arguments.parts or ["disk-full", "write-lock", "backup"]
    catalogue = Catalogue.load()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="citybot-storage-") as scratch:
        folder = Path(scratch)
        for part in parts:
            began = time.monotonic()
            where = folder / part
            where.mkdir()
            if part == "disk-full":
                report[part] = asyncio.run(disk_full(where, catalogue))
            elif part == "write-lock":
                report[part] = asyncio.run(write_lock(where, catalogue, arguments.lock_seconds))
            else:
                report[part] = backup(where, arguments.megabytes)
            report[part]["part_seconds"] = round(time.monotonic() - began, 1)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
