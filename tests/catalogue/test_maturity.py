"""Maturity rules: cumulative stages, progress per stage, the next recommended actions, several respondents combined."""

from __future__ import annotations

import pytest

from catalogue import (
    Answer,
    Catalogue,
    answers_for_stage,
    area_maturity,
    city_maturity,
    next_actions,
)


@pytest.fixture(scope="module")
def smr() -> Catalogue:
    return Catalogue.load()


def done(*codes: str) -> dict[str, Answer]:
    return {code: Answer.DONE for code in codes}


def test_nothing_answered_means_no_stage_and_the_first_stage_is_next(smr: Catalogue) -> None:
    maturity = area_maturity(smr, "L1", {})
    assert maturity.stage_reached is None
    assert maturity.next_stage == "S"
    assert [a.code for a in maturity.next_actions] == ["L1S1", "L1S2"]


def test_a_stage_counts_only_when_all_its_actions_are_done(smr: Catalogue) -> None:
    answers = {"L1S1": Answer.DONE, "L1S2": Answer.IN_PROGRESS}
    maturity = area_maturity(smr, "L1", answers)
    assert maturity.stage_reached is None
    assert [a.code for a in maturity.next_actions] == ["L1S2"]
    starting = maturity.stages[0]
    assert (starting.stage, starting.total, starting.done, starting.in_progress) == ("S", 2, 1, 1)
    assert starting.share_done == 0.5


def test_stages_are_cumulative(smr: Catalogue) -> None:
    # Every M action done, but S still open: the area has reached nothing.
    answers = done("L1M1", "L1M2", "L1M3", "L1M4", "L1M5", "L1S1")
    maturity = area_maturity(smr, "L1", answers)
    assert maturity.stage_reached is None
    assert maturity.next_stage == "S"
    assert [a.code for a in maturity.next_actions] == ["L1S2"]
    answers |= done("L1S2")
    maturity = area_maturity(smr, "L1", answers)
    assert maturity.stage_reached == "M"
    assert maturity.next_stage == "A"


@pytest.mark.parametrize("answer", [Answer.IN_PROGRESS, Answer.NOT_YET, Answer.UNKNOWN])
def test_only_done_completes_an_action(smr: Catalogue, answer: Answer) -> None:
    maturity = area_maturity(smr, "L4", {"L4S1": answer})
    assert maturity.stage_reached is None
    assert [a.code for a in maturity.next_actions] == ["L4S1"]


def test_areas_without_a_stage_skip_it(smr: Catalogue) -> None:
    # L2 has no S stage: its first stage is M.
    assert area_maturity(smr, "L2", {}).next_stage == "M"
    maturity = area_maturity(smr, "L2", done("L2M1"))
    assert maturity.stage_reached == "M"
    assert maturity.next_stage == "A"


def test_a_complete_area_has_nothing_next(smr: Catalogue) -> None:
    # L4's highest stage is R: it has no T actions.
    maturity = area_maturity(smr, "L4", done(*(a.code for a in smr.actions_of("L4"))))
    assert maturity.stage_reached == "R"
    assert maturity.next_stage is None
    assert maturity.next_actions == ()
    assert maturity.share_done == 1.0


def test_next_actions_are_grouped_by_domain_and_ordered_by_stage_then_code(smr: Catalogue) -> None:
    answers = done("L1S1", "L1S2", "L3S1", "L4S1") | done(*(a.code for a in smr.actions_of("C1")))
    recommended = next_actions(smr, answers)
    assert list(recommended) == ["L", "P", "I", "C"]
    codes = [a.code for a in recommended["L"]]
    # L2's lowest unfinished stage is M; L1 moved on to M; L3 to M; L4 to M.
    assert codes == ["L1M1", "L1M2", "L1M3", "L1M4", "L1M5", "L2M1", "L3M1", "L4M1"]
    assert [a.code for a in recommended["C"]] == ["C2M1"]
    assert [a.code for a in recommended["P"]][:3] == ["P1S1", "P1S2", "P1S3"]
    for actions in recommended.values():
        orders = [smr.stage(a.stage).order for a in actions]
        assert orders == sorted(orders)


def test_city_maturity_covers_every_area(smr: Catalogue) -> None:
    assert list(city_maturity(smr, {})) == [area.code for area in smr.areas]


def test_a_stage_picked_in_the_check_in_implies_every_action_up_to_it(smr: Catalogue) -> None:
    answers = answers_for_stage(smr, "P1", "M")
    assert area_maturity(smr, "P1", answers).stage_reached == "M"
    assert answers["P1S1"] == Answer.DONE and answers["P1M3"] == Answer.DONE
    assert answers["P1A1"] == Answer.OPEN  # open, not asked: never a "Not yet" the official did not give
    nothing = answers_for_stage(smr, "P1", None)
    assert set(nothing.values()) == {Answer.OPEN}
    assert area_maturity(smr, "P1", nothing).stage_reached is None


# --- several respondents combined -----------------------------------------------------------

SMR = Catalogue.load()


def at_stage(catalogue: Catalogue, **stages: str | None) -> dict[str, Answer]:
    """The answers a check-in gives for these areas (area code -> stage reached, None = not started)."""
    answers: dict[str, Answer] = {}
    for area, stage in stages.items():
        answers |= answers_for_stage(catalogue, area, stage)
    return answers
