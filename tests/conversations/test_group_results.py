"""Group results on crafted rooms: unsure answers, early stoppers, an unanswered area, two and three colleagues."""

from __future__ import annotations

import pytest

from catalogue import Answer, Catalogue, answers_for_stage
from conversations.group_results import MIN_GROUP_SIZE, Said, area_said, group_results

NOT_STARTED = "0"
NOT_SURE = "?"


def checkin(catalogue: Catalogue, **areas: str) -> dict[str, Answer]:
    """One person's check-in: per area a stage code, "0" (not started) or "?" (not sure); other areas unanswered."""
    answers: dict[str, Answer] = {}
    for area, choice in areas.items():
        if choice == NOT_SURE:
            answers |= {action.code: Answer.UNKNOWN for action in catalogue.actions_of(area)}
        else:
            answers |= answers_for_stage(catalogue, area, None if choice == NOT_STARTED else choice)
    return answers


def codes(steps: tuple) -> list[tuple[str, int]]:
    return [(step.action.code, step.count) for step in steps]


def test_not_sure_is_counted_apart_never_as_a_stage(catalogue: Catalogue) -> None:
    people = [
        checkin(catalogue, I1="S", C2="?"),
        checkin(catalogue, I1="M", C2="M"),
        checkin(catalogue, I1="?"),
        checkin(catalogue, I1="S"),
        checkin(catalogue, I1="A"),
    ]
    room = group_results(catalogue, people, min_group_size=1)
    i1 = room.areas["I1"]
    assert (i1.respondents, i1.unsure) == (4, 1)
    assert (i1.median, i1.lowest, i1.highest) == ("S", "S", "A")  # S, S, M, A: the lower middle one
    c2 = room.areas["C2"]
    assert (c2.respondents, c2.unsure) == (1, 1)
    assert (c2.median, c2.lowest, c2.highest) == ("M", "M", "M")  # not "not started": Not sure is no stage


def test_next_steps_count_only_the_areas_respondents(catalogue: Catalogue) -> None:
    everything = {area.code: NOT_STARTED for area in catalogue.areas}
    stopped_early = {"L1": "S", "L2": "M"}  # two who stopped before I2
    people = [
        checkin(catalogue, **everything),
        checkin(catalogue, **everything),
        checkin(catalogue, **stopped_early),
        checkin(catalogue, **stopped_early),
    ]
    room = group_results(catalogue, people, min_group_size=1)
    i2 = room.areas["I2"]
    assert i2.respondents == 2
    assert codes(i2.next_steps) == [("I2S1", 2), ("I2S2", 2), ("I2S3", 2)]
    assert room.areas["L1"].respondents == 4
    assert room.people == 4


def test_an_area_nobody_answered_has_no_figures(catalogue: Catalogue) -> None:
    people = [checkin(catalogue, L1="S"), checkin(catalogue, L1="M"), checkin(catalogue, L1="A")]
    room = group_results(catalogue, people)
    p2 = room.areas["P2"]
    assert (p2.respondents, p2.unsure, p2.incomplete) == (0, 0, 0)
    assert not p2.shown and not p2.counts_shown
    assert p2.next_steps == ()
    l1 = room.areas["L1"]
    assert l1.shown and (l1.median, l1.lowest, l1.highest) == ("M", "S", "A")
    assert l1.distribution == ((None, 0), ("S", 1), ("M", 1), ("A", 1), ("R", 0), ("T", 0))


def test_two_colleagues_cannot_read_each_other(catalogue: Catalogue) -> None:
    everything = {area.code: "S" for area in catalogue.areas}
    other = {area.code: "A" if catalogue.stages_of(area.code)[0].code == "S" else "M" for area in catalogue.areas}
    city = group_results(catalogue, [checkin(catalogue, **everything), checkin(catalogue, **other)])
    assert city.min_group_size == MIN_GROUP_SIZE == 3
    assert not city.shown
    assert all(not area.shown and not area.counts_shown for area in city.areas.values())
    assert city.next_steps == ()


def test_three_colleagues_show_median_spread_and_counts(catalogue: Catalogue) -> None:
    people = [checkin(catalogue, L1="S", P1="?"), checkin(catalogue, L1="M", P1="S"), checkin(catalogue, L1="R")]
    city = group_results(catalogue, people)
    l1 = city.areas["L1"]
    assert l1.shown and l1.counts_shown
    assert (l1.respondents, l1.median, l1.lowest, l1.highest) == (3, "M", "S", "R")
    p1 = city.areas["P1"]
    assert (p1.respondents, p1.unsure) == (1, 1)
    assert not p1.shown and not p1.counts_shown  # two answered: one respondent and one unsure, too few
    assert [step.action.code for step in city.next_steps if step.action.area == "P1"] == []


def test_unsure_count_shown_once_enough_answered_but_not_the_stages(catalogue: Catalogue) -> None:
    people = [checkin(catalogue, L4="?"), checkin(catalogue, L4="?"), checkin(catalogue, L4="A")]
    l4 = group_results(catalogue, people).areas["L4"]
    assert l4.counts_shown and not l4.shown
    assert (l4.respondents, l4.unsure) == (1, 2)


def test_full_assessment_placement(catalogue: Catalogue) -> None:
    done = {code: Answer.DONE for code in ("L1S1", "L1S2")}
    assert area_said(catalogue, "L1", done | {"L1M1": Answer.NOT_YET}) == (Said.STAGE, 1)
    assert area_said(catalogue, "L1", done | {"L1M1": Answer.DONE}) == (Said.INCOMPLETE, 0)
    assert area_said(catalogue, "L1", done | {"L1M1": Answer.UNKNOWN, "L1M2": Answer.DONE}) == (Said.UNSURE, 0)
    assert area_said(catalogue, "L1", {"L1S1": Answer.IN_PROGRESS}) == (Said.STAGE, 0)
    assert area_said(catalogue, "L1", {"L2M1": Answer.DONE}) == (Said.NOTHING, 0)
    everything = {action.code: Answer.DONE for action in catalogue.actions_of("L1")}
    assert area_said(catalogue, "L1", everything) == (Said.STAGE, 5)


def test_early_stoppers_and_full_assessments_mixed(catalogue: Catalogue) -> None:
    stopped = {"L1S1": Answer.DONE}  # a full assessment paused within L1's first stage
    people = [
        checkin(catalogue, L1="M"),
        checkin(catalogue, L1="S"),
        checkin(catalogue, L1="?"),
        stopped,
        checkin(catalogue, L1="0"),
    ]
    l1 = group_results(catalogue, people).areas["L1"]
    assert (l1.respondents, l1.unsure, l1.incomplete) == (3, 1, 1)
    assert (l1.median, l1.lowest, l1.highest) == ("S", None, "M")
    # next steps: the not-started one has S, the Starting one has M's five, the Moderate one A's two
    assert codes(l1.next_steps)[:2] == [("L1S1", 1), ("L1S2", 1)]
    assert sum(step.count for step in l1.next_steps) == 2 + 5 + 2


def test_the_most_common_next_steps_join_shown_areas_most_common_first(catalogue: Catalogue) -> None:
    people = [checkin(catalogue, L4="S", L2="0"), checkin(catalogue, L4="S", L2="0"), checkin(catalogue, L4="M")]
    room = group_results(catalogue, people, joined=4, finished=2)
    assert (room.joined, room.finished) == (4, 2)
    assert codes(room.next_steps) == [("L4M1", 2), ("L4A1", 1), ("L4A2", 1)]  # L2 has two respondents only
    assert room.areas["L4"].share_next == 0.0


@pytest.mark.parametrize("minimum", [0, 1])
def test_a_minimum_of_one_shows_everything(catalogue: Catalogue, minimum: int) -> None:
    room = group_results(catalogue, [checkin(catalogue, L1="S")], min_group_size=minimum)
    assert room.areas["L1"].shown and room.min_group_size == 1
