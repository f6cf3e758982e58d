"""Full self-assessment (``/assess``): area by area, stage by stage, one action per question.

Where the assessment stands lives on the assessment row (``cursor`` and ``trail``), so it
survives pauses, detours (asking, browsing) and restarts. Because stages are cumulative,
finishing a stage that still has open actions brings a *gate*: move on to the next area,
or carry on with the next stage anyway.

It builds on what it knows: what a check-in said was done is *pre-filled* (shown as such, one
tap to confirm or correct, and skipped on the way), so the assessment starts at the first action
not yet known. Before the end, the actions skipped or answered "Not sure" are offered again (the
*end* question); it is called complete only when every action has an answer. A finished assessment
offers to answer what is still open, or to review answers, rather than starting over.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from enum import StrEnum

from catalogue import Action, Answer, Catalogue
from conversations.choices import Gate, Op, Pick
from conversations.flows import reminders, results
from conversations.flows.answering import SHORT, answer_buttons, answer_label, area_progress
from conversations.flows.menu import shortcuts
from conversations.messages import Reply
from conversations.stores import Assessment, AssessmentKind
from conversations.turn import Turn

FLOW = "assessment"
KIND = AssessmentKind.FULL
END = "end"
"""The cursor of the question before the end: go over the skipped and "Not sure" actions, or finish."""
MAX_NOTE_LENGTH = 1000
OPEN_ONES, REVIEW, NEW = "open", "review", "new"
SHOWN_OPEN = 6
"""How many open action codes the end question names (the rest are counted)."""


class Step(StrEnum):
    """Where the flow is besides the assessment's cursor: answering (no step), a note, or what next after the end."""

    NOTE = "note"
    FINISHED = "finished"


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


def step_after(catalogue: Catalogue, code: str, answers: Mapping[str, str]) -> str | None:
    """The position after an action: the next one of its stage, a gate, the next stage or area, or the end."""
    action = catalogue.action(code)
    stage_actions = catalogue.sorted_actions(catalogue.actions_of(action.area, action.stage))
    position = [a.code for a in stage_actions].index(code)
    if position + 1 < len(stage_actions):
        return stage_actions[position + 1].code
    next_stage = stage_after(catalogue, action.area, action.stage)
    if next_stage is None:
        following = area_after(catalogue, action.area)
        return first_action(catalogue, following) if following else None
    if open_actions(catalogue, action.area, action.stage, dict(answers)):
        return Gate(action.area, action.stage).pack()
    return first_action(catalogue, action.area, next_stage)


def land(catalogue: Catalogue, target: str | None, answers: Mapping[str, str], skip: Collection[str]) -> str | None:
    """``target``, or the first position after it that is not an action in ``skip`` (already known)."""
    while target is not None and target in skip:
        target = step_after(catalogue, target, answers)
    return target


def next_cursor(catalogue: Catalogue, code: str, answers: Mapping[str, str], skip: Collection[str] = ()) -> str | None:
    """Where to go after an action, passing over the actions in ``skip``."""
    return land(catalogue, step_after(catalogue, code, answers), answers, skip)


class Known:
    """What the assessment knows: its own answers, and the check-in's pre-filled "Done"s it has not answered itself."""

    def __init__(self, own: Mapping[str, str], prefill: Collection[str]) -> None:
        self.own = own
        self.prefilled = {code for code in prefill if code not in own}

    @property
    def merged(self) -> dict[str, str]:
        """Every answer the stage rules count: pre-filled "Done"s under the assessment's own."""
        return {code: Answer.DONE.value for code in self.prefilled} | dict(self.own)

    def answered(self, code: str) -> bool:
        """The action has an answer other than "Not sure" (its own or pre-filled)."""
        return code in self.prefilled or self.own.get(code, Answer.UNKNOWN) != Answer.UNKNOWN

    def skip(self, *, checking_area: str | None = None) -> set[str]:
        """The actions the way forward passes over: known ones (but the pre-filled of an area being checked)."""
        own = {code for code, value in self.own.items() if value != Answer.UNKNOWN}
        prefilled = {code for code in self.prefilled if not code.startswith(checking_area or "\0")}
        return own | prefilled

    def open_codes(self, catalogue: Catalogue, area: str | None = None) -> list[str]:
        """The actions (of an area) without an answer yet, or answered "Not sure", in catalogue order."""
        actions = catalogue.actions_of(area) if area else catalogue.actions
        return [action.code for action in catalogue.sorted_actions(actions) if not self.answered(action.code)]


async def known(turn: Turn, assessment: Assessment) -> Known:
    return Known(await turn.answers_of(assessment), turn.data.get("prefill", []))


async def checkin_done(turn: Turn, assessment: Assessment | None) -> list[str]:
    """The actions the participant's check-ins say are done, which this assessment (if any) has not answered itself."""
    assert turn.participant is not None
    own = await turn.answers_of(assessment) if assessment is not None else {}
    latest = await turn.assessments.current_answers()
    return sorted(
        code
        for code, (record, source) in latest.items()
        if source.kind == AssessmentKind.CHECKIN
        and record.value == Answer.DONE
        and code not in own
        and turn.catalogue.has_action(code)
    )


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/assess``: resume the open assessment where it was; after a finished one, offer what next; else begin."""
    assessment = await turn.assessments.unfinished(KIND)
    if assessment is not None and assessment.cursor is not None:
        turn.assessments.resume(assessment)
        turn.set_flow(FLOW, assessment=assessment.id, prefill=await checkin_done(turn, assessment))
        return [turn.say("assessment.resumed"), *await render(turn)]
    latest = await turn.assessments.latest(KIND)
    if latest is not None and turn.assessments.is_finished(latest):
        turn.set_flow(FLOW, Step.FINISHED, assessment=latest.id, prefill=await checkin_done(turn, latest))
        return await render(turn)
    return await begin(turn)


async def begin(turn: Turn) -> list[Reply]:
    """A new assessment, pre-filled from the check-ins, at the first action not yet known."""
    catalogue = turn.catalogue
    prefill = await checkin_done(turn, None)
    state = Known({}, prefill)
    first = first_action(catalogue, catalogue.areas[0].code)
    cursor = land(catalogue, first, state.merged, state.skip()) or first
    assessment = await turn.assessments.create(KIND, cursor=cursor)
    turn.set_flow(FLOW, assessment=assessment.id, prefill=prefill)
    replies = [turn.say("assessment.intro", areas=len(catalogue.areas), actions=len(catalogue.actions))]
    if prefill:
        left = len(catalogue.actions) - len(prefill)
        summary = prefill_summary(turn, prefill)
        replies.append(turn.say("assessment.prefilled_intro", count=len(prefill), areas=summary, left=left))
    return [*replies, *await render(turn)]


def prefill_summary(turn: Turn, prefill: Collection[str]) -> str:
    """Per area, how far the pre-filled answers go ("L1 up to Moderate, P2 up to Starting")."""
    catalogue = turn.catalogue
    parts = []
    for area in catalogue.areas:
        stages = [
            s
            for s in catalogue.stages_of(area.code)
            if any(a.code in prefill for a in catalogue.actions_of(area.code, s.code))
        ]
        if stages:
            parts.append(turn.t("assessment.prefilled_area", area=area.code, stage=stages[-1].name))
    return ", ".join(parts)


async def render(turn: Turn) -> list[Reply]:
    """The pending question: an action, a stage gate, or the note prompt."""
    assessment = await turn.current_assessment()
    if assessment is not None and turn.step == Step.FINISHED:
        return [await finished_question(turn, assessment)]
    if assessment is None or assessment.cursor is None or turn.assessments.is_finished(assessment):
        turn.clear_flow()
        return [turn.say("assessment.none", options=shortcuts(turn, "assess", "results"))]
    if turn.step == Step.NOTE:
        return [turn.say("assessment.note_prompt", code=assessment.cursor, limit=MAX_NOTE_LENGTH)]
    if assessment.cursor == END:
        return [await end_question(turn, assessment)]
    if (gate := Gate.parse(assessment.cursor)) is not None:
        return [gate_question(turn, gate)]
    if not turn.catalogue.has_action(assessment.cursor):
        return await removed_action(turn, assessment)
    return [await action_question(turn, assessment, assessment.cursor)]


async def removed_action(turn: Turn, assessment: Assessment) -> list[Reply]:
    """The pending action is no longer in the catalogue (a new catalogue file): say so, go on in its area.

    Its answers stay stored under its code; they no longer count, since results score the catalogue's actions.
    """
    gone = assessment.cursor or ""
    catalogue = turn.catalogue
    area = next((a.code for a in catalogue.areas if gone.startswith(a.code)), catalogue.areas[0].code)
    state = await known(turn, assessment)
    target = land(catalogue, first_action(catalogue, area), state.merged, state.skip())
    return await move(turn, assessment, target, turn.t("assessment.removed_action", code=gone, model=catalogue.name))


async def finished_question(turn: Turn, assessment: Assessment) -> Reply:
    """After a finished assessment: answer what is still open, review answers, or start a new one."""
    state = await known(turn, assessment)
    total = len(turn.catalogue.actions)
    still_open = len(state.open_codes(turn.catalogue))
    text = turn.t("assessment.finished_menu", answered=total - still_open, total=total)
    buttons = [(turn.t("assessment.answer_open", count=still_open), OPEN_ONES)] if still_open else []
    buttons += [(turn.t("assessment.review"), REVIEW), (turn.t("assessment.start_new"), NEW)]
    return turn.question(text, buttons)


async def end_question(turn: Turn, assessment: Assessment) -> Reply:
    """Before the end: the actions skipped or answered "Not sure" on the way, offered again."""
    codes = await revisit_codes(turn, assessment)
    shown = ", ".join(codes[:SHOWN_OPEN]) + (
        turn.t("assessment.and_more", count=len(codes) - SHOWN_OPEN) if len(codes) > SHOWN_OPEN else ""
    )
    buttons = [
        (turn.t("assessment.go_over", count=len(codes)), Pick(END, Op.REVISIT).pack()),
        (turn.t("assessment.finish_now"), Pick(END, Op.FINISH).pack()),
        (turn.t("assessment.back"), Pick(END, Op.BACK).pack()),
        (turn.t("assessment.pause"), Pick(END, Op.PAUSE).pack()),
    ]
    return turn.question(turn.t("assessment.end", count=len(codes), codes=shown), buttons)


async def revisit_codes(turn: Turn, assessment: Assessment, *, after: str | None = None) -> list[str]:
    """The actions this pass showed but left without an answer (skipped, or "Not sure"), in catalogue order."""
    catalogue = turn.catalogue
    state = await known(turn, assessment)
    trail = (
        assessment.trail[: assessment.trail.index(END)]
        if END in assessment.trail
        else [*assessment.trail, assessment.cursor or ""]
    )
    visited = {code for code in trail if catalogue.has_action(code) and not state.answered(code)}
    ordered = [action.code for action in catalogue.sorted_actions(catalogue.action(code) for code in visited)]
    if after is not None and after in ordered:
        ordered = ordered[ordered.index(after) + 1 :]
    elif after is not None:
        order = [action.code for action in catalogue.sorted_actions(catalogue.actions)]
        ordered = [code for code in ordered if order.index(code) > order.index(after)]
    return ordered


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
    state = await known(turn, assessment)
    value = state.own.get(code)
    if value is not None:
        text += "\n" + turn.t("assessment.current_answer", answer=answer_label(turn, value))
    elif code in state.prefilled:
        text += "\n" + turn.t("assessment.prefilled", answer=answer_label(turn, Answer.DONE))
    notes = await turn.notes_of(assessment, code)
    if notes:
        text += "\n" + turn.t("assessment.has_notes", count=len(notes))
    buttons = [
        *answer_buttons(turn, code),
        (turn.t("assessment.back"), Pick(code, Op.BACK).pack()),
        (turn.t("assessment.skip"), Pick(code, Op.SKIP).pack()),
        (turn.t("assessment.note"), Pick(code, Op.NOTE).pack()),
        (turn.t("assessment.pause"), Pick(code, Op.PAUSE).pack()),
    ]
    to_check = [c for c in state.prefilled if catalogue.action(c).area == area.code]
    if to_check and code not in state.prefilled:
        check = turn.t("assessment.check_prefilled", count=len(to_check), area=area.code)
        buttons.append((check, Pick(code, Op.CHECK).pack()))
    return turn.question(text, buttons, columns=2)


def gate_question(turn: Turn, gate: Gate) -> Reply:
    cursor, area_code, stage_code = gate.pack(), gate.area, gate.stage
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
        (move_on, Pick(cursor, Op.NEXT_AREA).pack()),
        (turn.t("assessment.gate_go_on", stage=next_stage.name), Pick(cursor, Op.GO_ON).pack()),
        (turn.t("assessment.back"), Pick(cursor, Op.BACK).pack()),
        (turn.t("assessment.pause"), Pick(cursor, Op.PAUSE).pack()),
    ]
    return turn.question(text, buttons, columns=1)


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    """An answer or a control button of the pending question; ``None`` if it does not belong to it."""
    assessment = await turn.current_assessment()
    if assessment is not None and turn.step == Step.FINISHED:
        return await after_finish(turn, assessment, value)
    pick = Pick.parse(value)
    if pick is None or assessment is None or turn.step is not None or pick.subject != assessment.cursor:
        return None
    cursor, op = pick.subject, pick.op
    catalogue = turn.catalogue
    if op == Op.BACK:
        return await back(turn, assessment)
    if op == Op.PAUSE:
        return pause(turn, assessment)
    state = await known(turn, assessment)
    if cursor == END:
        if op == Op.REVISIT and (codes := await revisit_codes(turn, assessment)):
            turn.move(assessment, codes[0], trail=[*assessment.trail, END])
            return [turn.echo(turn.t("assessment.going_over", count=len(codes))), *await render(turn)]
        if op == Op.FINISH:
            return await finish(turn, assessment, turn.t("assessment.finished_echo"))
        return None
    if (gate := Gate.parse(cursor)) is not None:
        area, stage = gate.area, gate.stage
        if op == Op.NEXT_AREA:
            following = area_after(catalogue, area)
            target = (
                land(catalogue, first_action(catalogue, following), state.merged, state.skip()) if following else None
            )
            return await move(turn, assessment, target, turn.t("assessment.gate_moved_on", area=area))
        if op == Op.GO_ON:
            next_stage = stage_after(catalogue, area, stage)
            if next_stage is None:
                return None
            target = land(catalogue, first_action(catalogue, area, next_stage), state.merged, state.skip())
            return await move(turn, assessment, target, turn.t("assessment.gate_went_on", area=area))
        return None
    if not catalogue.has_action(cursor):  # a button naming an action the catalogue no longer has
        return await removed_action(turn, assessment)
    action = catalogue.action(cursor)
    checking = cursor in state.prefilled
    if op in SHORT:
        await turn.set_answers(assessment, {cursor: SHORT[op]})
        echo = turn.t("assessment.answered", code=cursor, title=action.title, answer=answer_label(turn, SHORT[op]))
    elif op == Op.SKIP:
        echo = turn.t("assessment.skipped", code=cursor, title=action.title)
    elif op == Op.NOTE:
        turn.set_step(Step.NOTE)
        prompt = turn.t("assessment.note_prompt", code=cursor, limit=MAX_NOTE_LENGTH)
        return [turn.echo(turn.t("assessment.noting", code=cursor, title=action.title)), Reply(prompt)]
    elif op == Op.CHECK:
        to_check = [
            a.code for a in catalogue.sorted_actions(catalogue.actions_of(action.area)) if a.code in state.prefilled
        ]
        if not to_check:
            return None
        turn.move(assessment, to_check[0], trail=[*assessment.trail, cursor])
        return [turn.echo(turn.t("assessment.checking", area=action.area)), *await render(turn)]
    else:
        return None
    state = await known(turn, assessment)
    if END in assessment.trail:  # going over the skipped and "Not sure" ones
        to_revisit = await revisit_codes(turn, assessment, after=cursor)
        return await move(turn, assessment, to_revisit[0] if to_revisit else None, echo)
    skip = state.skip(checking_area=action.area if checking else None) - {cursor}
    return await move(turn, assessment, next_cursor(catalogue, cursor, state.merged, skip), echo)


async def after_finish(turn: Turn, assessment: Assessment, value: str) -> list[Reply] | None:
    """The buttons after a finished assessment: its open actions, a review (``/change`` by buttons), or a new one."""
    catalogue = turn.catalogue
    if value == OPEN_ONES:
        state = await known(turn, assessment)
        first = first_action(catalogue, catalogue.areas[0].code)
        target = land(catalogue, first, state.merged, state.skip())
        if target is None:
            return None
        turn.assessments.resume(assessment)
        turn.set_step(None)
        turn.move(assessment, target, trail=[])
        return [turn.echo(turn.t("assessment.reopened")), *await render(turn)]
    if value == REVIEW:
        turn.clear_flow()
        turn.hand_off("change")
        return [turn.echo(turn.t("assessment.reviewing"))]
    if value == NEW:
        turn.clear_flow()
        return [turn.echo(turn.t("assessment.starting_new")), *await begin(turn)]
    return None


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
    trail = [*assessment.trail, assessment.cursor or ""]
    if target is None and END not in assessment.trail and assessment.cursor != END:
        turn.move(assessment, END, trail=trail)  # the skipped and "Not sure" ones, before the end
        if await revisit_codes(turn, assessment):
            return [turn.echo(echo), *await render(turn)]
    turn.move(assessment, target, trail=trail)
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
    turn.assessments.pause(assessment)
    turn.clear_flow()
    return [
        turn.echo(turn.t("assessment.paused_echo")),
        turn.say("assessment.paused", options=shortcuts(turn, "assess", "results"), columns=2),
    ]


async def finish(turn: Turn, assessment: Assessment, echo: str) -> list[Reply]:
    """The end: "complete" when every action has an answer, else what is still open, per area."""
    state = await known(turn, assessment)
    turn.assessments.finish(assessment)
    turn.clear_flow()
    catalogue = turn.catalogue
    still_open = {area.code: len(state.open_codes(catalogue, area.code)) for area in catalogue.areas}
    next_round = await reminders.rhythm_offer(turn, assessment)
    if not any(still_open.values()):
        return [turn.echo(echo), turn.say("assessment.finished"), *next_round, *await results.summary(turn)]
    lines = [
        turn.t("assessment.open_area", area=area, count=count, total=len(catalogue.actions_of(area)))
        for area, count in still_open.items()
        if count
    ]
    summary = turn.t("assessment.finished_open", count=sum(still_open.values()), areas="\n".join(lines))
    return [turn.echo(echo), Reply(summary), *next_round, *await results.summary(turn)]
