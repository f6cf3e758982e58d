"""Results (``/results``): per domain, the stage each area reached, a chart of it and the next recommended actions.

Computed from the participant's current answers: for each action, the most recent answer
they gave in any assessment (a check-in gives a baseline, the full assessment refines it).
"""

from __future__ import annotations

from catalogue import Answer, AreaMaturity, city_maturity, next_actions
from conversations.choices import Prefix, navigation_choice
from conversations.flows.answering import progress_bar
from conversations.flows.menu import shortcuts
from conversations.messages import ChartArea, ChartDomain, MaturityChart, Option, Reply
from conversations.storage import repository
from conversations.turn import Turn

NEXT_PER_DOMAIN = 3
"""How many next actions per domain the summary lists (the rest are counted)."""
BAR_CELLS = 5


async def start(turn: Turn, argument: str) -> list[Reply]:
    return await summary(turn)


def stage_name(turn: Turn, stage: str | None) -> str:
    """The name of the stage an area reached, or "not started"."""
    return turn.catalogue.stage(stage).name if stage else turn.t("results.not_started")


async def current_answers(turn: Turn) -> dict[str, Answer]:
    assert turn.participant is not None
    latest = await repository.current_answers(turn.session, participant=turn.participant)
    return {code: Answer(record.value) for code, (record, _) in latest.items()}


async def summary(turn: Turn) -> list[Reply]:
    """The results message, with buttons to the most urgent action of each domain."""
    assert turn.participant is not None
    answers = await current_answers(turn)
    if not answers:
        return [turn.say("results.empty", options=shortcuts(turn, "checkin", "assess"), columns=2)]
    catalogue = turn.catalogue
    maturity = city_maturity(catalogue, answers)
    recommended = next_actions(catalogue, answers)
    city = await repository.city_by_id(turn.session, city_id=turn.participant.city_id)
    city_name = city.name if city else ""
    lines = [turn.t("results.title", city=city_name)]
    buttons: list[Option] = []
    for domain in catalogue.domains:
        lines += ["", turn.t("results.domain", code=domain.code, name=domain.name)]
        for area in catalogue.areas_of(domain.code):
            state = maturity[area.code]
            done = sum(progress.done for progress in state.stages)
            total = sum(progress.total for progress in state.stages)
            stage = stage_name(turn, state.stage_reached)
            lines.append(
                turn.t("results.area", area=area.code, bar=progress_bar(turn, done, total, BAR_CELLS), stage=stage)
            )
        actions = recommended[domain.code]
        if not actions:
            lines.append(turn.t("results.domain_complete"))
            continue
        lines.append(turn.t("results.next"))
        lines += [turn.t("results.action", code=a.code, title=a.title) for a in actions[:NEXT_PER_DOMAIN]]
        if len(actions) > NEXT_PER_DOMAIN:
            lines.append(turn.t("results.more", count=len(actions) - NEXT_PER_DOMAIN))
        urgent = actions[0].code
        buttons.append(Option(turn.t("results.details", code=urgent), navigation_choice(Prefix.DETAILS, urgent)))
    chart = maturity_chart(turn, maturity, city=city_name)
    return [Reply("\n".join(lines), options=tuple(buttons), columns=2, chart=chart)]


def maturity_chart(turn: Turn, maturity: dict[str, AreaMaturity], *, city: str) -> MaturityChart:
    """The chart of the stage each area reached, in the user's words, for the adapter to draw."""
    catalogue = turn.catalogue
    positions = {stage.code: number for number, stage in enumerate(catalogue.stages, start=1)}
    domains = tuple(
        ChartDomain(
            code=domain.code,
            name=domain.name,
            areas=tuple(chart_area(turn, maturity[area.code], positions) for area in catalogue.areas_of(domain.code)),
        )
        for domain in catalogue.domains
    )
    return MaturityChart(
        title=turn.t("results.chart_title", city=city),
        stages=tuple(stage.name for stage in catalogue.stages),
        domains=domains,
        legend_reached=turn.t("results.chart_reached"),
        legend_next=turn.t("results.chart_next"),
    )


def chart_area(turn: Turn, state: AreaMaturity, positions: dict[str, int]) -> ChartArea:
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
        stage=stage_name(turn, state.stage_reached),
    )
