"""One update's worth of context for the flows: who, what they sent, their state, and helpers to reply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations.choices import question_choice
from conversations.messages import Incoming, Option, Reply
from conversations.storage.models import Conversation, Participant, utcnow
from conversations.texts import Texts


@dataclass
class Turn:
    """Everything a flow needs to answer one update; state changes are written by the engine's commit.

    ``participant`` and ``conversation`` are ``None`` until the user has consented: nothing
    is stored about anyone before that. ``reshow`` renders the pending question again under
    its current number (after a stale button) instead of numbering a new one.
    """

    session: AsyncSession
    catalogue: Catalogue
    texts: Texts
    incoming: Incoming
    participant: Participant | None = None
    conversation: Conversation | None = None
    reshow: bool = field(default=False)

    def t(self, key: str, **fields: Any) -> str:
        return self.texts.get(key, **fields)

    def say(self, key: str, *, options: Sequence[Option] = (), columns: int = 1, **fields: Any) -> Reply:
        return Reply(text=self.t(key, **fields), options=tuple(options), columns=columns)

    def echo(self, text: str) -> Reply:
        """The message that carried the pressed button, rewritten to show what was picked."""
        return Reply(text=text, replaces_previous=True)

    def question(self, text: str, answers: Sequence[tuple[str, str]], *, columns: int = 1) -> Reply:
        """A question whose buttons answer only this question (older buttons become stale)."""
        conversation = self.require_conversation()
        if not self.reshow:
            self.bump()
        options = tuple(Option(label, question_choice(conversation.seq, value)) for label, value in answers)
        return Reply(text=text, options=options, columns=columns)

    def require_conversation(self) -> Conversation:
        if self.conversation is None:
            raise RuntimeError("a question needs a consented participant")
        return self.conversation

    def bump(self) -> None:
        """Number a new question: every button shown before it is stale from now on."""
        conversation = self.require_conversation()
        conversation.seq += 1
        conversation.updated_at = utcnow()
        self.session.add(conversation)

    def set_flow(self, flow: str | None, step: str | None = None, **data: Any) -> None:
        """Enter a flow at a step, with fresh flow data."""
        conversation = self.require_conversation()
        conversation.flow = flow
        conversation.step = step
        conversation.data = dict(data)
        conversation.updated_at = utcnow()
        self.session.add(conversation)

    def set_step(self, step: str | None, **updates: Any) -> None:
        """Move to another step of the current flow, updating (not replacing) its data."""
        conversation = self.require_conversation()
        conversation.step = step
        conversation.data = {**conversation.data, **updates}
        conversation.updated_at = utcnow()
        self.session.add(conversation)

    def clear_flow(self) -> None:
        """Leave any flow; its buttons go stale."""
        if self.conversation is not None:
            self.set_flow(None)
            self.bump()

    @property
    def flow(self) -> str | None:
        return self.conversation.flow if self.conversation is not None else None

    @property
    def step(self) -> str | None:
        return self.conversation.step if self.conversation is not None else None

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.conversation.data) if self.conversation is not None else {}
