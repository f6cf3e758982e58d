"""Quick check-in (``/checkin``, and where a workshop link leads): one question per area.

Each answer is the stage the area has completed (or "not started"), turned into answers for
every action of the area by ``catalogue.answers_for_stage``: one tap per area gives a full result.
"""

from __future__ import annotations

import dataclasses

from catalogue import answers_for_stage
from conversations import assessments
from conversations.flows import results
from conversations.flows.answering import area_progress
from conversations.messages import Reply
from conversations.storage.models import Assessment, AssessmentKind, AssessmentStatus
from conversations.turn import Turn

FLOW = "checkin"
KIND = AssessmentKind.CHECKIN
NOT_STARTED = "0"
BACK = "b"


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/checkin``: continue an unfinished check-in, or begin one at the first area."""
    assessment = await assessments.unfinished(turn, KIND)
    if assessment is None:
        assessment = await assessments.create(turn, KIND, cursor=turn.catalogue.areas[0].code)
    elif assessment.status != AssessmentStatus.OPEN:
        assessments.resume(turn, assessment)
    turn.set_flow(FLOW, assessment=assessment.id)
    return [turn.say("checkin.intro", count=len(turn.catalogue.areas)), *await render(turn)]


async def current(turn: Turn) -> Assessment | None:
    assert turn.participant is not None
    assessment = await turn.current_assessment()
    return assessment if assessment is not None and not assessments.is_finished(assessment) else None


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
        stages="\n".join(turn.t("checkin.stage_line", stage=s.name, description=s.description) for s in stages),
    )
    buttons = [(turn.t("checkin.not_started"), f"{area.code}:{NOT_STARTED}")]
    buttons += [(stage.name, f"{area.code}:{stage.code}") for stage in stages]
    if area.code != catalogue.areas[0].code:
        buttons.append((turn.t("checkin.back"), f"{area.code}:{BACK}"))
    return [turn.question(text, buttons, columns=2)]


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    """The stage an area has completed; ``None`` for anything the pending question did not offer."""
    assessment = await current(turn)
    area_code, _, op = value.rpartition(":")
    if assessment is None or area_code != assessment.cursor:
        return None
    catalogue = turn.catalogue
    codes = [a.code for a in catalogue.areas]
    index = codes.index(area_code)
    if op == BACK and index > 0:
        turn.move(assessment, codes[index - 1])
        first, *rest = await render(turn)
        return [dataclasses.replace(first, replaces_previous=True), *rest]
    stages = {stage.code: stage for stage in catalogue.stages_of(area_code)}
    if op != NOT_STARTED and op not in stages:
        return None
    reached = stages[op] if op != NOT_STARTED else None
    await turn.set_answers(assessment, answers_for_stage(catalogue, area_code, reached.code if reached else None))
    label = reached.name if reached else turn.t("checkin.not_started")
    area = catalogue.area(area_code)
    echo = turn.echo(turn.t("checkin.answered", area=area_code, area_title=area.title, stage=label))
    if index + 1 < len(codes):
        turn.move(assessment, codes[index + 1])
        return [echo, *await render(turn)]
    assessments.finish(turn, assessment)
    turn.clear_flow()
    return [echo, turn.say("checkin.finished"), *await results.summary(turn)]
