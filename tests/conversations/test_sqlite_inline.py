"""SQLite runs in the event loop's thread (no aiosqlite hop), with the same transactions and errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from conversations.storage import database, sqlite_inline


@pytest.fixture
async def db(tmp_path: Path):
    engine = database.create_engine(f"sqlite:///{tmp_path}/inline.db")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)"))
    yield engine
    await engine.dispose()


def test_plain_sqlite_urls_get_the_inline_driver_and_aiosqlite_stays_available(tmp_path: Path) -> None:
    assert sqlite_inline.AVAILABLE
    assert database.create_engine(f"sqlite:///{tmp_path}/a.db").dialect.driver == sqlite_inline.DRIVER
    assert database.create_engine("sqlite://").dialect.driver == sqlite_inline.DRIVER
    assert database.create_engine(f"sqlite+aiosqlite:///{tmp_path}/b.db").dialect.driver == "aiosqlite"


async def test_pragmas_commit_and_rollback(db) -> None:
    async with db.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    async with db.begin() as connection:
        await connection.execute(text("INSERT INTO item (name) VALUES ('kept')"))
    with pytest.raises(IntegrityError):
        async with db.begin() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('dropped')"))
            await connection.execute(text("INSERT INTO item (name) VALUES ('kept')"))  # unique: the whole unit fails
    async with db.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM item ORDER BY id"))).scalars().all()
    assert names == ["kept"]


async def test_concurrent_transactions_take_turns_on_the_one_connection(db) -> None:
    async def add(name: str) -> None:
        async with db.begin() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES (:name)"), {"name": name})
            await asyncio.sleep(0)  # let the others try to start meanwhile: they wait for the connection
            await connection.execute(text("UPDATE item SET name = name || '!' WHERE name = :name"), {"name": name})

    await asyncio.gather(*(add(f"n{number}") for number in range(20)))
    async with db.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM item WHERE name LIKE '%!'"))).scalar()
    assert count == 20
