"""Implied is not said: what a check-in implies is labelled so everywhere, and actions above its stage are open, not asked."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from tests.conversations.test_assessment_prefill import current_code
from tests.helpers.chat import Chat, checked_in


async def test_a_check_ins_answers_read_as_implied_not_as_said(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "S"})

    await chat.choose_id("x:L1M1")  # an action above the stage picked: never asked
    assert chat.said("browse.your_answer", answer=chat.t("implied.open"))
    assert not chat.said("browse.your_answer", answer=chat.t("answers.not_yet"))
    await chat.choose_id("x:L1S1")
    assert chat.said("browse.your_answer", answer=chat.t("implied.done"))

    await chat.command("/change L1M1")
    assert chat.said("change.question", code="L1M1", answer=chat.t("implied.open"))
    await chat.press("answers.in_progress")  # now said, one by one
    assert chat.said("change.changed", code="L1M1", before=chat.t("implied.open"))
    await chat.choose_id("x:L1M1")
    assert chat.said("browse.your_answer", answer=chat.t("answers.in_progress"))

    await chat.command("/areas L2")
    mark_open, mark_implied = chat.t("change.marks.open"), chat.t("implied.mark_done")
    assert chat.said("browse.action_line_marked", mark=mark_open, code="L2M1")
    await chat.command("/areas L1")
    assert chat.said("browse.action_line_marked", mark=mark_implied, code="L1S1")

    await chat.command("/results")
    assert chat.said("results.area", area="L2", implied=chat.t("implied.area"))
    assert chat.said("results.area", area="L1", implied="")  # L1M1 was answered one by one since

    rows = {row.action_code: row for row in await engine.export_answers()}
    assert (rows["L2M1"].answer, rows["L2M1"].implied) == ("open", True)
    assert (rows["L1M1"].answer, rows["L1M1"].implied) == ("in_progress", False)


async def test_an_assessment_after_a_check_in_starts_at_the_first_action_not_known(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = await checked_in(engine, catalogue, {area.code: None for area in catalogue.areas} | {"L1": "S"})
    await chat.command("/assess")
    assert current_code(chat) == "L1M1"  # Starting is known (done); Moderate's actions are open, not asked


async def test_other_officials_never_see_an_implied_not_yet(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    await chat.press("checkin.not_started")
    await chat.choose_id("x:L1S1")
    assert chat.said("browse.your_answer", answer=chat.t("implied.open"))
