"""A malformed DATABASE_URL or a database out of reach: one line naming DATABASE_URL, exit 2, no traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.helpers.cli import run_citybot

runner = CliRunner()

CASES = [
    ("not a url", "DATABASE_URL is not a database URL; expected sqlite:///"),
    ("mysql://u:secret@db.example/citybot", "DATABASE_URL mysql://u:***@db.example/citybot: citybot supports SQLite"),
    (
        "postgresql://u:secret@127.0.0.1:1/citybot",
        "DATABASE_URL postgresql://u:***@127.0.0.1:1/citybot: cannot connect",
    ),
    (
        "postgresql+psycopg2://u:secret@127.0.0.1/citybot",
        "DATABASE_URL postgresql+psycopg2://u:***@127.0.0.1/citybot: ",
    ),
]


@pytest.mark.parametrize("command", [["chat"], ["export"]])
@pytest.mark.parametrize(("url", "expected"), CASES)
def test_one_line_error_from_the_option_or_the_environment(command: list[str], url: str, expected: str) -> None:
    for args, env in (([*command, "--database-url", url], {}), (command, {"DATABASE_URL": url})):
        result = runner.invoke(app, args, env={"TELEGRAM_BOT_TOKEN": "", **env}, input="")
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and expected in result.stderr
        assert result.stderr.count("\n") == 1 and "secret" not in result.stderr
        assert result.stdout == ""


def test_no_traceback_from_the_installed_command() -> None:
    for command in ("export", "chat"):
        done = run_citybot(command, database_url="postgresql://citybot:secret@127.0.0.1:1/citybot")
        assert done.returncode == 2
        assert done.stderr.startswith(
            "error: DATABASE_URL postgresql://citybot:***@127.0.0.1:1/citybot: cannot connect"
        )
        assert done.stderr.count("\n") == 1 and done.stdout == ""
