"""Quick check-in (``/checkin``, and where a workshop link leads): one question per area.

Each answer is the stage the area has completed (or "not started"), turned into answers for
every action of the area by ``catalogue.answers_for_stage``: one tap per area gives a full result.
Each area's stages are told by that area's own actions; "Not sure" marks the area's actions
"Not sure" (asked again in the full assessment); Back shows the choice made before.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from catalogue import Answer, answers_for_stage
from conversations import rounds
from conversations.choices import Pick
from conversations.flows import reminders, results
from conversations.flows.answering import area_progress
from conversations.flows.wording import stage_summaries
from conversations.flows.workshop import late_note
from conversations.messages import Reply
from conversations.stores import Assessment, AssessmentKind, AssessmentStatus
from conversations.turn import Turn

FLOW = "checkin"
KIND = AssessmentKind.CHECKIN
NOT_STARTED = rounds.NOT_STARTED
NOT_SURE = rounds.NOT_SURE
BACK = "b"


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/checkin``: continue an unfinished check-in, or begin one at the first area."""
    assessment = await turn.assessments.unfinished(KIND)
    if assessment is None:
        assessment = await turn.assessments.create(KIND, cursor=turn.catalogue.areas[0].code)
    elif assessment.status != AssessmentStatus.OPEN:
        turn.assessments.resume(assessment)
    turn.set_flow(FLOW, assessment=assessment.id, **await last_round(turn))
    return [intro(turn), *await render(turn)]


async def last_round(turn: Turn) -> dict[str, Any]:
    """The flow data that offers the last round's answers: each area's choice then, and its date.

    Read once when the check-in starts (or resumes), so showing a question needs no query for it.
    """
    assert turn.participant is not None
    past = await turn.assessments.history()
    if not past.rounds:
        return {}
    latest = past.rounds[-1]
    choices = {area.code: latest.choice(turn.catalogue, area.code) for area in turn.catalogue.areas}
    return {
        "last": {area: choice for area, choice in choices.items() if choice is not None},
        "last_at": latest.finished_at.date().isoformat(),
    }


def intro(turn: Turn) -> Reply:
    """What the check-in asks, and the stages in order, the top one explained (its name is unusual)."""
    stages = turn.catalogue.stages
    return turn.say(
        "checkin.intro",
        count=len(turn.catalogue.areas),
        ladder=turn.t("checkin.ladder_separator").join(stage.name for stage in stages),
        top=stages[-1].name,
        top_description=stages[-1].description,
    )


async def current(turn: Turn) -> Assessment | None:
    assert turn.participant is not None
    assessment = await turn.current_assessment()
    return assessment if assessment is not None and not turn.assessments.is_finished(assessment) else None


def earlier_choice(turn: Turn, area: str, answers: dict[str, str]) -> str | None:
    """The choice an area was given in this check-in (a stage code, not started, not sure), if any."""
    return rounds.area_choice(turn.catalogue, area, answers)


def stage_lines(turn: Turn, area: str) -> str:
    """Each stage of the area, told by its own first action (short), with how many more it has."""
    lines = []
    summaries = stage_summaries(turn.catalogue, area)  # look-alike stages say what differs
    for stage in turn.catalogue.stages_of(area):
        summary, count = summaries[stage.code]
        more = turn.t("checkin.stage_more", count=count - 1) if count > 1 else ""
        lines.append(turn.t("checkin.stage_line", stage=stage.name, description=summary + more))
    return "\n".join(lines)


async def render(turn: Turn) -> list[Reply]:
    assessment = await current(turn)
    if assessment is None or assessment.cursor is None:
        turn.clear_flow()
        return [turn.say("checkin.none")]
    catalogue = turn.catalogue
    area = catalogue.area(assessment.cursor)
    stages = catalogue.stages_of(area.code)
    text = turn.t(
        "checkin.question",
        progress=area_progress(turn, area.code),
        area=area.code,
        area_title=area.title,
        stages=stage_lines(turn, area.code),
    )
    earlier = earlier_choice(turn, area.code, await turn.answers_of(assessment))
    choices = [(turn.t("checkin.not_started"), NOT_STARTED)]
    choices += [(stage.name, stage.code) for stage in stages]
    choices.append((turn.t("checkin.not_sure"), NOT_SURE))
    labels = {op: label for label, op in choices}
    last = turn.data.get("last", {}).get(area.code)
    if earlier is None and last is not None and last in labels:  # a repeat check-in: one tap keeps last round's
        text += "\n\n" + turn.t("rounds.last_time", answer=labels[last], date=turn.data.get("last_at", ""))
        choices.insert(0, (turn.t("rounds.keep"), last))
    if earlier is not None:
        text += "\n\n" + turn.t("checkin.earlier", answer=labels[earlier])
        choices = [(turn.t("checkin.chosen", label=label) if op == earlier else label, op) for label, op in choices]
    if area.code != catalogue.areas[0].code:
        choices.append((turn.t("checkin.back"), BACK))
    buttons = [(label, Pick(area.code, op).pack()) for label, op in choices]
    return [turn.question(text, buttons, columns=2)]


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    """The stage an area has completed; ``None`` for anything the pending question did not offer."""
    assessment = await current(turn)
    pick = Pick.parse(value)
    if pick is None or assessment is None or pick.subject != assessment.cursor:
        return None
    area_code, op = pick.subject, pick.op
    catalogue = turn.catalogue
    codes = [a.code for a in catalogue.areas]
    index = codes.index(area_code)
    if op == BACK and index > 0:
        turn.move(assessment, codes[index - 1])
        first, *rest = await render(turn)
        return [dataclasses.replace(first, replaces_previous=True), *rest]
    stages = {stage.code: stage for stage in catalogue.stages_of(area_code)}
    if op == NOT_SURE:
        await turn.set_answers(assessment, {action.code: Answer.UNKNOWN for action in catalogue.actions_of(area_code)})
        label = turn.t("checkin.not_sure")
    elif op == NOT_STARTED or op in stages:
        reached = stages[op] if op != NOT_STARTED else None
        await turn.set_answers(assessment, answers_for_stage(catalogue, area_code, reached.code if reached else None))
        label = reached.name if reached else turn.t("checkin.not_started")
    else:
        return None
    area = catalogue.area(area_code)
    echo = turn.echo(turn.t("checkin.answered", area=area_code, area_title=area.title, stage=label))
    late = await late_note(turn, assessment)  # the check-in's workshop has closed: say so, once
    if index + 1 < len(codes):
        turn.move(assessment, codes[index + 1])
        return [echo, *late, *await render(turn)]
    turn.assessments.finish(assessment)
    turn.clear_flow()
    return [
        echo,
        *late,
        turn.say("checkin.finished"),
        *await reminders.rhythm_offer(turn, assessment),  # before the results, whose buttons stay the latest
        *await results.summary(turn),
    ]
