"""Shared fixtures: the catalogue, and a fresh SQLite database per test with an engine on it.

Each test's database is a copy of one migrated once per run: as fresh as an empty file run
through the migrations, and faster. tests/conversations/conftest.py runs its tests on
PostgreSQL as well.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from catalogue import Catalogue
from conversations import Engine, open_engine

T = TypeVar("T")


def run_aside(job: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion in a thread of its own, away from the tests' event loops."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, job()).result()  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    """An SQLite file with the newest schema and no rows, made once per run."""
    path = tmp_path_factory.mktemp("migrated") / "citybot.db"

    async def migrate() -> None:
        engine = await open_engine(f"sqlite:///{path}", catalogue)
        await engine.close()

    run_aside(migrate)
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A fresh SQLite database of this test's own (a copy of the migrated, empty one)."""
    path = tmp_path / "citybot.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
async def engine(database_url: str, catalogue: Catalogue) -> AsyncIterator[Engine]:
    engine = await open_engine(database_url, catalogue)
    yield engine
    await engine.close()
