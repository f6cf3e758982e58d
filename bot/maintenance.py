"""Database upkeep for maintainers: run the migrations, and copy an SQLite database while the bot runs.

`citybot db upgrade` and `citybot db backup FILE` are thin commands over these two functions.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from conversations.storage import database

BACKUP_BUSY_TIMEOUT_MS = 5_000
"""How long the copy waits to begin its read, should another process be recovering the WAL at that moment."""
PARTIAL_SUFFIXES = ("", "-journal", "-wal", "-shm")
"""The files SQLite may leave beside a copy being written; all removed if the backup fails."""


@dataclass(frozen=True)
class Backup:
    """A finished backup: where from, where to, how big, and what SQLite's check of the copy said."""

    source: Path
    target: Path
    size: int
    check: str
    seconds: float


async def upgrade(database_url: str | None) -> str:
    """Bring the database to the newest schema (creating it if need be); the revision it is at then."""
    url = database_url or database.default_database_url()
    engine = database.create_engine(url)
    try:
        with database.connection_problems(url):
            await database.migrate(engine)
            async with engine.connect() as connection:
                return str((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar())
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


def backup(database_url: str | None, target: Path) -> Backup:
    """A consistent copy of the SQLite database in ``target``, written with ``VACUUM INTO`` and checked.

    ``VACUUM INTO`` reads the database in one read transaction (in WAL mode the bot keeps writing
    meanwhile, unhindered) and writes the copy in one pass, so it takes time in proportion to the
    file, however busy the bot is; SQLite's online backup API, copying a few pages per step, starts
    over whenever the bot writes and may never finish under load. The copy is written next to
    ``target``, checked with ``PRAGMA quick_check``, synced and then renamed into place, so ``target``
    is never half a copy; on any failure (or Ctrl+C) nothing of it is left behind.
    """
    source = sqlite_file(database_url)
    if not source.is_file():
        raise database.DatabaseError(f"{database.describe(str(database_url or source))}: no database file {source}")
    target = target.expanduser()
    if target.resolve() == source.resolve():
        raise database.DatabaseError(f"the backup would overwrite the database itself: {target}")
    partial = target.with_name(f".{target.name}.partial")
    started = time.monotonic()
    done = False
    try:
        remove_partial(partial)  # a copy left by a power cut: VACUUM INTO needs the file absent or empty
        reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            reading.execute(f"PRAGMA busy_timeout={BACKUP_BUSY_TIMEOUT_MS}")
            reading.execute("VACUUM INTO ?", (str(partial),))
        finally:
            reading.close()
        check = check_copy(partial)
        if check != "ok":
            raise database.DatabaseError(f"cannot back up {source} to {target}: the copy fails its check: {check}")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
        done = True
    except (sqlite3.Error, OSError) as error:
        raise database.DatabaseError(f"cannot back up {source} to {target}: {error}") from None
    finally:
        if not done:
            remove_partial(partial)
    return Backup(source, target, target.stat().st_size, check, time.monotonic() - started)


def check_copy(path: Path) -> str:
    """Make the copy one self-contained file (no WAL beside it), then SQLite's quick check: "ok" or the problems."""
    copy = sqlite3.connect(path)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = [str(row[0]) for row in copy.execute("PRAGMA quick_check")]
    finally:
        copy.close()
    return "; ".join(problems[:3]) if problems != ["ok"] else "ok"


def remove_partial(partial: Path) -> None:
    """Remove an unfinished copy and whatever SQLite wrote beside it."""
    for suffix in PARTIAL_SUFFIXES:
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


def run_upgrade(database_url: str | None) -> str:
    """:func:`upgrade` for the command line."""
    return asyncio.run(upgrade(database_url))
