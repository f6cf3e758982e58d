"""Opening the database: URL forms users know, the async driver, SQLite pragmas and migrations.

SQLite is the default (a file in the user's data directory). It gets WAL, a busy timeout,
``synchronous=NORMAL`` and foreign keys, and a single connection: SQLite has one writer
anyway, and one connection never meets "database is locked". Its statements run in the event
loop's thread (:mod:`conversations.storage.sqlite_inline`) rather than on aiosqlite's worker
thread, which took longer to hand each statement over than SQLite takes to run it;
``sqlite+aiosqlite://`` still selects aiosqlite. PostgreSQL (``DATABASE_URL``)
serves several bot processes sharing one database: migrations and each user's updates are
serialised across processes with transaction-scoped advisory locks.

Anything that makes the database unusable (a malformed URL, an unsupported kind of database,
a server that cannot be reached or refuses us) is raised as :class:`DatabaseError`, one line.
"""

from __future__ import annotations

import asyncio
import errno
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InvalidRequestError, NoSuchModuleError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, StaticPool

from conversations.storage import sqlite_inline

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*["']([^"']+)["']""", re.MULTILINE)
DOWN_REVISION = re.compile(r"""^down_revision\s*(?::[^=\n]*)?=\s*(?:["']([^"']+)["']|(None))\s*$""", re.MULTILINE)
BUSY_TIMEOUT_MS = 250
"""How long one statement waits for another process's write lock. Short, because SQLite statements run
in the event loop's thread (``sqlite_inline``): the engine tries again with pauses (``engine.PROBE_PAUSES``),
one update at a time, instead of one long wait that would stall every chat."""
POOL_SIZE = 20
POOL_OVERFLOW = 10
"""PostgreSQL connections per process: updates waiting their turn look at the inbox every few milliseconds, and
an update's arrival must not wait behind them for a connection (SQLAlchemy's default, 5 + 10, made it wait)."""
ARRIVAL_POOL_SIZE = 4
"""PostgreSQL connections per process kept for noting arrivals only (one short INSERT each), so that an update's
arrival never waits behind processing for a connection; one more holds the process's liveness lock."""
CONNECT_TIMEOUT_S = 10
"""How long to wait for a PostgreSQL server before saying it cannot be reached."""
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_FORMS = "sqlite:///path/to/file.db or postgresql://user:password@host/dbname"
LOCK_NAMESPACE_MIGRATIONS = 0x63620001
LOCK_NAMESPACE_USERS = 0x63620002
LOCK_NAMESPACE_PROCESSES = 0x63620003
"""First keys of PostgreSQL advisory locks (the two-int form); the second is 0 or a hash of the user id."""
RETRYABLE_SQLSTATES = frozenset({"23505", "40001", "40P01"})
"""unique_violation (two processes inserting the same new row), serialization_failure, deadlock_detected."""


BUSY_SQLSTATES = frozenset({"55P03"})
"""lock_not_available: another session holds a lock we need (PostgreSQL)."""
BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")
SQLITE_STORAGE_CODES = {
    5: "busy",  # SQLITE_BUSY: another process holds the write lock
    6: "busy",  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY
    10: "I/O error",  # SQLITE_IOERR (and its extended codes)
    11: "corrupt",  # SQLITE_CORRUPT
    13: "full",  # SQLITE_FULL: database or disk is full
    14: "cannot open",  # SQLITE_CANTOPEN
    15: "busy",  # SQLITE_PROTOCOL: a lock race in WAL mode
    26: "corrupt",  # SQLITE_NOTADB
}
"""SQLite's primary result codes that mean the file cannot take the write now, by what they mean."""
SQLITE_STORAGE_MESSAGES = {
    "database or disk is full": "full",
    "disk i/o error": "I/O error",
    "readonly database": "read-only",
    "database disk image is malformed": "corrupt",
    "file is not a database": "corrupt",
    "unable to open database file": "cannot open",
}
"""The same, by message, for drivers that do not pass the code on."""
POSTGRES_STORAGE_SQLSTATES = {
    "53100": "full",  # disk_full
    "53200": "out of memory",
    "53300": "too many connections",
    "57P01": "server shutting down",  # admin_shutdown
    "57P02": "server crashed",  # crash_shutdown
    "57P03": "server starting",  # cannot_connect_now
    "58030": "I/O error",  # io_error
    "25006": "read-only",  # read_only_sql_transaction (a standby)
    "XX001": "corrupt",  # data_corrupted
    "XX002": "corrupt",  # index_corrupted
}
"""PostgreSQL SQLSTATEs that mean the server cannot store anything now; class 08 (connection) counts too."""
STORAGE_ERRNOS = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EIO: "I/O error",
    errno.EROFS: "read-only",
}
"""File-system errors from the operating system."""
LOST_CONNECTION_MESSAGES = ("connection is closed", "connection was closed", "closed the connection", "reset by peer")


class StorageUnavailable(Exception):
    """The database could not store the update: nothing of it was stored; the transport should deliver it again.

    Disk full, an I/O error, a read-only or corrupt file, a lost connection, another process holding the write lock.

    ``kind`` says which failure ("full", "busy", "lost connection"...); ``retry_after`` how many seconds until
    the engine tries the database again, ``recovered`` an event set once it works again, and ``notice`` the one
    message to show the user while it lasts (``None`` when the user was told already, or need not be yet).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "unavailable",
        retry_after: float = 0.0,
        recovered: asyncio.Event | None = None,
        notice: Any = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.recovered = recovered
        self.notice = notice


def _causes(error: BaseException) -> list[BaseException]:
    """The error, the driver's error it wraps (``orig``), and what caused those, without repeats."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is known for known in seen) or len(seen) > 10:
            continue
        seen.append(current)
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def storage_failure(error: BaseException) -> str | None:
    """What kind of storage failure ``error`` is ("full", "busy", "I/O error", "lost connection"...), or ``None``.

    ``None`` means the database works and the error is something else (a bug in a flow, a constraint): such an
    update is answered with an apology. A storage failure is never apologised for: it comes back once storage works.
    """
    if isinstance(error, StorageUnavailable):
        return error.kind
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return "lost connection"
    for cause in _causes(error):
        if isinstance(cause, sqlite3.Error):
            code = getattr(cause, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in SQLITE_STORAGE_CODES:
                return SQLITE_STORAGE_CODES[code & 0xFF]
            message = str(cause).lower()
            if any(busy in message for busy in BUSY_MESSAGES):
                return "busy"
            for known, kind in SQLITE_STORAGE_MESSAGES.items():
                if known in message:
                    return kind
            continue
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate:
            if sqlstate in BUSY_SQLSTATES:
                return "busy"
            if sqlstate in POSTGRES_STORAGE_SQLSTATES:
                return POSTGRES_STORAGE_SQLSTATES[sqlstate]
            if sqlstate.startswith("08"):
                return "lost connection"
        if isinstance(cause, OSError) and cause.errno in STORAGE_ERRNOS:
            return STORAGE_ERRNOS[cause.errno]
        if isinstance(cause, ConnectionError | TimeoutError):
            return "lost connection"
        if type(cause).__module__.startswith("asyncpg") or isinstance(cause, DBAPIError):
            message = str(cause).lower()
            if any(lost in message for lost in LOST_CONNECTION_MESSAGES):
                return "lost connection"
    return None


def is_busy(error: BaseException) -> bool:
    """Whether the statement failed only because another connection holds the lock it needs."""
    return storage_failure(error) == "busy"


class DatabaseError(Exception):
    """The database cannot be used; the message is one line naming the URL (password hidden) and the problem."""


def default_database_url() -> str:
    """An SQLite file in the user's data directory (created on first run), for when no database URL is given.

    citybot's settings read ``DATABASE_URL`` (environment over ``.env``) and hand it to ``open_engine``.
    """
    from platformdirs import user_data_path  # only when no DATABASE_URL is given: not at every start

    directory = user_data_path("citybot", appauthor=False)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseError(f"cannot create the data folder {directory} ({error.strerror}); set DATABASE_URL") from None
    return f"sqlite:///{directory / 'citybot.db'}"


def parse_url(url: str) -> URL:
    """The URL parsed, or :class:`DatabaseError` (without echoing it: it may hold a password)."""
    if _userinfo(url).count("@"):
        raise DatabaseError(
            f"{describe(url)}: the user name or password contains '@': percent-encode it (@ is %40, : is %3A, / is %2F)"
        )
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseError(f"DATABASE_URL is not a database URL; expected {URL_FORMS}") from None


def _userinfo(url: str) -> str:
    """What stands between ``scheme://`` and the host: up to the last ``@`` (a password may hold another)."""
    scheme, separator, rest = url.partition("://")
    return rest.rpartition("@")[0] if separator and not scheme.startswith("sqlite") else ""


def describe(url: str) -> str:
    """``DATABASE_URL <url>`` with the password hidden, to start an error message with.

    Hides everything after the user name up to the last ``@``, so a password with an unencoded
    ``@`` (which URL parsers split in the wrong place) is not partly shown either.
    """
    userinfo = _userinfo(url)
    if userinfo:
        scheme, _, rest = url.partition("://")
        user, has_password, _ = userinfo.partition(":")
        url = f"{scheme}://{user}{':***' if has_password else ''}@{rest[len(userinfo) + 1 :]}"
    return f"DATABASE_URL {url}" if "://" in url else "DATABASE_URL"


def async_url(url: str) -> str:
    """Map the plain forms (``sqlite:///file.db``, ``postgresql://...``) to their async drivers."""
    parsed = parse_url(url)
    driver = ASYNC_DRIVERS.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


POSTGRES_OPTIONS = ("sslmode", "connect_timeout", "application_name")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def postgres_options(url: str, query: Mapping[str, Any]) -> dict[str, Any]:
    """The libpq options people put in a PostgreSQL URL (``?sslmode=require``) as asyncpg's connect arguments."""
    options: dict[str, Any] = {}
    for name, value in query.items():
        value = value[-1] if isinstance(value, tuple) else value
        if name == "sslmode" and value in SSL_MODES:
            options["ssl"] = value
        elif name == "connect_timeout" and str(value).isdigit():
            options["timeout"] = float(value)
        elif name == "application_name":
            options["server_settings"] = {"application_name": str(value)}
        else:
            understood = ", ".join(POSTGRES_OPTIONS)
            raise DatabaseError(
                f"{describe(url)}: citybot does not understand the option {name}={value}; it understands {understood}"
            )
    return options


def is_sqlite(url: str) -> bool:
    return parse_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = POOL_OVERFLOW) -> AsyncEngine:
    """An async SQLAlchemy engine; for SQLite with pragmas set on every connection and one connection only.

    Raises :class:`DatabaseError` for a malformed URL, a database other than SQLite or PostgreSQL,
    a missing driver, or an SQLite file whose folder cannot be created.
    """
    plain = url
    url = async_url(url)
    parsed = make_url(url)
    if parse_url(plain).drivername == "sqlite" and sqlite_inline.AVAILABLE:
        parsed = parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}")  # no thread hop per statement
        url = parsed.render_as_string(hide_password=False)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"{describe(plain)}: citybot supports SQLite and PostgreSQL, not {backend!r}; use {URL_FORMS}"
        )
    try:
        if backend == "postgresql":
            connect_args: dict[str, Any] = {}
            if parsed.get_driver_name() == "asyncpg":  # libpq's URL options, in asyncpg's words
                connect_args = {"timeout": CONNECT_TIMEOUT_S, **postgres_options(plain, parsed.query)}
                url = parsed.set(query={}).render_as_string(hide_password=False)
            return create_async_engine(
                url, pool_pre_ping=True, connect_args=connect_args, pool_size=pool_size, max_overflow=max_overflow
            )
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseError(f"{describe(plain)}: cannot create the folder {folder}: {error.strerror}") from None
            engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)
        else:
            engine = create_async_engine(url, poolclass=StaticPool)
    except (NoSuchModuleError, ImportError) as error:
        raise DatabaseError(f"{describe(plain)}: its driver is not installed ({error})") from None
    except InvalidRequestError as error:  # e.g. a driver that is not async: postgresql+psycopg2://
        raise DatabaseError(f"{describe(plain)}: {error}") from None
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def connection_problem(url: str, error: BaseException) -> DatabaseError | None:
    """A :class:`DatabaseError` for an error met while connecting or migrating, ``None`` if it is not one."""
    if isinstance(error, DBAPIError):
        original = error.orig if error.orig is not None else error
        cause = getattr(original, "__cause__", None) or original  # the driver's own exception, if wrapped
        problem = str(cause).strip() or type(cause).__name__
        what = "cannot use the database"
    elif isinstance(error, TimeoutError):
        problem, what = f"no answer within {CONNECT_TIMEOUT_S} s", "cannot connect"
    elif isinstance(error, OSError):
        problem, what = error.strerror or str(error) or type(error).__name__, "cannot connect"
    else:
        return None
    first_line = problem.splitlines()[0] if problem.splitlines() else problem
    return DatabaseError(f"{describe(url)}: {what}: {first_line}")


@contextmanager
def connection_problems(url: str) -> Iterator[None]:
    """Errors met while connecting or migrating raised as one-line :class:`DatabaseError`; any other unchanged."""
    try:
        yield
    except BaseException as error:
        problem = connection_problem(url, error)
        if problem is not None:
            raise problem from error
        raise


def is_retryable(error: BaseException) -> bool:
    """A conflict with another process's concurrent transaction: running the update again will do."""
    if not isinstance(error, DBAPIError):
        return False
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros, not left readable
    cursor.close()


async def wipe_deleted(engine: AsyncEngine) -> None:
    """After a deletion that must leave nothing readable (``/forget``): copy the WAL into the file and empty it.

    With ``secure_delete`` on, the deleted rows are zeros in the pages written; the old pages
    stay in the WAL until a checkpoint, which ``TRUNCATE`` makes complete and follows by
    truncating the WAL to nothing. PostgreSQL needs nothing here (its VACUUM reclaims space).
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configured from code: the migrations ship inside the package, no alembic.ini needed."""
    from alembic.config import Config  # Alembic is only imported when the schema needs it

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database).

    On PostgreSQL the whole upgrade runs in one transaction under an advisory lock, so two
    processes starting at once do not both create the tables: the second waits, then finds
    the schema current.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, 0)"), {"namespace": LOCK_NAMESPACE_MIGRATIONS}
            )
        if await connection.run_sync(_schema_is_current):
            return  # the usual start: no migration to run, and no need to import Alembic (a second on a busy machine)
        await connection.run_sync(_refuse_newer_schema)
        await connection.run_sync(_upgrade)


def head_revision() -> str | None:
    """The newest migration's id, read from the scripts' ``revision``/``down_revision`` lines.

    ``None`` when that is not one plain chain (a merge, an odd script): then Alembic decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = REVISION.search(source), DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _schema_is_current(connection: Connection) -> bool:
    head = head_revision()
    if head is None or not inspect(connection).has_table("alembic_version"):
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions == [head]


class SchemaTooNew(DatabaseError):
    """The database was migrated by a newer citybot: this one does not know its schema, and changes nothing."""


def known_revisions() -> set[str]:
    """The ids of the migrations this citybot ships."""
    found = (REVISION.search(script.read_text(encoding="utf-8")) for script in (MIGRATIONS / "versions").glob("*.py"))
    return {match.group(1) for match in found if match is not None}


def _refuse_newer_schema(connection: Connection) -> None:
    """Stop, before any change, when the database is at a revision this citybot does not ship."""
    if not inspect(connection).has_table("alembic_version"):
        return
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    unknown = sorted(set(versions) - known_revisions())
    if unknown:
        raise SchemaTooNew(
            f"the database is at revision {', '.join(unknown)}, newer than this citybot, whose newest is "
            f"{head_revision() or 'unknown'}: nothing was changed; run the citybot that upgraded it (or a newer one)"
        )


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


async def hold_process_lock(connection: AsyncConnection, process: str) -> None:
    """Take this process's liveness lock on a connection kept open for its lifetime (PostgreSQL).

    A session-level advisory lock: PostgreSQL lets it go the moment the connection ends, so when the
    process dies (``kill -9`` included, the kernel closes its sockets) the others know at once.
    """
    await connection.execute(
        text("SELECT pg_advisory_lock(:namespace, hashtext(:process))"),
        {"namespace": LOCK_NAMESPACE_PROCESSES, "process": process},
    )
    await connection.commit()


async def process_gone(session: AsyncSession, process: str) -> bool:
    """Whether the named process no longer holds its liveness lock (it died, or stopped), PostgreSQL only."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return False
    free = await connection.scalar(
        text("SELECT pg_try_advisory_xact_lock_shared(:namespace, hashtext(:process))"),
        {"namespace": LOCK_NAMESPACE_PROCESSES, "process": process},
    )
    return bool(free)


async def lock_user(session: AsyncSession, user_id: str) -> datetime | None:
    """Hold this user's lock until the session's transaction ends (PostgreSQL; SQLite has one writer anyway).

    Two bot processes sharing a database may each get an update of the same user (a double tap, a
    redelivery); the second waits for the first to commit and then sees its writes, as in one process.
    Returns the server's clock once the lock is held (PostgreSQL): the session's next statement sees
    everything committed before then.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        locked: datetime | None = await connection.scalar(
            text(
                "SELECT clock_timestamp() FROM (SELECT pg_advisory_xact_lock(:namespace, hashtext(:user_id))) AS locked"
            ),
            {"namespace": LOCK_NAMESPACE_USERS, "user_id": user_id},
        )
        return locked
    return None


def upsert(dialect: str) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` clauses."""
    if dialect == "postgresql":  # imported here: loading the PostgreSQL dialect costs SQLite users 0.1 s at start
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
