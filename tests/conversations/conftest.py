"""The scenario tests run on every database citybot supports: SQLite, and PostgreSQL when configured.

As aiogram runs one storage test class on every storage, each test using ``database_url`` or
``engine`` runs once per backend (``test_x[sqlite]``, ``test_x[postgresql]``). PostgreSQL needs
``CITYBOT_TEST_POSTGRES_URL`` (see tests/helpers/postgres.py); without it those runs are skipped.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from catalogue import Catalogue
from conversations import open_engine
from tests.conftest import run_aside
from tests.helpers import postgres

BACKENDS = ["sqlite", "postgresql"]
HERE = str(Path(__file__))


@pytest.fixture(scope="session")
def migrated_postgres(catalogue: Catalogue) -> Iterator[postgres.SharedDatabase]:
    """A PostgreSQL database with the newest schema, made once per run and dropped at the end."""
    url = run_aside(lambda: postgres.create_database(postgres.admin_url()))

    async def migrate() -> set[str]:
        engine = await open_engine(url, catalogue)
        await engine.close()
        return await postgres.table_names(url)

    try:
        tables = run_aside(migrate)
        assert tables == {table.name for table in SQLModel.metadata.sorted_tables}, "emptying must empty all"
        shared = postgres.SharedDatabase(url)
        try:
            yield shared
        finally:
            shared.close()
    finally:
        run_aside(lambda: postgres.drop_database(url))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """A fresh database of this test's own, on each backend in turn (PostgreSQL skipped if not configured)."""
    if request.param == "sqlite":
        return sqlite_url
    if not postgres.configured():
        pytest.skip(postgres.SKIP_REASON)
    shared: postgres.SharedDatabase = request.getfixturevalue("migrated_postgres")
    shared.empty()
    return shared.url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    """Report the PostgreSQL runs skipped for want of a server as one line, not one per test."""
    report = yield
    longrepr = getattr(report, "longrepr", None)
    if getattr(report, "skipped", False) and isinstance(longrepr, tuple) and postgres.SKIP_REASON in longrepr[2]:
        report.longrepr = (HERE, None, longrepr[2])  # type: ignore[attr-defined]
    return report
