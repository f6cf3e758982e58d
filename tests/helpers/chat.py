"""A test driver for the engine: send commands and text, pick options by label, read the replies."""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import SQLModel, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conversations import Engine, Incoming, Kind, Option, Reply

_updates = itertools.count(1)


class Chat:
    """One user talking to an engine, as an adapter would make them talk."""

    def __init__(self, engine: Engine, user: str = "alice", name: str = "Alice") -> None:
        self.engine = engine
        self.user_id = f"test:{user}"
        self.name = name
        self.replies: list[Reply] = []
        self.options: tuple[Option, ...] = ()
        self.choices_sent = 0

    async def send(self, kind: Kind, payload: str, *, update_id: str | None = None) -> list[Reply]:
        incoming = Incoming(
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,
            payload=payload,
            user_name=self.name,
            language="en",
            update_id=update_id if update_id is not None else f"u{next(_updates)}",
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

    def option(self, label: str) -> Option:
        """The option of the latest question whose label contains ``label`` (exactly one must)."""
        found = [option for option in self.options if label.casefold() in option.label.casefold()]
        assert len(found) == 1, f"{label!r} matches {[o.label for o in found]} of {[o.label for o in self.options]}"
        return found[0]

    async def choose(self, label: str, **kwargs: Any) -> list[Reply]:
        self.choices_sent += 1
        return await self.send(Kind.CHOICE, self.option(label).choice, **kwargs)

    async def choose_id(self, choice: str, **kwargs: Any) -> list[Reply]:
        return await self.send(Kind.CHOICE, choice, **kwargs)

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    async def onboard(self, city: str = "Rotterdam", role: str = "Resilience officer") -> None:
        await self.command("/start")
        await self.choose("I agree")
        await self.say(city)
        if "Did you mean" in self.text:
            await self.choose(city)
        await self.choose(role)
        assert "All set" in self.text, self.text


async def count(engine: Engine, model: type[SQLModel]) -> int:
    """How many rows a table holds."""
    async with AsyncSession(engine.db) as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def rows(engine: Engine, model: type[SQLModel]) -> list[Any]:
    async with AsyncSession(engine.db) as session:
        return list((await session.exec(select(model))).all())
