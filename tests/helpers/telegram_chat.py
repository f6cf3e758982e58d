"""A person in a Telegram chat with the bot, for tests: type, press buttons, read the answers by text key.

Updates go through the real PTB Application (`process_update`), and the bot's answers are
read back from the fake Bot API, so a test reads like a transcript. Expected sentences are
rendered from the texts file (tests/helpers/chat.py), HTML-escaped as the adapter sends them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.telegram.render import escape
from conversations import Texts
from tests.helpers.chat import ExpectedTexts, Key
from tests.helpers.fake_telegram import Call, FakeBotApi
from tests.helpers.telegram_updates import (
    USER_ID,
    make_callback_update,
    make_command_update,
    make_content_update,
    make_edited_update,
    make_message_update,
)


@cache
def english() -> Texts:
    return Texts.load("en")


class TelegramChat:
    """One user's chat with the bot (private by default, or a group when chat_id < 0)."""

    def __init__(
        self,
        application: Application,
        api: FakeBotApi,
        user_id: int = USER_ID,
        chat_id: int | None = None,
        language: str | None = "en",
        texts: Texts | None = None,
    ):
        self.application = application
        self.api = api
        self.user_id = user_id
        self.chat_id = chat_id if chat_id is not None else user_id
        self.language = language
        """The user's ``language_code``, as their Telegram app sends it."""
        self.expect(texts or english())

    def expect(self, texts: Texts) -> None:
        """Read the bot's answers from now on in the language of ``texts``."""
        self.expected = ExpectedTexts(texts, escape=escape)  # message texts go out as HTML
        self.expected_labels = ExpectedTexts(texts)  # button labels are plain text

    async def deliver(self, update: Update) -> list[Call]:
        """Process one update through the Application; return the Bot API calls it caused."""
        before = len(self.api.calls)
        await self.application.process_update(update)
        return self.api.calls[before:]

    async def send(self, text: str) -> list[Call]:
        """Type a message; a leading slash makes it a command, as in the Telegram app."""
        make = make_command_update if text.startswith("/") else make_message_update
        update = make(
            text, bot=self.application.bot, user_id=self.user_id, chat_id=self.chat_id, language=self.language
        )
        return await self.deliver(update)

    async def send_content(self, kind: str) -> list[Call]:
        """Send a sticker, photo, voice note, location...: see telegram_updates.CONTENT."""
        bot = self.application.bot
        return await self.deliver(make_content_update(kind, bot=bot, user_id=self.user_id, chat_id=self.chat_id))

    async def edit(self, text: str) -> list[Call]:
        bot = self.application.bot
        return await self.deliver(make_edited_update(text, bot=bot, user_id=self.user_id, chat_id=self.chat_id))

    async def press(self, what: str, **fields: Any) -> list[Call]:
        """Press a button on the newest message showing it: by text key (``answers.done``) or by label (``Robust``)."""
        message, button = self.find_button(what, **fields)
        update = make_callback_update(
            button["callback_data"],
            message=message,
            user_id=self.user_id,
            bot=self.application.bot,
            language=self.language,
        )
        return await self.deliver(update)

    def find_button(self, what: str, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The newest message with a button labelled with text key ``what`` (else with label ``what``), and it.

        A label is matched exactly, else as part of one (catalogue data, such as a stage name).
        """
        by_key = self.expected_labels.texts.has(what)
        candidates = []
        for message in self.messages_with_buttons():
            buttons = [button for row in message["reply_markup"]["inline_keyboard"] for button in row]
            if by_key:
                exact = [button for button in buttons if self.expected_labels.whole(button["text"], what, **fields)]
                loose = []
            else:
                exact = [button for button in buttons if button["text"] == what]
                loose = [button for button in buttons if what.casefold() in button["text"].casefold()]
            if exact or loose:
                return message, (exact or loose)[0]
            candidates.append([button["text"] for button in buttons])
        raise AssertionError(f"no button {what!r} in chat {self.chat_id}; keyboards, newest first: {candidates}")

    def t(self, key: str, **fields: Any) -> str:
        """The exact text under ``key`` as the bot sends it (HTML-escaped), every field filled in."""
        return self.expected.render(key, **fields)

    def label(self, key: str, **fields: Any) -> str:
        """The exact label of a button under ``key`` (labels are not escaped)."""
        return self.expected_labels.render(key, **fields)

    def shows(self, sent: Call | str, key: str, *, whole: bool = False, **fields: Any) -> bool:
        """A message (a call, or its text) shows text ``key`` as whole lines (``whole``: is exactly it).

        Fields left out match anything; given ones are escaped as the bot escapes them.
        """
        text = sent.text if isinstance(sent, Call) else sent
        return (self.expected.whole if whole else self.expected.within)(text, key, **fields)

    def shows_joined(self, sent: Call | str, picked: Key, then: Key) -> bool:
        """A message is exactly ``picked``, a blank line, then shows ``then`` from its first line on.

        That is how a press edits its message: what was picked, and the next question under it.
        Fields left out match anything, as in :meth:`shows`.
        """
        text = sent.text if isinstance(sent, Call) else sent
        pieces = text.split("\n\n")
        then_pattern = self.expected.pattern(then.key, **then.fields).pattern
        for cut in range(1, len(pieces)):
            head, tail = "\n\n".join(pieces[:cut]), "\n\n".join(pieces[cut:])
            if self.expected.whole(head, picked.key, **picked.fields) and re.match(
                f"{then_pattern}(?=\n|$)", tail, re.DOTALL
            ):
                return True
        return False

    def message(self, message_id: int) -> dict[str, Any]:
        """The bot's message as the chat shows it now (after any edits)."""
        return self.api.messages[(self.chat_id, message_id)]

    def messages_with_buttons(self) -> list[dict[str, Any]]:
        """The bot's messages in this chat that show an inline keyboard, newest first."""
        mine = [m for (chat_id, _), m in self.api.messages.items() if chat_id == self.chat_id and m.get("reply_markup")]
        return sorted(mine, key=lambda message: message["message_id"], reverse=True)

    @property
    def labels(self) -> list[str]:
        """The labels of the newest keyboard in the chat."""
        newest = self.messages_with_buttons()
        if not newest:
            return []
        return [button["text"] for row in newest[0]["reply_markup"]["inline_keyboard"] for button in row]

    def transcript(self) -> str:
        """Everything the bot has shown in this chat, oldest first (edits show their latest text)."""
        mine = sorted((m for (chat_id, _), m in self.api.messages.items() if chat_id == self.chat_id),
                      key=lambda message: message["message_id"])  # fmt: skip
        return "\n---\n".join(str(m.get("text") or m.get("caption") or "") for m in mine)
