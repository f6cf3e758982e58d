"""The quick check-in: one question per area, at most ten taps to recommendations per domain."""

from __future__ import annotations

from catalogue import Answer, Catalogue, answers_for_stage, city_maturity, next_actions
from conversations import Engine
from conversations.flows.results import LINE_TITLE
from conversations.flows.wording import button_title, shorten
from conversations.storage.models import AnswerRecord, Assessment
from tests.helpers.chat import Chat, count, rows


def short_title(catalogue: Catalogue, code: str) -> str:
    return button_title(catalogue, code).removeprefix(code + " ")


async def check_in(chat: Chat, catalogue: Catalogue, stage: str | None) -> None:
    """Answer the check-in question of an area with the last stage completed (``None``: not started)."""
    await chat.press(catalogue.stage(stage).name if stage else "checkin.not_started")


async def test_check_in_in_ten_taps_ends_with_recommendations(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    chat.choices_sent = 0
    await chat.command("/checkin")
    starting = catalogue.stage("S")
    assert chat.said("checkin.intro", count=10) and chat.said("progress.line", index=1, count=10)
    assert chat.said("checkin.stage_line", stage=starting.name)  # told by the area's actions: test_checkin_quality
    picks = ["S", "M", None, "S", "A", "S", None, "M", "S", "M"]
    for pick in picks:
        await check_in(chat, catalogue, pick)
    assert chat.choices_sent == len(catalogue.areas) <= 10
    assert chat.said("checkin.finished", whole=True) and chat.said("results.title", city="Rotterdam")
    for domain in catalogue.domains:
        assert chat.said("results.domain", code=domain.code, name=domain.name)
    assert chat.said("results.area", area="L1", bar=chat.bar(1), stage=starting.name)
    assert chat.said("results.area", area="L3", bar=chat.bar(0), stage=chat.t("results.not_started"))
    expected: dict[str, Answer] = {}
    for area, pick in zip(catalogue.areas, picks, strict=True):
        expected |= answers_for_stage(catalogue, area.code, pick)
    recommended = next_actions(catalogue, expected)
    for actions in recommended.values():
        for action in actions[:3]:
            assert chat.said("results.action", code=action.code, title=shorten(action.title, LINE_TITLE))
    assert [option.label for option in chat.last.options] == [
        *(
            chat.t("results.details", code=a[0].code, title=short_title(catalogue, a[0].code))
            for a in recommended.values()
        ),
        chat.t("results.all_next"),
    ]
    assert await count(engine, AnswerRecord) == len(catalogue.actions)
    [assessment] = await rows(engine, Assessment)
    assert (assessment.kind, assessment.status) == ("checkin", "finished")


async def test_results_carry_a_chart_of_the_stage_each_area_reached(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard(city="Torino")
    await chat.command("/results")
    assert chat.last.chart is None  # no answers, nothing to draw
    await chat.command("/checkin")
    reached_in = {"L1": "M", "L2": "T", "L4": "R", "P1": "S", "I1": "A"}
    picks = {area: catalogue.stage(stage).name for area, stage in reached_in.items()}
    for area in catalogue.areas:
        await check_in(chat, catalogue, reached_in.get(area.code))
    chart = chat.last.chart
    assert chart is not None and chat.said("results.title", reply=-1, city="Torino")  # the chart goes with the text
    assert chart.title == engine.texts.get("results.chart_title", city="Torino")
    assert chart.stages == tuple(stage.name for stage in catalogue.stages)
    assert (chart.legend_reached, chart.legend_next) == (
        engine.texts.get("results.chart_reached"),
        engine.texts.get("results.chart_next"),
    )
    assert [(d.code, d.name, [a.code for a in d.areas]) for d in chart.domains] == [
        (d.code, d.name, [a.code for a in catalogue.areas_of(d.code)]) for d in catalogue.domains
    ]
    position = {stage.name: number for number, stage in enumerate(catalogue.stages, start=1)}
    codes = {stage.name: stage.code for stage in catalogue.stages}
    answers: dict[str, Answer] = {}
    for area in catalogue.areas:
        answers |= answers_for_stage(catalogue, area.code, codes.get(picks.get(area.code, "")))
    maturity = city_maturity(catalogue, answers)
    for area in chart.areas:
        reached = picks.get(area.code)
        not_started = chat.t("results.not_started")
        assert (area.reached, area.stage) == ((position[reached], reached) if reached else (0, not_started))
        assert area.title == catalogue.area(area.code).title
        state = maturity[area.code]
        assert area.next_stage == (
            position[catalogue.stage(state.next_stage).name] if state.next_stage else area.reached
        )
        assert area.share_next == 0.0  # a check-in answers whole stages
    l2, l4 = (next(a for a in chart.areas if a.code == code) for code in ("L2", "L4"))
    assert l2.next_stage == l2.reached == 5 and l4.next_stage == l4.reached == 4  # complete (L4 has no stage T)
    i2 = next(a for a in chart.areas if a.code == "I2")
    assert (i2.reached, i2.next_stage) == (0, 1)


async def test_check_in_back_changes_the_previous_area(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    await chat.choose(catalogue.stage("R").name)
    await chat.press("checkin.back")
    assert chat.said("progress.line", index=1, count=10) and chat.replies[0].replaces_previous
    await chat.press("checkin.not_started")
    assert chat.said("progress.line", index=2, count=10)
    records = {r.action_code: r.value for r in await rows(engine, AnswerRecord)}
    assert records["L1S1"] == "open"  # not started: open, not asked (never a "Not yet" nobody gave)
