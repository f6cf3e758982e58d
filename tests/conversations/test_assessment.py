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
    assert chat.said("progress.line", index=1, count=10) and chat.said("assessment.question", code="L1S1")
    l1 = [a.code for a in catalogue.sorted_actions(catalogue.actions_of("L1"))]
    for code in l1:
        assert current_code(chat) == code
        await chat.press("answers.done")
        assert chat.replies[0].replaces_previous
        assert chat.said("assessment.answered", reply=0, code=code, answer=chat.t("answers.done"), whole=True)
    assert chat.said("progress.line", index=2, count=10) and current_code(chat) == "L2M1"
    assert await answers(engine) == dict.fromkeys(l1, "done")
    await chat.command("/results")
    assert chat.said("results.area", area="L1", bar=chat.bar(5), stage=catalogue.stage("T").name)


async def test_stage_gate_offers_the_next_area(chat: Chat, engine: Engine, catalogue: Catalogue) -> None:
    await chat.press("answers.done")  # L1S1
    await chat.press("answers.not_yet")  # L1S2: stage S of L1 stays open
    assert chat.said(
        "assessment.gate", area="L1", stage=catalogue.stage("S").name, next_stage=catalogue.stage("M").name
    )
    await chat.press("assessment.gate_next_area", area="L2")
    assert current_code(chat) == "L2M1"


async def test_stage_gate_lets_the_user_go_on(chat: Chat, catalogue: Catalogue) -> None:
    moderate = catalogue.stage("M").name
    await chat.press("answers.in_progress")
    await chat.press("answers.unknown")
    await chat.press("assessment.gate_go_on", stage=moderate)
    assert current_code(chat) == "L1M1" and chat.said("assessment.question", code="L1M1", stage=moderate)


async def test_a_completed_stage_goes_straight_on(chat: Chat) -> None:
    await chat.press("answers.done")
    await chat.press("answers.done")
    assert current_code(chat) == "L1M1"


async def test_back_skip_note_and_pause(chat: Chat, engine: Engine) -> None:
    await chat.press("assessment.skip")
    assert current_code(chat) == "L1S2" and chat.said("assessment.skipped", reply=0, code="L1S1", whole=True)
    await chat.press("assessment.back")
    assert current_code(chat) == "L1S1" and chat.replies[0].replaces_previous
    await chat.press("assessment.back")
    assert chat.said("assessment.at_first", whole=True) and current_code(chat) == "L1S1"
    await chat.press("assessment.note")
    assert chat.said("assessment.note_prompt", code="L1S1")
    await chat.say("The team meets monthly since 2021.")
    assert chat.said("assessment.note_saved", code="L1S1") and current_code(chat) == "L1S1"
    await chat.press("answers.done")
    await chat.press("assessment.pause")
    assert chat.said("assessment.paused_echo", whole=True) and chat.said("assessment.paused", whole=True)
    [note] = await rows(engine, Note)
    assert (note.action_code, note.text) == ("L1S1", "The team meets monthly since 2021.")
    [assessment] = await rows(engine, Assessment)
    assert (assessment.status, assessment.cursor) == ("paused", "L1S2")
    await chat.command("/assess")
    assert chat.said("assessment.resumed", whole=True) and current_code(chat) == "L1S2"


async def test_resume_after_a_restart(database_url: str, catalogue: Catalogue) -> None:
    async with await open_engine(database_url, catalogue) as first:
        chat = Chat(first)
        await chat.onboard()
        await chat.command("/assess")
        await chat.press("answers.done")
        await chat.press("answers.done")
        await chat.press("answers.done")  # L1M1
    async with await open_engine(database_url, catalogue) as second:
        chat = Chat(second)
        await chat.command("/assess")
        assert chat.said("assessment.resumed") and current_code(chat) == "L1M2"
        await chat.press("assessment.back")
        assert current_code(chat) == "L1M1" and chat.said("assessment.current_answer", answer=chat.t("answers.done"))


async def test_resume_without_pause_after_a_restart(database_url: str, catalogue: Catalogue) -> None:
    async with await open_engine(database_url, catalogue) as first:
        chat = Chat(first)
        await chat.onboard()
        await chat.command("/assess")
        await chat.press("answers.done")
        stale_then = chat.options
    async with await open_engine(database_url, catalogue) as second:
        chat = Chat(second)
        chat.options = stale_then  # the buttons still on screen answer the pending question after a restart
        await chat.press("answers.not_yet")
        assert chat.said("assessment.answered", reply=0, code="L1S2", answer=chat.t("answers.not_yet"))


async def test_changing_an_earlier_answer_keeps_history_and_updates_results(
    chat: Chat, engine: Engine, catalogue: Catalogue
) -> None:
    starting = catalogue.stage("S").name
    done, not_yet = chat.t("answers.done"), chat.t("answers.not_yet")
    await chat.press("answers.done")
    await chat.press("answers.not_yet")
    await chat.command("/results")
    in_progress = chat.t("results.in_progress", stage=starting, done=1, total=2)
    assert chat.said("results.area", area="L1", bar=chat.bar(0), stage=in_progress)
    l1 = chart_area(chat, "L1")  # one of the two actions of stage S done: half way to the first stage
    in_progress = chat.t("results.chart_in_progress", stage=starting, done=1, total=2)
    assert (l1.reached, l1.next_stage, l1.share_next, l1.stage) == (0, 1, 0.5, in_progress)
    await chat.command("/change L1S2")
    assert chat.said("change.question", code="L1S2", answer=not_yet)
    await chat.press("answers.done")
    assert chat.said("change.changed", reply=0, code="L1S2", before=not_yet, after=done, whole=True)
    assert chat.said("change.area_now", area="L1", stage=starting)
    assert (await answers(engine))["L1S2"] == "done"
    history = [(c.previous, c.value) for c in await rows(engine, AnswerChange)]
    assert history == [(None, "done"), (None, "not_yet"), ("not_yet", "done")]
    await chat.command("/results")
    assert chat.said("results.area", area="L1", bar=chat.bar(1), stage=starting)
    l1 = chart_area(chat, "L1")
    assert (l1.reached, l1.next_stage, l1.share_next, l1.stage) == (1, 2, 0.0, starting)
    await chat.command("/assess")  # the assessment waits where it was: at the gate after stage S
    assert chat.said("assessment.resumed") and chat.said("assessment.gate", area="L1", stage=starting)


async def test_change_from_an_actions_details(chat: Chat) -> None:
    await chat.press("assessment.pause")
    await chat.command("/areas L1S1")
    assert chat.said("browse.your_answer", answer=chat.t("answers.none"))
    await chat.press("browse.change")
    await chat.press("answers.in_progress")
    assert chat.said(
        "change.changed", reply=0, code="L1S1", before=chat.t("answers.none"), after=chat.t("answers.in_progress")
    )


async def test_finishing_the_assessment_shows_results(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    for _ in range(len(catalogue.actions)):
        await chat.press("answers.done")
        assert not chat.said("assessment.gate")
    assert chat.said("assessment.finished", whole=True) and chat.said("results.domain_complete")
    await chat.command("/assess")  # a finished one offers what next rather than starting over
    assert chat.said("assessment.finished_menu", answered=96, total=96)
    assert not chat.pressable("assessment.answer_open")
    await chat.press("assessment.start_new")
    assert chat.said("assessment.intro", areas=10, actions=len(catalogue.actions))  # a new one starts
