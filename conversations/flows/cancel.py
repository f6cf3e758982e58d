"""Cancel (``/cancel``): leave whatever is pending; an assessment is paused, never lost."""

from __future__ import annotations

from conversations.flows.menu import main_menu
from conversations.messages import Reply
from conversations.turn import Turn


async def start(turn: Turn, argument: str) -> list[Reply]:
    if turn.flow is None:
        return [turn.say("cancel.nothing", options=main_menu(turn), columns=2)]
    await turn.assessments.pause_current()
    turn.clear_flow()
    return [turn.say("cancel.done", options=main_menu(turn), columns=2)]
