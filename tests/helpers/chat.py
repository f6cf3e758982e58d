"""A test driver for the engine: send commands and text, press options, and check replies by text key.

Tests name the sentence they expect by its key in ``conversations/texts/en.yaml``
(``chat.said("results.title", city="Torino")``), never by its English wording, so the texts stay
free to change while the tests check behaviour. :class:`ExpectedTexts` renders a key from the real
:class:`~conversations.Texts`; a field left out matches anything, so a test need not copy
catalogue wording it does not care about.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import SQLModel, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import Engine, Incoming, Kind, Option, Reply, Texts

_updates = itertools.count(1)


@dataclass(frozen=True)
class Key:
    """A text key as the value of another text's field, e.g. the reason of an ``ask.match``."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, **fields: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "fields", fields)


class ExpectedTexts:
    """The sentences of a texts file, rendered or turned into patterns, to compare replies with.

    ``escape`` is applied to the rendered text, as an adapter would (HTML for Telegram).
    """

    def __init__(self, texts: Texts, escape: Callable[[str], str] = str) -> None:
        self.texts = texts
        self.escape = escape
        self._patterns: dict[tuple[str, tuple[tuple[str, str], ...]], re.Pattern[str]] = {}

    def render(self, key: str, **fields: Any) -> str:
        """The exact text under ``key`` with every field filled in (``KeyError`` if one is missing)."""
        shown = {name: self.texts.shown(value) for name, value in fields.items()}
        return self.escape(self.template(key, fields.get("count")).format(**shown))

    def template(self, key: str, count: Any = None) -> str:
        """The text under ``key`` as written, ``{fields}`` and all, in the plural form for ``count``."""
        return self.texts.template(key, count)

    def pattern(self, key: str, **fields: Any) -> re.Pattern[str]:
        """The text under ``key`` as a regex: given fields literally, every other ``{field}`` a wildcard.

        A field that occurs twice must be the same text both times.
        """
        cache_key = (key, tuple(sorted((name, repr(value)) for name, value in fields.items())))
        if cache_key not in self._patterns:
            self._patterns[cache_key] = re.compile(self._regex(key, fields, named=True), re.DOTALL)
        return self._patterns[cache_key]

    def _regex(self, key: str, fields: dict[str, Any], *, named: bool) -> str:
        forms = self.texts.forms(key)
        if "count" not in fields and len(forms) > 1:  # any plural form: only the first names its fields
            alternatives = [self._form(key, forms.pop("other"), fields, named=named)]
            alternatives += [self._form(key, form, fields, named=False) for form in forms.values()]
            return "(?:" + "|".join(alternatives) + ")"
        return self._form(key, self.template(key, fields.get("count")), fields, named=named)

    def _form(self, key: str, template: str, fields: dict[str, Any], *, named: bool) -> str:
        names = {
            name for form in self.texts.forms(key).values() for _, name, _, _ in string.Formatter().parse(form) if name
        }
        unknown = set(fields) - names
        assert not unknown, f"text {key!r} has no field(s) {sorted(unknown)}: {template!r}"
        parts: list[str] = []
        seen: set[str] = set()
        for literal, name, _spec, _conversion in string.Formatter().parse(template):
            parts.append(re.escape(self.escape(literal)))
            if name is None:
                continue
            value = fields.get(name)
            if isinstance(value, Key):  # another text: its own fields left out match anything
                parts.append(f"(?:{self._regex(value.key, value.fields, named=False)})")
            elif name in fields:
                parts.append(re.escape(self.escape(str(self.texts.shown(value)))))
            elif not named:
                parts.append("(?:.*?)")
            elif name in seen:
                parts.append(f"(?P={name})")
            else:
                seen.add(name)
                parts.append(f"(?P<{name}>.*?)")
        return "".join(parts)

    def within(self, text: str, key: str, **fields: Any) -> bool:
        """``text`` shows the sentence as whole lines (alone, or among other lines of the same message)."""
        body = self.pattern(key, **fields).pattern
        return re.search(f"(?:^|(?<=\n)){body}(?=\n|$)", text, re.DOTALL) is not None

    def whole(self, text: str, key: str, **fields: Any) -> bool:
        """``text`` is exactly the sentence (fields left out match anything)."""
        return self.pattern(key, **fields).fullmatch(text) is not None

    def fields(self, text: str, key: str) -> dict[str, str]:
        """The values of the fields in ``text``, which must be exactly the sentence under ``key``."""
        match = self.pattern(key).fullmatch(text)
        assert match is not None, f"{text!r} is not text {key!r}: {self.template(key)!r}"
        return match.groupdict()


def pick(options: Iterable[Option], what: str, expected: ExpectedTexts, **fields: Any) -> Option:
    """The one option labelled with text key ``what`` (fields left out match anything), else containing ``what``.

    Labels from text keys are named by key (``answers.done``); catalogue data (a stage name, an
    action code) and what the user typed (a city) by their own words.
    """
    options = list(options)
    if expected.texts.has(what):
        found = [option for option in options if expected.whole(option.label, what, **fields)]
    else:
        assert not fields, f"fields {sorted(fields)} given for {what!r}, which is not a text key"
        found = [option for option in options if what.casefold() in option.label.casefold()]
    assert len(found) == 1, f"{what!r} matches {[o.label for o in found]} of {[o.label for o in options]}"
    return found[0]


class Chat:
    """One user talking to an engine, as an adapter would make them talk."""

    def __init__(
        self,
        engine: Engine,
        user: str = "alice",
        name: str = "Alice",
        *,
        username: str | None = None,
        outbox: bool = False,
        language: str | None = "en",
    ) -> None:
        self.engine = engine
        self.language = language
        """The language tag the client sends (Telegram's ``language_code``)."""
        self.outbox = outbox
        """Whether replies are kept until reported sent, as the Telegram adapter asks (``Incoming.outbox``)."""
        self.user_id = f"test:{user}"
        self.name = name
        self.username = username
        """A Telegram-style @username (coordinator grants can name it)."""
        self.replies: list[Reply] = []
        self.options: tuple[Option, ...] = ()
        self.choices_sent = 0
        self.expected = ExpectedTexts(engine.texts_for(language))

    def expect(self, language: str) -> None:
        """Check the replies from now on against the texts of ``language`` (after switching to it)."""
        self.expected = ExpectedTexts(self.engine.texts_for(language))

    async def send(self, kind: Kind, payload: str, *, update_id: str | None = None) -> list[Reply]:
        incoming = Incoming(
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,
            payload=payload,
            user_name=self.name,
            language=self.language,
            update_id=update_id if update_id is not None else f"u{next(_updates)}",
            username=self.username,
            outbox=self.outbox,
        )
        self.replies = await self.engine.handle(incoming)
        for reply in self.replies:
            assert len(reply.text) <= 4096
            if reply.options:
                self.options = reply.options
        return self.replies

    async def command(self, text: str, **kwargs: Any) -> list[Reply]:
        return await self.send(Kind.COMMAND, text, **kwargs)

    async def say(self, text: str, **kwargs: Any) -> list[Reply]:
        return await self.send(Kind.TEXT, text, **kwargs)

    # --- the options of the latest question ---------------------------------------------------

    def option(self, what: str, **fields: Any) -> Option:
        """The option of the latest question with text key ``what``'s label, else whose label contains ``what``."""
        return pick(self.options, what, self.expected, **fields)

    def pressable(self, key: str, **fields: Any) -> bool:
        """The latest question offers an option labelled with text ``key``."""
        return any(self.expected.whole(option.label, key, **fields) for option in self.options)

    async def press(self, what: str, *, update_id: str | None = None, **fields: Any) -> list[Reply]:
        """Pick an option of the latest question: by text key (``answers.done``) or by label (``Moderate``)."""
        self.choices_sent += 1
        return await self.send(Kind.CHOICE, self.option(what, **fields).choice, update_id=update_id)

    async def choose(self, label: str, **kwargs: Any) -> list[Reply]:
        """Pick the option whose label contains ``label`` (catalogue data or what the user typed)."""
        return await self.press(label, **kwargs)

    async def choose_id(self, choice: str, **kwargs: Any) -> list[Reply]:
        return await self.send(Kind.CHOICE, choice, **kwargs)

    # --- what the bot said ----------------------------------------------------------------------

    def t(self, key: str, **fields: Any) -> str:
        """The exact text under ``key``, every field filled in."""
        return self.expected.render(key, **fields)

    def said(self, key: str, *, reply: int | None = None, whole: bool = False, **fields: Any) -> bool:
        """A reply to the latest update shows text ``key`` as whole lines (``whole``: is exactly it).

        ``reply`` picks one reply by index (``0`` the first, ``-1`` the last); fields left out match anything.
        """
        replies = self.replies if reply is None else [self.replies[reply]]
        check = self.expected.whole if whole else self.expected.within
        return any(check(r.text, key, **fields) for r in replies)

    def bar(self, filled: int, cells: int = 5) -> str:
        """A progress bar as the texts draw it: ``filled`` of ``cells`` full."""
        return self.t("progress.full") * filled + self.t("progress.empty") * (cells - filled)

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    async def onboard(self, city: str = "Rotterdam", role: str = "resilience") -> None:
        """Consent, name ``city`` (confirming it if asked) and pick the role ``onboarding.roles.<role>``."""
        await self.command("/start")
        await self.press("onboarding.agree")
        await self.say(city)
        if self.said("onboarding.city_confirm"):
            await self.choose(city)
        await self.press(f"onboarding.roles.{role}")
        assert self.said("onboarding.done", city=city, role=self.t(f"onboarding.roles.{role}")), self.text

    async def answer_check_in(self, catalogue: Catalogue, stages: Mapping[str, str | None]) -> None:
        """Answer every check-in question: the last stage completed given for the area, else "not started"."""
        for area in catalogue.areas:
            stage = stages.get(area.code)
            await self.press(catalogue.stage(stage).name if stage else "checkin.not_started")


async def checked_in(
    engine: Engine, catalogue: Catalogue, picks: Mapping[str, str | None], *, city: str = "Rotterdam"
) -> Chat:
    """An onboarded official who has done ``/checkin`` with ``picks`` (the last stage completed per area)."""
    chat = Chat(engine)
    await chat.onboard(city=city)
    await chat.command("/checkin")
    await chat.answer_check_in(catalogue, picks)
    return chat


async def count(engine: Engine, model: type[SQLModel]) -> int:
    """How many rows a table holds."""
    async with AsyncSession(engine.db) as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def rows(engine: Engine, model: type[SQLModel]) -> list[Any]:
    """Every row of a table in the order written (PostgreSQL gives no order without one: updated rows move)."""
    async with AsyncSession(engine.db) as session:
        query = select(model)
        key = getattr(model, "id", None)
        return list((await session.exec(query.order_by(key) if key is not None else query)).all())
