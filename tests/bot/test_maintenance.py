"""`citybot db upgrade` and `citybot db backup FILE`: the schema brought up to date, a consistent copy while in use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from catalogue import Catalogue
from conversations import open_engine
from tests.helpers.chat import Chat
from tests.helpers.cli import run_citybot


def test_db_upgrade_creates_or_upgrades_the_database_and_names_the_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = run_citybot("db", "upgrade", database_url=url)
    again = run_citybot("db", "upgrade", database_url=url)
    assert first.returncode == 0 and again.returncode == 0, first.stderr
    assert first.stdout == again.stdout and "revision" in first.stdout
    assert (tmp_path / "new.db").is_file()


async def test_db_backup_copies_everything_committed_even_while_the_bot_has_the_database_open(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    async with await open_engine(url, catalogue) as engine:  # still open, its last writes still in the WAL file
        chat = Chat(engine)
        await chat.onboard()
        await chat.command("/assess")
        await chat.press("answers.done")
        result = run_citybot("db", "backup", str(tmp_path / "copy.db"), database_url=url)
        assert result.returncode == 0, result.stderr
        expected = await engine.export_answers()
    assert not (tmp_path / "copy.db-wal").exists()  # one self-contained file
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    async with await open_engine(f"sqlite:///{tmp_path / 'copy.db'}", catalogue) as restored:
        assert await restored.export_answers() == expected != []


def test_db_backup_of_postgresql_points_to_pg_dump_in_one_line_without_the_password(tmp_path: Path) -> None:
    result = run_citybot(
        "db", "backup", str(tmp_path / "x.db"), database_url="postgresql://ana:s3cret@db.example.org/c"
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "pg_dump" in result.stderr and "s3cret" not in result.stderr


def test_db_backup_of_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run_citybot("db", "backup", str(tmp_path / "x.db"), database_url=f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "none.db" in result.stderr


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def test_a_database_from_a_newer_citybot_stops_every_command_with_one_line_naming_both_revisions_and_changes_nothing(
    tmp_path: Path,
) -> None:
    from conversations.storage.database import head_revision

    path = tmp_path / "newer.db"
    url = f"sqlite:///{path}"
    assert run_citybot("db", "upgrade", database_url=url).returncode == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    before = dump(path)
    (tmp_path / ".env").write_text(  # `run` needs a token; the database stops it before Telegram is called
        "TELEGRAM_BOT_TOKEN=7000001:AAHfakeTokenForTests_0123456789abcdef\nTELEGRAM_API_BASE_URL=http://127.0.0.1:9\n"
    )
    for command in (["db", "upgrade"], ["chat", "--user", "ana"], ["run"]):
        result = run_citybot(*command, database_url=url, cwd=tmp_path, lines=["/help"])
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, (command, result.stderr)
        assert "0099" in result.stderr and f"newest is {head_revision()}" in result.stderr, result.stderr
        assert dump(path) == before, command
