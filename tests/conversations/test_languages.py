"""Languages in the conversation: the client's language first, /language at any time, remembered per person,
questions answered in the language they are written in, and the texts machinery (plurals, numbers, fallback).

Runs on stand-in languages made from English (tests/helpers/languages.py), so it tests the machinery
whatever translations are shipped; tests/test_texts_parity.py checks the shipped files themselves.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from catalogue import Catalogue
from conversations import Engine, Texts, open_engine
from conversations.storage.models import Participant
from tests.helpers.chat import Chat, Key, rows
from tests.helpers.languages import stand_in_catalogue, stand_in_texts
from tests.helpers.workshops import join_only

SPOKEN = ("es", "fr", "pt")


@pytest.fixture
async def polyglot(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Engine]:
    """An engine speaking English and stand-ins of es, fr and pt, with a Spanish catalogue stand-in."""
    stand_in_texts(tmp_path / "texts", SPOKEN, monkeypatch)
    catalogue = Catalogue.load(stand_in_catalogue(tmp_path / "catalogue", "es"))
    engine = await open_engine(sqlite_url, catalogue)
    yield engine
    await engine.close()


async def stored_language(engine: Engine, chat: Chat) -> str | None:
    [participant] = [p for p in await rows(engine, Participant) if p.user_id == chat.user_id]
    return participant.language


async def onboard(chat: Chat) -> None:
    await chat.command("/start")
    await chat.press("onboarding.agree")
    await chat.say("Recife")
    await chat.press("onboarding.roles.resilience")


async def test_the_clients_language_greets_and_is_remembered(polyglot: Engine) -> None:
    chat = Chat(polyglot, language="pt-BR")
    await chat.command("/start")
    assert chat.said("onboarding.welcome") and polyglot.texts_for("pt-BR").language == "pt"
    assert chat.replies[0].text.startswith("[pt] ")
    await chat.press("onboarding.agree")
    await chat.say("Recife")
    await chat.press("onboarding.roles.resilience")
    assert chat.said("onboarding.done", city="Recife")
    assert await stored_language(polyglot, chat) == "pt"
    chat.language = "en"  # the app's language changes later: the person's stays
    await chat.command("/help")
    assert chat.said("help.intro")  # still Portuguese (chat.expected is pt)


@pytest.mark.parametrize(
    ("tag", "code"), [("es-419", "es"), ("pt-BR", "pt"), ("fr-CA", "fr"), ("de", "en"), (None, "en")]
)
async def test_language_tags_map_to_a_language_citybot_speaks(polyglot: Engine, tag: str | None, code: str) -> None:
    assert polyglot.texts_for(tag).language == code
    chat = Chat(polyglot, language=tag)
    await chat.command("/start")
    assert chat.said("onboarding.welcome")
    assert chat.replies[0].text.startswith(f"[{code}] ") == (code != "en")


async def test_language_switches_at_any_time_and_is_remembered(polyglot: Engine, sqlite_url: str) -> None:
    chat = Chat(polyglot, language="pt-BR")
    await onboard(chat)
    await chat.command("/language")
    assert chat.said("language.choose")
    labels = [option.label for option in chat.options]
    assert labels == [
        chat.t("language.button", name="English"),
        chat.t("language.button", name="Español"),
        chat.t("language.button", name="Français"),
        chat.t("language.button_current", name="Português"),
    ]
    await chat.choose("Français")
    chat.expect("fr")
    assert chat.said("language.set") and chat.replies[0].text.startswith("[fr] ")
    assert await stored_language(polyglot, chat) == "fr"
    await chat.command("/results")
    assert chat.said("results.empty") or chat.said("results.title")
    # a fresh engine (a restart) reads it from the database
    await polyglot.close()
    again = await open_engine(sqlite_url, polyglot.catalogue)
    try:
        later = Chat(again, language="pt-BR")
        later.expect("fr")
        await later.command("/help")
        assert later.said("help.intro")
    finally:
        await again.close()


async def test_a_choice_before_consent_is_stored_at_consent(polyglot: Engine) -> None:
    chat = Chat(polyglot, language="en")
    await chat.command("/language es")
    chat.expect("es")
    assert chat.said("language.set")
    await chat.command("/start")
    assert chat.said("onboarding.welcome")
    await chat.press("onboarding.agree")
    assert await stored_language(polyglot, chat) == "es"


async def test_a_language_button_for_a_language_not_spoken_changes_nothing(polyglot: Engine) -> None:
    chat = Chat(polyglot)
    await onboard(chat)
    await chat.choose_id("lg:nl")
    assert chat.said("language.choose")
    assert await stored_language(polyglot, chat) == "en"
    await chat.choose_id("lg:../../etc")
    assert chat.said("errors.malformed_choice") or chat.said("language.choose")


async def test_a_question_in_another_language_citybot_speaks_is_answered_in_it(polyglot: Engine) -> None:
    chat = Chat(polyglot)
    await onboard(chat)
    await chat.say("¿Cómo preparamos a los voluntarios para una emergencia?")
    chat.expect("es")
    assert chat.said("ask.intro", reply=0)
    spanish = polyglot.catalogue.in_language("es")
    shown = chat.replies[0].text
    assert spanish.action("P2M1").title in shown or spanish.action("P2R1").title in shown
    assert chat.said("ask.reason_terms", reply=0) or "voluntari" in shown
    assert chat.said("language.offer", reply=-1)
    assert await stored_language(polyglot, chat) == "en"  # only offered
    await chat.press("language.offer_yes")
    assert chat.said("language.set")
    assert await stored_language(polyglot, chat) == "es"


async def test_a_question_in_a_language_citybot_does_not_speak_names_the_ones_it_reads(polyglot: Engine) -> None:
    chat = Chat(polyglot)
    await chat.say("Wie beginnen wir mit einem Resilienzplan für unsere Stadt?")
    names = [chat.t(f"ask.languages.{code}") for code in ("en", "es", "fr", "pt")]
    listed = polyglot.texts.join(names)
    assert chat.said("ask.other_language_named", language=chat.t("ask.languages.de"), languages=listed)


# --- the texts machinery ----------------------------------------------------------------------------------


def test_plural_forms_follow_the_languages_rules() -> None:
    forms = {"notes": {"one": "{count} note", "many": "{count} de notes", "other": "{count} notes"}}
    english, french, portuguese = Texts(forms, "en"), Texts(forms, "fr"), Texts(forms, "pt")
    assert [english.get("notes", count=n) for n in (0, 1, 2)] == ["0 notes", "1 note", "2 notes"]
    assert french.get("notes", count=0) == "0 note"  # French: 0 and 1 are singular
    assert french.get("notes", count=1_000_000) == "1\u202f000\u202f000 de notes"  # "many", and the number French
    assert portuguese.get("notes", count=0) == "0 note"
    assert english.get("notes", count=4096) == "4,096 notes"


def test_a_missing_key_falls_back_to_english_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    english = Texts({"a": "Hello {name}", "b": "Bye"}, "en")
    spanish = Texts({"a": "Hola {name}"}, "es", fallback=english)
    with caplog.at_level(logging.WARNING):
        assert spanish.get("b") == "Bye" and spanish.get("b") == "Bye"
    assert [record.getMessage() for record in caplog.records].count(
        "texts es.yaml has no 'b': English is shown instead"
    ) == 1
    assert spanish.get("a", name="Ana") == "Hola Ana"
    with pytest.raises(KeyError):
        spanish.get("c")


def test_a_missing_plural_category_uses_other() -> None:
    texts = Texts({"n": {"one": "{count} nota", "other": "{count} notas"}}, "es")
    assert texts.get("n", count=1_000_000) == "1.000.000 notas"  # "many" not given: "other"


async def test_counted_sentences_use_the_right_form(engine: Engine) -> None:
    chat = Chat(engine)
    await onboard(chat)
    await chat.command("/mydata")
    assert chat.said("privacy.mydata", assessments=Key("privacy.assessments", count=0))
    assert "0 assessments" in chat.replies[0].text and "0 questions" in chat.replies[0].text


async def test_an_actions_details_show_the_official_english_title(polyglot: Engine) -> None:
    chat = Chat(polyglot, language="es")
    await onboard(chat)
    await chat.choose_id("x:P2R1")
    spanish = polyglot.catalogue.in_language("es")
    english = polyglot.catalogue.action("P2R1").title
    assert chat.said("browse.action", code="P2R1", title=spanish.action("P2R1").title)
    assert chat.said("language.original", title=english)
    assert chat.said("language.catalogue_note", model=polyglot.catalogue.name)
    english_chat = Chat(polyglot, "bob", language="en")
    await english_chat.choose_id("x:P2R1")
    assert english_chat.said("browse.action", title=english) and not english_chat.said("language.original")


async def spanish_workshop(engine: Engine) -> tuple[Chat, str]:
    """A coordinator speaking Spanish opens a workshop: the chat and the workshop's code."""
    coord = Chat(engine, "coord", "Cora", language="es")
    await coord.onboard("Bogotá")
    assert await engine.coordination.grant(coord.user_id)
    await coord.command("/workshop new Taller")
    assert coord.said("workshop.created", name="Taller")
    return coord, coord.replies[0].invitation.payload.removeprefix("ws_")  # type: ignore[union-attr]


async def test_a_workshop_across_languages_follows_the_coordinators_language(polyglot: Engine) -> None:
    import io

    from openpyxl import load_workbook

    from bot.export import ANSWER_FIELDS, write_export

    coord, code = await spanish_workshop(polyglot)
    assert coord.replies[0].text.startswith("[es] ")
    english = polyglot.catalogue
    for user, tag in (("ana", "pt-BR"), ("luc", "fr"), ("bob", "en")):
        chat = await join_only(polyglot, code, user, "Bogotá", language=tag)  # each told in their own language
        await chat.answer_check_in(english, {"L1": "S"})
        assert chat.said("checkin.finished")
    spanish = polyglot.catalogue.in_language("es")
    await coord.command(f"/workshop {code}")
    room = coord.replies[-1].text
    assert room.startswith("[es] ") and spanish.domain("L").name in room
    await coord.command(f"/export {code}")
    await coord.press("export.xlsx")
    [reply] = coord.replies
    export = reply.export
    assert export is not None and {row.area_title for row in export.rows} <= {a.title for a in spanish.areas}
    workbook = load_workbook(io.BytesIO(write_export(export)))
    assert workbook.sheetnames[0] == "es  Answers"  # "[es] Answers": Excel takes no brackets in a sheet name
    assert [cell.value for cell in workbook.worksheets[0][1]][:2] == [
        coord.t("xlsx.columns.city"),
        coord.t("xlsx.columns.participant"),
    ]
    csv = write_export(dataclasses.replace(export, fmt="csv")).decode("utf-8-sig")
    assert csv.splitlines()[0] == ",".join(ANSWER_FIELDS)  # machine names stay


async def test_mydata_names_the_actions_in_the_persons_language(polyglot: Engine) -> None:
    import json

    chat = Chat(polyglot, language="es")
    await onboard(chat)
    await chat.command("/checkin")
    await chat.answer_check_in(polyglot.catalogue.in_language("es"), {"P2": "R"})
    await chat.command("/mydata")
    assert chat.said("privacy.mydata")
    attachment = chat.replies[0].attachment
    assert attachment is not None
    document = json.loads(attachment.data)
    [assessment] = document["assessments"].values()
    titles = {answer["action"]: answer["title"] for answer in assessment["answers"]}
    assert titles["P2R1"] == polyglot.catalogue.in_language("es").action("P2R1").title
    assert document["language"] == "es"


async def test_the_big_screen_speaks_its_coordinators_language(polyglot: Engine) -> None:
    from datetime import timedelta

    _, code = await spanish_workshop(polyglot)
    _, token = await polyglot.screens.new_link(code)
    assert token is not None
    screen = await polyglot.screens.for_token(token, keep_after_close=timedelta(hours=1))
    assert screen is not None and screen.language == "es"
    assert screen.labels["title"] == polyglot.texts_for("es").get("screen.page.title")
    assert screen.domains[0].name == polyglot.catalogue.in_language("es").domain("L").name


async def test_a_reason_keeps_the_accents_of_the_words(polyglot: Engine) -> None:
    chat = Chat(polyglot, language="es")
    await onboard(chat)
    await chat.say("capacitacion y simulacros con voluntarios")  # typed without an accent: the catalogue's spelling
    assert chat.said("ask.intro", reply=0)
    assert "«capacitación»" in chat.replies[0].text or "“capacitación”" in chat.replies[0].text
    assert "capacitacion" not in chat.replies[0].text.replace("capacitacion y simulacros", "")
    await chat.say("red sólida de voluntarios")  # typed with one: as typed
    assert "sólida" in chat.replies[0].text.split("\n\n")[1]
