"""citybot on Telegram: the engine behind python-telegram-bot, with polling or a webhook."""

from bot.telegram.app import build_application, configure_logging, run_bot
from bot.telegram.config import ENV_VARS, ConfigError, TelegramSettings, load_settings

__all__ = [
    "ENV_VARS",
    "ConfigError",
    "TelegramSettings",
    "build_application",
    "configure_logging",
    "load_settings",
    "run_bot",
]
