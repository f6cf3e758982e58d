"""Choosing the language: ``/language`` with a button per language citybot speaks, remembered per person.

The first language is the client's (Telegram's ``language_code``: ``es-419`` -> Spanish) when
citybot speaks it, else English. A choice is stored with the person (before consent, when nothing
may be stored, the engine keeps it in memory until they agree). A question written in another
language citybot speaks is answered in that language, with an offer to switch (``ask``).
"""

from __future__ import annotations

from conversations.choices import Language
from conversations.flows.menu import main_menu
from conversations.messages import Option, Reply
from conversations.turn import Turn


def buttons(turn: Turn) -> tuple[Option, ...]:
    """A button per language citybot speaks, each in its own name; the current one marked."""
    options = []
    for code in turn.languages:
        name = turn.t(f"language.names.{code}") if turn.texts.has(f"language.names.{code}") else code
        key = "language.button_current" if code == turn.texts.language else "language.button"
        options.append(Option(turn.t(key, name=name), Language(code).pack()))
    return tuple(options)


async def start(turn: Turn, argument: str) -> list[Reply]:
    """``/language``: which language citybot speaks with you, and the others to pick."""
    code = argument.strip().lower()
    if code:
        return await pick(turn, code)
    return [Reply(turn.t("language.choose"), options=buttons(turn), columns=2)]


async def pick(turn: Turn, value: str) -> list[Reply]:
    """``lg:<code>``: speak that language from now on, said in it."""
    choice = Language.parse(value)
    if choice is None or choice.code not in turn.languages:
        return [Reply(turn.t("language.choose"), options=buttons(turn), columns=2)]
    unchanged = choice.code == turn.texts.language
    remember(turn, choice.code)
    turn.speak(choice.code)
    return [turn.say("language.unchanged" if unchanged else "language.set", options=main_menu(turn), columns=2)]


def remember(turn: Turn, code: str) -> None:
    """Store the choice with the person; before consent the engine keeps it (nothing is stored yet)."""
    if turn.participant is not None:
        turn.participants.set_language(turn.participant, code)
    else:
        turn.chosen_language = code
