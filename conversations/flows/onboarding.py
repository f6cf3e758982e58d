"""Onboarding (``/start``): welcome, what is stored and why, consent; then city and role.

Nothing is stored before the consent button is pressed: the consent choice itself carries
the workshop code of a deep link, so not even that needs storing beforehand.
"""

from __future__ import annotations

import re
from enum import StrEnum

from conversations.choices import Consent, Pick
from conversations.city_matching import city_key
from conversations.flows.menu import main_menu
from conversations.messages import Option, Reply
from conversations.turn import Turn

FLOW = "onboarding"
WORKSHOP = re.compile(r"^ws_[A-Za-z0-9_-]{1,30}$")
"""A workshop deep link (``/start ws_<code>``), short enough to ride inside the consent choice id."""
JOIN = "join"
"""The command a workshop link leads to once the official is set up: it joins, then runs the quick check-in."""
MAX_CITY_LENGTH = 80
PROFILE = "profile"
"""Flow data flag: the city or role is being changed from ``/profile``, not set for the first time."""
MAX_ROLE_LENGTH = 80
ROLE = "r"
"""The subject of the role question's buttons: ``r:<key>`` picks ``onboarding.roles.<key>``."""


class Step(StrEnum):
    """The onboarding questions: the city (typed, then confirmed when it resembles known ones), the role."""

    CITY = "city"
    CITY_CONFIRM = "city_confirm"
    ROLE = "role"


def onboarded(turn: Turn) -> bool:
    return turn.participant is not None and turn.participant.city_id is not None and turn.participant.role is not None


async def require(turn: Turn) -> list[Reply] | None:
    """Replies that lead an unknown or half-registered user into onboarding; ``None`` when they are set up.

    The guard of the commands that need a city and a role (``routes.COMMANDS``).
    """
    if turn.participant is None:
        return [welcome(turn, None)]
    if not onboarded(turn):
        if turn.flow != FLOW:
            turn.set_flow(FLOW, Step.CITY if turn.participant.city_id is None else Step.ROLE)
        return [turn.say("onboarding.finish_first"), *await render(turn)]
    return None


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/start [ws_<code>]``: welcome a newcomer, or greet someone back."""
    workshop = argument if WORKSHOP.match(argument) else None
    if turn.participant is None:
        return [welcome(turn, workshop)]
    if not onboarded(turn):
        if workshop:
            turn.set_step(turn.step, workshop=workshop)
        return await require(turn) or []
    if workshop:
        turn.hand_off(JOIN, workshop)
        return []
    city = await turn.cities.by_id(turn.participant.city_id)
    return [turn.say("onboarding.welcome_back", city=city.name if city else "", options=main_menu(turn), columns=2)]


def welcome(turn: Turn, workshop: str | None) -> Reply:
    agree = Consent(True, workshop).pack()
    options = (
        Option(turn.t("onboarding.agree"), agree),
        Option(turn.t("onboarding.decline"), Consent(False).pack()),
    )
    catalogue = turn.catalogue
    greeting = turn.t(
        "onboarding.welcome",
        model=catalogue.name,
        domains=len(catalogue.domains),
        areas=len(catalogue.areas),
        stages=len(catalogue.stages),
    )
    return Reply(text=f"{greeting}\n\n{turn.t('onboarding.privacy')}", options=options)


async def consent(turn: Turn, choice: Consent) -> list[Reply]:
    """The consent buttons: ``y`` (optionally ``y:<workshop>``) stores the participant, ``n`` stores nothing."""
    workshop = choice.workshop
    if workshop is not None and not WORKSHOP.match(workshop):
        return [turn.say("errors.malformed_choice")]
    if turn.participant is not None:  # an old welcome's button: consent was given, and /forget is the way out
        return [turn.say("onboarding.already", options=main_menu(turn), columns=2)]
    if not choice.agreed:
        return [turn.echo(turn.t("onboarding.declined"))]
    incoming = turn.incoming
    turn.participant, turn.conversation = await turn.participants.create(
        user_id=incoming.user_id, name=incoming.user_name[:200], language=turn.remembered
    )
    turn.set_flow(FLOW, Step.CITY, workshop=workshop)
    return [turn.echo(turn.t("onboarding.consented")), *await render(turn)]


async def render(turn: Turn) -> list[Reply]:
    """The pending onboarding question."""
    if turn.step == Step.CITY_CONFIRM:
        data = turn.data
        candidates = data.get("candidates", [])
        typed = data.get("typed", "")
        if len(candidates) == 1:
            [[city_id, name]] = candidates
            answers = [(turn.t("onboarding.city_yes", city=name), f"c{city_id}")]
            question = turn.t("onboarding.city_confirm_one", city=name, typed=typed)
        else:
            answers = [(name, f"c{city_id}") for city_id, name in candidates]
            question = turn.t("onboarding.city_confirm", city=typed)
        answers += [(turn.t("onboarding.city_new", city=typed), "new"), (turn.t("onboarding.city_again"), "again")]
        return [turn.question(question, answers)]
    if turn.step == Step.ROLE:
        roles = [(label, Pick(ROLE, key).pack()) for key, label in turn.texts.section("onboarding.roles").items()]
        return [turn.question(turn.t("onboarding.ask_role"), roles, columns=2)]
    return [turn.say("onboarding.ask_city")]


async def on_text(turn: Turn, text: str) -> list[Reply]:
    if turn.step in (Step.CITY, Step.CITY_CONFIRM):
        return await city_typed(turn, text)
    return await role_chosen(turn, text)


async def on_choice(turn: Turn, value: str) -> list[Reply] | None:
    """Returns ``None`` for a value this step does not offer."""
    if turn.step == Step.CITY_CONFIRM:
        data = turn.data
        if value == "new":
            return await city_chosen(turn, (await turn.cities.add(data.get("typed", ""))).id)
        if value == "again":
            turn.set_step(Step.CITY)
            return [turn.echo(turn.t("onboarding.city_again")), *await render(turn)]
        known = {f"c{city_id}": city_id for city_id, _ in data.get("candidates", [])}
        if value in known:
            return await city_chosen(turn, known[value])
        return None
    if turn.step == Step.ROLE and (pick := Pick.parse(value)) is not None and pick.subject == ROLE:
        label = turn.texts.section("onboarding.roles").get(pick.op)
        return await role_chosen(turn, label, echo=True) if label else None
    return None


async def city_typed(turn: Turn, text: str) -> list[Reply]:
    name = " ".join(text.split())
    if name and len(name) <= MAX_CITY_LENGTH and not any(ch.isalpha() for ch in name):
        return [turn.say("onboarding.city_no_letters")]  # "🏙️", "123": a name needs letters
    if not name or len(name) > MAX_CITY_LENGTH or not city_key(name):
        return [turn.say("onboarding.city_invalid", limit=MAX_CITY_LENGTH)]
    exact, candidates = await turn.cities.match(name)
    if exact is not None:
        return await city_chosen(turn, exact.id, echo=False)
    if candidates:
        turn.set_step(Step.CITY_CONFIRM, typed=name, candidates=[[city.id, city.name] for city in candidates])
        return await render(turn)
    city = await turn.cities.add(name)
    return await city_chosen(turn, city.id, echo=False)


async def city_chosen(turn: Turn, city_id: int | None, *, echo: bool = True) -> list[Reply]:
    participant = turn.participant
    assert participant is not None
    city = await turn.cities.by_id(city_id)
    if city is None:
        return [turn.say("errors.malformed_choice")]
    turn.participants.set_city(participant, city)
    confirmation = turn.t("onboarding.city_saved", city=city.name)
    first = turn.echo(confirmation) if echo else Reply(confirmation)
    if turn.data.get(PROFILE):  # changed from /profile: nothing else to ask
        turn.clear_flow()
        return [first, turn.say("profile.city_changed", city=city.name, options=main_menu(turn), columns=2)]
    turn.set_step(Step.ROLE)
    return [first, *await render(turn)]


async def role_chosen(turn: Turn, role: str, *, echo: bool = False) -> list[Reply]:
    participant = turn.participant
    assert participant is not None
    role = " ".join(role.split())
    if not role or len(role) > MAX_ROLE_LENGTH:
        return [turn.say("onboarding.role_invalid", limit=MAX_ROLE_LENGTH)]
    turn.participants.set_role(participant, role)
    workshop = turn.data.get("workshop")
    profile = turn.data.get(PROFILE)
    turn.clear_flow()
    if profile:
        saved = turn.t("onboarding.role_saved", role=role)
        return [
            turn.echo(saved) if echo else Reply(saved),
            turn.say("profile.role_changed", options=main_menu(turn), columns=2),
        ]
    city = await turn.cities.by_id(participant.city_id)
    done = turn.t("onboarding.done", city=city.name if city else "", role=role, areas=len(turn.catalogue.areas))
    replies = [turn.echo(turn.t("onboarding.role_saved", role=role))] if echo else []
    if workshop:
        turn.hand_off(JOIN, workshop)
        return [*replies, Reply(done)]
    return [*replies, Reply(done, options=main_menu(turn), columns=2)]
