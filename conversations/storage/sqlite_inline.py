"""SQLite for the async engine without a thread hop per statement: ``sqlite+citybot_inline://``.

aiosqlite runs every call (execute, fetch, commit) on a worker thread and waits for it through
the event loop, so one update's ten or so statements cost ten round trips between threads. On
a local file in WAL mode with ``synchronous=NORMAL`` a statement takes microseconds, less than
the hop itself, so this driver runs sqlite3 directly in the event loop's thread, under
SQLAlchemy's usual async adapter: the same dialect as ``sqlite+aiosqlite`` (SQL, pragmas, pool),
the same async API, one connection. What it gives up: a statement that has to wait for
another *process's* write lock (``busy_timeout``) waits with the loop blocked, where aiosqlite
would let other chats' updates run meanwhile; citybot is SQLite's one writer, so that only
happens while a command-line tool writes to the same file at the same moment.

Imported (and registered) by :mod:`conversations.storage.database`; ``AVAILABLE`` is ``False``
when the installed SQLAlchemy lacks the adapter classes this builds on (before 2.1).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

DRIVER = "citybot_inline"

try:
    from sqlalchemy.dialects import registry
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_dbapi,
        SQLiteDialect_aiosqlite,
    )
    from sqlalchemy.util.concurrency import await_

    AVAILABLE = True
except ImportError:  # pragma: no cover - older SQLAlchemy: database.py keeps aiosqlite
    AVAILABLE = False


class InlineCursor:
    """An sqlite3 cursor behind aiosqlite's awaitable interface; every await completes at once."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(operation)
        else:
            self._cursor.execute(operation, parameters)
        return self

    async def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> InlineCursor:
        self._cursor.executemany(operation, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None


class InlineConnection:
    """An sqlite3 connection behind aiosqlite's awaitable interface (what SQLAlchemy's adapter calls)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        """What SQLAlchemy's adapter checks before commit and rollback (``None`` once closed), as in aiosqlite."""

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._connection = None
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


async def _opened(connection: sqlite3.Connection) -> InlineConnection:
    return InlineConnection(connection)


if AVAILABLE:

    class AsyncAdapt_inline_connection(AsyncAdapt_aiosqlite_connection):
        """SQLAlchemy's aiosqlite adapter over an :class:`InlineConnection` (no worker thread to talk to)."""

        __slots__ = ()

        @property
        def isolation_level(self) -> str | None:
            level: str | None = self._connection.isolation_level
            return level

        @isolation_level.setter
        def isolation_level(self, value: str | None) -> None:
            self._connection._conn.isolation_level = value

        def create_function(self, *args: Any, **kwargs: Any) -> None:
            self._connection._conn.create_function(*args, **kwargs)

        def terminate(self) -> None:
            self._connection._connection = None
            self._connection._conn.close()

    class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
        """The DBAPI module: aiosqlite's names and exceptions (they are sqlite3's), connections opened inline."""

        def connect(self, *args: Any, **kwargs: Any) -> AsyncAdapt_inline_connection:
            kwargs.pop("async_creator_fn", None)
            kwargs.setdefault("check_same_thread", False)  # opened in the loop's thread; closed by the pool
            connection = sqlite3.connect(*args, **kwargs)
            # InlineConnection offers the awaitable methods the adapter calls, without being aiosqlite's class
            return AsyncAdapt_inline_connection(self, await_(_opened(connection)))  # type: ignore[arg-type]

    class SQLiteDialect_inline(SQLiteDialect_aiosqlite):
        """``sqlite+citybot_inline``: the aiosqlite dialect, its statements run in the loop's thread."""

        driver = DRIVER
        supports_statement_cache = True

        @classmethod
        def import_dbapi(cls) -> InlineDBAPI:
            import aiosqlite

            return InlineDBAPI(aiosqlite, sqlite3)

    registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_inline")
