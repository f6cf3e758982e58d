"""`citybot db upgrade` and `citybot db backup FILE`: the schema brought up to date, a consistent copy while in use."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

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


def grow(path: Path, megabytes: int) -> None:
    """Make the database about this big: outboxes of past updates, as a long-running bot has them."""
    reply = '[{"__type__": "Reply", "text": "' + "x" * 900 + '"}]'
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO processed_update (update_id, processed_at, replies) VALUES (?, '2026-01-01 00:00:00', ?)",
            ((f"old-{n}", reply) for n in range(megabytes * 1000)),
        )


def keep_writing(path: Path, stop: threading.Event, written: list[int]) -> None:
    """Another process's steady writes: one small transaction after another, as the bot commits updates."""
    connection = sqlite3.connect(path, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    n = 0
    while not stop.is_set():
        connection.execute(
            "INSERT INTO processed_update (update_id, processed_at) VALUES (?, '2026-12-01 00:00:00')", (f"new-{n}",)
        )
        connection.commit()
        n += 1
    written.append(n)
    connection.close()


def test_db_backup_finishes_under_continuous_writes_and_says_how_big_the_checked_copy_is(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    assert run_citybot("db", "upgrade", database_url=f"sqlite:///{path}").returncode == 0
    grow(path, 20)
    stop, written = threading.Event(), []
    writer = threading.Thread(target=keep_writing, args=(path, stop, written))
    writer.start()
    try:
        time.sleep(0.2)
        result = run_citybot("db", "backup", str(tmp_path / "copy.db"), database_url=f"sqlite:///{path}")
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert written[0] > 0  # the writes went on meanwhile
    size = (tmp_path / "copy.db").stat().st_size
    assert f"{size / 1_000_000:.1f} MB" in result.stdout and "quick_check ok" in result.stdout, result.stdout
    assert size > 20_000_000
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM processed_update WHERE update_id LIKE 'old-%'").fetchone() == (
            20_000,
        )
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == ["copy.db"]


@pytest.mark.parametrize("failure", ["check", "interrupt"])
def test_a_backup_that_fails_leaves_no_partial_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    from bot import maintenance
    from conversations import DatabaseError

    path = tmp_path / "live.db"
    assert run_citybot("db", "upgrade", database_url=f"sqlite:///{path}").returncode == 0
    (tmp_path / "backups").mkdir()
    target = tmp_path / "backups" / "copy.db"
    (tmp_path / "backups" / ".copy.db.partial").write_bytes(b"left by a power cut")

    def failing_check(copy: Path) -> str:
        assert copy.is_file()  # the copy was being written when it failed
        if failure == "interrupt":
            raise KeyboardInterrupt
        return "*** in database main ***\nPage 7: btreeInitPage() returns error code 11"

    monkeypatch.setattr(maintenance, "check_copy", failing_check)
    with pytest.raises(KeyboardInterrupt if failure == "interrupt" else DatabaseError):
        maintenance.backup(f"sqlite:///{path}", target)
    assert list((tmp_path / "backups").iterdir()) == []
