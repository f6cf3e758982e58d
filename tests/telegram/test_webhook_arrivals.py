"""The webhook notes an update's arrival from its JSON alone, before parsing it: the sender it names must be the one
the engine later gets, or the note would hold back the wrong official's updates (and not the right one's)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.telegram.handlers import sender_key
from bot.telegram.webhook import arrival_of
from tests.helpers.telegram_updates import (
    make_callback_update,
    make_command_update,
    make_content_update,
    make_edited_update,
    make_message_update,
)


def test_the_sender_read_from_the_json_is_the_sender_the_handlers_use() -> None:
    updates = [
        make_message_update("flood drills", update_id=11, user_id=701),
        make_command_update("/start", update_id=12, user_id=702),
        make_content_update("sticker", update_id=13, user_id=703),
        make_edited_update("heat waves", update_id=14, user_id=704),
        make_callback_update("c:1:2", update_id=15, user_id=705),
    ]
    for update in updates:
        data: dict[str, Any] = update.to_dict()
        assert arrival_of(data) == (str(update.update_id), sender_key(Update.de_json(data, None)))


def test_bodies_that_are_not_updates_from_a_sender_are_not_noted() -> None:
    assert arrival_of([1, 2]) is None
    assert arrival_of({"update_id": "12", "message": {"from": {"id": 1}}}) is None
    assert arrival_of({"update_id": 12}) is None
    assert arrival_of({"update_id": 12, "poll": {"id": "p"}}) is None  # no sender: nothing to keep in order
    assert arrival_of({"update_id": 12, "poll_answer": {"user": {"id": 9}}}) == ("12", "telegram:9")
