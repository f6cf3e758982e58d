"""citybot on Telegram: the engine behind python-telegram-bot, with polling or a webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import ENV_VARS, ConfigError
from bot.telegram.config import TelegramSettings, telegram_settings

if TYPE_CHECKING:
    from bot.telegram.app import build_application, configure_logging, run_bot

__all__ = [
    "ENV_VARS",
    "ConfigError",
    "TelegramSettings",
    "build_application",
    "configure_logging",
    "run_bot",
    "telegram_settings",
]

_APP_NAMES = frozenset({"build_application", "configure_logging", "run_bot"})


def __getattr__(name: str) -> object:
    """Import python-telegram-bot on first use of the app, so the settings (and `citybot --help`) load without it."""
    if name in _APP_NAMES:
        from bot.telegram import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
