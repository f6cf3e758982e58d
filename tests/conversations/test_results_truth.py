"""Results that tell the truth: bars show the stage reached, words say the rest, every next step is reachable."""

from __future__ import annotations

from datetime import UTC, datetime

from catalogue import Answer, Catalogue, answers_for_stage, next_actions
from conversations import Engine
from conversations.flows.wording import button_title
from tests.helpers.chat import Chat
from tests.helpers.chat import checked_in as checked_in_as

CHECKIN = {"L1": "M", "L2": "A", "L4": "S", "P1": "A", "P2": "S", "I2": "M", "C1": "S", "C2": "A"}
"""A check-in: the last stage completed per area (the others not started)."""


async def checked_in(engine: Engine, catalogue: Catalogue, picks: dict[str, str] = CHECKIN) -> Chat:
    chat = await checked_in_as(engine, catalogue, picks, city="Gent")
    assert chat.said("results.title", city="Gent")
    return chat


def stage(catalogue: Catalogue, code: str) -> str:
    return catalogue.stage(code).name


async def test_bars_show_the_stage_reached_out_of_five_as_the_label_says(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue)
    assert chat.said("results.scale", count=5)
    missing = chat.t("results.missing_stages", stages="Starting" + chat.t("results.or") + "Robust")
    # L1 Moderate and L2 Advanced: the bars differ as the stages do (L2 has no Starting: it says so)
    assert chat.said("results.area", area="L1", bar=chat.bar(2), stage=stage(catalogue, "M"))
    assert chat.said("results.area", area="L2", bar=chat.bar(3), stage=stage(catalogue, "A") + missing)
    assert chat.said("results.area", area="L3", bar=chat.bar(0), stage=chat.t("results.not_started"))
    only_t = chat.t("results.missing_stages", stages=stage(catalogue, "T"))
    assert chat.said("results.area", area="L4", bar=chat.bar(1), stage=stage(catalogue, "S") + only_t)


async def test_progress_inside_the_next_stage_is_said_in_words(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue)
    await chat.command("/change L1A1")
    await chat.press("answers.done")
    await chat.command("/results")
    words = chat.t(
        "results.next_progress", stage=stage(catalogue, "M"), next_stage=stage(catalogue, "A"), done=1, total=2
    )
    same = chat.t("rounds.same", date=datetime.now(UTC).date().isoformat())  # changed since the check-in's round
    assert chat.said("results.area", area="L1", bar=chat.bar(2), stage=words, change=same)
    [l1] = [area for area in chat.last.chart.areas if area.code == "L1"] if chat.last.chart else []
    assert (l1.reached, l1.next_stage, l1.share_next, l1.stage) == (2, 3, 0.5, stage(catalogue, "M"))


async def test_some_actions_done_but_no_stage_complete_is_starting_in_progress(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = Chat(engine)
    await chat.onboard(city="Gent")
    await chat.command("/assess")
    await chat.press("answers.done")  # L1S1 of L1's two Starting actions
    await chat.command("/results")
    words = chat.t("results.in_progress", stage=stage(catalogue, "S"), done=1, total=2)
    assert chat.said("results.area", area="L1", bar=chat.bar(0), stage=words)
    assert chat.last.chart is not None
    [l1] = [area for area in chat.last.chart.areas if area.code == "L1"]
    assert l1.stage == chat.t("results.chart_in_progress", stage=stage(catalogue, "S"), done=1, total=2)
    assert (l1.reached, l1.share_next) == (0, 0.5)


async def test_not_sure_in_a_checkin_is_not_sure_yet_in_results(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard(city="Gent")
    await chat.command("/checkin")
    await chat.press("checkin.not_sure")
    for _ in catalogue.areas[1:]:
        await chat.press("checkin.not_started")
    assert chat.said("results.area", area="L1", bar=chat.bar(0), stage=chat.t("results.not_sure"))
    assert chat.said("results.area", area="L2", stage=chat.t("results.not_started"))


async def test_every_next_step_is_offered_with_short_titles(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue)
    assert chat.said("results.more", domain="L")  # the rest are a tap away, not "see /areas"
    labels = [option.label for option in chat.last.options]
    assert chat.t("results.details", code="L3S1", title=button_title(catalogue, "L3S1")[5:]) in labels
    assert all(len(label) <= 45 for label in labels)
    await chat.press("results.all_next")
    assert chat.said("results.next_title")
    answers: dict[str, Answer] = {}
    for area in catalogue.areas:
        answers |= answers_for_stage(catalogue, area.code, CHECKIN.get(area.code))
    every = [action for actions in next_actions(catalogue, answers).values() for action in actions]
    for action in every:
        assert chat.said("results.action", code=action.code, title=action.title)
    assert [option.choice for option in chat.last.options] == [f"x:{action.code}" for action in every]
    await chat.command("/next I")
    assert chat.said("results.domain", code="I") and not chat.said("results.domain", code="L")
