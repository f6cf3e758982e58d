"""Help (``/help``) and the polite answers to everything unexpected: unknown commands, stickers, empty text."""

from __future__ import annotations

from collections.abc import Iterable

from conversations.flows.menu import main_menu
from conversations.messages import Reply
from conversations.turn import Turn


def command_list(turn: Turn, commands: Iterable[str]) -> str:
    return "\n".join(turn.t("help.command", name=name, description=turn.t(f"commands.{name}")) for name in commands)


def page(turn: Turn, commands: Iterable[str], coordinators: Iterable[str] = ()) -> list[Reply]:
    """What citybot can do: each of ``commands`` (the routing table's, in its order) with its description.

    ``coordinators`` are the commands for workshop coordinators, listed under their own heading.
    """
    lines = [turn.t("help.intro", model=turn.catalogue.name), command_list(turn, commands)]
    if coordinators := list(coordinators):
        lines.append(f"{turn.t('help.coordinators')}\n{command_list(turn, coordinators)}")
    lines.append(turn.t("help.outro"))
    return [Reply("\n\n".join(lines), options=main_menu(turn), columns=2)]


async def unknown(turn: Turn, name: str) -> list[Reply]:
    return [turn.say("errors.unknown_command", command=name[:40])]


async def other(turn: Turn, what: str) -> list[Reply]:
    """Stickers, photos, voice notes...: say what citybot can read; an edit needs a fresh message."""
    return [turn.say("errors.edited" if what == "edited" else "errors.other")]


async def empty(turn: Turn) -> list[Reply]:
    return [turn.say("errors.empty")]
