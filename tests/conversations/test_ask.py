"""Free-text questions: matching actions with a reason, or an honest "no close match"."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from conversations.storage.models import AskedQuestion
from tests.helpers.chat import Chat, Key, rows


async def test_a_confident_match_shows_code_area_stage_and_reason(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.say("how do we start a resilience plan")
    action = catalogue.action("L4M1")
    area, stage = catalogue.area(action.area), catalogue.stage(action.stage)
    assert chat.said("ask.intro", model=catalogue.name)
    assert chat.said(
        "ask.match",
        code=action.code,
        title=action.title,
        area=area.code,
        area_title=area.title,
        stage=stage.name,
        reason=Key("ask.reason_terms"),
    )
    await chat.press("ask.details", code="L4M1")
    assert chat.said("browse.action", code="L4M1", title=action.title, stage=stage.name, description=stage.description)


async def test_no_close_match_says_so_and_offers_to_browse(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.command("/ask zebra quantum violin")
    assert chat.said("ask.no_match", model=catalogue.name)
    await chat.press("menu.areas")
    assert chat.said("browse.domains", model=catalogue.name)
    assert chat.said("browse.domain_line", code="L", name=catalogue.domain("L").name)


async def test_questions_of_consented_users_are_kept_for_coordinators(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/ask how do we start a resilience plan")
    await chat.say("zebra quantum violin")
    questions = await rows(engine, AskedQuestion)
    assert [q.text for q in questions] == ["how do we start a resilience plan", "zebra quantum violin"]
    assert questions[0].confident and questions[0].matches and not questions[1].confident


async def test_huge_and_empty_messages(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.say("flood " * 2000)
    assert chat.said("ask.truncated", limit=4096)  # Telegram's limit: all of a real message is read
    await chat.say("   ")
    assert chat.said("errors.empty", whole=True)
    await chat.command("/ask")
    assert chat.said("ask.usage", whole=True)


async def test_text_during_a_question_is_answered_and_the_question_waits(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    question = chat.options
    await chat.say("who should lead the resilience team")
    assert chat.said("ask.pending") and chat.said("ask.intro")
    chat.options = question  # the question's buttons are still on screen, and still valid
    await chat.press("answers.done")
    assert chat.said("assessment.answered", reply=0, code="L1S1", answer=chat.t("answers.done"))
