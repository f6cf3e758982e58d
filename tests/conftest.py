"""Shared fixtures: a fresh SQLite file per test and an engine on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from catalogue import Catalogue
from conversations import Engine, open_engine


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'citybot.db'}"


@pytest.fixture
async def engine(database_url: str, catalogue: Catalogue) -> AsyncIterator[Engine]:
    engine = await open_engine(database_url, catalogue)
    yield engine
    await engine.close()
