"""The database: URL forms, SQLite settings, migrations, and deleting a participant's data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from catalogue import Catalogue
from conversations import open_engine
from conversations.city_matching import city_key
from conversations.storage.database import BUSY_TIMEOUT_MS, alembic_config, async_url, default_database_url


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("sqlite:///data/citybot.db", "sqlite+aiosqlite:///data/citybot.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://u:pw@db.example/citybot", "postgresql+asyncpg://u:pw@db.example/citybot"),
        ("postgres://u:pw@db/citybot", "postgresql+asyncpg://u:pw@db/citybot"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_plain_urls_get_async_drivers(plain: str, expected: str) -> None:
    assert async_url(plain) == expected


def test_default_database_is_a_file_in_the_data_directory_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")  # read by bot.settings only, never here
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    url = default_database_url()
    assert url.startswith("sqlite:///") and url.endswith("citybot.db") and str(tmp_path) in url


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    sqlite_url: str, catalogue: Catalogue
) -> None:
    async with await open_engine(sqlite_url, catalogue) as engine, engine.db.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == BUSY_TIMEOUT_MS
        assert (await connection.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL


async def test_migrations_create_the_schema_once(tmp_path: Path, catalogue: Catalogue) -> None:
    database_url = f"sqlite:///{tmp_path / 'empty.db'}"  # no file yet: the migrations create it
    for _ in range(2):  # opening an up-to-date database again is a no-op
        async with await open_engine(database_url, catalogue) as engine, engine.db.connect() as connection:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            tables = {
                row[0] for row in await connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            }
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert {"city", "participant", "assessment", "answer", "answer_change", "note", "conversation"} <= tables
    assert {"asked_question", "processed_update"} <= tables


async def test_in_memory_database_works(catalogue: Catalogue) -> None:
    async with await open_engine("sqlite://", catalogue) as engine:
        assert await engine.export_answers() == []


@pytest.mark.parametrize(
    ("a", "b"), [("São Paulo", "sao  paulo"), ("Rotterdam", "ROTTERDAM "), ("Den-Haag", "den haag")]
)
def test_city_keys_ignore_case_accents_and_punctuation(a: str, b: str) -> None:
    assert city_key(a) == city_key(b)
