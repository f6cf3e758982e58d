"""The real PTB Application and the real engine, through the fake Bot API: what an official sees on Telegram."""

from __future__ import annotations

import logging

import pytest
from telegram.ext import Application

from bot.telegram import render
from catalogue import Catalogue
from conversations import Attachment, Engine, MaturityChart, Option, Reply
from conversations.flows.wording import BUTTON_TITLE, shorten
from tests.helpers.chat import Key
from tests.helpers.fake_telegram import BOT_USERNAME, Call, FakeBotApi, methods
from tests.helpers.telegram_chat import TelegramChat
from tests.helpers.telegram_updates import GROUP_ID, make_callback_update, make_command_update

CHECKIN_AREAS = 10

AREAS = [area.code for area in Catalogue.load().areas]
DETAILS_L1S1 = shorten(Catalogue.load().action("L1S1").title, BUTTON_TITLE)


async def onboard(chat: TelegramChat, city: str = "Torino") -> None:
    await chat.send("/start")
    await chat.press("onboarding.agree")
    await chat.send(city)
    await chat.press("onboarding.roles.resilience")


async def test_start_up_fills_the_command_menu_from_the_engine_texts(
    application: Application, api: FakeBotApi, engine: Engine
) -> None:
    calls = api.calls_to("setMyCommands")
    [call] = [call for call in calls if not call.params.get("language_code")]  # the menu of every other language
    assert sorted(call.params["language_code"] for call in calls if call.params.get("language_code")) == sorted(
        code for code in engine.languages if code != "en"
    )
    commands = [(command["command"], command["description"]) for command in call.params["commands"]]
    assert [name for name, _ in commands] == [
        "start",
        "assess",
        "checkin",
        "results",
        "progress",
        "ask",
        "areas",
        "help",
        "language",
    ]
    assert all(description == engine.texts.get(f"commands.{name}") for name, description in commands)


async def test_onboarding_asks_consent_before_anything_is_stored(chat: TelegramChat, engine: Engine) -> None:
    [welcome] = await chat.send("/start")
    assert welcome.method == "sendMessage" and welcome.params["parse_mode"] == "HTML"
    assert chat.shows(welcome, "onboarding.welcome") and chat.shows(welcome, "onboarding.privacy")
    assert chat.labels == [chat.label("onboarding.agree"), chat.label("onboarding.decline")]

    consented = await chat.press("onboarding.agree")
    assert methods(consented) == ["answerCallbackQuery", "editMessageText"]  # one edit, no new message
    welcome_id = next(iter(chat.api.messages))[1]
    assert consented[1].params["message_id"] == welcome_id  # the welcome question itself is edited
    # it now shows the choice, and the next question under it
    assert consented[1].text == chat.t("onboarding.consented") + "\n\n" + chat.t("onboarding.ask_city")

    city = await chat.send("Torino <Città & Metropoli>")
    assert city[0].text == chat.t("onboarding.city_saved", city="Torino <Città & Metropoli>")
    assert "Torino &lt;Città &amp; Metropoli&gt;" in city[0].text  # HTML parse mode, user text escaped
    role = await chat.press("onboarding.roles.resilience")
    assert methods(role) == ["answerCallbackQuery", "editMessageText"]
    resilience = chat.label("onboarding.roles.resilience")
    assert chat.shows_joined(
        role[1],
        Key("onboarding.role_saved", role=resilience),
        Key("onboarding.done", city="Torino <Città & Metropoli>", role=resilience),
    )
    assert chat.label("menu.checkin") in role[1].labels  # the menu's buttons came with it


async def test_declining_consent_stores_nothing(chat: TelegramChat, engine: Engine) -> None:
    await chat.send("/start")
    declined = await chat.press("onboarding.decline")
    assert declined[1].text == chat.t("onboarding.declined")
    again = await chat.send("/start")
    assert chat.shows(again[0], "onboarding.privacy")  # still a newcomer


async def test_quick_checkin_by_buttons_ends_in_recommendations(chat: TelegramChat) -> None:
    await onboard(chat)
    await chat.press("menu.checkin")
    not_started = chat.label("checkin.not_started")
    for area in range(1, CHECKIN_AREAS):
        step = await chat.press("checkin.not_started")
        assert methods(step) == ["answerCallbackQuery", "editMessageText"]  # no spinning clock, tidy chat
        answered, asked = AREAS[area - 1], AREAS[area]
        assert chat.shows_joined(
            step[1], Key("checkin.answered", area=answered, stage=not_started), Key("checkin.question", area=asked)
        )
        assert not_started in step[1].labels  # the next area's buttons, in the same message
    step = await chat.press("checkin.not_started")
    assert methods(step) == ["answerCallbackQuery", "editMessageText", "sendMessage", "sendMessage", "sendPhoto"]
    assert chat.shows_joined(step[1], Key("checkin.answered", stage=not_started), Key("checkin.finished"))
    assert step[1].buttons == []  # the last question keeps no buttons; the results come as new messages
    assert chat.shows(step[2], "reminders.rhythm_question")  # when to remind the next round, before the results
    results, chart = step[-2:]  # the results are too long for a caption: text first, then the chart
    assert (results.method, chart.method) == ("sendMessage", "sendPhoto")
    assert chat.shows(results, "results.title", city="Torino") and chat.shows(results, "results.next")
    assert (
        chart.text == "" and chat.label("results.details", code="L1S1", title=DETAILS_L1S1) in chart.labels
    )  # buttons on the last one
    assert results.buttons == []
    assert_is_chart(chart)


async def test_results_of_a_complete_check_in_come_as_a_photo_with_caption(chat: TelegramChat, engine: Engine) -> None:
    await onboard(chat)
    await chat.press("menu.checkin")
    robust, transformative = engine.catalogue.stage("R").name, engine.catalogue.stage("T").name
    for area in range(CHECKIN_AREAS):
        step = await chat.press(robust if area == 3 else transformative)  # L4, the fourth area, ends at Robust
    assert methods(step) == ["answerCallbackQuery", "editMessageText", "sendMessage", "sendPhoto"]
    photo = step[-1]
    assert chat.shows_joined(step[1], Key("checkin.answered"), Key("checkin.finished"))
    assert chat.shows(photo, "results.title", city="Torino") and chat.shows(photo, "results.domain_complete")
    assert photo.params["parse_mode"] == "HTML" and len(photo.text) <= 1024
    assert_is_chart(photo)
    again = await chat.send("/results")
    assert methods(again) == ["sendPhoto"] and again[0].text == photo.text
    assert api_photo_size(chat) == (800, 600)


def assert_is_chart(call: Call) -> None:
    filename, data = call.files["photo"]
    assert filename.endswith(".png") and data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def api_photo_size(chat: TelegramChat) -> tuple[int, int]:
    """The size Telegram reports for the photo just sent (the fake reads it from the PNG)."""
    newest = max(key for key in chat.api.messages if key[0] == chat.chat_id)
    [photo] = chat.api.messages[newest]["photo"]
    return photo["width"], photo["height"]


async def test_full_assessment_step_answers_the_callback_and_edits_the_next_question_in(chat: TelegramChat) -> None:
    await onboard(chat)
    opened = await chat.send("/assess")
    question = opened[-1]
    assert chat.shows(question, "assessment.question", code="L1S1") and chat.label("answers.done") in question.labels
    message, _ = chat.find_button("answers.done")

    answered = await chat.press("answers.done")

    assert methods(answered) == ["answerCallbackQuery", "editMessageText"]  # two calls a press, as an echo bot
    edit = answered[1]
    assert (edit.params["chat_id"], edit.params["message_id"]) == (chat.chat_id, message["message_id"])
    done = chat.label("answers.done")
    picked = Key("assessment.answered", code="L1S1", answer=done)
    assert chat.shows_joined(edit, picked, Key("assessment.question", code="L1S2"))  # the choice, the next question
    assert edit.labels == question.labels  # ... and its buttons, in the message just pressed
    rows = edit.params["reply_markup"]["inline_keyboard"]
    assert all(len(row) <= 2 for row in rows)  # answers fit a phone: two per row at most
    assert chat.message(message["message_id"])["text"] == edit.text  # what the official sees, in place

    again = await chat.press("answers.done")  # the next answer is pressed on the same message
    assert methods(again) == ["answerCallbackQuery", "editMessageText"]
    assert again[1].params["message_id"] == message["message_id"]
    assert chat.shows_joined(
        again[1], Key("assessment.answered", code="L1S2", answer=done), Key("assessment.question", code="L1M1")
    )


async def test_back_after_a_press_shows_the_earlier_question_in_the_same_message(chat: TelegramChat) -> None:
    await onboard(chat)
    await chat.send("/assess")
    message, _ = chat.find_button("answers.done")
    await chat.press("answers.done")
    back = await chat.press("assessment.back")
    assert methods(back) == ["answerCallbackQuery", "editMessageText"]
    assert back[1].params["message_id"] == message["message_id"]
    assert chat.shows(back[1], "assessment.question", code="L1S1") and chat.label("answers.done") in back[1].labels


async def test_free_text_and_ask_find_matching_actions(chat: TelegramChat) -> None:
    await onboard(chat)
    [typed] = await chat.send("how do we start a resilience plan?")
    assert chat.shows(typed, "ask.intro") and chat.shows(typed, "ask.match", area="L4")
    [asked] = await chat.send("/ask how do we start a resilience plan?")
    assert asked.text == typed.text and asked.labels


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document"])
async def test_non_text_messages_get_a_short_helpful_answer(chat: TelegramChat, engine: Engine, kind: str) -> None:
    [answer] = await chat.send_content(kind)
    assert answer.text == chat.t("errors.other")


async def test_an_edited_message_gets_a_helpful_answer(chat: TelegramChat, engine: Engine) -> None:
    await onboard(chat)
    [answer] = await chat.edit("Torino, sorry: Milano")
    assert answer.text == chat.t("errors.edited")


async def test_deep_link_payload_reaches_the_engine(chat: TelegramChat, engine: Engine) -> None:
    workshop = await engine.coordination.create_workshop("Spring day")
    await chat.send(f"/start ws_{workshop.code}")
    await chat.press("onboarding.agree")
    await chat.send("Torino")
    joined = await chat.press("onboarding.roles.resilience")
    assert any(chat.shows(call, "checkin.intro") for call in joined)  # a workshop link goes straight to the check-in
    assert chat.label("checkin.not_started") in chat.labels


async def test_in_a_group_commands_get_a_button_to_the_private_chat(
    application: Application, api: FakeBotApi, engine: Engine
) -> None:
    member = TelegramChat(application, api, chat_id=GROUP_ID)
    [reply] = await member.send(f"/checkin@{BOT_USERNAME}")
    assert reply.chat_id == GROUP_ID and reply.text == member.t("group.open_private")
    [button] = reply.buttons
    assert button == {"text": member.label("group.open_private_button"), "url": f"https://t.me/{BOT_USERNAME}"}
    [with_code] = await member.send("/start ws_ab12")
    assert with_code.buttons[0]["url"] == f"https://t.me/{BOT_USERNAME}?start=ws_ab12"

    assert await member.send("our city is Torino") == []  # plain group chatter is not the bot's business
    assert await member.send("/help@some_other_bot") == []

    private = TelegramChat(application, api)
    first = await private.send("/start")
    assert private.shows(first[0], "onboarding.privacy")  # the group command registered nobody


async def test_group_never_sees_personal_answers(application: Application, api: FakeBotApi) -> None:
    private = TelegramChat(application, api)
    await onboard(private, city="Secretville")
    member = TelegramChat(application, api, chat_id=GROUP_ID)
    await member.send("/results")
    await member.send("/start")
    group_texts = " ".join(call.text + str(call.params) for call in api.calls if call.chat_id == GROUP_ID)
    assert "Secretville" not in group_texts and private.label("onboarding.roles.resilience") not in group_texts


async def test_a_button_pressed_in_a_group_is_answered_and_nothing_else(
    application: Application, api: FakeBotApi, engine: Engine
) -> None:
    group_message = {"message_id": 9, "date": 0, "chat": {"id": GROUP_ID, "type": "supergroup", "title": "team"},
                     "text": "old", "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "go:results"}]]}}  # fmt: skip
    update = make_callback_update("go:results", message=group_message, bot=application.bot)
    calls = await TelegramChat(application, api, chat_id=GROUP_ID).deliver(update)
    assert methods(calls) == ["answerCallbackQuery"]
    assert calls[0].params["text"] == engine.texts.get("group.open_private")


async def test_stale_and_malformed_buttons_are_answered_politely(chat: TelegramChat, engine: Engine) -> None:
    await onboard(chat)
    await chat.send("/assess")
    old_message, old_done = chat.find_button("answers.done")
    await chat.press("answers.done")

    stale = await chat.deliver(
        make_callback_update(old_done["callback_data"], message=old_message, bot=chat.application.bot)
    )
    assert stale[0].method == "answerCallbackQuery"
    assert any(call.text == chat.t("errors.stale_choice") for call in stale)

    malformed = await chat.deliver(make_callback_update("💥 not ascii", message=old_message, bot=chat.application.bot))
    assert malformed[0].method == "answerCallbackQuery"
    assert any(call.text == chat.t("errors.malformed_choice") for call in malformed)

    no_data = await chat.deliver(make_callback_update(None, message=old_message, bot=chat.application.bot))
    assert no_data[0].method == "answerCallbackQuery"


async def test_a_button_whose_message_telegram_omitted_still_works(chat: TelegramChat) -> None:
    await onboard(chat)
    await chat.send("/assess")
    _, done = chat.find_button("answers.done")
    calls = await chat.deliver(make_callback_update(done["callback_data"], message=None, bot=chat.application.bot))
    assert methods(calls) == ["answerCallbackQuery", "sendMessage", "sendMessage"]  # shown anew instead of edited
    assert chat.shows(calls[1], "assessment.answered", code="L1S1", answer=chat.label("answers.done"), whole=True)


async def test_a_press_too_old_to_answer_is_still_processed(chat: TelegramChat, api: FakeBotApi) -> None:
    await onboard(chat)
    await chat.send("/assess")
    api.fail_next(
        "answerCallbackQuery", "Bad Request: query is too old and response timeout expired or query id is invalid"
    )
    calls = await chat.press("answers.done")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    assert chat.shows_joined(calls[1], Key("assessment.answered", code="L1S1"), Key("assessment.question", code="L1S2"))


@pytest.mark.parametrize(
    "refusal",
    [
        "Bad Request: message to edit not found",
        "Bad Request: message can't be edited",
        "Bad Request: there is no text in the message to edit",
    ],
)
async def test_an_edit_telegram_refuses_becomes_new_messages_and_the_question_is_still_asked(
    chat: TelegramChat, api: FakeBotApi, refusal: str
) -> None:
    await onboard(chat)
    await chat.send("/assess")
    pressed, _ = chat.find_button("answers.done")
    api.fail_next("editMessageText", refusal)
    calls = await chat.press("answers.done")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage", "sendMessage"]
    assert chat.shows(calls[2], "assessment.answered", code="L1S1", answer=chat.label("answers.done"), whole=True)
    assert chat.shows(calls[3], "assessment.question", code="L1S2") and chat.label("answers.done") in calls[3].labels
    newest, _ = chat.find_button("answers.done")
    assert newest["message_id"] > pressed["message_id"]  # the next press goes to the new question
    assert methods(await chat.press("answers.done")) == ["answerCallbackQuery", "editMessageText"]


async def test_a_stale_or_forged_press_on_the_joined_message_leaves_it_as_it_is(chat: TelegramChat) -> None:
    await onboard(chat)
    await chat.send("/assess")
    message, first_done = chat.find_button("answers.done")
    await chat.press("answers.done")  # the message now asks L1S2, with buttons of their own
    shown = dict(chat.message(message["message_id"]))

    for data, key in ((first_done["callback_data"], "errors.stale_choice"), ("q9999:zz", "errors.stale_choice"),
                      ("💥 not ascii", "errors.malformed_choice")):  # fmt: skip
        calls = await chat.deliver(make_callback_update(data, message=shown, bot=chat.application.bot))
        assert methods(calls)[0] == "answerCallbackQuery" and "editMessageText" not in methods(calls), data
        assert any(chat.shows(call, key, whole=True) for call in calls if call.method == "sendMessage"), data
        assert chat.message(message["message_id"]) == shown  # the question pressed is not overwritten


async def test_an_error_inside_a_handler_reaches_the_error_handler(
    chat: TelegramChat, api: FakeBotApi, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("sendMessage", "Bad Request: can't parse entities: unsupported start tag")
    with caplog.at_level(logging.ERROR, logger="bot.telegram.handlers"):
        calls = await chat.send("/help")
    assert methods(calls) == ["sendMessage", "sendMessage"]
    assert calls[1].text == chat.t("errors.internal")  # plain words: your answers are safe
    [record] = [record for record in caplog.records if record.name == "bot.telegram.handlers"]
    assert "/help" not in record.getMessage() and str(chat.user_id) in record.getMessage()  # ids, not texts
    assert record.exc_info is not None and "can't parse entities" in str(record.exc_info[1]).lower()


async def test_my_data_arrives_as_a_document(chat: TelegramChat) -> None:
    await onboard(chat)
    calls = await chat.send("/mydata")
    [document] = [call for call in calls if call.method == "sendDocument"]
    filename, data = document.files["document"]
    assert filename.endswith(".json") and b"Torino" in data


async def test_images_go_as_photos_with_caption_and_buttons(application: Application, api: FakeBotApi) -> None:
    chart = Reply("📊 <Torino>", attachment=Attachment("chart.png", b"\x89PNG fake", is_image=True))
    await render.render(application.bot, 501, [chart])
    [photo] = api.calls_to("sendPhoto")
    assert photo.params["caption"] == "📊 &lt;Torino&gt;" and photo.files["photo"] == ("chart.png", b"\x89PNG fake")


async def test_a_chart_that_cannot_be_drawn_leaves_the_text_and_buttons(
    application: Application, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(chart: MaturityChart) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(render, "chart_png", broken)
    chart = MaturityChart("Torino", ("Starting",), (), "Stage reached", "Next stage")
    reply = Reply("📊 Results", options=(Option("🔎 L1S1", "x:L1S1"),), chart=chart, replaces_previous=True)
    await render.render(application.bot, 501, [reply])
    [message] = api.calls_to("sendMessage", "sendPhoto")
    assert (message.method, message.text, message.labels) == ("sendMessage", "📊 Results", ["🔎 L1S1"])
    assert any("could not draw the chart" in record.getMessage() for record in caplog.records)


async def test_a_redelivered_update_is_answered_once(chat: TelegramChat) -> None:
    update = make_command_update("/help", bot=chat.application.bot)
    first = await chat.deliver(update)
    again = await chat.deliver(update)
    assert len(first) == 1 and again == []
