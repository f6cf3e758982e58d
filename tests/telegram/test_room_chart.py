"""A workshop room's chart on Telegram: 🔄 Refresh replaces it, so the room's chart and text show the same figures.

The real PTB Application and engine, through the fake Bot API (which edits a photo with
``editMessageMedia`` as Telegram does and refuses it for unknown or text messages); the chart
is a real PNG drawn in the chart workers. What the chart was drawn from is read where the renderer
hands it to the workers, so its subtitle's counts can be compared with the room's.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from matplotlib.image import imread
from telegram import Bot, InputFile, InputMediaPhoto, Message
from telegram.error import BadRequest
from telegram.ext import Application

from bot.qr import qr_png
from bot.telegram import build_application, render
from catalogue import Catalogue
from conversations import Engine, MaturityChart, ProgressChart
from conversations.flows import workshop as workshop_flow
from tests.helpers.chat import Chat
from tests.helpers.fake_bot_api_server import FakeBotApiServer
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest, methods
from tests.helpers.telegram_chat import TelegramChat
from tests.helpers.telegram_updates import USER_ID, make_callback_update
from tests.helpers.workshops import join_and_check_in

PARTICIPANTS = (("ana", "S"), ("ben", "M"), ("carla", "A"))
GROUP_CHART_WIDTH = 962
CHAT = 4242


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[MaturityChart | ProgressChart]:
    """Every chart the renderer has drawn, oldest first (drawn as before, in the chart workers)."""
    charts: list[MaturityChart | ProgressChart] = []
    draw: Callable[[Any], Awaitable[bytes]] = render.chart_png

    async def recording(chart: MaturityChart | ProgressChart) -> bytes:
        charts.append(chart)
        return await draw(chart)

    monkeypatch.setattr(render, "chart_png", recording)
    return charts


async def open_room(engine: Engine, catalogue: Catalogue, chat: TelegramChat) -> str:
    """A coordinator's workshop with three participants who finished their check-in; its code."""
    await engine.coordination.grant(f"telegram:{USER_ID}")
    await chat.send("/start")
    await chat.press("onboarding.agree")
    await chat.send("Gent")
    await chat.press("onboarding.roles.resilience")
    info = await engine.coordination.create_workshop("Spring day", city="Gent")
    for user, stage in PARTICIPANTS:
        await join_and_check_in(engine, catalogue, info.code, user, {"L1": stage})
    return info.code


def photos(chat: TelegramChat) -> list[dict[str, Any]]:
    """The photo messages the chat shows now, oldest first."""
    shown = [m for (chat_id, _), m in chat.api.messages.items() if chat_id == chat.chat_id and "photo" in m]
    return sorted(shown, key=lambda message: message["message_id"])


def png_width(data: bytes) -> int:
    return int(imread(io.BytesIO(data), format="png").shape[1])


def counts(chat: TelegramChat, chart: MaturityChart | ProgressChart, joined: int, finished: int) -> bool:
    """The chart's subtitle says these joined and finished counts (at whatever time)."""
    assert isinstance(chart, MaturityChart)
    return chat.expected_labels.whole(chart.subtitle, "group_results.chart_workshop", joined=joined, finished=finished)


async def test_refresh_replaces_the_rooms_chart_with_the_figures_of_its_room(
    application: Application,
    api: FakeBotApi,
    engine: Engine,
    catalogue: Catalogue,
    chat: TelegramChat,
    drawn: list[MaturityChart | ProgressChart],
) -> None:
    code = await open_room(engine, catalogue, chat)
    shown = await chat.send(f"/workshop {code}")
    assert methods(shown) == ["sendPhoto", "sendMessage"]  # the chart, then the room view with its buttons
    assert chat.shows(shown[1], "workshop.room", code=code, joined=3, finished=3) and counts(chat, drawn[-1], 3, 3)
    [chart] = photos(chat)
    before = api.photo(chat.chat_id, chart["message_id"])

    await join_and_check_in(engine, catalogue, code, "dan", {"L1": "R"})
    refreshed = await chat.press("workshop.refresh")

    assert methods(refreshed) == ["answerCallbackQuery", "editMessageMedia", "editMessageText"]
    edit, room = refreshed[1], refreshed[2]
    assert edit.params["message_id"] == chart["message_id"] and edit.params["media"]["type"] == "photo"
    assert room.params["message_id"] == chat.messages_with_buttons()[0]["message_id"]  # the room, in place
    assert chat.shows(room, "workshop.room", code=code, joined=4, finished=4)
    assert counts(chat, drawn[-1], 4, 4)  # the chart now drawn says what the room says
    after = api.photo(chat.chat_id, chart["message_id"])
    assert after != before and png_width(after) == GROUP_CHART_WIDTH  # a new picture, a real group chart PNG
    assert [photo["message_id"] for photo in photos(chat)] == [chart["message_id"]]  # no stale chart left behind
    assert chat.message(chart["message_id"])["caption"] == chat.t("workshop.chart_title", name="Spring day", code=code)


async def test_the_chart_button_still_adds_a_chart_and_refresh_leaves_that_one_alone(
    application: Application, api: FakeBotApi, engine: Engine, catalogue: Catalogue, chat: TelegramChat
) -> None:
    code = await open_room(engine, catalogue, chat)
    await chat.send(f"/workshop {code}")
    [room_chart] = photos(chat)
    added = await chat.press("workshop.chart")
    assert methods(added) == ["answerCallbackQuery", "sendPhoto"]
    await join_and_check_in(engine, catalogue, code, "dan", {"L1": "R"})
    refreshed = await chat.press("workshop.refresh")
    [edit] = [call for call in refreshed if call.method == "editMessageMedia"]
    assert edit.params["message_id"] == room_chart["message_id"] and len(photos(chat)) == 2


async def test_an_unchanged_chart_costs_no_call_and_an_unchanged_room_no_error(
    application: Application,
    api: FakeBotApi,
    engine: Engine,
    catalogue: Catalogue,
    chat: TelegramChat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = datetime(2026, 5, 4, 10, 30, 15)
    monkeypatch.setattr(workshop_flow, "utcnow", lambda: moment)  # the room's and the chart's time stand still
    code = await open_room(engine, catalogue, chat)
    shown = await chat.send(f"/workshop {code}")
    refreshed = await chat.press("workshop.refresh")
    # The same picture is not sent again; the same text is refused by Telegram ("message is not
    # modified"), which is no failure: no new message, nothing else.
    assert methods(refreshed) == ["answerCallbackQuery", "editMessageText"]
    assert refreshed[1].text == shown[1].text and "edit_date" not in chat.messages_with_buttons()[0]
    assert len(photos(chat)) == 1


@pytest.mark.parametrize("why", ["photo deleted", "edit refused"])
async def test_when_the_chart_cannot_be_replaced_a_new_one_goes_out_and_the_old_one_goes(
    application: Application,
    api: FakeBotApi,
    engine: Engine,
    catalogue: Catalogue,
    chat: TelegramChat,
    drawn: list[MaturityChart | ProgressChart],
    why: str,
) -> None:
    code = await open_room(engine, catalogue, chat)
    await chat.send(f"/workshop {code}")
    [old] = photos(chat)
    if why == "photo deleted":  # the coordinator deleted it in the app: Telegram no longer knows it
        del api.messages[(chat.chat_id, old["message_id"])]
    else:
        api.fail_next("editMessageMedia", "Bad Request: wrong file identifier/HTTP URL specified")
    await join_and_check_in(engine, catalogue, code, "dan", {"L1": "R"})

    refreshed = await chat.press("workshop.refresh")
    assert methods(refreshed) == [
        "answerCallbackQuery", "editMessageMedia", "sendPhoto", "deleteMessage", "editMessageText"
    ]  # fmt: skip
    assert refreshed[3].params["message_id"] == old["message_id"]
    [new] = photos(chat)  # only the new chart: the old one deleted (or gone already)
    assert new["message_id"] != old["message_id"] and png_width(api.photo(chat.chat_id, new["message_id"])) > 0
    assert chat.shows(refreshed[-1], "workshop.room", joined=4, finished=4) and counts(chat, drawn[-1], 4, 4)

    await join_and_check_in(engine, catalogue, code, "eva", {"L1": "M"})
    again = await chat.press("workshop.refresh")  # the new chart is now the room's: replaced in place
    assert methods(again) == ["answerCallbackQuery", "editMessageMedia", "editMessageText"]
    assert again[1].params["message_id"] == new["message_id"] and counts(chat, drawn[-1], 5, 5)


@pytest.fixture
async def restarted(engine: Engine, api: FakeBotApi) -> AsyncIterator[Application]:
    """A second Application on the same database and chat: the bot after a restart, its memory empty."""
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api))
    async with application:
        yield application


async def test_after_a_restart_refresh_sends_the_chart_anew_and_then_replaces_that_one(
    application: Application,
    api: FakeBotApi,
    engine: Engine,
    catalogue: Catalogue,
    chat: TelegramChat,
    restarted: Application,
    drawn: list[MaturityChart | ProgressChart],
) -> None:
    code = await open_room(engine, catalogue, chat)
    await chat.send(f"/workshop {code}")
    [old] = photos(chat)
    await join_and_check_in(engine, catalogue, code, "dan", {"L1": "R"})

    after_restart = TelegramChat(restarted, api)
    refreshed = await after_restart.press("workshop.refresh")
    assert methods(refreshed) == ["answerCallbackQuery", "sendPhoto", "editMessageText"]  # which photo: unknown
    kept, new = photos(chat)
    assert kept["message_id"] == old["message_id"]  # left where it was, with its own time and counts
    assert counts(chat, drawn[-1], 4, 4) and chat.shows(refreshed[-1], "workshop.room", joined=4, finished=4)

    await join_and_check_in(engine, catalogue, code, "eva", {"L1": "M"})
    again = await after_restart.press("workshop.refresh")
    assert methods(again) == ["answerCallbackQuery", "editMessageMedia", "editMessageText"]
    assert again[1].params["message_id"] == new["message_id"] and counts(chat, drawn[-1], 5, 5)


async def test_a_refresh_cut_off_by_the_network_is_shown_from_the_outbox_when_telegram_delivers_it_again(
    application: Application,
    api: FakeBotApi,
    engine: Engine,
    catalogue: Catalogue,
    chat: TelegramChat,
    drawn: list[MaturityChart | ProgressChart],
) -> None:
    code = await open_room(engine, catalogue, chat)
    await chat.send(f"/workshop {code}")
    [chart] = photos(chat)
    await join_and_check_in(engine, catalogue, code, "dan", {"L1": "R"})
    message, button = chat.find_button("workshop.refresh")
    update = make_callback_update(button["callback_data"], message=message, user_id=USER_ID, bot=application.bot)

    api.fail_next("editMessageMedia", "Bad Gateway", 502)
    cut_off = await chat.deliver(update)
    assert methods(cut_off) == ["answerCallbackQuery", "editMessageMedia"]  # nothing more: the update is not done
    await join_and_check_in(engine, catalogue, code, "eva", {"L1": "M"})  # meanwhile, a fifth finishes

    again = await chat.deliver(update)  # Telegram delivers it again: the stored replies, as they were
    assert methods(again) == ["answerCallbackQuery", "editMessageMedia", "editMessageText"]
    assert again[1].params["message_id"] == chart["message_id"] and counts(chat, drawn[-1], 4, 4)
    assert chat.shows(again[2], "workshop.room", joined=4, finished=4)  # the room and its chart: the same moment
    assert [photo["message_id"] for photo in photos(chat)] == [chart["message_id"]]
    assert methods(await chat.deliver(update)) == ["answerCallbackQuery"]  # sent: a third delivery shows nothing


async def test_a_room_fallen_below_the_minimum_group_size_loses_its_chart_on_refresh(
    application: Application, api: FakeBotApi, engine: Engine, catalogue: Catalogue, chat: TelegramChat
) -> None:
    code = await open_room(engine, catalogue, chat)
    await chat.send(f"/workshop {code}")
    [chart] = photos(chat)
    ana = Chat(engine, "ana", "Ana")  # a participant asks to be forgotten: two are left, fewer than three
    await ana.command("/forget")
    await ana.press("privacy.forget_yes")

    refreshed = await chat.press("workshop.refresh")
    assert methods(refreshed) == ["answerCallbackQuery", "editMessageText", "deleteMessage"]
    assert chat.shows(refreshed[1], "workshop.room", joined=2, finished=2)
    assert refreshed[2].params["message_id"] == chart["message_id"] and photos(chat) == []  # no figures left up


async def test_the_fake_bot_api_over_http_edits_a_photo_and_refuses_text_and_unknown_messages() -> None:
    """What a bot in another process sees (tests/helpers/fake_bot_api_server.py): Telegram's answers."""
    first, second = qr_png("https://t.me/one"), qr_png("https://t.me/two")
    with FakeBotApiServer() as server:
        async with Bot(TOKEN, base_url=f"{server.base_url}/bot") as bot:
            photo = await bot.send_photo(CHAT, InputFile(first, filename="a.png"), caption="before")
            text = await bot.send_message(CHAT, "the room")
            edited = await bot.edit_message_media(
                InputMediaPhoto(second, filename="b.png", caption="after"), chat_id=CHAT, message_id=photo.message_id
            )
            assert isinstance(edited, Message) and edited.caption == "after"
            assert server.api.photo(CHAT, photo.message_id) == second
            for message_id, refusal in ((text.message_id, "no media"), (99999, "not found")):
                with pytest.raises(BadRequest, match=refusal):
                    await bot.edit_message_media(InputMediaPhoto(first), chat_id=CHAT, message_id=message_id)
            assert server.api.photo(CHAT, photo.message_id) == second  # refused: nothing changed


async def test_a_room_that_had_to_be_sent_anew_keeps_its_chart(
    application: Application,
    api: FakeBotApi,
    engine: Engine,
    catalogue: Catalogue,
    chat: TelegramChat,
    drawn: list[MaturityChart | ProgressChart],
) -> None:
    code = await open_room(engine, catalogue, chat)
    await chat.send(f"/workshop {code}")
    [chart] = photos(chat)
    old_room = chat.messages_with_buttons()[0]
    await join_and_check_in(engine, catalogue, code, "dan", {"L1": "R"})
    api.fail_next("editMessageText", "Bad Request: message can't be edited")
    refreshed = await chat.press("workshop.refresh")
    assert methods(refreshed) == ["answerCallbackQuery", "editMessageMedia", "editMessageText", "sendMessage"]
    new_room = chat.messages_with_buttons()[0]
    assert new_room["message_id"] != old_room["message_id"] and chat.shows(new_room["text"], "workshop.room", joined=4)

    await join_and_check_in(engine, catalogue, code, "eva", {"L1": "M"})
    again = await chat.press("workshop.refresh")  # in the new room message: the same chart, replaced again
    assert methods(again) == ["answerCallbackQuery", "editMessageMedia", "editMessageText"]
    assert again[1].params["message_id"] == chart["message_id"] and counts(chat, drawn[-1], 5, 5)
    assert again[2].params["message_id"] == new_room["message_id"]
