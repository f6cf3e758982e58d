"""Fixtures for the Telegram adapter: the fake Bot API and the real Application around the real engine.

`engine` (a fresh SQLite database per test: a copy of one migrated once per run) comes from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.telegram import build_application
from conversations import Engine
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest
from tests.helpers.telegram_chat import TelegramChat


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def application(engine: Engine, api: FakeBotApi) -> AsyncIterator[Application]:
    """The real PTB Application, initialised (getMe) and with post_init run, as run_polling would."""
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api))
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        yield application


@pytest.fixture
def chat(application: Application, api: FakeBotApi) -> TelegramChat:
    return TelegramChat(application, api)
