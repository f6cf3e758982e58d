"""Shortcut buttons to the main commands, shown where a conversation comes to a rest.

A ``go:<command>`` button starts the command only when the routing table marks it a shortcut
(``routes.COMMANDS``); each shortcut has its label under ``menu.<command>``.
"""

from __future__ import annotations

from conversations.choices import Prefix, navigation_choice
from conversations.messages import Option
from conversations.turn import Turn

MAIN_MENU = ("checkin", "assess", "results", "areas")
"""The shortcuts offered when nothing is pending, in the order shown."""


def shortcuts(turn: Turn, *commands: str) -> tuple[Option, ...]:
    return tuple(Option(turn.t(f"menu.{command}"), navigation_choice(Prefix.SHORTCUT, command)) for command in commands)


def main_menu(turn: Turn) -> tuple[Option, ...]:
    return shortcuts(turn, *MAIN_MENU)
