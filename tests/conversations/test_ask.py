"""Free-text questions: matching actions with a reason, or an honest "no close match"."""

from __future__ import annotations

from conversations import Engine
from conversations.storage.models import AskedQuestion
from tests.helpers.chat import Chat, rows


async def test_a_confident_match_shows_code_area_stage_and_reason(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.say("how do we start a resilience plan")
    text = chat.text
    assert "L4M1: Develop a resilience action plan" in text
    assert "Area L4 Resilience action plan development · stage Moderate" in text
    assert "Why: mentions “" in text
    await chat.choose("L4M1")
    assert "Stage Moderate: Resilience has an owner" in chat.text


async def test_no_close_match_says_so_and_offers_to_browse(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/ask zebra quantum violin")
    assert "no close match" in chat.text
    await chat.choose("Browse")
    assert "L · Leadership & Governance" in chat.text


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
    assert "first 300 characters" in chat.text
    await chat.say("   ")
    assert "empty message" in chat.text
    await chat.command("/ask")
    assert "Ask in your own words" in chat.text


async def test_text_during_a_question_is_answered_and_the_question_waits(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    question = chat.options
    await chat.say("who should lead the resilience team")
    assert "still waiting" in chat.text
    chat.options = question  # the question's buttons are still on screen, and still valid
    await chat.choose("Done")
    assert "L1S1" in chat.replies[0].text
