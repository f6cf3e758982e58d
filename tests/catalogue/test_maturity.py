"""Maturity rules: cumulative stages, progress per stage, the next recommended actions, several respondents combined."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue import (
    Answer,
    Catalogue,
    CombinedArea,
    answers_for_stage,
    area_maturity,
    city_maturity,
    combined_area,
    combined_maturity,
    combined_next_actions,
    common_next_actions,
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


def test_the_median_stage_with_its_spread_and_the_respondent_count(smr: Catalogue) -> None:
    people = [at_stage(smr, L1=stage) for stage in ("S", "M", "M", "A", None)]
    l1 = combined_area(smr, "L1", people)
    assert l1.respondents == 5
    assert (l1.median, l1.lowest, l1.highest) == ("M", None, "A")
    assert (l1.lower_quartile, l1.upper_quartile) == ("S", "M")
    assert dict(l1.distribution) == {None: 1, "S": 1, "M": 2, "A": 1, "R": 0, "T": 0}
    assert l1.next_stage == "A"
    # Only one of five has done the A actions: every one of them is still next for the group.
    assert l1.next_actions == smr.actions_of("L1", "A")


def test_an_even_count_takes_the_lower_median(smr: Catalogue) -> None:
    people = [at_stage(smr, P1="S"), at_stage(smr, P1="A")]
    assert combined_area(smr, "P1", people).median == "S"


def test_respondents_are_counted_per_area(smr: Catalogue) -> None:
    people = [at_stage(smr, L1="S"), at_stage(smr, L1="M", P1="S"), {}]
    combined = combined_maturity(smr, people)
    assert list(combined) == [area.code for area in smr.areas]
    assert (combined["L1"].respondents, combined["P1"].respondents, combined["C2"].respondents) == (2, 1, 0)


def test_an_area_nobody_answered_starts_at_its_first_stage(smr: Catalogue) -> None:
    c2 = combined_area(smr, "C2", [at_stage(smr, L1="S")])
    assert (c2.respondents, c2.median, c2.lowest, c2.highest) == (0, None, None, None)
    first = smr.stages_of("C2")[0].code  # C2 has no Starting actions
    assert c2.next_stage == first and c2.next_actions == smr.actions_of("C2", first)
    assert c2.next_actions == area_maturity(smr, "C2", {}).next_actions
    assert set(dict(c2.distribution).values()) == {0}


def test_a_groups_next_actions_are_those_not_done_by_more_than_half(smr: Catalogue) -> None:
    # Three officials in L1, all at Starting; L1M1 done by two, L1M2 by one.
    base = at_stage(smr, L1="S")
    people = [base | done("L1M1", "L1M2"), base | done("L1M1"), dict(base)]
    l1 = combined_area(smr, "L1", people)
    assert l1.median == "S" and l1.next_stage == "M"
    assert [a.code for a in l1.next_actions] == ["L1M2", "L1M3", "L1M4", "L1M5"]
    assert l1.share_next == pytest.approx(1 / 5)


def test_a_complete_area_has_nothing_next_for_the_group(smr: Catalogue) -> None:
    l4 = combined_area(smr, "L4", [at_stage(smr, L4="R")] * 3)
    assert (l4.median, l4.next_stage, l4.next_actions) == ("R", None, ())


def test_combined_next_actions_are_grouped_like_one_persons(smr: Catalogue) -> None:
    people = [at_stage(smr, L1="S", C1="M"), at_stage(smr, L1="M", C1="M"), at_stage(smr, L1="S")]
    recommended = combined_next_actions(smr, combined_maturity(smr, people))
    assert list(recommended) == ["L", "P", "I", "C"]
    codes = [a.code for a in recommended["L"]]
    assert codes[:2] == ["L3S1", "L4S1"]  # nobody answered L3 and L4: their first stage, most urgent
    assert "L1M1" in codes and not any(code.startswith("L1S") for code in codes)
    assert "C1A1" in [a.code for a in recommended["C"]]


def test_the_most_common_next_actions_come_first(smr: Catalogue) -> None:
    people = [at_stage(smr, L4="S"), at_stage(smr, L4="S"), at_stage(smr, L4="M"), {}]
    common = common_next_actions(smr, people)
    counts = {action.code: count for action, count in common}
    assert counts["L4M1"] == 2 and counts["L4A1"] == 1 and counts["L1S1"] == 3
    assert [count for _, count in common] == sorted((count for _, count in common), reverse=True)


# Property tests: answers drawn at random over a few areas.

AREAS = ("L2", "L4", "P1")
ANSWER_VALUES = st.sampled_from(list(Answer))
AREA_CODES = [a.code for a in SMR.actions if a.area in AREAS]
ONE_PERSON = st.dictionaries(st.sampled_from(AREA_CODES), ANSWER_VALUES, max_size=len(AREA_CODES))
GROUP = st.lists(ONE_PERSON, max_size=9)


def position(area: str, stage: str | None) -> int:
    return (None, *(s.code for s in SMR.stages_of(area))).index(stage)


@settings(max_examples=60, deadline=None)
@given(GROUP)
def test_the_median_lies_within_the_spread(people: list[dict[str, Answer]]) -> None:
    for area in AREAS:
        combined = combined_area(SMR, area, people)
        low, q1, median, q3, high = (
            position(area, stage)
            for stage in (
                combined.lowest,
                combined.lower_quartile,
                combined.median,
                combined.upper_quartile,
                combined.highest,
            )
        )
        assert low <= q1 <= median <= q3 <= high


@settings(max_examples=60, deadline=None)
@given(GROUP)
def test_respondents_count_everyone_who_answered_the_area(people: list[dict[str, Answer]]) -> None:
    for area in AREAS:
        combined = combined_area(SMR, area, people)
        codes = {a.code for a in SMR.actions_of(area)}
        assert combined.respondents == sum(1 for answers in people if codes & set(answers))
        assert sum(count for _, count in combined.distribution) == combined.respondents


@settings(max_examples=60, deadline=None)
@given(GROUP, st.randoms(use_true_random=False))
def test_the_order_of_respondents_does_not_matter(people: list[dict[str, Answer]], random) -> None:
    shuffled = list(people)
    random.shuffle(shuffled)
    assert combined_maturity(SMR, shuffled) == combined_maturity(SMR, people)


@settings(max_examples=60, deadline=None)
@given(ONE_PERSON.filter(bool))
def test_one_respondent_is_scored_exactly_as_one_person(answers: dict[str, Answer]) -> None:
    for area in AREAS:
        alone = area_maturity(SMR, area, answers)
        combined: CombinedArea = combined_area(SMR, area, [answers])
        if combined.respondents == 0:
            continue
        assert combined.median == combined.lowest == combined.highest == alone.stage_reached
        assert combined.next_stage == alone.next_stage
        assert combined.next_actions == alone.next_actions
