"""PostgreSQL databases for tests, on the server ``CITYBOT_TEST_POSTGRES_URL`` points at.

``CITYBOT_TEST_POSTGRES_URL`` is a plain URL (``postgresql://citybot:citybot@127.0.0.1/citybot_test``)
of a role allowed to create databases (``.ci/run`` sets this up). Tests get a throwaway database
next to it: :func:`fresh_database` creates an empty one per test and drops it afterwards (for
tests of migrations and of several engines starting at once); the scenario tests share one
migrated database per run, emptied before each test by :func:`empty_database`, which is as fresh
to them and much faster.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import conversations.storage.models  # noqa: F401  (the tables, for SQLModel.metadata)

T = TypeVar("T")

ENV = "CITYBOT_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"{ENV} is not set: set it to a PostgreSQL URL of a role with CREATEDB, "
    "e.g. postgresql://citybot:citybot@127.0.0.1/citybot_test (.ci/run does)"
)


def configured() -> bool:
    return bool(os.environ.get(ENV, "").strip())


def admin_url() -> str:
    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    return url


def _asyncpg_dsn(url: str) -> str:
    """asyncpg takes libpq URLs only: ``postgresql://``, without a SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_database(url: str) -> str:
    """Create an empty, uniquely named database next to ``url``'s; return its plain URL."""
    name = f"citybot_test_{uuid.uuid4().hex[:12]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, attempts: int = 20) -> None:
    """Drop the database ``url`` names (connecting to the administrator's database to do it).

    ``FORCE`` ends the tests' own connections, but a role without superuser rights cannot end an autovacuum worker
    that a busy test database attracts: then the drop is tried again once the worker is done (a few seconds at most).
    """
    import asyncpg

    name = make_url(url).database
    for attempt in range(attempts):
        try:
            await _admin(admin_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.exceptions.InsufficientPrivilegeError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.25)


@asynccontextmanager
async def fresh_database(url: str) -> AsyncIterator[str]:
    """Create an empty, uniquely named database next to ``url``'s; yield its plain URL; drop it."""
    created = await create_database(url)
    try:
        yield created
    finally:
        await drop_database(created)


def _emptying_script() -> str:
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]  # children before parents
    deletes = "".join(f'DELETE FROM "{name}";' for name in tables)
    restarts = (
        "DO $$ DECLARE s record; BEGIN"
        " FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP"
        " EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename); END LOOP; END $$;"
    )
    return f"BEGIN;{deletes}{restarts}COMMIT;"


async def empty_database(url: str) -> None:
    """Delete every row of citybot's tables and restart their id sequences: a fresh, migrated database."""
    await _admin(url, _emptying_script())


class SharedDatabase:
    """One migrated database for a whole run, emptied before each test over a connection kept open.

    The connection lives on an event loop of its own, in a thread, so each test's own loop never
    meets it.
    """

    def __init__(self, url: str) -> None:
        import asyncpg

        self.url = url
        self._script = _emptying_script()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="postgres-housekeeping", daemon=True)
        self._thread.start()
        self._connection = self._run(asyncpg.connect(_asyncpg_dsn(url)))

    def _run(self, job: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(job, self._loop).result()

    def empty(self) -> None:
        self._run(self._connection.execute(self._script))

    def close(self) -> None:
        try:
            self._run(self._connection.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


async def table_names(url: str) -> set[str]:
    """The tables of the database ``url`` names, but alembic's own."""
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        found = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in found} - {"alembic_version"}
