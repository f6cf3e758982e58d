"""What running on Telegram needs from citybot's settings (:mod:`bot.settings`): a token, and webhook details."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_SCREEN_HOURS,
    DEFAULT_WEB_LISTEN,
    DEFAULT_WEBHOOK_LISTEN,
    DEFAULT_WEBHOOK_PORT,
    ConfigError,
    Settings,
)

__all__ = ["TRANSPORT", "ConfigError", "TelegramSettings", "telegram_settings"]

TRANSPORT = "telegram"
"""How citybot qualifies a Telegram user's id (``telegram:42``): the engine stores ids with their transport."""


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
    public_url: str | None = None
    """Where people open the big screens (CITYBOT_PUBLIC_URL); served by `run_bot` when ``web_port`` is set too."""
    web_listen: str = DEFAULT_WEB_LISTEN
    web_port: int | None = None
    screen_hours: float = DEFAULT_SCREEN_HOURS

    @property
    def serves_screens(self) -> bool:
        return self.public_url is not None and self.web_port is not None

    remind_paused_after: timedelta = timedelta(days=3)
    remind_month: timedelta | None = None
    remind_retry_after: timedelta = timedelta(minutes=1)
    reminders_every: timedelta = timedelta(seconds=15)
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE

    @property
    def webhook_path(self) -> str:
        """The path part of WEBHOOK_URL, which is where the local webhook server listens."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    def __repr__(self) -> str:  # never print the token or the secret in logs
        return f"TelegramSettings(api_base_url={self.api_base_url!r}, webhook_url={self.webhook_url!r})"


def telegram_settings(settings: Settings) -> TelegramSettings:
    """The settings for `run_bot`; :class:`ConfigError` when there is no token to run with."""
    if not settings.telegram_bot_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and set TELEGRAM_BOT_TOKEN=<token> "
            "in the environment or in a .env file"
        )
    secret = settings.webhook_secret
    if settings.webhook_url is not None and secret is None:
        secret = secrets.token_urlsafe(32)  # PTB registers it with setWebhook, so a fresh one per run works
    return TelegramSettings(
        token=settings.telegram_bot_token,
        api_base_url=settings.telegram_api_base_url,
        webhook_url=settings.webhook_url,
        webhook_listen=settings.webhook_listen,
        webhook_port=settings.webhook_port,
        webhook_secret=secret,
        database_url=settings.database_url,
        catalogue_path=settings.citybot_catalogue,
        public_url=settings.citybot_public_url,
        web_listen=settings.citybot_web_listen,
        web_port=settings.citybot_web_port,
        screen_hours=settings.citybot_screen_hours,
        remind_paused_after=settings.citybot_remind_paused_after,
        remind_month=settings.citybot_remind_month,
        remind_retry_after=settings.citybot_remind_retry_after,
        reminders_every=settings.citybot_reminders_every,
        min_group_size=settings.citybot_min_group_size,
    )
