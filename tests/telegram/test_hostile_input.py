"""Hostile or odd input over the real Application: every command form in a private chat gets an answer."""

from __future__ import annotations

import logging

import pytest
from telegram import Update

from tests.helpers.fake_telegram import FakeBotApi
from tests.helpers.telegram_chat import TelegramChat
from tests.helpers.telegram_updates import GROUP_ID, make_message_update


@pytest.mark.parametrize(
    "typed", ["/help.me@home", "/start@someotherbot", "/HELP", "/x@", "/" + "a" * 40, "/ask@citybot_test_bot flood"]
)
async def test_every_command_form_in_a_private_chat_is_answered(chat: TelegramChat, typed: str) -> None:
    calls = await chat.send(typed)
    assert [call for call in calls if call.method == "sendMessage" and call.chat_id == chat.chat_id], typed


async def test_a_group_command_for_another_bot_is_left_to_it(chat: TelegramChat, api: FakeBotApi) -> None:
    group = TelegramChat(chat.application, api, chat_id=GROUP_ID)
    assert await group.send("/help@someotherbot") == []
    assert [call.method for call in await group.send("/help")] == ["sendMessage"]


async def test_a_private_message_without_a_sender_is_ignored_without_an_error(
    chat: TelegramChat, caplog: pytest.LogCaptureFixture
) -> None:
    data = make_message_update("hello").to_dict()
    del data["message"]["from"]  # Telegram never does this in a private chat; a forged update may
    with caplog.at_level(logging.WARNING):
        assert await chat.deliver(Update.de_json(data, chat.application.bot)) == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
