"""Shortcut buttons to the main commands, shown where a conversation comes to a rest."""

from __future__ import annotations

from conversations.choices import navigation_choice
from conversations.messages import Option
from conversations.turn import Turn

SHORTCUTS = ("checkin", "assess", "results", "areas", "help")
"""Commands that may be started by a ``go:<command>`` button."""


def shortcuts(turn: Turn, *commands: str) -> tuple[Option, ...]:
    return tuple(Option(turn.t(f"menu.{command}"), navigation_choice("go", command)) for command in commands)


def main_menu(turn: Turn) -> tuple[Option, ...]:
    return shortcuts(turn, "checkin", "assess", "results", "areas")
