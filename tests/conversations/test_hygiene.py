"""Hostile input and a busy database: clean text in storage, one-line URL errors, bounded retries, nothing half-stored."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from catalogue import Catalogue
from conversations import DatabaseError, Engine, Incoming, Kind, StorageBusy, open_engine
from conversations.hygiene import clean
from conversations.storage import database
from conversations.storage.models import City, Participant, ProcessedUpdate
from tests.helpers.chat import Chat, count, rows


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Gent\ud800", "Gent\ufffd"),
        ("\udfffx", "\ufffdx"),
        ("e\u0301", "é"),  # composed: the same city whichever way the keyboard typed it
        ("A\x00B\x1b[31mC", "AB[31mC"),
        ("\u202eevil\u202c", "evil"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
        ("🏳️‍🌈 Zürich", "🏳️‍🌈 Zürich"),
    ],
)
def test_text_is_valid_composed_unicode_without_control_characters(typed: str, stored: str) -> None:
    assert clean(typed) == stored
    stored.encode("utf-8")


async def test_a_lone_surrogate_in_a_city_and_a_name_is_stored_as_a_replacement_character(engine: Engine) -> None:
    chat = Chat(engine, name="Ana\udc80")
    await chat.command("/start")
    await chat.press("onboarding.agree")
    await chat.say("Gent\ud800")
    [participant] = await rows(engine, Participant)
    [city] = await rows(engine, City)
    assert participant.name == "Ana\ufffd" and city.name == "Gent\ufffd"


# --- DATABASE_URL mistakes: one line, the password never shown ----------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://ana:p@ss@db.example.org/citybot", "percent-encode"),
        ("postgresql://ana:s3cret@db.example.org/citybot?sslmod=require", "sslmod=require"),
        ("postgresql://ana:s3cret@db.example.org/citybot?sslmode=sometimes", "sslmode=sometimes"),
        ("mysql://ana:s3cret@db.example.org/citybot", "SQLite and PostgreSQL"),
        ("not a url at all", "not a database URL"),
    ],
)
async def test_database_url_mistakes_are_one_line_without_the_password(url: str, says: str) -> None:
    with pytest.raises(DatabaseError) as raised:
        await open_engine(url)
    message = str(raised.value)
    assert says in message and "\n" not in message
    assert "s3cret" not in message and "p@ss" not in message and "ss@" not in message


def test_libpq_options_become_asyncpg_connect_arguments() -> None:
    options = database.postgres_options("postgresql://h/d", {"sslmode": "require", "connect_timeout": "3"})
    assert options == {"ssl": "require", "timeout": 3.0}


# --- a database busy with another process's write ---------------------------------------------------


def hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    """What a long `citybot export` or a backup tool does to the file: a write transaction held open."""
    connection = sqlite3.connect(path, timeout=10)
    connection.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    connection.rollback()
    connection.close()


def incoming(payload: str, update_id: str) -> Incoming:
    return Incoming(user_id="test:busy", chat_id="test:busy", kind=Kind.COMMAND, payload=payload, update_id=update_id)


@pytest.fixture
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 50)


async def test_an_update_waits_for_another_process_write_lock_and_then_goes_through(
    tmp_path: Path, catalogue: Catalogue, quick_busy_timeout: None
) -> None:
    path = tmp_path / "busy.db"
    async with await open_engine(f"sqlite:///{path}", catalogue) as engine:
        started = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, started))
        holder.start()
        started.wait(5)
        began = time.monotonic()
        replies = await engine.handle(incoming("/help", "b1"))
        waited = time.monotonic() - began
        holder.join()
        assert replies and 0.8 < waited < 5
        assert await count(engine, ProcessedUpdate) == 1


async def test_an_update_that_cannot_be_stored_in_time_is_not_stored_at_all(
    tmp_path: Path, catalogue: Catalogue, quick_busy_timeout: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("conversations.engine.STORAGE_PATIENCE", 0.5)
    path = tmp_path / "busy.db"
    async with await open_engine(f"sqlite:///{path}", catalogue) as engine:
        chat = Chat(engine)
        await chat.command("/start")
        await chat.press("onboarding.agree")
        before = await count(engine, ProcessedUpdate)
        started = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, 2.0, started))
        holder.start()
        started.wait(5)
        with pytest.raises(StorageBusy):
            await engine.handle(incoming("/help", "b2"))
        holder.join()
        assert await count(engine, ProcessedUpdate) == before  # not even claimed: a redelivery will run it
        assert await engine.handle(incoming("/help", "b2"))  # and it does, once the lock is gone
        await asyncio.sleep(0)
