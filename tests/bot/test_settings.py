"""One settings object for every command: the environment over .env, one-line errors, options override."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import ConfigError, load_settings
from catalogue import Catalogue, default_path
from tests.helpers.cli import clear_settings, run_citybot
from tests.helpers.fake_telegram import TOKEN

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings(monkeypatch, tmp_path)  # neither the developer's variables nor a stray .env


def write_env(folder: Path, **values: str) -> None:
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")


def test_defaults_without_any_setting() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None and settings.database_url is None
    assert settings.citybot_catalogue is None and settings.webhook_url is None
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)


def test_the_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_env(tmp_path, DATABASE_URL="sqlite:///from-dotenv.db", WEBHOOK_PORT="9000", CITYBOT_CATALOGUE="mine.yaml")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-environment.db")
    settings = load_settings()
    assert settings.database_url == "sqlite:///from-environment.db"
    assert (settings.webhook_port, settings.citybot_catalogue) == (9000, Path("mine.yaml"))


def test_an_empty_variable_switches_a_dotenv_value_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_PORT="9000")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("WEBHOOK_PORT", " ")
    settings = load_settings()
    assert (settings.telegram_bot_token, settings.webhook_port) == (None, 8443)


def test_secrets_stay_out_of_the_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret-Value_1")
    monkeypatch.setenv("DATABASE_URL", "postgresql://citybot:pa55word@db/citybot")
    settings = load_settings()
    for secret in (TOKEN, "s3cret-Value_1", "pa55word"):
        assert secret not in repr(settings) and secret not in str(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WEBHOOK_PORT", "abc", "WEBHOOK_PORT must be a port number between 1 and 65535, not 'abc'"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT must be a port number between 1 and 65535, not '70000'"),
        ("WEBHOOK_URL", "bot.example.org", "WEBHOOK_URL must be an http(s) URL such as https://example.org/path"),
        ("TELEGRAM_API_BASE_URL", "localhost:8081", "TELEGRAM_API_BASE_URL must be an http(s) URL"),
        ("WEBHOOK_SECRET", "has spaces", "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, '_' or '-'"),
        ("TELEGRAM_BOT_TOKEN", "12345", "TELEGRAM_BOT_TOKEN is malformed: it should look like 123456789:AAH..."),
        ("CITYBOT_MIN_GROUP_SIZE", "0", "CITYBOT_MIN_GROUP_SIZE must be a whole number of people between 1 and 1000"),
        ("CITYBOT_MIN_GROUP_SIZE", "two", "CITYBOT_MIN_GROUP_SIZE must be a whole number of people"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    name: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["chat"], ["export"], ["ask", "flood"], ["catalogue"], ["catalogue", "--check", "x.yaml"]],
    ids=lambda command: " ".join(command) or "citybot",
)
@pytest.mark.parametrize("given_in", ["environment", ".env"])
def test_every_command_stops_on_a_bad_setting_with_one_line_and_exit_2(
    command: list[str], given_in: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if given_in == ".env":
        write_env(tmp_path, WEBHOOK_PORT="abc")
    else:
        monkeypatch.setenv("WEBHOOK_PORT", "abc")
    result = runner.invoke(app, command, input="")
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: WEBHOOK_PORT must be a port number between 1 and 65535, not 'abc'\n"
    assert result.stdout == ""


def test_help_works_whatever_the_settings(tmp_path: Path) -> None:
    write_env(tmp_path, WEBHOOK_PORT="abc")
    for command in ([], ["run"], ["chat"], ["export"]):
        assert runner.invoke(app, [*command, "--help"]).exit_code == 0


def test_chat_stores_in_the_dotenv_database_and_export_reads_it_back(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # were the default database used, it would be here
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the results chart
    database = tmp_path / "x.db"
    write_env(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    script = ["1", "Leeds", "2", "/checkin"] + ["2"] * len(catalogue.areas)
    chat = run_citybot("chat", "--user", "ana", database_url=None, cwd=tmp_path, lines=script)
    assert chat.returncode == 0, chat.stderr
    assert "Check-in complete" in chat.stdout

    with sqlite3.connect(database) as connection:
        (stored,) = connection.execute("SELECT count(*) FROM answer").fetchone()
    assert stored > 0
    assert not (tmp_path / "data").exists()

    export = run_citybot("export", "--format", "json", database_url=None, cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    rows = json.loads(export.stdout)
    assert len(rows) == stored
    assert {(row["city"], row["assessment_kind"]) for row in rows} == {("Leeds", "checkin")}
    assert len({row["participant"] for row in rows}) == 1  # one participant, by pseudonym


def test_an_option_overrides_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    write_env(tmp_path, DATABASE_URL="mysql://u:secret@db.example/citybot", CITYBOT_CATALOGUE="missing.yaml")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = runner.invoke(app, ["export", "--database-url", other, "--catalogue", str(default_path())])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "other.db").exists()


def test_the_minimum_group_size_reaches_the_telegram_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.telegram.config import telegram_settings

    assert load_settings().citybot_min_group_size == 3
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CITYBOT_MIN_GROUP_SIZE", "5")
    assert telegram_settings(load_settings()).min_group_size == 5
