"""Group results over random answers: the median within the spread, everyone counted once, order-free, one = one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue import Answer, Catalogue, area_maturity
from catalogue.group_results import Said, area_said, group_results

SMR = Catalogue.load()
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
    for area in group_results(SMR, people, min_group_size=1).areas.values():
        if area.area in AREAS and area.respondents:
            low, median, high = (position(area.area, s) for s in (area.lowest, area.median, area.highest))
            assert low <= median <= high


@settings(max_examples=60, deadline=None)
@given(GROUP)
def test_everyone_who_answered_an_area_is_counted_once(people: list[dict[str, Answer]]) -> None:
    results = group_results(SMR, people, min_group_size=1)
    for code in AREAS:
        area = results.areas[code]
        codes = {a.code for a in SMR.actions_of(code)}
        answered = sum(1 for answers in people if codes & set(answers))
        assert area.respondents + area.unsure + area.incomplete == answered
        assert sum(count for _, count in area.distribution) == area.respondents
        assert all(step.count <= area.respondents for step in area.next_steps)


@settings(max_examples=60, deadline=None)
@given(GROUP, st.randoms(use_true_random=False))
def test_the_order_of_respondents_does_not_matter(people: list[dict[str, Answer]], random) -> None:
    shuffled = list(people)
    random.shuffle(shuffled)
    assert group_results(SMR, shuffled) == group_results(SMR, people)


@settings(max_examples=60, deadline=None)
@given(ONE_PERSON.filter(bool))
def test_one_respondent_is_scored_exactly_as_one_person(answers: dict[str, Answer]) -> None:
    results = group_results(SMR, [answers], min_group_size=1)
    for code in AREAS:
        area = results.areas[code]
        if area_said(SMR, code, answers)[0] != Said.STAGE:
            assert area.respondents == 0
            continue
        alone = area_maturity(SMR, code, answers)
        assert area.median == area.lowest == area.highest == alone.stage_reached
        assert area.next_stage == alone.next_stage
        assert [step.action for step in area.next_steps] == list(alone.next_actions)
        assert {step.count for step in area.next_steps} <= {1}
