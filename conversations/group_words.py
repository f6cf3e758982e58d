"""Group results said in words and drawn as a chart's data: the room view, ``/results`` for a city, the report.

Everything a coordinator sees of other people is said here, from the one computation of group
results (:mod:`conversations.group_results`), only where the minimum group size allows it.
"""

from __future__ import annotations

import re
from datetime import datetime

from catalogue import Answer, Catalogue
from conversations.group_results import (
    AreaResult,
    GroupResult,
)
from conversations.messages import ChartArea, ChartDomain, MaturityChart
from conversations.texts import Texts

WORD = re.compile(r"[^\W\d_]+")


MIN_QUESTION_WORDS = 3
"""Fewer words than this is a reply or a button label typed, not a question (unless it asks, with a "?")."""


def room_question(texts: Texts, catalogue: Catalogue, text: str) -> bool:
    """Whether a typed text is a question for the room: not a command, a one-word reply or a button's words.

    Button words are what the bot offers to tap (answers, stages, "Show my name instead"...): a
    text made only of the start of one of them was meant as a tap, and is not listed. The room view
    and the PDF report list the same questions.
    """
    if text.lstrip().startswith("/"):
        return False
    words = WORD.findall(text.casefold())
    if len(words) < (2 if "?" in text else MIN_QUESTION_WORDS):
        return False
    typed = " ".join(words)
    return not any(label.startswith(typed) for label in button_words(texts, catalogue))


def button_words(texts: Texts, catalogue: Catalogue) -> list[str]:
    """The words of the buttons people might type instead of tapping, lower case, without emoji."""
    keys = ("workshop.share_name", "workshop.hide_name", "checkin.not_started", "checkin.not_sure", "checkin.back")
    labels = [texts.get(key) for key in keys] + [texts.get(f"answers.{answer.value}") for answer in Answer]
    labels += [stage.name for stage in catalogue.stages]
    return [" ".join(WORD.findall(label.casefold())) for label in labels]


def stage_name(texts: Texts, catalogue: Catalogue, stage: str | None) -> str:
    return catalogue.stage(stage).name if stage else texts.get("results.not_started")


def area_figures(texts: Texts, catalogue: Catalogue, area: AreaResult, minimum: int) -> str:
    """An area's figures in words, only those the minimum group size allows.

    The median, lowest to highest, how many gave a stage and how many were not sure; only the
    counts when fewer gave a stage; "fewer than N answers so far"; "" when nobody answered the area.
    """
    unsure = texts.get("group_results.unsure", count=area.unsure) if area.unsure else ""
    if area.shown:
        return texts.get(
            "group_results.figures",
            stage=stage_name(texts, catalogue, area.median),
            low=stage_name(texts, catalogue, area.lowest),
            high=stage_name(texts, catalogue, area.highest),
            count=area.respondents,
            unsure=unsure,
        )
    if area.counts_shown:
        return texts.get("group_results.figures_unsure", count=area.respondents, unsure=unsure, minimum=minimum)
    if area.answered or area.incomplete:
        return texts.get("group_results.figures_few", minimum=minimum)
    return ""


def group_chart(
    texts: Texts,
    catalogue: Catalogue,
    group: GroupResult,
    *,
    title: str,
    moment: datetime,
    earlier: GroupResult | None = None,
    earlier_code: str = "",
) -> MaturityChart:
    """The chart of a group: each shown area's bar at its median stage, a whisker from lowest to highest.

    Its subtitle carries the moment and the group's counts (a workshop's joined and finished, as
    its room says them), so a chart is never read for another moment's figures.
    """
    positions = {stage.code: number for number, stage in enumerate(catalogue.stages, start=1)}

    def place(stage: str | None) -> int:
        return positions[stage] if stage else 0

    def before(area: AreaResult) -> int | None:
        then = earlier.areas[area.area] if earlier is not None else None
        return place(then.median) if then is not None and then.shown else None

    def bar(area: AreaResult) -> ChartArea:
        words = area_figures(texts, catalogue, area, group.min_group_size)
        if not area.shown:
            return ChartArea(code=area.area, title=catalogue.area(area.area).title, reached=0, next_stage=0,
                             share_next=0.0, stage=words, respondents=0, earlier=before(area))  # fmt: skip
        reached = place(area.median)
        stage = texts.get(
            "group_results.chart_stage",
            stage=stage_name(texts, catalogue, area.median),
            count=area.respondents,
            unsure=texts.get("group_results.unsure", count=area.unsure) if area.unsure else "",
        )
        return ChartArea(
            code=area.area,
            title=catalogue.area(area.area).title,
            reached=reached,
            next_stage=place(area.next_stage) if area.next_stage else reached,
            share_next=area.share_next,
            stage=stage,
            low=place(area.lowest),
            high=place(area.highest),
            respondents=area.respondents,
            earlier=before(area),
        )

    domains = tuple(
        ChartDomain(
            domain.code,
            domain.name,
            tuple(bar(group.areas[area.code]) for area in catalogue.areas_of(domain.code)),
        )
        for domain in catalogue.domains
    )
    when = moment.strftime("%Y-%m-%d %H:%M")
    if group.joined is not None:
        counts = {"joined": group.joined, "finished": group.finished or 0}
        subtitle = texts.get("group_results.chart_workshop", **counts, time=when)
    else:
        subtitle = texts.get("group_results.chart_city", count=group.people, time=when)
    return MaturityChart(
        title=title,
        stages=tuple(stage.name for stage in catalogue.stages),
        domains=domains,
        legend_reached=texts.get("combined.chart_median"),
        legend_next=texts.get("combined.chart_next"),
        subtitle=subtitle,
        legend_spread=texts.get("combined.chart_spread"),
        legend_earlier=texts.get("follow_up.chart_legend", code=earlier_code) if earlier is not None else "",
    )


def area_lines(
    texts: Texts, catalogue: Catalogue, group: GroupResult, *, earlier: GroupResult | None = None, code: str = ""
) -> list[str]:
    """Per domain, per area: the figures :func:`area_figures` allows, or "no answers yet".

    With ``earlier`` (the workshop a follow-up follows, its code ``code``) each area's earlier
    figures come under its own, as far as the minimum group size allows them there too.
    """
    lines: list[str] = []
    for domain in catalogue.domains:
        lines.append(texts.get("workshop.room_domain", code=domain.code, name=domain.name))
        for area in catalogue.areas_of(domain.code):
            words = area_figures(texts, catalogue, group.areas[area.code], group.min_group_size)
            if not words:
                lines.append(texts.get("workshop.room_area_empty", area=area.code))
            else:
                lines.append(texts.get("group_results.area", area=area.code, figures=words))
            if earlier is not None:
                before = area_figures(texts, catalogue, earlier.areas[area.code], earlier.min_group_size)
                lines.append(texts.get("follow_up.area", code=code, figures=before or texts.get("follow_up.none")))
    return lines
