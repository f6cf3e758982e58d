"""An assessment that builds on what it knows: pre-filled from the check-in, open ones offered again, honest endings."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from tests.helpers.chat import Chat, checked_in


def current_code(chat: Chat) -> str:
    """The action code (or gate/end cursor) the latest question is about, from its first choice id."""
    return chat.options[0].choice.split(":", 1)[1].rpartition(":")[0]


async def through_first_stages(chat: Chat, *, answer: str = "answers.not_yet") -> None:
    """Answer until the end question or the end: each stage's actions with ``answer``, moving on at each gate."""
    for _ in range(200):
        if (
            chat.pressable("assessment.go_over")
            or chat.said("assessment.finished_open")
            or chat.said("assessment.finished")
        ):
            return
        if chat.pressable("assessment.gate_next_area"):
            await chat.press("assessment.gate_next_area")
        elif chat.pressable("assessment.gate_finish"):
            await chat.press("assessment.gate_finish")
        else:
            await chat.press(answer)
    raise AssertionError("the assessment did not end")


async def test_what_the_checkin_said_is_prefilled_and_the_assessment_starts_after_it(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "M"})
    await chat.command("/assess")
    prefilled = [a.code for a in catalogue.actions_of("L1") if a.stage in ("S", "M")]
    up_to = chat.t("assessment.prefilled_area", area="L1", stage=catalogue.stage("M").name)
    left = len(catalogue.actions) - len(prefilled)
    assert chat.said("assessment.prefilled_intro", count=len(prefilled), areas=up_to, left=left)
    assert current_code(chat) == "L1A1"  # the first action not yet known
    assert chat.pressable("assessment.check_prefilled", count=len(prefilled))
    await chat.press("assessment.check_prefilled")
    assert current_code(chat) == "L1S1" and chat.said("assessment.prefilled", answer=chat.t("answers.done"))
    for code in prefilled:  # one tap each to confirm, in order
        assert current_code(chat) == code
        await chat.press("answers.done")
    assert current_code(chat) == "L1A1"


async def test_confirming_or_correcting_a_prefilled_answer(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "S"})
    await chat.command("/assess")
    assert current_code(chat) == "L1M1"
    await chat.press("assessment.check_prefilled")
    await chat.press("answers.in_progress")  # L1S1 corrected
    assert current_code(chat) == "L1S2"
    await chat.press("answers.done")
    assert current_code(chat) == "gate:L1:S"  # Starting is open again: the stage rule applies


async def test_skipped_and_not_sure_are_offered_again_before_the_end(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.press("assessment.skip")  # L1S1
    await chat.press("answers.unknown")  # L1S2
    await through_first_stages(chat)
    assert chat.said("assessment.end", count=2, codes="L1S1, L1S2")
    assert not chat.said("assessment.finished")
    await chat.press("assessment.go_over")
    assert current_code(chat) == "L1S1"
    await chat.press("answers.done")
    assert current_code(chat) == "L1S2"
    await chat.press("answers.done")
    assert not chat.said("assessment.finished")  # stages left unasked at the gates: not complete
    assert chat.said("assessment.finished_open")
    assert chat.said("assessment.open_area", area="L1", count=len(catalogue.actions_of("L1")) - 2)


async def test_a_finished_assessment_offers_the_open_ones_or_a_review(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await through_first_stages(chat)
    assert chat.said("assessment.finished_open")
    await chat.command("/assess")
    assert chat.said("assessment.finished_menu", total=96) and chat.pressable("assessment.answer_open")
    await chat.press("assessment.answer_open")
    assert chat.said("assessment.reopened")
    first_open = current_code(chat)
    assert first_open.startswith("L1M") or first_open.startswith("gate:")
    await chat.command("/assess")  # it is open again: resumed where it is
    assert chat.said("assessment.resumed")
    await chat.press("assessment.pause")
    await chat.command("/assess")
    assert chat.said("assessment.resumed")


async def test_review_leads_to_changing_answers_by_buttons(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await through_first_stages(chat, answer="answers.done")
    await chat.command("/assess")
    await chat.press("assessment.review")
    assert chat.said("change.pick_area")
