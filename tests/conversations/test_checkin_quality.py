"""A check-in worth answering: each area's stages in its own words, short, with Not sure and a Back that remembers."""

from __future__ import annotations

from catalogue import Catalogue
from conversations import Engine
from conversations.flows.wording import stage_summaries
from tests.helpers.chat import Chat

PHONE_SCREEN = 560
"""Characters of a check-in question that fit a phone screen above its buttons."""


async def started(engine: Engine) -> Chat:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    return chat


async def test_each_area_describes_its_stages_by_its_own_actions(engine: Engine, catalogue: Catalogue) -> None:
    chat = await started(engine)
    seen: set[str] = set()
    for area in catalogue.areas:
        question = chat.last.text
        assert len(question) <= PHONE_SCREEN, (area.code, len(question))
        summaries = stage_summaries(catalogue, area.code)  # by the first action; look-alikes say what differs
        for stage in catalogue.stages_of(area.code):
            first, count = summaries[stage.code]
            more = chat.t("checkin.stage_more", count=count - 1) if count > 1 else ""
            assert chat.said("checkin.stage_line", stage=stage.name, description=first + more)
            assert stage.description not in question  # not the model's generic line
            seen.add(first)
        await chat.press("checkin.not_started")
    assert len(seen) > 40  # areas differ


async def test_vertebrate_is_explained_once(engine: Engine, catalogue: Catalogue) -> None:
    chat = await started(engine)
    top = catalogue.stages[-1]
    assert chat.said("checkin.intro", top=top.name, top_description=top.description)
    await chat.press("checkin.not_started")
    assert top.description not in chat.text


async def test_not_sure_is_an_answer_and_back_shows_the_earlier_choice(engine: Engine, catalogue: Catalogue) -> None:
    chat = await started(engine)
    moderate = catalogue.stage("M").name
    await chat.press(moderate)
    await chat.press("checkin.not_sure")  # L2
    assert chat.said("checkin.answered", area="L2", stage=chat.t("checkin.not_sure"))
    await chat.press("checkin.back")  # to L2: its earlier choice shown and ticked
    assert chat.said("checkin.earlier", answer=chat.t("checkin.not_sure"))
    assert chat.pressable("checkin.chosen", label=chat.t("checkin.not_sure"))
    await chat.press("checkin.back")  # to L1
    assert chat.said("checkin.earlier", answer=moderate) and chat.pressable("checkin.chosen", label=moderate)
    await chat.press("checkin.chosen", label=moderate)  # confirming keeps it
    assert chat.said("checkin.answered", area="L1", stage=moderate)
    assert chat.said("checkin.earlier", answer=chat.t("checkin.not_sure"))


async def test_at_most_ten_taps_still(engine: Engine, catalogue: Catalogue) -> None:
    chat = await started(engine)
    chat.choices_sent = 0
    for _ in catalogue.areas:
        await chat.press("checkin.not_sure")
    assert chat.choices_sent == 10 and chat.said("checkin.finished")
