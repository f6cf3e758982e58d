"""citybot's settings, for every command: read once from the environment and a `.env` file, validated.

The environment wins over `.env` (pydantic-settings' own order), even with an empty value, which counts as unset:
so `TELEGRAM_BOT_TOKEN= citybot` ignores a token in `.env`.
Each field is named after its variable, and its description is what `citybot run --help` and the
README say about it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticUseDefault
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = Path(".env")
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0"  # noqa: S104 - a webhook server must be reachable from the proxy in front of it
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_WEB_LISTEN = "0.0.0.0"  # noqa: S104 - the big screen is opened from other machines (a LAN, a proxy)
DEFAULT_WEB_PORT = 8080
DEFAULT_SCREEN_HOURS = 2.0
DEFAULT_MIN_GROUP_SIZE = 3
"""As ``conversations.group_results.MIN_GROUP_SIZE``: with two, each would read the other's answers."""


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line saying which variable to set and how."""


class Settings(BaseSettings):
    """Every setting of every command; `None` means unset. The repr leaves out the token, secret and database."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        str_strip_whitespace=True,
        extra="ignore",  # a .env file may hold other programs' variables too
        frozen=True,
    )

    telegram_bot_token: str | None = Field(
        None,
        repr=False,  # never in logs
        description="bot token from @BotFather, e.g. 123456789:AAH...; without it `citybot` opens the console chat",
    )
    telegram_api_base_url: str | None = Field(
        None, description="another Bot API server, e.g. http://localhost:8081 for a self-hosted telegram-bot-api"
    )
    webhook_url: str | None = Field(
        None, description="public HTTPS URL Telegram posts updates to; set it to use a webhook instead of long polling"
    )
    webhook_listen: str = Field(
        DEFAULT_WEBHOOK_LISTEN, description=f"address the webhook server binds to (default {DEFAULT_WEBHOOK_LISTEN})"
    )
    webhook_port: int = Field(
        DEFAULT_WEBHOOK_PORT, description=f"port the webhook server listens on (default {DEFAULT_WEBHOOK_PORT})"
    )
    webhook_secret: str | None = Field(
        None,
        repr=False,
        description="secret Telegram sends with each webhook call: 1-256 of A-Za-z0-9_- (default: random per run)",
    )
    database_url: str | None = Field(
        None,
        repr=False,  # it may hold a password
        description="sqlite:///path/to/file.db or postgresql://user:pw@host/db (default: SQLite file in the data dir)",
    )
    citybot_catalogue: Path | None = Field(
        None,
        description="your own catalogue YAML file instead of the packaged SMR model "
        "(check it first with citybot catalogue --check FILE)",
    )
    citybot_min_group_size: int = Field(
        DEFAULT_MIN_GROUP_SIZE,
        description="fewest people a combined or workshop figure (a stage, a spread, a count) may come from, "
        f"so no one's answer can be read from it (default {DEFAULT_MIN_GROUP_SIZE})",
    )

    telegram_bot_username: str | None = Field(
        None,
        description="the bot's @username, for the join links and QR codes `citybot workshop create` prints "
        "(the running bot knows its own)",
    )

    citybot_public_url: str | None = Field(
        None,
        description="the base URL people open the big screen at, e.g. https://citybot.example.org or "
        "http://192.168.1.20:8080 on a LAN; with CITYBOT_WEB_PORT, `citybot run` serves the big screen too",
    )
    citybot_web_listen: str = Field(
        DEFAULT_WEB_LISTEN, description=f"address the big screen's web server binds to (default {DEFAULT_WEB_LISTEN})"
    )
    citybot_web_port: int | None = Field(
        None, description="port the big screen's web server listens on, e.g. 8080 (`citybot serve` defaults to 8080)"
    )
    citybot_screen_hours: float = Field(
        DEFAULT_SCREEN_HOURS,
        description="hours a big-screen link keeps working after its workshop closes "
        f"(default {DEFAULT_SCREEN_HOURS:g})",
    )

    citybot_remind_paused_after: timedelta = Field(
        timedelta(days=3),
        description="how long an unfinished assessment waits before its one reminder: 10s, 30m, 12h or 3d (default 3d)",
    )
    citybot_remind_month: timedelta | None = Field(
        None,
        description="the length of a month in the next round's rhythm (6, 12, 24 months), e.g. 10s for a trial "
        "(default: calendar months)",
    )
    citybot_remind_retry_after: timedelta = Field(
        timedelta(minutes=1),
        description="a reminder claimed but not delivered for this long (its sender stopped) is sent by another "
        "pass: 10s, 1m... (default 1m)",
    )
    citybot_reminders_every: timedelta = Field(
        timedelta(seconds=15),
        description="how often the running bot looks for reminders due: 1s, 15s, 1m... (default 15s)",
    )

    @field_validator(
        "citybot_remind_paused_after", "citybot_remind_month", "citybot_remind_retry_after", "citybot_reminders_every",
        mode="before",
    )  # fmt: skip
    @classmethod
    def check_duration(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_duration(value)
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def check_username(cls, username: str | None) -> str | None:
        if username is None:
            return None
        bare = username.removeprefix("@")
        if not USERNAME_PATTERN.match(bare):
            raise ValueError(f"must be a username such as @gent_citybot (5-32 of A-Z, a-z, 0-9, '_'), not {username!r}")
        return bare

    @field_validator("telegram_bot_token")
    @classmethod
    def check_token(cls, token: str | None) -> str | None:
        if token is not None and not TOKEN_PATTERN.match(token):
            raise ValueError(
                "is malformed: it should look like 123456789:AAH... (digits, a colon, then at least 30 letters, "
                "digits, '_' or '-'), exactly as @BotFather gave it"
            )
        return token

    @field_validator("telegram_api_base_url", "webhook_url", "citybot_public_url")
    @classmethod
    def check_http_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an http(s) URL such as https://example.org/path, not {url!r}")
        return url

    @field_validator("telegram_api_base_url", "citybot_public_url")
    @classmethod
    def drop_trailing_slash(cls, url: str | None) -> str | None:
        return url.rstrip("/") if url else url

    @field_validator("webhook_port", "citybot_web_port", mode="before")
    @classmethod
    def check_port(cls, port: object) -> object:
        if port is None:
            return None
        text = str(port).strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ValueError(f"must be a port number between 1 and 65535, not {text!r}")
        return int(text)

    @field_validator("citybot_screen_hours", mode="before")
    @classmethod
    def check_hours(cls, hours: object) -> object:
        try:
            value = float(str(hours).strip())
        except ValueError:
            raise ValueError(f"must be a number of hours such as 2 or 0.5, not {hours!r}") from None
        if not 0 <= value <= 24 * 30:
            raise ValueError(f"must be between 0 and 720 hours, not {hours!r}")
        return value

    @field_validator("citybot_min_group_size", mode="before")
    @classmethod
    def check_group_size(cls, size: object) -> object:
        text = str(size).strip()
        if not text.isdigit() or not 0 < int(text) <= 1000:
            raise ValueError(f"must be a whole number of people between 1 and 1000, not {text!r}")
        return int(text)

    @field_validator("webhook_secret")
    @classmethod
    def check_secret(cls, secret: str | None) -> str | None:
        if secret is not None and not SECRET_PATTERN.match(secret):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, '_' or '-'")
        return secret

    @field_validator("*", mode="before")  # defined last: the last "before" validator runs first
    @classmethod
    def blank_is_unset(cls, value: object) -> object:
        """A value of only spaces counts as unset, like an empty one: the default applies."""
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault
        return value


DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``10s``, ``30m``, ``12h``, ``3d`` or plain seconds (``90``) as a duration; ``ValueError`` otherwise."""
    match = DURATION.match(text.strip().lower())
    if match is None:
        raise ValueError(f"must be a duration such as 10s, 30m, 12h or 3d, not {text!r}")
    return timedelta(seconds=float(match.group(1)) * UNITS[match.group(2)])


ENV_VARS: dict[str, str] = {name.upper(): field.description or "" for name, field in Settings.model_fields.items()}
"""Each variable and what it means, as `citybot run --help` lists them."""


def load_settings(env_file: Path | None = ENV_FILE) -> Settings:
    """The settings from the environment over ``env_file``; :class:`ConfigError` (one line) if a value is wrong."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]  # pydantic-settings' init argument, not a field
    except ValidationError as error:
        raise ConfigError("; ".join(describe(problem) for problem in error.errors())) from None


def describe(problem: ErrorDetails) -> str:
    """One validation problem as ``VARIABLE what is wrong``, e.g. ``WEBHOOK_PORT must be a port number ...``."""
    name = ".".join(str(part) for part in problem["loc"]).upper()
    cause = problem.get("ctx", {}).get("error")
    if isinstance(cause, ValueError):  # our own validators' words
        return f"{name} {cause}"
    return f"{name} is invalid: {problem['msg']}"
