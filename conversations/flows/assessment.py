"""Full self-assessment (``/assess``): area by area, stage by stage, one action per question.

Where the assessment stands lives on the assessment row (``cursor`` and ``trail``), so it
survives pauses, detours (asking, browsing) and restarts. Because stages are cumulative,
finishing a stage that still has open actions brings a *gate*: move on to the next area,
or carry on with the next stage anyway.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from catalogue import Action, Answer, Catalogue
from conversations import assessments
from conversations.flows import results
from conversations.flows.answering import SHORT, answer_buttons, answer_label, area_progress
from conversations.flows.menu import shortcuts
from conversations.messages import Reply
from conversations.storage.models import Assessment, AssessmentKind
from conversations.turn import Turn

FLOW = "assessment"
KIND = AssessmentKind.FULL
GATE = "gate"
MAX_NOTE_LENGTH = 1000
BACK, SKIP, NOTE, PAUSE, NEXT_AREA, GO_ON = "b", "s", "t", "z", "next", "go"


class Step(StrEnum):
    """Where the flow is besides the assessment's cursor: answering (no step) or typing a note."""

    NOTE = "note"


def first_action(catalogue: Catalogue, area: str, stage: str | None = None) -> str:
    return catalogue.sorted_actions(catalogue.actions_of(area, stage))[0].code


def area_after(catalogue: Catalogue, area: str) -> str | None:
    codes = [a.code for a in catalogue.areas]
    index = codes.index(area) + 1
    return codes[index] if index < len(codes) else None


def stage_after(catalogue: Catalogue, area: str, stage: str) -> str | None:
    codes = [s.code for s in catalogue.stages_of(area)]
    index = codes.index(stage) + 1
    return codes[index] if index < len(codes) else None


def open_actions(catalogue: Catalogue, area: str, stage: str, answers: dict[str, str]) -> list[Action]:
    return [a for a in catalogue.actions_of(area, stage) if answers.get(a.code) != Answer.DONE]


def next_cursor(catalogue: Catalogue, code: str, answers: dict[str, str]) -> str | None:
    """Where to go after an action: the next one of its stage, a gate, the next stage or area, or the end."""
    action = catalogue.action(code)
    stage_actions = catalogue.sorted_actions(catalogue.actions_of(action.area, action.stage))
    position = [a.code for a in stage_actions].index(code)
    if position + 1 < len(stage_actions):
        return stage_actions[position + 1].code
    next_stage = stage_after(catalogue, action.area, action.stage)
    if next_stage is None:
        following = area_after(catalogue, action.area)
        return first_action(catalogue, following) if following else None
    if open_actions(catalogue, action.area, action.stage, answers):
        return f"{GATE}:{action.area}:{action.stage}"
    return first_action(catalogue, action.area, next_stage)


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/assess``: resume the open assessment exactly where it was, or begin a new one."""
    assessment = await assessments.unfinished(turn, KIND)
    if assessment is not None and assessment.cursor is not None:
        assessments.resume(turn, assessment)
        turn.set_flow(FLOW, assessment=assessment.id)
        return [turn.say("assessment.resumed"), *await render(turn)]
    assessment = await assessments.create(turn, KIND, cursor=first_action(turn.catalogue, turn.catalogue.areas[0].code))
    turn.set_flow(FLOW, assessment=assessment.id)
    intro = turn.say("assessment.intro", areas=len(turn.catalogue.areas), actions=len(turn.catalogue.actions))
    return [intro, *await render(turn)]


async def render(turn: Turn) -> list[Reply]:
    """The pending question: an action, a stage gate, or the note prompt."""
    assessment = await turn.current_assessment()
    if assessment is None or assessment.cursor is None or assessments.is_finished(assessment):
        turn.clear_flow()
        return [turn.say("assessment.none", options=shortcuts(turn, "assess", "results"))]
    if turn.step == Step.NOTE:
        return [turn.say("assessment.note_prompt", code=assessment.cursor, limit=MAX_NOTE_LENGTH)]
    if assessment.cursor.startswith(GATE):
        return [gate_question(turn, assessment.cursor)]
    return [await action_question(turn, assessment, assessment.cursor)]


async def action_question(turn: Turn, assessment: Assessment, code: str) -> Reply:
    catalogue = turn.catalogue
    action = catalogue.action(code)
    area, stage = catalogue.area(action.area), catalogue.stage(action.stage)
    stage_codes = [a.code for a in catalogue.sorted_actions(catalogue.actions_of(area.code, stage.code))]
    text = turn.t(
        "assessment.question",
        progress=area_progress(turn, area.code),
        area=area.code,
        area_title=area.title,
        stage=stage.name,
        number=stage_codes.index(code) + 1,
        count=len(stage_codes),
        code=code,
        title=action.title,
    )
    value = (await turn.answers_of(assessment)).get(code)
    if value is not None:
        text += "\n" + turn.t("assessment.current_answer", answer=answer_label(turn, value))
    notes = await turn.notes_of(assessment, code)
    if notes:
        text += "\n" + turn.t("assessment.has_notes", count=len(notes))
    buttons = [
        *answer_buttons(turn, code),
        (turn.t("assessment.back"), f"{code}:{BACK}"),
        (turn.t("assessment.skip"), f"{code}:{SKIP}"),
        (turn.t("assessment.note"), f"{code}:{NOTE}"),
        (turn.t("assessment.pause"), f"{code}:{PAUSE}"),
    ]
    return turn.question(text, buttons, columns=2)


def gate_question(turn: Turn, cursor: str) -> Reply:
    _, area_code, stage_code = cursor.split(":")
    catalogue = turn.catalogue
    area, stage = catalogue.area(area_code), catalogue.stage(stage_code)
    following = area_after(catalogue, area_code)
    next_stage = catalogue.stage(stage_after(catalogue, area_code, stage_code) or stage_code)
    text = turn.t(
        "assessment.gate",
        progress=area_progress(turn, area_code),
        area=area.code,
        area_title=area.title,
        stage=stage.name,
        next_stage=next_stage.name,
    )
    move_on = turn.t("assessment.gate_next_area", area=following) if following else turn.t("assessment.gate_finish")
    buttons = [
        (move_on, f"{cursor}:{NEXT_AREA}"),
        (turn.t("assessment.gate_go_on", stage=next_stage.name), f"{cursor}:{GO_ON}"),
        (turn.t("assessment.back"), f"{cursor}:{BACK}"),
        (turn.t("assessment.pause"), f"{cursor}:{PAUSE}"),
    ]
    return turn.question(text, buttons, columns=1)


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    """An answer or a control button of the pending question; ``None`` if it does not belong to it."""
    assessment = await turn.current_assessment()
    cursor, _, op = value.rpartition(":")
    if assessment is None or turn.step is not None or cursor != assessment.cursor:
        return None
    if op == BACK:
        return await back(turn, assessment)
    if op == PAUSE:
        return pause(turn, assessment)
    if cursor.startswith(GATE):
        _, area, stage = cursor.split(":")
        if op == NEXT_AREA:
            following = area_after(turn.catalogue, area)
            target = first_action(turn.catalogue, following) if following else None
            return await move(turn, assessment, target, turn.t("assessment.gate_moved_on", area=area))
        if op == GO_ON:
            next_stage = stage_after(turn.catalogue, area, stage)
            if next_stage is None:
                return None
            target = first_action(turn.catalogue, area, next_stage)
            return await move(turn, assessment, target, turn.t("assessment.gate_went_on", area=area))
        return None
    action = turn.catalogue.action(cursor)
    if op in SHORT:
        await turn.set_answers(assessment, {cursor: SHORT[op]})
        echo = turn.t("assessment.answered", code=cursor, title=action.title, answer=answer_label(turn, SHORT[op]))
    elif op == SKIP:
        echo = turn.t("assessment.skipped", code=cursor, title=action.title)
    elif op == NOTE:
        turn.set_step(Step.NOTE)
        prompt = turn.t("assessment.note_prompt", code=cursor, limit=MAX_NOTE_LENGTH)
        return [turn.echo(turn.t("assessment.noting", code=cursor, title=action.title)), Reply(prompt)]
    else:
        return None
    answers = await turn.answers_of(assessment)
    return await move(turn, assessment, next_cursor(turn.catalogue, cursor, answers), echo)


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    """A note, when one was asked for; other text is not for this flow."""
    if turn.step != Step.NOTE:
        return None
    assessment = await turn.current_assessment()
    if assessment is None or assessment.cursor is None:
        return None
    note = text.strip()
    replies: list[Reply] = []
    if len(note) > MAX_NOTE_LENGTH:
        note = note[:MAX_NOTE_LENGTH]
        replies.append(turn.say("assessment.note_truncated", limit=MAX_NOTE_LENGTH))
    await turn.add_note(assessment, assessment.cursor, note)
    turn.set_step(None)
    return [*replies, turn.say("assessment.note_saved", code=assessment.cursor), *await render(turn)]


async def move(turn: Turn, assessment: Assessment, target: str | None, echo: str) -> list[Reply]:
    """Step forward to ``target`` (remembering the way back), or finish when there is nothing left."""
    turn.move(assessment, target, trail=[*assessment.trail, assessment.cursor or ""])
    if target is None:
        return await finish(turn, assessment, echo)
    return [turn.echo(echo), *await render(turn)]


async def back(turn: Turn, assessment: Assessment) -> list[Reply]:
    if not assessment.trail:
        return [turn.say("assessment.at_first"), *await render(turn)]
    *trail, previous = assessment.trail
    turn.move(assessment, previous, trail=trail)
    first, *rest = await render(turn)
    return [dataclasses.replace(first, replaces_previous=True), *rest]


def pause(turn: Turn, assessment: Assessment) -> list[Reply]:
    assessments.pause(turn, assessment)
    turn.clear_flow()
    return [
        turn.echo(turn.t("assessment.paused_echo")),
        turn.say("assessment.paused", options=shortcuts(turn, "assess", "results"), columns=2),
    ]


async def finish(turn: Turn, assessment: Assessment, echo: str) -> list[Reply]:
    assessments.finish(turn, assessment)
    turn.clear_flow()
    return [turn.echo(echo), turn.say("assessment.finished"), *await results.summary(turn)]
