"""Telegram's settings: a token, webhook details; environment over .env, one-line errors, exit code 2, in --help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import load_settings
from bot.telegram import ENV_VARS, ConfigError, TelegramSettings, telegram_settings
from tests.helpers.cli import clear_settings
from tests.helpers.fake_telegram import TOKEN

Load = Callable[[dict[str, str]], TelegramSettings]


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Load:
    """Telegram's settings from exactly these environment variables (and no .env file)."""
    clear_settings(monkeypatch, tmp_path)

    def load(environ: dict[str, str]) -> TelegramSettings:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return telegram_settings(load_settings())

    return load


def test_token_and_defaults(load: Load) -> None:
    settings = load({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.webhook_url is None and settings.api_base_url is None
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)
    assert TOKEN not in repr(settings)


def test_webhook_settings(load: Load) -> None:
    settings = load(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://bot.example.org/citybot/hook",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": "8080",
            "WEBHOOK_SECRET": "s3cret-Value_1",
            "TELEGRAM_API_BASE_URL": "http://localhost:8081/",
        }
    )
    assert (settings.webhook_listen, settings.webhook_port, settings.webhook_path) == (
        "127.0.0.1",
        8080,
        "citybot/hook",
    )
    assert settings.webhook_secret == "s3cret-Value_1"
    assert settings.api_base_url == "http://localhost:8081"


def test_webhook_without_secret_gets_a_random_one(load: Load) -> None:
    first = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/h"})
    second = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/h"})
    assert first.webhook_secret and second.webhook_secret and first.webhook_secret != second.webhook_secret


def test_dotenv_file_is_read_and_the_environment_wins(load: Load) -> None:
    Path(".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEBHOOK_PORT=9000\nDATABASE_URL='sqlite:///from-dotenv.db'\n")
    settings = load({"WEBHOOK_PORT": "9001"})
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
def test_bad_settings_say_what_to_set(load: Load, environ: dict[str, str], mentions: str) -> None:
    with pytest.raises(ConfigError, match=mentions):
        load(environ)


@pytest.mark.parametrize("token", [None, "12345"], ids=["missing", "malformed"])
def test_run_without_a_good_token_is_one_line_and_exit_code_2(
    token: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_settings(monkeypatch, tmp_path)  # no stray .env, none of the developer's variables
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


def test_env_file_syntax(load: Load) -> None:
    Path(".env").write_text(f"""
# citybot settings
export TELEGRAM_BOT_TOKEN="{TOKEN}"
WEBHOOK_URL = 'https://bot.example.org/hook'
WEBHOOK_PORT=8443  # behind nginx
WEBHOOK_SECRET=
not a setting
""")
    settings = load({})
    assert (settings.token, settings.webhook_url, settings.webhook_port) == (
        TOKEN,
        "https://bot.example.org/hook",
        8443,
    )
    assert settings.webhook_secret  # empty means unset: a random one, as for no WEBHOOK_SECRET line
