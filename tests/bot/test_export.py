"""`citybot export`: every stored answer as CSV, JSON or Excel, optionally for one city, to screen or file.

The workshop filters, dates and the coordinator commands are in test_workshop_cli.py.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.export import ANSWER_FIELDS, csv_bytes, json_bytes
from catalogue import Catalogue
from conversations import open_engine
from tests.helpers.chat import Chat
from tests.helpers.cli import clear_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings(monkeypatch, tmp_path)  # neither the developer's variables nor a stray .env


async def fill(database_url: str, catalogue: Catalogue) -> None:
    async with await open_engine(database_url, catalogue) as engine:
        alice, bob = Chat(engine, "alice", "Alice"), Chat(engine, "bob", "Bob")
        await alice.onboard("Rotterdam")
        await alice.command("/assess")
        await alice.choose("Add a note")
        await alice.say("Team set up in 2021, meets monthly")
        await alice.choose("Done")
        await alice.choose("Not yet")
        await bob.onboard("Glasgow")
        await bob.command("/assess")
        await bob.choose("Not sure")


def test_csv_and_json_rows(database_url: str, catalogue: Catalogue, tmp_path: Path) -> None:
    asyncio.run(fill(database_url, catalogue))
    result = runner.invoke(app, ["export", "--format", "csv", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("\ufeff")  # UTF-8 with a byte-order mark, as Excel wants it
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == ANSWER_FIELDS
    assert [(r["city"], r["action_code"], r["answer"], r["implied"]) for r in rows] == [
        ("Rotterdam", "L1S1", "done", "false"),
        ("Rotterdam", "L1S2", "not_yet", "false"),
        ("Glasgow", "L1S1", "unknown", "false"),
    ]
    alice, _, bob = (r["participant"] for r in rows)
    assert alice == rows[1]["participant"] != bob and alice.startswith("P-")  # pseudonyms, not names
    assert "Alice" not in result.stdout and "Bob" not in result.stdout
    assert rows[0]["note"] == "Team set up in 2021, meets monthly"
    assert (rows[0]["domain"], rows[0]["area"], rows[0]["stage"], rows[0]["stage_name"]) == ("L", "L1", "S", "Starting")
    assert (
        rows[0]["area_title"] == catalogue.area("L1").title
        and rows[0]["action_title"] == catalogue.action("L1S1").title
    )
    assert rows[0]["answered_at"].endswith("+00:00")

    target = tmp_path / "glasgow.json"
    result = runner.invoke(
        app, ["export", "-f", "json", "--city", "glasgow", "-o", str(target), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    [row] = json.loads(target.read_text())
    assert (row["city"], row["action_code"], row["answer"]) == ("Glasgow", "L1S1", "unknown")


def test_bad_format_is_refused() -> None:
    result = runner.invoke(app, ["export", "--format", "pdf"])
    assert result.exit_code != 0


def test_empty_export() -> None:
    assert json_bytes([]) == b"[]\n"
    assert csv_bytes([]).decode("utf-8-sig") == ",".join(ANSWER_FIELDS) + "\r\n"


def test_default_without_token_opens_the_console(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = runner.invoke(app, [], input="/help\n")
    assert result.exit_code == 0, result.output
    assert "To go live on Telegram, set TELEGRAM_BOT_TOKEN" in result.stdout and "/checkin:" in result.stdout
