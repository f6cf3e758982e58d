"""The routing table: every command, button prefix and pending-question flow, and what handles it.

The engine dispatches through these tables; ``/help``, the clients' command menu
(``Engine.menu_commands``) and ``go:`` shortcut buttons read :data:`COMMANDS`, and the choice
parser reads :class:`~conversations.choices.Prefix`. So adding

* a command is one entry in :data:`COMMANDS`, with its ``commands.<name>`` text (and a
  ``menu.<name>`` label when it is a shortcut); a guard decides who may run it;
* a button prefix is one member of ``Prefix`` and its handler in :data:`BUTTONS` (a :class:`Button`
  when a guard decides who may press it);
* a flow that waits for an answer is one entry in :data:`FLOWS`.

Flows never import this module (nor one another's commands): one hands the conversation on
to another with ``Turn.hand_off``, and the engine runs it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from conversations.choices import Close, Consent, Export, FollowUp, Hide, Prefix, ReminderOff, Rhythm, ShareName
from conversations.flows import (
    ask,
    assessment,
    browse,
    cancel,
    change,
    checkin,
    combined,
    language,
    onboarding,
    privacy,
    profile,
    progress,
    reminders,
    results,
    workshop,
)
from conversations.flows import help as help_flow
from conversations.messages import Reply
from conversations.turn import Turn

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]
"""Runs a command with its argument (``/areas L1`` -> ``"L1"``)."""
Guard = Callable[[Turn], Awaitable[list[Reply] | None]]
"""Replies instead of a command's own when the user may not run it (yet); ``None`` lets it run."""
Answer = Callable[[Turn, str], Awaitable[list[Reply] | None]]
"""Takes a button's value or a typed text; ``None`` when it does not fit (the engine says so)."""
Data = TypeVar("Data")
"""A button's data as its declared type (``conversations.choices``)."""


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its name, what runs it, who may, and where it is offered besides ``/help``."""

    name: str
    handler: Handler
    guard: Guard | None = None
    menu: bool = False
    """Listed in the clients' command menu (Telegram's ``/`` menu)."""
    shortcut: bool = False
    """May be started by a ``go:<name>`` button (:func:`conversations.flows.menu.shortcuts`)."""
    coordinators: bool = False
    """For workshop coordinators: ``/help`` lists it under their heading (its guard lets only them run it)."""

    async def __call__(self, turn: Turn, argument: str) -> list[Reply]:
        if self.guard is not None and (replies := await self.guard(turn)) is not None:
            return replies
        return await self.handler(turn, argument)


@dataclass(frozen=True, slots=True)
class Button:
    """A navigation button's handler behind a guard, as a command's: who may not press it gets the guard's replies."""

    handler: Answer
    guard: Guard

    async def __call__(self, turn: Turn, argument: str) -> list[Reply] | None:
        if (replies := await self.guard(turn)) is not None:
            return replies
        return await self.handler(turn, argument)


@dataclass(frozen=True, slots=True)
class Typed(Generic[Data]):
    """A button whose data is a declared type of ``conversations.choices``: parsed here, handed to the handler as it.

    Behind its ``guard`` (if any), as a :class:`Button`; data that does not parse is malformed
    (``None``: the engine says so), and the handler never takes the string apart itself.
    """

    parse: Callable[[str], Data | None]
    handler: Callable[[Turn, Data], Awaitable[list[Reply] | None]]
    guard: Guard | None = None

    async def __call__(self, turn: Turn, argument: str) -> list[Reply] | None:
        if self.guard is not None and (replies := await self.guard(turn)) is not None:
            return replies
        data = self.parse(argument)
        return None if data is None else await self.handler(turn, data)


async def show_help(turn: Turn, argument: str) -> list[Reply]:
    """``/help``: what citybot can do, with every command of the table."""
    return help_flow.page(
        turn,
        [name for name, command in COMMANDS.items() if not command.coordinators],
        [name for name, command in COMMANDS.items() if command.coordinators],
    )


onboarded = onboarding.require
"""The guard of commands that need a city and a role: others are led into onboarding first."""
coordinators = workshop.coordinators_only
"""The guard of the workshop commands and buttons: a coordinator's, or a polite refusal."""

COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command("start", onboarding.start, menu=True),
        Command("assess", assessment.start, guard=onboarded, menu=True, shortcut=True),
        Command("checkin", checkin.start, guard=onboarded, menu=True, shortcut=True),
        Command("results", results.start, guard=onboarded, menu=True, shortcut=True),
        Command("next", results.all_next, guard=onboarded, shortcut=True),
        Command("progress", progress.start, guard=onboarded, menu=True, shortcut=True),
        Command("ask", ask.start, menu=True),
        Command("areas", browse.start, menu=True, shortcut=True),
        Command("change", change.start, guard=onboarded),
        Command("reminders", reminders.start, guard=onboarded, shortcut=True),
        Command("profile", profile.start, guard=onboarded),
        Command("help", show_help, menu=True, shortcut=True),
        Command("language", language.start, menu=True),
        Command("cancel", cancel.start),
        Command("mydata", privacy.mydata),
        Command("forget", privacy.forget),
        Command("join", workshop.join),
        Command("workshop", workshop.start, guard=coordinators, coordinators=True),
        Command("export", workshop.export, guard=coordinators, coordinators=True),
    )
}
"""Every command, in the order ``/help`` and the clients' menu list them."""


async def shortcut(turn: Turn, name: str) -> list[Reply] | None:
    """A ``go:<command>`` button: the command, when it is one that buttons may start."""
    command = COMMANDS.get(name)
    return await command(turn, "") if command is not None and command.shortcut else None


BUTTONS: dict[Prefix, Answer] = {
    Prefix.CONSENT: Typed(Consent.parse, onboarding.consent),
    Prefix.SHORTCUT: shortcut,
    Prefix.BROWSE: browse.navigate,
    Prefix.DETAILS: browse.details,
    Prefix.CHANGE: COMMANDS["change"],
    Prefix.ROOM: Button(workshop.refresh, coordinators),
    Prefix.ROOM_CHART: Button(workshop.chart, coordinators),
    Prefix.ROOM_EXPORT: Button(workshop.export_workshop, coordinators),
    Prefix.CLOSE: Typed(Close.parse, workshop.close, coordinators),
    Prefix.EXPORT: Typed(Export.parse, workshop.export_file, coordinators),
    Prefix.SHARE_NAME: Typed(ShareName.parse, workshop.share_name),
    Prefix.CITY_CHART: combined.city_chart,
    Prefix.SCREEN: Button(workshop.big_screen, coordinators),
    Prefix.HIDE: Typed(Hide.parse, workshop.hide_results, coordinators),
    Prefix.POSTER: Button(workshop.poster, coordinators),
    Prefix.RHYTHM: Typed(Rhythm.parse, reminders.pick_rhythm),
    Prefix.REMINDER_OFF: Typed(ReminderOff.parse, reminders.turn_off),
    Prefix.NUDGE: Button(reminders.nudge, coordinators),
    Prefix.FOLLOW_UP: Typed(FollowUp.parse, workshop.follow_up, coordinators),
    Prefix.CITY_THEN: combined.city_then,
    Prefix.LANGUAGE: language.pick,
}
"""What each navigation button does with its argument (``b:L1`` -> ``browse.navigate(turn, "L1")``)."""


async def no_text(turn: Turn, text: str) -> None:
    """For flows that ask only with buttons: typed text goes on to ``/ask``."""
    return None


@dataclass(frozen=True, slots=True)
class Flow:
    """A flow that can hold a pending question: how it takes a button, a text, and shows the question again."""

    on_choice: Answer
    render: Callable[[Turn], Awaitable[list[Reply]]]
    on_text: Answer = no_text


FLOWS: dict[str, Flow] = {
    onboarding.FLOW: Flow(onboarding.on_choice, onboarding.render, onboarding.on_text),
    assessment.FLOW: Flow(assessment.on_choice, assessment.render, assessment.on_text),
    checkin.FLOW: Flow(checkin.on_choice, checkin.render),
    change.FLOW: Flow(change.on_choice, change.render),
    profile.FLOW: Flow(profile.on_choice, profile.render),
    privacy.FORGET_FLOW: Flow(privacy.on_choice, privacy.render),
}
"""The flows by the name the conversation state stores (``Conversation.flow``)."""

if missing := set(Prefix) - set(BUTTONS):
    raise RuntimeError(f"button prefixes without a handler in routes.BUTTONS: {sorted(missing)}")
