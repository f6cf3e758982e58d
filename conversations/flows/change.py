"""Changing an earlier answer: ``/change`` picks an area, then an action, by buttons; ``/change L1S2`` goes there.

The change lands in the assessment that holds the current answer, and the answer's history
keeps the earlier value; results reflect it at once.
"""

from __future__ import annotations

from catalogue import Answer, area_maturity
from conversations.choices import Pick, Prefix, navigation_choice
from conversations.flows import assessment, results
from conversations.flows.answering import SHORT, answer_buttons, answer_label, stored, stored_label, stored_mark
from conversations.flows.menu import shortcuts
from conversations.flows.wording import button_title, shorten
from conversations.messages import Option, Reply
from conversations.stores import AnswerRecord, Assessment, AssessmentKind, AssessmentStatus
from conversations.turn import Turn

CurrentAnswers = dict[str, tuple[AnswerRecord, Assessment]]
"""Per action code, the participant's current answer and the assessment it lives in."""

FLOW = "change"
CANCEL = "x"
AREA_TITLE = 18
"""Characters of an area's title on the area buttons (two per row)."""


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/change [AREA|CODE]`` (and its ``ch:`` buttons): pick an area, then an action, then the new answer."""
    code = argument.strip().upper()
    catalogue = turn.catalogue
    if not code:
        return [pick_area(turn)]
    if code in {area.code for area in catalogue.areas}:
        return [await pick_action(turn, code)]
    if not catalogue.has_action(code):
        return [turn.say("change.unknown", code=code[:20], options=shortcuts(turn, "areas"))]
    await turn.assessments.pause_current()
    turn.set_flow(FLOW, code=code)
    return await render(turn)


def pick_area(turn: Turn) -> Reply:
    """The areas as buttons, to change an answer without knowing its code."""
    options = tuple(
        Option(
            turn.t("change.area_button", area=area.code, title=shorten(area.title, AREA_TITLE)),
            navigation_choice(Prefix.CHANGE, area.code),
        )
        for area in turn.catalogue.areas
    )
    return Reply(turn.t("change.pick_area"), options=options, columns=2)


async def pick_action(turn: Turn, area_code: str) -> Reply:
    """One area's actions as buttons, each marked with the official's current answer."""
    assert turn.participant is not None
    catalogue = turn.catalogue
    latest = await turn.assessments.current_answers()
    options = [
        Option(
            turn.t(
                "change.action_button",
                mark=stored_mark(turn, *stored(latest, a.code)),
                title=button_title(catalogue, a.code),
            ),
            navigation_choice(Prefix.CHANGE, a.code),
        )
        for a in catalogue.sorted_actions(catalogue.actions_of(area_code))
    ]
    options.append(Option(turn.t("change.all_areas"), navigation_choice(Prefix.CHANGE)))
    area = catalogue.area(area_code)
    return Reply(turn.t("change.pick_action", area=area.code, title=area.title), options=tuple(options))


async def render(turn: Turn) -> list[Reply]:
    assert turn.participant is not None
    code = turn.data.get("code", "")
    if not turn.catalogue.has_action(code):
        turn.clear_flow()
        return [turn.say("errors.invalid_choice")]
    latest = await turn.assessments.current_answers()
    text = turn.t(
        "change.question",
        code=code,
        title=turn.catalogue.action(code).title,
        answer=stored_label(turn, *stored(latest, code)),
    )
    buttons = [*answer_buttons(turn, code), (turn.t("change.cancel"), Pick(code, CANCEL).pack())]
    return [turn.question(text, buttons, columns=2)]


async def target_assessment(turn: Turn, code: str, latest: CurrentAnswers) -> Assessment:
    """Where the new answer goes: the full assessment holding the current one, else the latest full one, else a new one.

    Never a check-in: its answers are what a stage implied, and one given action by action is said.
    """
    assert turn.participant is not None
    if code in latest and latest[code][1].kind == AssessmentKind.FULL:
        return latest[code][1]
    existing = await turn.assessments.latest(AssessmentKind.FULL)
    if existing is not None:
        return existing
    first = assessment.first_action(turn.catalogue, turn.catalogue.areas[0].code)
    return await turn.assessments.create(assessment.KIND, cursor=first, status=AssessmentStatus.PAUSED)


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    pick = Pick.parse(value)
    if pick is None or pick.subject != turn.data.get("code"):
        return None
    code, op = pick.subject, pick.op
    if op == CANCEL:
        turn.clear_flow()
        return [turn.echo(turn.t("change.cancelled", code=code))]
    if op not in SHORT:
        return None
    assert turn.participant is not None
    latest = await turn.assessments.current_answers()
    before = stored_label(turn, *stored(latest, code))
    target = await target_assessment(turn, code, latest)
    await turn.set_answers(target, {code: SHORT[op]})
    turn.clear_flow()
    answers = {other: Answer(record.value) for other, (record, _) in latest.items()} | {code: SHORT[op]}
    area = turn.catalogue.action(code).area
    reached = area_maturity(turn.catalogue, area, answers).stage_reached
    echo = turn.t(
        "change.changed",
        code=code,
        before=before,
        after=answer_label(turn, SHORT[op]),
    )
    return [
        turn.echo(echo),
        turn.say(
            "change.area_now",
            area=area,
            stage=results.stage_name(turn, reached),
            options=(
                Option(turn.t("change.back_area", area=area), navigation_choice(Prefix.CHANGE, area)),
                *shortcuts(turn, "results", "assess"),
            ),
        ),
    ]
