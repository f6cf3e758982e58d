"""Settings for running citybot on Telegram, read once from the environment and an optional `.env` file.

Every knob lives here so that `citybot run --help`, the README and the code agree.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ENV_VARS: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "bot token from @BotFather (required), e.g. 123456789:AAH...",
    "TELEGRAM_API_BASE_URL": "another Bot API server, e.g. http://localhost:8081 for a self-hosted telegram-bot-api",
    "WEBHOOK_URL": "public HTTPS URL Telegram posts updates to; set it to use a webhook instead of long polling",
    "WEBHOOK_LISTEN": "address the webhook server binds to (default 0.0.0.0)",
    "WEBHOOK_PORT": "port the webhook server listens on (default 8443)",
    "WEBHOOK_SECRET": "secret Telegram sends with each webhook call: 1-256 of A-Za-z0-9_- (default: random per run)",
    "DATABASE_URL": "sqlite:///path/to/file.db or postgresql://user:pw@host/db (default: SQLite file in the data dir)",
    "CITYBOT_CATALOGUE": "your own catalogue YAML file instead of the packaged SMR model (check it first with "
    "citybot catalogue --check FILE)",
}
"""The configuration, documented once; the CLI help and the README are generated from or checked against this."""

TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0"  # noqa: S104 - a webhook server must be reachable from the proxy in front of it
DEFAULT_WEBHOOK_PORT = 8443


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which variable to set and how."""


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """Everything `run_bot` needs, validated."""

    token: str
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_secret: str | None = None
    database_url: str | None = None
    catalogue_path: Path | None = None

    @property
    def webhook_path(self) -> str:
        """The path part of WEBHOOK_URL, which is where the local webhook server listens."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    def __repr__(self) -> str:  # never print the token or the secret in logs
        return f"TelegramSettings(api_base_url={self.api_base_url!r}, webhook_url={self.webhook_url!r})"


def read_environment(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> dict[str, str]:
    """Merge `.env` (if present) under the real environment, which always wins."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(parse_env_file(env_file.read_text(encoding="utf-8")))
    values.update(os.environ if environ is None else environ)
    return {key: values[key].strip() for key in ENV_VARS if values.get(key, "").strip()}


def parse_env_file(text: str) -> dict[str, str]:
    """`KEY=value` lines (optionally `export KEY=value`, quoted values, # comments), as .env files are written."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[key.strip()] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> TelegramSettings:
    """Read and validate the settings, raising ConfigError with a one-line, actionable message."""
    values = read_environment(environ, env_file)
    token = values.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and set TELEGRAM_BOT_TOKEN=<token> "
            "in the environment or in a .env file"
        )
    if not TOKEN_PATTERN.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: it should look like 123456789:AAH... (digits, a colon, "
            "then at least 30 letters, digits, '_' or '-'), exactly as @BotFather gave it"
        )
    base_url = values.get("TELEGRAM_API_BASE_URL")
    if base_url is not None:
        _require_http_url("TELEGRAM_API_BASE_URL", base_url)
        base_url = base_url.rstrip("/")
    webhook_url = values.get("WEBHOOK_URL")
    if webhook_url is not None:
        _require_http_url("WEBHOOK_URL", webhook_url)
    port_text = values.get("WEBHOOK_PORT", str(DEFAULT_WEBHOOK_PORT))
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"WEBHOOK_PORT must be a port number between 1 and 65535, not {port_text!r}")
    secret = values.get("WEBHOOK_SECRET")
    if secret is not None and not SECRET_PATTERN.match(secret):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, '_' or '-'")
    if webhook_url is not None and secret is None:
        secret = secrets.token_urlsafe(32)  # PTB registers it with setWebhook, so a fresh one per run works
    return TelegramSettings(
        token=token,
        api_base_url=base_url,
        webhook_url=webhook_url,
        webhook_listen=values.get("WEBHOOK_LISTEN", DEFAULT_WEBHOOK_LISTEN),
        webhook_port=int(port_text),
        webhook_secret=secret,
        database_url=values.get("DATABASE_URL"),
        catalogue_path=Path(values["CITYBOT_CATALOGUE"]) if "CITYBOT_CATALOGUE" in values else None,
    )


def _require_http_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as https://example.org/path, not {value!r}")
