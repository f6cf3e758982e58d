"""/change by buttons (area, action, answer), and browsing areas with the official's own answers."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from conversations.flows.wording import button_title
from tests.helpers.chat import Chat


async def test_change_by_buttons_area_then_action_then_answer(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.press("answers.done")  # L1S1
    await chat.command("/change")
    assert chat.said("change.pick_area") and len(chat.options) == len(catalogue.areas)
    await chat.choose("L1 ")
    assert chat.said("change.pick_action", area="L1")
    done, none = chat.t("change.marks.done"), chat.t("change.marks.none")
    assert chat.pressable("change.action_button", mark=done, title=button_title(catalogue, "L1S1"))
    assert chat.pressable("change.action_button", mark=none, title=button_title(catalogue, "L1S2"))
    await chat.press("change.action_button", mark=done)
    assert chat.said("change.question", code="L1S1", answer=chat.t("answers.done"))
    await chat.press("answers.not_yet")
    assert chat.said("change.changed", code="L1S1", after=chat.t("answers.not_yet"))
    await chat.press("change.back_area", area="L1")
    assert chat.pressable(
        "change.action_button", mark=chat.t("change.marks.not_yet"), title=button_title(catalogue, "L1S1")
    )
    await chat.press("change.all_areas")
    assert chat.said("change.pick_area")


async def test_typed_codes_still_work(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/change L2")
    assert chat.said("change.pick_action", area="L2")
    await chat.command("/change P1S1")
    assert chat.said("change.question", code="P1S1", answer=chat.t("answers.none"))


async def test_browsing_an_area_shows_the_officials_answers(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.press("answers.done")
    await chat.press("answers.unknown")
    await chat.command("/areas L1")
    assert chat.said("browse.your_marks")
    title = catalogue.action("L1S1").title
    assert chat.said("browse.action_line_marked", mark=chat.t("change.marks.done"), code="L1S1", title=title)
    assert chat.said("browse.action_line_marked", mark=chat.t("change.marks.unknown"), code="L1S2")
    assert chat.said("browse.action_line_marked", mark=chat.t("change.marks.none"), code="L1M1")


async def test_browsing_before_consent_shows_no_marks(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/areas L1")
    assert chat.said("browse.action_line", code="L1S1") and not chat.said("browse.your_marks")
