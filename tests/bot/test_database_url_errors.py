"""A malformed DATABASE_URL or a database out of reach: one line naming DATABASE_URL, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.helpers.cli import clear_settings, run_citybot

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings(monkeypatch, tmp_path)  # neither the developer's variables nor a stray .env


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
@pytest.mark.parametrize("given_in", ["option", "environment", ".env"])
def test_one_line_error_from_the_option_the_environment_or_dotenv(
    command: list[str], url: str, expected: str, given_in: str, tmp_path: Path
) -> None:
    args, env = command, {}
    if given_in == "option":
        args = [*command, "--database-url", url]
    elif given_in == "environment":
        env = {"DATABASE_URL": url}
    else:
        (tmp_path / ".env").write_text(f"DATABASE_URL={url!r}\n", encoding="utf-8")
    result = runner.invoke(app, args, env=env, input="")
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
