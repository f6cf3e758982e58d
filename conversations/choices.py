"""Compact choice ids: what a button sends back, at most 40 printable ASCII characters.

Two families:

* question answers, ``q<seq>:<value>``: ``seq`` (base 36) numbers the question in the
  participant's conversation, so a button from an older question, a paused or finished
  assessment, or another person's message is recognised as stale and changes nothing;
* navigation, ``<prefix>:<argument>`` (a :class:`Prefix`: browse ``b:L1``, details ``x:L1S1``,
  change ``ch:L1S1``, shortcuts ``go:checkin``, consent ``c:y``): harmless to press at any time,
  validated on use. ``conversations/routes.py`` says what handles each prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from conversations.messages import CHOICE_PATTERN


class Prefix(StrEnum):
    """The navigation buttons, by what they lead to; each has a handler in ``routes.BUTTONS``."""

    CONSENT = "c"
    SHORTCUT = "go"
    BROWSE = "b"
    DETAILS = "x"
    CHANGE = "ch"
    ROOM = "wr"
    ROOM_CHART = "wg"
    ROOM_EXPORT = "we"
    CLOSE = "wc"
    EXPORT = "ex"
    SHARE_NAME = "sn"
    CITY_CHART = "cc"
    SCREEN = "wb"
    HIDE = "wh"
    POSTER = "wp"
    RHYTHM = "rr"
    REMINDER_OFF = "rf"
    NUDGE = "wn"
    FOLLOW_UP = "wf"
    CITY_THEN = "ct"


QUESTION = re.compile(r"^q([0-9a-z]{1,10}):([\x21-\x7e]+)$")
NAVIGATION = re.compile(rf"^({'|'.join(map(re.escape, Prefix))}):([\x21-\x7e]*)$")
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = DIGITS[digit] + text
        if number == 0:
            return text


def question_choice(seq: int, value: str) -> str:
    return f"q{base36(seq)}:{value}"


def navigation_choice(prefix: Prefix, argument: str = "") -> str:
    return f"{prefix}:{argument}"


@dataclass(frozen=True, slots=True)
class ParsedChoice:
    """A choice id taken apart: ``seq`` is set for question answers, ``prefix`` for navigation."""

    value: str
    seq: int | None = None
    prefix: Prefix | None = None


def parse_choice(choice: str) -> ParsedChoice | None:
    """Take a choice id apart; ``None`` when it is malformed (clients can send anything)."""
    if not CHOICE_PATTERN.match(choice):
        return None
    if match := QUESTION.match(choice):
        return ParsedChoice(value=match.group(2), seq=int(match.group(1), 36))
    if match := NAVIGATION.match(choice):
        return ParsedChoice(value=match.group(2), prefix=Prefix(match.group(1)))
    return None
