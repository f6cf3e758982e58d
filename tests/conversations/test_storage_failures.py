"""A storage failure is never an apology: nothing stored, the update raised back to come again, one log line per outage.

SQLite only (the failures are made on its file): a full database (``PRAGMA max_page_count``, as a full
disk does it), another process holding the write lock; and the classification of every kind of storage
error, PostgreSQL's included, apart from the errors of a flow.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from catalogue import Catalogue
from conversations import Engine, Incoming, Kind, StorageUnavailable, open_engine
from conversations.storage import database
from conversations.storage.models import AskedQuestion, ProcessedUpdate
from tests.helpers.chat import Chat, count
from tests.helpers.storage import FullDatabase, hold_write_lock


class FakePostgresError(Exception):
    """What asyncpg's errors carry, as SQLAlchemy's adapter passes them on."""

    def __init__(self, sqlstate: str, message: str = "error") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def sqlite_error(code: int, message: str) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


def wrapped(orig: BaseException) -> OperationalError:
    return OperationalError("INSERT INTO x VALUES (?)", {}, orig)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (wrapped(sqlite_error(13, "database or disk is full")), "full"),
        (wrapped(sqlite3.OperationalError("database or disk is full")), "full"),
        (wrapped(sqlite_error(10 | (3 << 8), "disk I/O error")), "I/O error"),
        (wrapped(sqlite_error(8, "attempt to write a readonly database")), "read-only"),
        (wrapped(sqlite_error(11, "database disk image is malformed")), "corrupt"),
        (wrapped(sqlite_error(26, "file is not a database")), "corrupt"),
        (wrapped(sqlite_error(5, "database is locked")), "busy"),
        (wrapped(FakePostgresError("53100", "could not extend file: No space left on device")), "full"),
        (wrapped(FakePostgresError("08006", "connection failure")), "lost connection"),
        (
            wrapped(FakePostgresError("57P01", "terminating connection due to administrator command")),
            "server shutting down",
        ),
        (wrapped(FakePostgresError("55P03", "lock not available")), "busy"),
        (OSError(errno.ENOSPC, "No space left on device"), "full"),
        (OSError(errno.EIO, "Input/output error"), "I/O error"),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), "lost connection"),
        (wrapped(sqlite3.OperationalError("no such table: participant")), None),
        (IntegrityError("INSERT", {}, sqlite_error(19, "UNIQUE constraint failed")), None),  # type: ignore[arg-type]
        (wrapped(FakePostgresError("23505", "duplicate key")), None),
        (ValueError("a bug in a flow"), None),
        (KeyError("city"), None),
    ],
)
def test_storage_failures_are_told_apart_from_bugs(error: BaseException, kind: str | None) -> None:
    assert database.storage_failure(error) == kind


def question(text: str, update_id: str, user: str = "test:full") -> Incoming:
    return Incoming(user_id=user, chat_id=user, kind=Kind.TEXT, payload=text, update_id=update_id, outbox=True)


@pytest.fixture
def quick_outages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conversations.engine.PROBE_PAUSES", (0.01,))
    monkeypatch.setattr("conversations.engine.NOTICE_AFTER", 0.0)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 50)


async def outcome(engine: Engine, incoming: Incoming) -> list[str] | StorageUnavailable:
    try:
        return [reply.text for reply in await engine.handle(incoming)]
    except StorageUnavailable as failure:
        return failure


@pytest.fixture
async def sqlite_engine(sqlite_url: str, catalogue: Catalogue) -> AsyncIterator[Engine]:
    async with await open_engine(sqlite_url, catalogue) as engine:
        yield engine


async def test_a_full_database_stores_nothing_apologises_for_nothing_and_answers_everything_once_space_returns(
    sqlite_engine: Engine, quick_outages: None, caplog: pytest.LogCaptureFixture
) -> None:
    engine = sqlite_engine
    chat = Chat(engine, "full")
    await chat.onboard()
    full = FullDatabase(engine)
    await full.fill()
    stored_before = await count(engine, ProcessedUpdate)
    asked = ["how do we start a resilience plan", "flood drills in schools", "where can we find money"]
    with caplog.at_level(logging.INFO):
        failures = []
        for _attempt in range(3):  # the transport brings them back, again and again, in order
            for n, text in enumerate(asked):
                failures.append(await outcome(engine, question(text, f"full-{n}")))
                await asyncio.sleep(0.02)
    assert all(isinstance(failure, StorageUnavailable) for failure in failures), failures
    assert {failure.kind for failure in failures} == {"full"}  # type: ignore[union-attr]
    notices = [failure.notice for failure in failures if failure.notice is not None]  # type: ignore[union-attr]
    assert [notice.text for notice in notices] == [engine.texts.get("storage.not_saved")]  # told once, the truth
    assert await count(engine, ProcessedUpdate) == stored_before  # nothing claimed: a redelivery runs it

    await full.make_room()
    answered = [await outcome(engine, question(text, f"full-{n}")) for n, text in enumerate(asked)]
    assert all(isinstance(replies, list) and replies for replies in answered), answered
    assert not any(engine.texts.get("errors.internal") in replies for replies in answered)  # type: ignore[operator]
    assert await count(engine, AskedQuestion) == 3
    again = [await outcome(engine, question(text, f"full-{n}")) for n, text in enumerate(asked)]
    assert again == answered and await count(engine, AskedQuestion) == 3  # redelivered: the outbox, not a new run
    lines = [
        r.getMessage() for r in caplog.records if r.name == "conversations.engine" and r.levelno >= logging.WARNING
    ]
    assert len(lines) == 2, lines  # one line when the outage starts, one when it ends: not one per update
    assert lines[0].startswith("storage unavailable (full") and lines[1].startswith("storage works again")


async def test_while_storage_fails_only_one_update_at_a_time_tries_it(
    tmp_path: Path,
    catalogue: Catalogue,
    quick_outages: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("conversations.engine.PROBE_PAUSES", (0.3,))
    path = tmp_path / "busy.db"
    async with await open_engine(f"sqlite:///{path}", catalogue) as engine:
        started = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, started))
        holder.start()
        started.wait(5)
        with caplog.at_level(logging.INFO):
            first = await outcome(engine, question("/help", "b1", user="test:one"))
            began = time.monotonic()
            others = [await outcome(engine, question("/help", f"b{n}", user=f"test:{n}")) for n in range(2, 12)]
            spent = time.monotonic() - began
            assert isinstance(first, StorageUnavailable) and first.kind == "busy"
            assert all(isinstance(other, StorageUnavailable) for other in others)
            assert spent < 0.05  # ten updates turned back without waiting for the lock: the probe is due later
            assert first.recovered is not None and not first.recovered.is_set()
            holder.join()
            while isinstance(await outcome(engine, question("/help", "b1", user="test:one")), StorageUnavailable):
                await asyncio.sleep(0.05)
            assert first.recovered.is_set()  # every waiting update is woken at once
            later = [await outcome(engine, question("/help", f"b{n}", user=f"test:{n}")) for n in range(2, 12)]
            assert all(isinstance(replies, list) and replies for replies in later)
        assert await count(engine, ProcessedUpdate) == 11
    lines = [
        r.getMessage() for r in caplog.records if r.name == "conversations.engine" and r.levelno >= logging.WARNING
    ]
    assert len(lines) == 2, lines  # one line when it starts, one when it ends
    assert lines[0].startswith("storage unavailable (busy") and lines[1].startswith("storage works again after")


async def test_a_lost_postgresql_connection_is_never_an_apology_and_nothing_is_lost(
    catalogue: Catalogue, quick_outages: None
) -> None:
    from tests.helpers.postgres import _admin, admin_url, configured, fresh_database

    if not configured():
        pytest.skip("CITYBOT_TEST_POSTGRES_URL is not set")
    async with fresh_database(admin_url()) as url, await open_engine(url, catalogue) as engine:
        chat = Chat(engine, "lost")
        await chat.onboard()
        name = url.rsplit("/", 1)[1]
        await _admin(admin_url(), f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        results = []
        for _ in range(50):  # the transport brings it back until it is in
            result = await outcome(engine, question("flood drills in schools", "4242", user=chat.user_id))
            results.append(result)
            if isinstance(result, list):
                break
            await asyncio.sleep(0.05)
        assert isinstance(results[-1], list) and results[-1], results
        assert all(result.kind == "lost connection" for result in results[:-1])  # type: ignore[union-attr]
        assert engine.texts.get("errors.internal") not in results[-1]
        assert await count(engine, AskedQuestion) == 1
