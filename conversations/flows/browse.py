"""Browsing the catalogue (``/areas``): domains, then areas, then actions, then one action's details."""

from __future__ import annotations

from conversations.choices import Prefix, navigation_choice
from conversations.flows import onboarding
from conversations.flows.answering import stored, stored_label, stored_mark
from conversations.messages import Option, Reply
from conversations.turn import Turn

ACTION_COLUMNS = 4


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/areas [L|L1|L1S1]``: the domains, or straight to a domain, area or action."""
    return await navigate(turn, argument.strip().upper())


async def navigate(turn: Turn, code: str) -> list[Reply]:
    """A ``b:<code>`` button: the level the code names (the domain list for an empty or unknown code)."""
    catalogue = turn.catalogue
    if code in {d.code for d in catalogue.domains}:
        return [domain(turn, code)]
    if code in {a.code for a in catalogue.areas}:
        return [await area(turn, code)]
    if catalogue.has_action(code):
        return await details(turn, code)
    return [domains(turn)]


def domains(turn: Turn) -> Reply:
    catalogue = turn.catalogue
    lines = [turn.t("browse.domains", model=catalogue.name)]
    lines += [
        turn.t("browse.domain_line", code=d.code, name=d.name, count=len(catalogue.areas_of(d.code)))
        for d in catalogue.domains
    ]
    options = tuple(Option(f"{d.code} · {d.name}", navigation_choice(Prefix.BROWSE, d.code)) for d in catalogue.domains)
    return Reply("\n".join(lines), options=options)


def domain(turn: Turn, code: str) -> Reply:
    catalogue = turn.catalogue
    areas = catalogue.areas_of(code)
    lines = [turn.t("browse.domain", code=code, name=catalogue.domain(code).name)]
    lines += [
        turn.t("browse.area_line", code=a.code, title=a.title, count=len(catalogue.actions_of(a.code))) for a in areas
    ]
    options = tuple(Option(a.code, navigation_choice(Prefix.BROWSE, a.code)) for a in areas)
    back = Option(turn.t("browse.back_domains"), navigation_choice(Prefix.BROWSE))
    return Reply("\n".join(lines), options=(*options, back), columns=len(areas))


async def area(turn: Turn, code: str) -> Reply:
    """An area's stages and actions; for an official, each action marked with their current answer."""
    catalogue = turn.catalogue
    item = catalogue.area(code)
    marks: dict[str, str] = {}
    if onboarding.onboarded(turn):
        latest = await turn.assessments.current_answers()
        marks = {a.code: stored_mark(turn, *stored(latest, a.code)) for a in catalogue.actions_of(code)}
    lines = [turn.t("browse.area", code=code, title=item.title)]
    if marks:
        lines.append(turn.t("browse.your_marks"))
    for stage in catalogue.stages_of(code):
        lines += ["", turn.t("browse.stage", name=stage.name, description=stage.description)]
        for a in catalogue.actions_of(code, stage.code):
            if marks:
                lines.append(turn.t("browse.action_line_marked", mark=marks[a.code], code=a.code, title=a.title))
            else:
                lines.append(turn.t("browse.action_line", code=a.code, title=a.title))
    options = tuple(Option(a.code, navigation_choice(Prefix.DETAILS, a.code)) for a in catalogue.actions_of(code))
    back = Option(turn.t("browse.back_domain", code=item.domain), navigation_choice(Prefix.BROWSE, item.domain))
    return Reply("\n".join(lines), options=(*options, back), columns=ACTION_COLUMNS)


async def details(turn: Turn, code: str) -> list[Reply]:
    """One action: its title, area, stage, and this official's current answer with a way to change it."""
    catalogue = turn.catalogue
    if not catalogue.has_action(code):
        return [turn.say("browse.unknown", code=code)]
    action = catalogue.action(code)
    item, stage = catalogue.area(action.area), catalogue.stage(action.stage)
    text = turn.t(
        "browse.action",
        code=code,
        title=action.title,
        area=item.code,
        area_title=item.title,
        stage=stage.name,
        description=stage.description,
    )
    if action.original:  # a translation, citybot's own: the model's official wording with it
        text += "\n\n" + turn.t("language.original", title=action.original)
        text += "\n" + turn.t("language.catalogue_note", model=catalogue.name)
    options = [Option(turn.t("browse.back_area", code=item.code), navigation_choice(Prefix.BROWSE, item.code))]
    if onboarding.onboarded(turn):
        latest = await turn.assessments.current_answers()
        text += "\n\n" + turn.t("browse.your_answer", answer=stored_label(turn, *stored(latest, code)))
        options.insert(0, Option(turn.t("browse.change"), navigation_choice(Prefix.CHANGE, code)))
    return [Reply(text, options=tuple(options), columns=2)]
