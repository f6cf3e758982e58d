"""Your profile (``/profile``): the city and role citybot has for you, and buttons to change them.

Changing either goes through onboarding's own questions (typo-tolerant city matching and all),
flagged so that it ends there. Answers stay with the city they were given for: assessments keep
their city, and results, check-ins and assessments from then on are the new city's.
"""

from __future__ import annotations

from enum import StrEnum

from conversations.flows import onboarding
from conversations.messages import Reply
from conversations.turn import Turn

FLOW = "profile"


class Step(StrEnum):
    """The one question: what to change."""

    CHOOSE = "choose"


CITY, ROLE, KEEP = "city", "role", "keep"


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/profile``: the city and role, with Change buttons."""
    turn.set_flow(FLOW, Step.CHOOSE)
    return await render(turn)


async def render(turn: Turn) -> list[Reply]:
    participant = turn.participant
    assert participant is not None
    city = await turn.cities.by_id(participant.city_id)
    text = turn.t("profile.card", city=city.name if city else "", role=participant.role or "", name=participant.name)
    buttons = [
        (turn.t("profile.change_city"), CITY),
        (turn.t("profile.change_role"), ROLE),
        (turn.t("profile.keep"), KEEP),
    ]
    return [turn.question(text, buttons, columns=2)]


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    """Change the city or the role (onboarding's questions), or keep both."""
    if value == KEEP:
        turn.clear_flow()
        return [turn.echo(turn.t("profile.kept"))]
    if value == CITY:
        turn.set_flow(onboarding.FLOW, onboarding.Step.CITY, **{onboarding.PROFILE: True})
        return [turn.echo(turn.t("profile.changing_city")), *await onboarding.render(turn)]
    if value == ROLE:
        turn.set_flow(onboarding.FLOW, onboarding.Step.ROLE, **{onboarding.PROFILE: True})
        return [turn.echo(turn.t("profile.changing_role")), *await onboarding.render(turn)]
    return None
