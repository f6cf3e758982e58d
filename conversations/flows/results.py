"""Results (``/results``): per domain, the stage each area reached, a chart of it and the next recommended actions.

Computed from the participant's current answers: for each action, the most recent answer
they gave in any assessment (a check-in gives a baseline, the full assessment refines it).
"""

from __future__ import annotations

from datetime import datetime

from catalogue import Answer, AreaMaturity, city_maturity, next_actions
from conversations import rounds
from conversations.choices import Prefix, navigation_choice
from conversations.flows import combined
from conversations.flows.answering import progress_bar
from conversations.flows.menu import shortcuts
from conversations.flows.wording import button_title, shorten
from conversations.messages import ChartArea, ChartDomain, MaturityChart, Option, Reply
from conversations.times import utcnow
from conversations.turn import Turn

NEXT_PER_DOMAIN = 3
"""How many next actions per domain the summary lists (the rest are counted, and listed by ``/next``)."""
LINE_TITLE = 64
"""Characters of a next step's title in the summary (``/next`` and the details show it whole)."""


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/results``: the official's own results, then their city's combined view once colleagues have answered."""
    return [*await summary(turn), *await combined.city_section(turn)]


def stage_name(turn: Turn, stage: str | None) -> str:
    """The name of the stage an area reached, or "not started"."""
    return turn.catalogue.stage(stage).name if stage else turn.t("results.not_started")


async def current_answers(turn: Turn) -> dict[str, Answer]:
    assert turn.participant is not None
    return {code: Answer(value) for code, value in (await turn.assessments.current_values()).items()}


async def summary(turn: Turn) -> list[Reply]:
    """The results message: each area's stage as bar and words, next steps, buttons to them and to all of them."""
    assert turn.participant is not None
    answers = await current_answers(turn)
    if not answers:
        return [turn.say("results.empty", options=shortcuts(turn, "checkin", "assess"), columns=2)]
    catalogue = turn.catalogue
    maturity = city_maturity(catalogue, answers)
    recommended = next_actions(catalogue, answers)
    city = await turn.cities.by_id(turn.participant.city_id)
    city_name = city.name if city else ""
    lines = [turn.t("results.title", city=city_name), turn.t("results.scale", count=len(catalogue.stages))]
    past = await turn.assessments.history()
    moves = rounds.changes(catalogue, past, answers)
    if past.baseline is not None and moves:
        lines.append(turn.t("rounds.compared", date=day(past.baseline.finished_at), number=past.baseline.number))
    implied = await turn.assessments.implied_codes()
    buttons: list[Option] = []
    for domain in catalogue.domains:
        lines += ["", turn.t("results.domain", code=domain.code, name=domain.name)]
        for area in catalogue.areas_of(domain.code):
            given = [a.code for a in catalogue.actions_of(area.code) if a.code in answers]
            by_checkin = bool(given) and all(code in implied for code in given)  # a stage picked, not asked
            change = change_words(turn, moves.get(area.code))
            lines.append(area_line(turn, maturity[area.code], answers, implied=by_checkin, change=change))
        actions = recommended[domain.code]
        if not actions:
            lines.append(turn.t("results.domain_complete"))
            continue
        lines.append(turn.t("results.next"))
        lines += [
            turn.t("results.action", code=a.code, title=shorten(a.title, LINE_TITLE)) for a in actions[:NEXT_PER_DOMAIN]
        ]
        if len(actions) > NEXT_PER_DOMAIN:
            lines.append(turn.t("results.more", count=len(actions) - NEXT_PER_DOMAIN, domain=domain.code))
        buttons.append(action_button(turn, actions[0].code))
    hidden = sum(max(len(actions) - NEXT_PER_DOMAIN, 0) for actions in recommended.values())
    if hidden:
        buttons.append(Option(turn.t("results.all_next"), navigation_choice(Prefix.SHORTCUT, "next")))
    chart = maturity_chart(turn, maturity, city=city_name, answers=answers)
    return [Reply("\n".join(lines), options=tuple(buttons), columns=1, chart=chart)]


def day(moment: datetime) -> str:
    """A round's date as results and charts show it (ISO, so it reads the same in every language)."""
    return moment.date().isoformat()


def choice_name(turn: Turn, choice: str) -> str:
    """A round's choice for an area in words: a stage's name, "not started" or "not sure yet"."""
    if choice == rounds.NOT_SURE:
        return turn.t("results.not_sure")
    return stage_name(turn, None if choice == rounds.NOT_STARTED else choice)


def change_words(turn: Turn, change: rounds.AreaChange | None) -> str:
    """What changed in an area since the baseline round ("  ▲ from Starting, 2026-06-03"), or nothing."""
    if change is None:
        return ""
    return turn.t(f"rounds.{change.direction}", before=choice_name(turn, change.before), date=day(change.since))


def action_button(turn: Turn, code: str) -> Option:
    """A button to an action's details, labelled with its code and a short title."""
    return Option(
        turn.t("results.details", code=code, title=button_title(turn.catalogue, code)[len(code) + 1 :]),
        navigation_choice(Prefix.DETAILS, code),
    )


def assessed(state: AreaMaturity, answers: dict[str, Answer], turn: Turn) -> bool:
    """The area has at least one answer other than "Not sure"."""
    return any(
        answers.get(action.code, Answer.UNKNOWN) != Answer.UNKNOWN for action in turn.catalogue.actions_of(state.area)
    )


def stage_words(turn: Turn, state: AreaMaturity, answers: dict[str, Answer], *, short: bool = False) -> str:
    """Where an area stands, in words that match its bar.

    "Moderate", "Moderate · Advanced: 2 of 4 done", "Starting in progress (1 of 2)", "not started",
    or "not sure yet" when every answer of the area is "Not sure". ``short`` leaves out the next
    stage's progress (a chart shows it as a lighter bar).
    """
    progress = next((p for p in state.stages if p.stage == state.next_stage), None)
    if state.stage_reached is None:
        if not assessed(state, answers, turn):
            return turn.t("results.not_sure")
        if progress is None or (progress.done == 0 and progress.in_progress == 0):
            return turn.t("results.not_started")
        key = "results.chart_in_progress" if short else "results.in_progress"
        return turn.t(key, stage=stage_name(turn, progress.stage), done=progress.done, total=progress.total)
    reached = stage_name(turn, state.stage_reached)
    if short or progress is None or progress.done == 0:
        return reached
    return turn.t(
        "results.next_progress",
        stage=reached,
        next_stage=stage_name(turn, progress.stage),
        done=progress.done,
        total=progress.total,
    )


def area_line(
    turn: Turn, state: AreaMaturity, answers: dict[str, Answer], *, implied: bool = False, change: str = ""
) -> str:
    """One area: a bar of the stage reached out of the model's stages, the same in words, missing stages named.

    ``implied``: every answer of the area comes from a check-in's stage, and the line says so;
    ``change``: what changed since the previous round (:func:`change_words`).
    """
    catalogue = turn.catalogue
    positions = {stage.code: number for number, stage in enumerate(catalogue.stages, start=1)}
    reached = positions[state.stage_reached] if state.stage_reached else 0
    words = stage_words(turn, state, answers)
    own = {stage.code for stage in catalogue.stages_of(state.area)}
    missing = [stage.name for stage in catalogue.stages if stage.code not in own]
    if missing:
        names = ", ".join(missing[:-1]) + (turn.t("results.or") if len(missing) > 1 else "") + missing[-1]
        words += turn.t("results.missing_stages", stages=names)
    return turn.t(
        "results.area",
        area=state.area,
        bar=progress_bar(turn, reached, len(catalogue.stages), len(catalogue.stages)),
        stage=words,
        implied=turn.t("implied.area") if implied else "",
        change=change,
    )


def maturity_chart(
    turn: Turn, maturity: dict[str, AreaMaturity], *, city: str, answers: dict[str, Answer] | None = None
) -> MaturityChart:
    """The chart of the stage each area reached, in the user's words, for the adapter to draw."""
    catalogue = turn.catalogue
    positions = {stage.code: number for number, stage in enumerate(catalogue.stages, start=1)}
    domains = tuple(
        ChartDomain(
            code=domain.code,
            name=domain.name,
            areas=tuple(
                chart_area(turn, maturity[area.code], positions, answers) for area in catalogue.areas_of(domain.code)
            ),
        )
        for domain in catalogue.domains
    )
    return MaturityChart(
        title=turn.t("results.chart_title", city=city),
        stages=tuple(stage.name for stage in catalogue.stages),
        domains=domains,
        legend_reached=turn.t("results.chart_reached"),
        legend_next=turn.t("results.chart_next"),
        subtitle=turn.t("combined.chart_subtitle", count=1, date=utcnow().date().isoformat()),
    )


def chart_area(
    turn: Turn, state: AreaMaturity, positions: dict[str, int], answers: dict[str, Answer] | None = None
) -> ChartArea:
    """One area's bar, placed on the stage axis by ``positions`` (stage code -> 1, 2, ...; 0 is before the first)."""
    catalogue = turn.catalogue
    reached = positions[state.stage_reached] if state.stage_reached else 0
    progress = next((p for p in state.stages if p.stage == state.next_stage), None)
    return ChartArea(
        code=state.area,
        title=catalogue.area(state.area).title,
        reached=reached,
        next_stage=positions[progress.stage] if progress else reached,
        share_next=progress.share_done if progress else 0.0,
        stage=stage_name(turn, state.stage_reached)
        if answers is None
        else stage_words(turn, state, answers, short=True),
    )


async def all_next(turn: Turn, argument: str) -> list[Reply]:
    """``/next [DOMAIN]``: every next recommended action (of one domain), each with a button to it."""
    answers = await current_answers(turn)
    catalogue = turn.catalogue
    recommended = next_actions(catalogue, answers)
    wanted = argument.strip().upper()
    domains = [d for d in catalogue.domains if d.code == wanted] or catalogue.domains
    lines = [turn.t("results.next_title", count=sum(len(recommended[d.code]) for d in domains))]
    buttons: list[Option] = []
    for domain in domains:
        actions = recommended[domain.code]
        lines += ["", turn.t("results.domain", code=domain.code, name=domain.name)]
        if not actions:
            lines.append(turn.t("results.domain_complete"))
        for action in actions:
            lines.append(turn.t("results.action", code=action.code, title=action.title))
            buttons.append(action_button(turn, action.code))
    if not answers:
        lines.append("\n" + turn.t("results.next_no_answers"))
    return [Reply("\n".join(lines), options=tuple(buttons))]
