"""Database upkeep for maintainers: run the migrations, and copy an SQLite database while the bot runs.

`citybot db upgrade` and `citybot db backup FILE` are thin commands over these two functions.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from sqlalchemy import text

from conversations.storage import database

BACKUP_PAGES_PER_STEP = 1024
"""Pages copied per step of SQLite's online backup; between steps the bot may write (4 MB at a time)."""


async def upgrade(database_url: str | None) -> str:
    """Bring the database to the newest schema (creating it if need be); the revision it is at then."""
    url = database_url or database.default_database_url()
    engine = database.create_engine(url)
    try:
        await database.migrate(engine)
        async with engine.connect() as connection:
            return str((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar())
    except BaseException as error:
        problem = database.connection_problem(url, error)
        if problem is not None:
            raise problem from error
        raise
    finally:
        await engine.dispose()


def sqlite_file(database_url: str | None) -> Path:
    """The file of an SQLite DATABASE_URL; DatabaseError for any other database."""
    url = database_url or database.default_database_url()
    parsed = database.parse_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise database.DatabaseError(
            f"{database.describe(url)}: citybot db backup copies an SQLite file; "
            "for PostgreSQL use pg_dump (e.g. pg_dump -Fc citybot > citybot.dump)"
        )
    return Path(parsed.database).expanduser()


def backup(database_url: str | None, target: Path) -> Path:
    """A consistent copy of the SQLite database in ``target``, taken with SQLite's online backup API.

    The bot may keep running and writing: the copy is the database as of one moment. It is
    written next to ``target`` first and renamed into place, so ``target`` is never half a copy.
    Returns the source file.
    """
    source = sqlite_file(database_url)
    if not source.is_file():
        raise database.DatabaseError(f"{database.describe(str(database_url or source))}: no database file {source}")
    target = target.expanduser()
    if target.resolve() == source.resolve():
        raise database.DatabaseError(f"the backup would overwrite the database itself: {target}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        writing = sqlite3.connect(partial)
        try:
            reading.execute(f"PRAGMA busy_timeout={database.BUSY_TIMEOUT_MS}")
            reading.backup(writing, pages=BACKUP_PAGES_PER_STEP)
            writing.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            reading.close()
            writing.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise database.DatabaseError(f"cannot back up {source} to {target}: {error}") from None
    return source


def run_upgrade(database_url: str | None) -> str:
    """:func:`upgrade` for the command line."""
    return asyncio.run(upgrade(database_url))
