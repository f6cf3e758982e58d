"""The full self-assessment: areas, stage gates, back/skip/note/pause, resume, changing answers."""

from __future__ import annotations

import pytest

from catalogue import Catalogue
from conversations import ChartArea, Engine, open_engine
from conversations.storage.models import AnswerChange, AnswerRecord, Assessment, Note
from tests.helpers.chat import Chat, rows


@pytest.fixture
async def chat(engine: Engine) -> Chat:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    return chat


def current_code(chat: Chat) -> str:
    """The action code the latest question asks about (from its choice ids)."""
    return chat.options[0].choice.split(":")[1]


def chart_area(chat: Chat, code: str) -> ChartArea:
    """The bar of one area in the chart of the latest results."""
    assert chat.last.chart is not None
    [area] = [area for area in chat.last.chart.areas if area.code == code]
    return area


async def answers(engine: Engine) -> dict[str, str]:
    return {record.action_code: record.value for record in await rows(engine, AnswerRecord)}


async def test_a_complete_area(chat: Chat, engine: Engine, catalogue: Catalogue) -> None:
    assert "area 1/10" in chat.text and "L1S1" in chat.text
    l1 = [a.code for a in catalogue.sorted_actions(catalogue.actions_of("L1"))]
    for code in l1:
        assert current_code(chat) == code
        await chat.choose("Done")
        assert chat.replies[0].replaces_previous and code in chat.replies[0].text
    assert "area 2/10" in chat.text and current_code(chat) == "L2M1"
    assert await answers(engine) == dict.fromkeys(l1, "done")
    await chat.command("/results")
    assert "L1 ▰▰▰▰▰ verTebrate" in chat.text


async def test_stage_gate_offers_the_next_area(chat: Chat, engine: Engine) -> None:
    await chat.choose("Done")  # L1S1
    await chat.choose("Not yet")  # L1S2: stage S of L1 stays open
    assert "Stage Starting still has open actions" in chat.text
    await chat.choose("Next area")
    assert current_code(chat) == "L2M1"


async def test_stage_gate_lets_the_user_go_on(chat: Chat) -> None:
    await chat.choose("In progress")
    await chat.choose("Not sure")
    await chat.choose("Carry on with Moderate")
    assert current_code(chat) == "L1M1" and "Stage Moderate" in chat.text


async def test_a_completed_stage_goes_straight_on(chat: Chat) -> None:
    await chat.choose("Done")
    await chat.choose("Done")
    assert current_code(chat) == "L1M1"


async def test_back_skip_note_and_pause(chat: Chat, engine: Engine) -> None:
    await chat.choose("Skip")
    assert current_code(chat) == "L1S2" and "skipped" in chat.replies[0].text
    await chat.choose("Back")
    assert current_code(chat) == "L1S1" and chat.replies[0].replaces_previous
    await chat.choose("Back")
    assert "first question" in chat.text and current_code(chat) == "L1S1"
    await chat.choose("Add a note")
    assert "Type your note for L1S1" in chat.text
    await chat.say("The team meets monthly since 2021.")
    assert "Note saved for L1S1" in chat.text and current_code(chat) == "L1S1"
    await chat.choose("Done")
    await chat.choose("Pause")
    assert "Paused" in chat.text
    [note] = await rows(engine, Note)
    assert (note.action_code, note.text) == ("L1S1", "The team meets monthly since 2021.")
    [assessment] = await rows(engine, Assessment)
    assert (assessment.status, assessment.cursor) == ("paused", "L1S2")
    await chat.command("/assess")
    assert "where you left off" in chat.text and current_code(chat) == "L1S2"


async def test_resume_after_a_restart(database_url: str, catalogue: Catalogue) -> None:
    async with await open_engine(database_url, catalogue) as first:
        chat = Chat(first)
        await chat.onboard()
        await chat.command("/assess")
        await chat.choose("Done")
        await chat.choose("Done")
        await chat.choose("Done")  # L1M1
    async with await open_engine(database_url, catalogue) as second:
        chat = Chat(second)
        await chat.command("/assess")
        assert "where you left off" in chat.text and current_code(chat) == "L1M2"
        await chat.choose("Back")
        assert current_code(chat) == "L1M1" and "Current answer: ✅ Done" in chat.text


async def test_resume_without_pause_after_a_restart(database_url: str, catalogue: Catalogue) -> None:
    async with await open_engine(database_url, catalogue) as first:
        chat = Chat(first)
        await chat.onboard()
        await chat.command("/assess")
        await chat.choose("Done")
        stale_then = chat.options
    async with await open_engine(database_url, catalogue) as second:
        chat = Chat(second)
        chat.options = stale_then  # the buttons still on screen answer the pending question after a restart
        await chat.choose("Not yet")
        assert "L1S2" in chat.replies[0].text and "Not yet" in chat.replies[0].text


async def test_changing_an_earlier_answer_keeps_history_and_updates_results(chat: Chat, engine: Engine) -> None:
    await chat.choose("Done")
    await chat.choose("Not yet")
    await chat.command("/results")
    assert "L1 ▰▱▱▱▱ not started" in chat.text
    l1 = chart_area(chat, "L1")  # one of the two actions of stage S done: half way to the first stage
    assert (l1.reached, l1.next_stage, l1.share_next, l1.stage) == (0, 1, 0.5, "not started")
    await chat.command("/change L1S2")
    assert "Current answer: ⬜ Not yet" in chat.text
    await chat.choose("Done")
    assert "L1S2: ⬜ Not yet → ✅ Done" in chat.replies[0].text and "reached: Starting" in chat.text
    assert (await answers(engine))["L1S2"] == "done"
    history = [(c.previous, c.value) for c in await rows(engine, AnswerChange)]
    assert history == [(None, "done"), (None, "not_yet"), ("not_yet", "done")]
    await chat.command("/results")
    assert "L1 ▰▱▱▱▱ Starting" in chat.text
    l1 = chart_area(chat, "L1")
    assert (l1.reached, l1.next_stage, l1.share_next, l1.stage) == (1, 2, 0.0, "Starting")
    await chat.command("/assess")  # the assessment waits where it was
    assert "open actions" in chat.text


async def test_change_from_an_actions_details(chat: Chat) -> None:
    await chat.choose("Pause")
    await chat.command("/areas L1S1")
    assert "Your answer: no answer yet" in chat.text
    await chat.choose("Change my answer")
    await chat.choose("In progress")
    assert "no answer yet → 🔄 In progress" in chat.replies[0].text


async def test_finishing_the_assessment_shows_results(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    for _ in range(len(catalogue.actions)):
        await chat.choose("Done")
        assert "still has open actions" not in chat.text
    assert "self-assessment is complete" in chat.text and "Every stage complete" in chat.text
    await chat.command("/assess")
    assert "Full self-assessment: 10 areas" in chat.text  # a new one starts
