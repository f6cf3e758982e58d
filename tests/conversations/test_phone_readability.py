"""Read as a person would on a phone: stages that look alike say what differs; one heading where one is meant."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from conversations.flows.wording import stage_summaries
from tests.helpers.chat import Chat, checked_in


def test_no_two_stages_of_an_area_read_alike(catalogue: Catalogue) -> None:
    for area in catalogue.areas:
        summaries = [summary.rstrip("…") for summary, _ in stage_summaries(catalogue, area.code).values()]
        for index, summary in enumerate(summaries):
            for other in summaries[index + 1 :]:
                assert not summary.startswith(other) and not other.startswith(summary), (area.code, summary, other)


async def test_p2s_starting_and_moderate_say_what_differs(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    for _ in range(5):  # L1 L2 L3 L4 P1
        await chat.press("checkin.not_started")
    assert chat.said("checkin.question", area="P2")
    starting, moderate = (f"{catalogue.stage(code).name}: " for code in "SM")
    lines = chat.replies[-1].text.splitlines()
    [s_line] = [line for line in lines if starting in line]
    [m_line] = [line for line in lines if moderate in line]
    assert "including volunteers" in m_line and "including volunteers" not in s_line
    assert s_line.split(": ", 1)[1] != m_line.split(": ", 1)[1]


async def test_check_in_complete_is_not_followed_by_a_heading_saying_the_same(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "S"})
    finished = [reply for reply in chat.replies if reply.text == chat.t("checkin.finished")]
    assert len(finished) == 1 and "\n" not in finished[0].text
    headings = [reply for reply in chat.replies if chat.expected.within(reply.text, "results.title", city="Rotterdam")]
    assert len(headings) == 1
