"""Configuration: one place, environment over .env, one-line errors with exit code 2, documented in --help."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.telegram import ENV_VARS, ConfigError, load_settings
from bot.telegram.config import parse_env_file
from tests.helpers.fake_telegram import TOKEN


def test_token_and_defaults() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert settings.token == TOKEN
    assert settings.webhook_url is None and settings.api_base_url is None
    assert TOKEN not in repr(settings)


def test_webhook_settings() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://bot.example.org/citybot/hook",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": "8080",
            "WEBHOOK_SECRET": "s3cret-Value_1",
            "TELEGRAM_API_BASE_URL": "http://localhost:8081/",
        },
        env_file=None,
    )
    assert (settings.webhook_listen, settings.webhook_port, settings.webhook_path) == (
        "127.0.0.1",
        8080,
        "citybot/hook",
    )
    assert settings.webhook_secret == "s3cret-Value_1"
    assert settings.api_base_url == "http://localhost:8081"


def test_webhook_without_secret_gets_a_random_one() -> None:
    first = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/h"}, env_file=None)
    second = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/h"}, env_file=None)
    assert first.webhook_secret and second.webhook_secret and first.webhook_secret != second.webhook_secret


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEBHOOK_PORT=9000\nDATABASE_URL='sqlite:///from-dotenv.db'\n")
    settings = load_settings({"WEBHOOK_PORT": "9001"}, env_file=env_file)
    assert (settings.token, settings.webhook_port, settings.database_url) == (TOKEN, 9001, "sqlite:///from-dotenv.db")


@pytest.mark.parametrize(
    ("environ", "mentions"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_PORT": "http"}, "WEBHOOK_PORT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "bot.example.org"}, "WEBHOOK_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "localhost:8081"}, "TELEGRAM_API_BASE_URL"),
    ],
)
def test_bad_settings_say_what_to_set(environ: dict[str, str], mentions: str) -> None:
    with pytest.raises(ConfigError, match=mentions):
        load_settings(environ, env_file=None)


@pytest.mark.parametrize("token", [None, "12345"], ids=["missing", "malformed"])
def test_run_without_a_good_token_is_one_line_and_exit_code_2(
    token: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    if token is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: TELEGRAM_BOT_TOKEN")
    assert "Traceback" not in result.output


def test_run_help_lists_every_setting() -> None:
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ENV_VARS:
        assert name in result.output


def test_env_file_syntax() -> None:
    text = """
# citybot settings
export TELEGRAM_BOT_TOKEN="123:abc"
WEBHOOK_URL = 'https://bot.example.org/hook'
WEBHOOK_PORT=8443  # behind nginx
WEBHOOK_SECRET=
not a setting
"""
    assert parse_env_file(text) == {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "WEBHOOK_URL": "https://bot.example.org/hook",
        "WEBHOOK_PORT": "8443",
        "WEBHOOK_SECRET": "",
    }
