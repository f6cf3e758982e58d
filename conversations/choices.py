"""Compact choice ids: what a button sends back, at most 40 printable ASCII characters.

Two families:

* question answers, ``q<seq>:<value>``: ``seq`` (base 36) numbers the question in the
  participant's conversation, so a button from an older question, a paused or finished
  assessment, or another person's message is recognised as stale and changes nothing;
* navigation, ``<prefix>:<argument>`` (a :class:`Prefix`: browse ``b:L1``, details ``x:L1S1``,
  change ``ch:L1S1``, shortcuts ``go:checkin``, consent ``c:y``): harmless to press at any time,
  validated on use. ``conversations/routes.py`` says what handles each prefix.

Every button whose value has parts is a small declared type here (:class:`Pick`, :class:`Gate`,
:class:`FollowUp`, :class:`Hide`, :class:`Close`, :class:`Export`, :class:`Consent`, :class:`Rhythm`,
:class:`ReminderOff`, :class:`Language`): ``pack()`` makes the value and
``parse()`` takes it apart (``None`` when malformed), so no flow splits button data itself and the
encodings stay the compact ones buttons already in chats send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self

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
    LANGUAGE = "lg"


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


def is_question(choice: str) -> bool:
    """The choice answers a pending question (``q<seq>:<value>``), rather than leading somewhere."""
    parsed = parse_choice(choice)
    return parsed is not None and parsed.seq is not None


class Op(StrEnum):
    """The assessment's control buttons, by name; the values are the letters buttons already in chats send."""

    BACK = "b"
    SKIP = "s"
    NOTE = "t"
    PAUSE = "z"
    CHECK = "c"
    NEXT_AREA = "next"
    GO_ON = "go"
    REVISIT = "over"
    FINISH = "fin"


@dataclass(frozen=True, slots=True)
class Pick:
    """A question's button, ``<subject>:<op>``: what the question is about, and what was chosen.

    The subject is the assessment's cursor, an action or an area; the op an answer letter, an :class:`Op`
    or a stage code.

    The subject is matched against the pending question, so a button of another question changes nothing.
    """

    subject: str
    op: str

    def pack(self) -> str:
        return f"{self.subject}:{self.op}"

    @classmethod
    def parse(cls, value: str) -> Self | None:
        subject, colon, op = value.rpartition(":")  # the subject may hold colons itself (a gate's cursor)
        return cls(subject, op) if colon and subject and op else None


@dataclass(frozen=True, slots=True)
class Gate:
    """The assessment's cursor between two stages of an area, ``gate:<area>:<stage>`` (a stage left open)."""

    area: str
    stage: str

    NAME: ClassVar[str] = "gate"

    def pack(self) -> str:
        return f"{self.NAME}:{self.area}:{self.stage}"

    @classmethod
    def parse(cls, cursor: str) -> Self | None:
        parts = cursor.split(":")
        if len(parts) == 3 and parts[0] == cls.NAME and parts[1] and parts[2]:
            return cls(parts[1], parts[2])
        return None


def split_pair(argument: str) -> tuple[str, str]:
    """``<first>[:<second>]``, the second part empty when it is missing."""
    first, _, second = argument.partition(":")
    return first, second


@dataclass(frozen=True, slots=True)
class FollowUp:
    """``wf:<workshop>:<earlier>``: the new workshop follows up an earlier one of the city."""

    code: str
    earlier: str

    def pack(self) -> str:
        return navigation_choice(Prefix.FOLLOW_UP, f"{self.code}:{self.earlier}")

    @classmethod
    def parse(cls, argument: str) -> Self:
        return cls(*split_pair(argument))  # either part may name no workshop: the handler says so


@dataclass(frozen=True, slots=True)
class Hide:
    """``wh:<workshop>:<1|0>``: the big screen hides (1) or shows (0) the workshop's results."""

    code: str
    hidden: bool

    def pack(self) -> str:
        return navigation_choice(Prefix.HIDE, f"{self.code}:{int(self.hidden)}")

    @classmethod
    def parse(cls, argument: str) -> Self | None:
        code, flag = split_pair(argument)
        return cls(code, flag == "1") if flag in ("0", "1") else None


@dataclass(frozen=True, slots=True)
class Close:
    """``wc:<workshop>`` asks to close the workshop, ``wc:<workshop>:y`` closes it."""

    code: str
    confirmed: bool = False

    def pack(self) -> str:
        return navigation_choice(Prefix.CLOSE, f"{self.code}:y" if self.confirmed else self.code)

    @classmethod
    def parse(cls, argument: str) -> Self:
        code, confirmed = split_pair(argument)
        return cls(code, confirmed == "y")


@dataclass(frozen=True, slots=True)
class Export:
    """``ex:<format>[:<workshop>]``: every answer (of one workshop) as a file of that format."""

    fmt: str
    code: str = ""

    def pack(self) -> str:
        return navigation_choice(Prefix.EXPORT, f"{self.fmt}:{self.code}" if self.code else self.fmt)

    @classmethod
    def parse(cls, argument: str) -> Self:
        return cls(*split_pair(argument))  # the format is checked by the handler, against what it can draw


@dataclass(frozen=True, slots=True)
class ShareName:
    """``sn:y`` shows the participant's name with their answers to coordinators, ``sn:n`` hides it again."""

    shown: bool

    def pack(self) -> str:
        return navigation_choice(Prefix.SHARE_NAME, "y" if self.shown else "n")

    @classmethod
    def parse(cls, argument: str) -> Self | None:
        return cls(argument == "y") if argument in ("y", "n") else None


@dataclass(frozen=True, slots=True)
class Consent:
    """``c:y`` agrees to storage (``c:y:<workshop>`` from a workshop's link, joined next), ``c:n`` declines."""

    agreed: bool
    workshop: str | None = None

    def pack(self) -> str:
        argument = "y" if self.agreed else "n"
        return navigation_choice(Prefix.CONSENT, f"{argument}:{self.workshop}" if self.workshop else argument)

    @classmethod
    def parse(cls, argument: str) -> Self | None:
        answer, workshop = split_pair(argument)
        if argument in ("y", "n"):
            return cls(argument == "y")
        return cls(True, workshop) if answer == "y" and workshop else None  # the handler checks the code's form


@dataclass(frozen=True, slots=True)
class Rhythm:
    """``rr:<assessment>.<months>``: the next round's reminder after that many months (``0``: never)."""

    assessment_id: int
    months: int

    def pack(self) -> str:
        return navigation_choice(Prefix.RHYTHM, f"{self.assessment_id}.{self.months}")

    @classmethod
    def parse(cls, argument: str) -> Self | None:
        assessment_id, _, months = argument.partition(".")
        return cls(int(assessment_id), int(months)) if assessment_id.isdigit() and months.isdigit() else None


@dataclass(frozen=True, slots=True)
class ReminderOff:
    """``rf:<reminder>`` turns a stored reminder off, ``rf:p<assessment>`` an unfinished assessment's."""

    id: int
    paused: bool = False
    """``id`` is an unfinished assessment's (its reminder not stored yet), not a stored reminder's."""

    PAUSED: ClassVar[str] = "p"

    def pack(self) -> str:
        return navigation_choice(Prefix.REMINDER_OFF, f"{self.PAUSED if self.paused else ''}{self.id}")

    @classmethod
    def parse(cls, argument: str) -> Self | None:
        paused = argument.startswith(cls.PAUSED)
        number = argument[1:] if paused else argument
        return cls(int(number), paused) if number.isdigit() else None


@dataclass(frozen=True, slots=True)
class Language:
    """``lg:<code>`` speaks that language from now on (``/language``'s buttons, and the offer after a question)."""

    code: str

    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^[a-z]{2,3}$")

    def pack(self) -> str:
        return navigation_choice(Prefix.LANGUAGE, self.code)

    @classmethod
    def parse(cls, argument: str) -> Self | None:
        return cls(argument) if cls.PATTERN.match(argument) else None  # the handler checks citybot speaks it
