"""A press edits its message once: what was picked, a blank line, the next question and its buttons.

Only when that fits one message and the next reply is plain text; otherwise, or when Telegram
refuses the edit, the replies go out one by one as before, so nothing is lost. These drive
`render.render` with replies as the engine gives them, on a message the bot really sent.
"""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest
from telegram.ext import Application

from bot.telegram import render
from bot.telegram.render import TEXT_LIMIT, escape, utf16_length
from conversations import Attachment, Option, Reply
from tests.helpers.fake_telegram import Call, FakeBotApi, methods

CHAT = 501
ECHO = Reply("L1S1: Establish a <working> team\n→ ✅ Done", replaces_previous=True)
ANSWERS = (Option("✅ Done", "q2:d"), Option("⬜ Not yet", "q2:n"), Option("⏸ Pause", "a:pause"))
LABELS = [option.label for option in ANSWERS]


def question(text: str = "L1S2: Integrate resilience & plans") -> Reply:
    return Reply(text, options=ANSWERS, columns=2)


async def pressed_question(application: Application) -> Message:
    """The question message whose button the official pressed."""
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("✅ Done", callback_data="q1:d"))
    return await application.bot.send_message(CHAT, "L1S1: Establish a working team", reply_markup=markup)


async def press(application: Application, api: FakeBotApi, replies: list[Reply]) -> tuple[Message, list[Call]]:
    message = await pressed_question(application)
    before = len(api.calls)
    await render.render(application.bot, CHAT, replies, pressed=message)
    return message, api.calls[before:]


def shown(api: FakeBotApi, message: Message) -> dict[str, object]:
    return api.messages[(CHAT, message.message_id)]


async def test_the_choice_and_the_next_question_replace_the_pressed_message(
    application: Application, api: FakeBotApi
) -> None:
    message, calls = await press(application, api, [ECHO, question()])
    [edit] = calls
    assert edit.method == "editMessageText" and edit.params["message_id"] == message.message_id
    assert edit.text == escape(ECHO.text) + "\n\n" + escape(question().text)  # escaped, a blank line between
    assert edit.params["parse_mode"] == "HTML"
    assert edit.labels == LABELS
    assert [len(row) for row in edit.params["reply_markup"]["inline_keyboard"]] == [2, 1]  # its columns kept
    now = shown(api, message)  # what the official sees where they pressed
    assert now["text"] == edit.text and now["reply_markup"] == edit.params["reply_markup"]


async def test_replies_after_the_next_question_still_come_as_new_messages(
    application: Application, api: FakeBotApi
) -> None:
    _, calls = await press(application, api, [ECHO, Reply("⚠️ The workshop has closed."), question()])
    assert methods(calls) == ["editMessageText", "sendMessage"]
    assert calls[0].buttons == [] and calls[1].labels == LABELS


@pytest.mark.parametrize("filler", ["x", "&", "🟢"], ids=["plain", "escaped", "utf16"])
async def test_a_joined_message_up_to_the_limit_is_one_edit_and_one_more_character_is_two_messages(
    application: Application, api: FakeBotApi, filler: str
) -> None:
    room = TEXT_LIMIT - utf16_length(escape(ECHO.text) + "\n\n")  # counted as Telegram counts, after escaping
    fits = question(filler * (room // utf16_length(escape(filler))))
    assert utf16_length(escape(ECHO.text + "\n\n" + fits.text)) > TEXT_LIMIT - utf16_length(escape(filler))

    _, calls = await press(application, api, [ECHO, fits])
    assert methods(calls) == ["editMessageText"] and utf16_length(calls[0].text) <= TEXT_LIMIT

    too_long = question(fits.text + filler)
    message, calls = await press(application, api, [ECHO, too_long])
    assert methods(calls) == ["editMessageText", "sendMessage"]  # as before: the choice in place, the question new
    assert calls[0].params["message_id"] == message.message_id and calls[0].text == escape(ECHO.text)
    assert calls[0].buttons == [] and calls[1].text == escape(too_long.text)
    assert calls[1].labels == LABELS


async def test_a_next_question_longer_than_a_message_is_split_as_before(
    application: Application, api: FakeBotApi
) -> None:
    long = question("plan\n" * 1000)  # 5,000 characters: two messages
    _, calls = await press(application, api, [ECHO, long])
    assert methods(calls) == ["editMessageText", "sendMessage", "sendMessage"]
    assert calls[0].text == escape(ECHO.text) and calls[-1].labels and not calls[1].buttons


async def test_results_with_a_picture_still_go_out_as_new_messages(application: Application, api: FakeBotApi) -> None:
    results = Reply("📊 Results", options=(Option("🔎 L1S1", "x:L1S1"),),
                    attachment=Attachment("chart.png", b"\x89PNG fake", is_image=True))  # fmt: skip
    message, calls = await press(application, api, [ECHO, results])
    assert methods(calls) == ["editMessageText", "sendPhoto"]
    assert calls[0].text == escape(ECHO.text) and calls[1].labels == ["🔎 L1S1"]
    assert "reply_markup" not in shown(api, message)  # the answered question keeps no buttons


async def test_a_press_under_a_photo_sends_its_replies_without_trying_to_edit_the_photo(
    application: Application, api: FakeBotApi
) -> None:
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("🔎 L1S1", callback_data="x:L1S1"))
    photo = await application.bot.send_photo(CHAT, b"\x89PNG fake", caption="📊 Results", reply_markup=markup)
    before = len(api.calls)
    await render.render(application.bot, CHAT, [ECHO, question()], pressed=photo)
    calls = api.calls[before:]
    assert methods(calls) == ["sendMessage", "sendMessage"]  # no editMessageText Telegram would refuse
    assert calls[0].text == escape(ECHO.text) and calls[1].labels == LABELS
    assert shown(api, photo)["caption"] == "📊 Results"  # the results stay as they were


async def test_an_edit_that_brings_its_own_buttons_is_not_joined(application: Application, api: FakeBotApi) -> None:
    room = Reply("🧑‍🏫 Workshop", options=(Option("🔄 Refresh", "w:r"),), replaces_previous=True)
    _, calls = await press(application, api, [room, question()])
    assert methods(calls) == ["editMessageText", "sendMessage"]
    assert calls[0].labels == ["🔄 Refresh"] and calls[1].labels == LABELS


async def test_only_a_first_reply_is_joined_so_nothing_shows_above_what_was_said_before_it(
    application: Application, api: FakeBotApi
) -> None:
    _, calls = await press(application, api, [Reply("A note first"), ECHO, question()])
    assert methods(calls) == ["sendMessage", "editMessageText", "sendMessage"]  # as before


async def test_a_refused_joined_edit_sends_the_choice_and_the_question_anew(
    application: Application, api: FakeBotApi
) -> None:
    api.fail_next("editMessageText", "Bad Request: message can't be edited")
    message, calls = await press(application, api, [ECHO, question()])
    assert methods(calls) == ["editMessageText", "sendMessage", "sendMessage"]
    assert calls[1].text == escape(ECHO.text) and calls[2].labels == LABELS
    assert shown(api, message)["text"] == "L1S1: Establish a working team"  # untouched, as Telegram left it


async def test_the_same_joined_edit_again_counts_as_shown(application: Application, api: FakeBotApi) -> None:
    """Replies sent again (the update came back before its outbox was emptied) do not ask the question twice."""
    message, _ = await press(application, api, [ECHO, question()])
    before = len(api.calls)
    await render.render(application.bot, CHAT, [ECHO, question()], pressed=message)
    calls = api.calls[before:]
    assert methods(calls) == ["editMessageText"]  # "message is not modified": it already shows them


async def test_a_refusal_for_a_bad_message_still_reaches_the_handler(application: Application, api: FakeBotApi) -> None:
    api.fail_next("editMessageText", "Bad Request: can't parse entities: unsupported start tag")
    api.fail_next("sendMessage", "Bad Request: can't parse entities: unsupported start tag")
    with pytest.raises(BadRequest):
        await press(application, api, [ECHO, question()])
