"""Builders for Telegram updates as the Bot API delivers them, like PTB's `tests/auxil/build_messages.py`.

Each builder returns a real `telegram.Update` (pass `bot=` so shortcuts such as
`query.answer()` work); `update.to_dict()` gives the JSON a fake getUpdates can serve.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from telegram import Bot, Message, Update

USER_ID = 501
GROUP_ID = -100777
COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@\w{1,32})?")

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)

CONTENT: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "us1", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False, "type": "regular", "emoji": "👍"}},
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}},
    "location": {"location": {"latitude": 45.07, "longitude": 7.69}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "ud1", "file_name": "plan.pdf"}},
}  # fmt: skip
"""Minimal valid contents of non-text messages, by the name the bot gives them."""


def user(user_id: int = USER_ID, first_name: str = "Ana", language: str | None = "en") -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language:
        data["language_code"] = language
    return data


def chat(chat_id: int, first_name: str = "Ana") -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    return {"id": chat_id, "type": "supergroup", "title": "City resilience team"}


def message_dict(
    text: str | None = None,
    *,
    user_id: int = USER_ID,
    chat_id: int | None = None,
    language: str | None = "en",
    **content: Any,
) -> dict[str, Any]:
    """A message as Telegram sends it; commands get their bot_command entity, as Telegram adds it."""
    data: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id if chat_id is not None else user_id),
        "from": user(user_id, language=language),
        **content,
    }
    if text is not None:
        data["text"] = text
        if match := COMMAND.match(text):
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
    return data


def make_message(text: str | None = None, *, bot: Bot | None = None, **kwargs: Any) -> Message:
    return Message.de_json(message_dict(text, **kwargs), bot)


def make_update(bot: Bot | None = None, update_id: int | None = None, **fields: Any) -> Update:
    """An Update around the given fields (message=..., callback_query=...), with a fresh update_id."""
    return Update.de_json({"update_id": update_id or next(_update_ids), **fields}, bot)


def make_message_update(text: str, *, bot: Bot | None = None, update_id: int | None = None, **kwargs: Any) -> Update:
    return make_update(bot, update_id, message=message_dict(text, **kwargs))


def make_command_update(text: str, *, bot: Bot | None = None, update_id: int | None = None, **kwargs: Any) -> Update:
    """A command message, e.g. make_command_update("/start ws_ab12")."""
    assert COMMAND.match(text), f"not a command: {text!r}"
    return make_update(bot, update_id, message=message_dict(text, **kwargs))


def make_content_update(kind: str, *, bot: Bot | None = None, update_id: int | None = None, **kwargs: Any) -> Update:
    """A sticker, photo, voice note, location or document message (see CONTENT)."""
    return make_update(bot, update_id, message=message_dict(None, **CONTENT[kind], **kwargs))


def make_edited_update(text: str, *, bot: Bot | None = None, update_id: int | None = None, **kwargs: Any) -> Update:
    edited = message_dict(text, **kwargs) | {"edit_date": int(time.time())}
    return make_update(bot, update_id, edited_message=edited)


def make_callback_update(
    data: str | None,
    *,
    message: dict[str, Any] | None = None,
    user_id: int = USER_ID,
    bot: Bot | None = None,
    update_id: int | None = None,
    language: str | None = "en",
) -> Update:
    """A button press; `message` is the bot's message that carried the button (None: Telegram omitted it)."""
    query: dict[str, Any] = {
        "id": f"cq{next(_update_ids)}",
        "from": user(user_id, language=language),
        "chat_instance": f"ci{user_id}",
    }
    if data is not None:
        query["data"] = data
    if message is not None:
        query["message"] = message
    return make_update(bot, update_id, callback_query=query)
