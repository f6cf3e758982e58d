"""The quick check-in: one question per area, at most ten taps to recommendations per domain."""

from __future__ import annotations

from catalogue import Answer, Catalogue, answers_for_stage, next_actions
from conversations import Engine
from conversations.storage.models import AnswerRecord, Assessment
from tests.helpers.chat import Chat, count, rows


async def test_check_in_in_ten_taps_ends_with_recommendations(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    chat.choices_sent = 0
    await chat.command("/checkin")
    assert "area 1/10" in chat.text and "Starting: First steps" in chat.text
    picks = [
        "Starting",
        "Moderate",
        "Not started",
        "Starting",
        "Advanced",
        "Starting",
        "Not started",
        "Moderate",
        "Starting",
        "Moderate",
    ]
    for pick in picks:
        await chat.choose(pick)
    assert chat.choices_sent == len(catalogue.areas) <= 10
    assert "Check-in complete" in chat.text
    for domain in catalogue.domains:
        assert f"{domain.code} · {domain.name}" in chat.text
    assert "L1 ▰▱▱▱▱ Starting" in chat.text and "L3 ▱▱▱▱▱ not started" in chat.text
    stages = {stage.name: stage.code for stage in catalogue.stages}
    expected: dict[str, Answer] = {}
    for area, pick in zip(catalogue.areas, picks, strict=True):
        expected |= answers_for_stage(catalogue, area.code, stages.get(pick))
    recommended = next_actions(catalogue, expected)
    for actions in recommended.values():
        for action in actions[:3]:
            assert f"• {action.code} {action.title}" in chat.text
    assert [option.label for option in chat.last.options] == [
        f"🔎 {actions[0].code}" for actions in recommended.values()
    ]
    assert await count(engine, AnswerRecord) == len(catalogue.actions)
    [assessment] = await rows(engine, Assessment)
    assert (assessment.kind, assessment.status) == ("checkin", "finished")


async def test_check_in_back_changes_the_previous_area(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    await chat.choose("Robust")
    await chat.choose("Back")
    assert "area 1/10" in chat.text and chat.replies[0].replaces_previous
    await chat.choose("Not started")
    assert "area 2/10" in chat.text
    records = {r.action_code: r.value for r in await rows(engine, AnswerRecord)}
    assert records["L1S1"] == "not_yet"
