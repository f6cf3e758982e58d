"""Reminders off Telegram: the console shows what is due when `citybot chat` starts; `citybot reminders list`."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from pathlib import Path

from bot.console import run_console
from catalogue import Catalogue
from conversations import Engine
from conversations.reminders import ReminderTimes
from tests.helpers.cli import run_citybot


async def converse(engine: Engine, lines: list[str], chart_folder: Path) -> str:
    stdout = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    await run_console(engine, user="ana", stdin=stdin, stdout=stdout, chart_folder=chart_folder)
    return stdout.getvalue()


async def test_a_reminder_due_is_shown_once_when_the_console_chat_starts(engine: Engine, tmp_path: Path) -> None:
    await converse(engine, ["1", "Leeds", "2", "/assess", "1", "/cancel"], tmp_path)
    engine.reminder_times = ReminderTimes(paused_after=timedelta(0))
    paused = engine.texts.get("reminders.paused", date=time.strftime("%Y-%m-%d", time.gmtime()))
    first = await converse(engine, [], tmp_path)
    assert first.count(paused) == 1 and f"[1] {engine.texts.get('reminders.continue')}" in first
    assert paused not in await converse(engine, [], tmp_path)  # once


def test_reminders_list_shows_ids_kinds_and_states_but_no_names(tmp_path: Path, catalogue: Catalogue) -> None:
    database = f"sqlite:///{tmp_path / 'c.db'}"
    run_citybot("chat", "--user", "ana", database_url=database, lines=["1", "Leeds", "2", "/assess", "1"])
    listed = run_citybot("reminders", "list", database_url=database)
    assert listed.returncode == 0, listed.stderr
    assert "paused" in listed.stdout and "upcoming" in listed.stdout and "participant 1" in listed.stdout
    assert "ana" not in listed.stdout and "Leeds" not in listed.stdout
    assert listed.stdout.strip().endswith("paused: 1 upcoming")
