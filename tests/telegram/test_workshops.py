"""Workshops on Telegram: the real PTB Application and engine, through the fake Bot API."""

from __future__ import annotations

import io

import numpy as np
import zxingcpp
from matplotlib.image import imread
from openpyxl import load_workbook
from pypdf import PdfReader
from telegram.ext import Application

from bot.export import ANSWER_FIELDS
from catalogue import Catalogue
from conversations import Engine
from tests.helpers.fake_telegram import BOT_USERNAME, Call, FakeBotApi, methods
from tests.helpers.telegram_chat import TelegramChat
from tests.helpers.telegram_updates import USER_ID, make_callback_update
from tests.helpers.workshops import join_and_check_in

PARTICIPANT = 777


def decode_qr(png: bytes) -> list[str]:
    image = imread(io.BytesIO(png), format="png")
    grey = image if image.ndim == 2 else image[..., :3].mean(axis=2)
    return [barcode.text for barcode in zxingcpp.read_barcodes((grey * 255).astype(np.uint8))]


async def onboard(chat: TelegramChat, city: str = "Gent") -> None:
    await chat.send("/start")
    await chat.press("onboarding.agree")
    await chat.send(city)
    await chat.press("onboarding.roles.resilience")


async def test_a_workshop_from_its_qr_code_to_the_exported_workbook(
    application: Application, api: FakeBotApi, engine: Engine, catalogue: Catalogue, chat: TelegramChat
) -> None:
    engine.min_group_size = 1  # one participant, and the room still shows its figures and chart
    await engine.coordination.grant(f"telegram:{USER_ID}")
    await onboard(chat)
    [card] = await chat.send("/workshop new Spring day")
    assert card.method == "sendPhoto" and chat.shows(card, "workshop.created", name="Spring day")
    [link] = decode_qr(card.files["photo"][1])
    code = link.removeprefix(f"https://t.me/{BOT_USERNAME}?start=ws_")
    assert link == f"https://t.me/{BOT_USERNAME}?start=ws_{code}" and link in card.text  # the link under the text

    participant = TelegramChat(application, api, user_id=PARTICIPANT)
    await participant.send(f"/start ws_{code}")  # what the link makes Telegram send
    joined = await onboard_after_link(participant)
    assert any(participant.shows(call, "workshop.joined", name="Spring day") for call in joined)
    assert participant.shows(joined[-1], "checkin.question", area="L1")
    for area in catalogue.areas:
        await participant.press(catalogue.stage("M").name if area.code == "L1" else "checkin.not_started")

    shown = await chat.send(f"/workshop {code}")
    assert methods(shown) == ["sendPhoto", "sendMessage"]  # the chart, then the room view with its buttons
    chart, room = shown
    room_id = chat.messages_with_buttons()[0]["message_id"]
    assert imread(io.BytesIO(chart.files["photo"][1]), format="png").shape[1] == 962  # a group chart: wider
    assert chat.shows(room, "workshop.room", name="Spring day", code=code, joined=1, finished=1)
    refreshed = await chat.press("workshop.refresh")
    assert methods(refreshed)[-1] == "editMessageText" and refreshed[-1].params["message_id"] == room_id  # in place
    assert "sendPhoto" not in methods(refreshed)  # its chart replaced, if redrawn differently, not sent again

    offered = await chat.press("workshop.export")
    formats = ("export.xlsx", "export.csv", "export.json", "report.button")
    assert chat.labels == [chat.label(key) for key in formats]
    sent = await chat.press("export.xlsx")
    [document] = [call for call in sent if call.method == "sendDocument"]
    name, data = document.files["document"]
    assert name.startswith(f"citybot-{code}-") and name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data))["Answers"]
    assert [c.value for c in sheet[1]] == list(ANSWER_FIELDS)
    assert sheet.max_row - 1 == len(catalogue.actions)
    assert offered and chat.shows(document, "export.ready", count=len(catalogue.actions))


async def onboard_after_link(chat: TelegramChat) -> list[Call]:
    """Consent and set-up after opening a join link; returns what the bot sent at the end."""
    await chat.press("onboarding.agree")
    await chat.send("Gent")
    return await chat.press("onboarding.roles.resilience")


async def test_forged_buttons_from_an_official_get_the_refusal_and_nothing_else(
    application: Application, api: FakeBotApi, engine: Engine, chat: TelegramChat
) -> None:
    info = await engine.coordination.create_workshop("Spring day", city="Gent")
    await onboard(chat)
    before = len(api.calls)
    for data in (f"wr:{info.code}", f"ex:xlsx:{info.code}", "ex:csv", f"wc:{info.code}:y"):
        update = make_callback_update(data, message=None, user_id=USER_ID, bot=application.bot)
        sent = await chat.deliver(update)
        assert methods(sent) == ["answerCallbackQuery", "sendMessage"], data
        assert sent[1].text == chat.t("coordinators.only")
    for command in ("/workshop", f"/workshop {info.code}", "/export"):
        [sent] = await chat.send(command)
        assert sent.text == chat.t("coordinators.only")
    assert not api.calls_to("sendDocument", "sendPhoto")[before:]
    [workshop] = await engine.coordination.workshops()
    assert workshop.status == "open"


async def test_the_pdf_report_and_the_poster_arrive_as_documents(
    application: Application, api: FakeBotApi, engine: Engine, catalogue: Catalogue, chat: TelegramChat
) -> None:
    await engine.coordination.grant(f"telegram:{USER_ID}")
    await onboard(chat)
    info = await engine.coordination.create_workshop("Łódź spring day", city="Gent")
    for user, stage in (("ana", "S"), ("ben", "M"), ("carla", "A")):
        await join_and_check_in(engine, catalogue, info.code, user, {"L1": stage})
    await chat.send(f"/workshop {info.code}")
    sent = await chat.press("screen.poster")
    [poster] = [call for call in sent if call.method == "sendDocument"]
    name, data = poster.files["document"]
    assert name == f"citybot-{info.code}-poster.pdf" and chat.shows(
        poster, "screen.poster_ready", name="Łódź spring day"
    )
    page = PdfReader(io.BytesIO(data)).pages[0]
    link = f"https://t.me/{BOT_USERNAME}?start=ws_{info.code}"
    assert "Łódź spring day" in page.extract_text() and link in page.extract_text()
    [image] = page.images
    assert [barcode.text for barcode in zxingcpp.read_barcodes(image.image)] == [link]

    await chat.send(f"/export {info.code}")
    sent = await chat.press("report.button")
    [report] = [call for call in sent if call.method == "sendDocument"]
    name, data = report.files["document"]
    assert name.startswith(f"citybot-{info.code}-report-") and name.endswith(".pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Łódź spring day" in text and catalogue.version in text


async def test_a_coordinator_of_one_city_is_refused_another_citys_export(
    application: Application, api: FakeBotApi, engine: Engine, catalogue: Catalogue, chat: TelegramChat
) -> None:
    await engine.coordination.grant(f"telegram:{USER_ID}", city="Gent")
    await onboard(chat, "Gent")
    await chat.send("/workshop new Gent day")
    antwerp = await engine.coordination.create_workshop("Antwerp day", city="Antwerpen")  # opened on the server
    participant = TelegramChat(application, api, user_id=PARTICIPANT)
    await participant.send(f"/start ws_{antwerp.code}")
    await participant.press("onboarding.agree")
    await participant.send("Antwerpen")
    await participant.press("onboarding.roles.resilience")
    await participant.press(catalogue.stage("M").name)

    [refusal] = await chat.send(f"/export {antwerp.code}")
    assert chat.shows(refusal, "workshop.unknown", code=antwerp.code, whole=True)
    for data in (f"ex:xlsx:{antwerp.code}", f"we:{antwerp.code}", f"wr:{antwerp.code}"):
        update = make_callback_update(data, message=chat.messages_with_buttons()[0], bot=application.bot)
        pressed = await chat.deliver(update)
        sent = [call for call in pressed if call.method in ("sendMessage", "editMessageText")]
        assert not any(call.method == "sendDocument" for call in pressed), data
        assert sent and chat.shows(sent[-1], "workshop.unknown", code=antwerp.code, whole=True), data
    await chat.send("/export")  # the answers of the city granted (none yet), nothing of Antwerp's
    sent = await chat.press("export.json")
    assert not any(call.method == "sendDocument" for call in sent)
    assert chat.shows(sent[-1], "export.empty", scope=chat.t("workshop_team.scope_cities", cities="Gent"))
