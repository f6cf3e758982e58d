"""Concurrent update processing that keeps each chat's updates in arrival order, and is fair to chats.

PTB's default is either one update at a time (slow when every reply waits on the network) or
`concurrent_updates=N` (fast, but two quick button presses in one chat can overtake each
other). A conversation is a sequence, so this processor runs chats side by side and each
chat's updates strictly one after another.

Fairness: PTB's `BaseUpdateProcessor.process_update` (final) takes a slot of its semaphore before
`do_process_update` runs, so an update waiting for its chat's earlier ones would hold a slot
while it waits, and one chat with hundreds of queued updates would hold them all. Here PTB's
semaphore is set out of reach and the real limit is a semaphore of our own, taken only once it
is the update's turn in its chat: a chat's queued updates hold no slot, and an idle chat's
update starts at once whatever another chat has queued.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_MAX_CONCURRENT_UPDATES = 256
UNLIMITED = 2**31 - 1
"""What PTB's own semaphore is given, so it never makes an update wait (our `slots` do)."""


def chat_key(update: object) -> int | None:
    """The chat an update belongs to, or None (no chat: no ordering needed).

    A private chat's id is its user's id, so a button press whose message Telegram omitted
    still queues with the rest of that chat.
    """
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently and each chat's updates in arrival order.

    PTB starts one task per update in arrival order; each task enters :meth:`do_process_update`
    in that order and queues behind the previous update of the same chat (a chain of events,
    one per update), so no lock is held across chats and an idle chat costs nothing. At most
    `max_concurrent_updates` updates run at once; one waiting for its chat's turn does not count.
    """

    __slots__ = ("_limit", "_slots", "_tails")

    def __init__(self, max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be a positive integer")
        super().__init__(UNLIMITED)
        self._limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._tails: dict[int, asyncio.Event] = {}

    @property
    def running_limit(self) -> int:
        """How many updates may run at once (those waiting for their chat's turn not counted)."""
        return self._limit

    @property
    def queued_chats(self) -> int:
        """How many chats have an update running or waiting."""
        return len(self._tails)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous update to finish, then for a free slot, then process this one."""
        key = chat_key(update)
        previous = self._tails.get(key) if key is not None else None
        finished = asyncio.Event()
        if key is not None:
            self._tails[key] = finished
        try:
            if previous is not None:
                await previous.wait()  # Event.wait: a cancelled waiter does not cancel the chain
            async with self._slots:
                await coroutine
        finally:
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # cancelled while queued: never started, so close it without a warning
            finished.set()
            if key is not None and self._tails.get(key) is finished:
                del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to allocate: chains are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for in-flight updates before shutting processors down."""
        self._tails.clear()
