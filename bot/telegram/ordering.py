"""Concurrent update processing that keeps each chat's updates in arrival order, and is fair to chats.

PTB's default is either one update at a time (slow when every reply waits on the network) or
`concurrent_updates=N` (fast, but two quick button presses in one chat can overtake each
other). A conversation is a sequence, so this processor runs chats side by side and each
chat's updates strictly one after another, in update-id order.

Fairness: PTB's `BaseUpdateProcessor.process_update` (final) takes a slot of its semaphore before
`do_process_update` runs, so an update waiting for its chat's earlier ones would hold a slot
while it waits, and one chat with hundreds of queued updates would hold them all. Here PTB's
semaphore is set out of reach and the real limit is a semaphore of our own, taken only once it
is the update's turn in its chat: a chat's queued updates hold no slot, and an idle chat's
update starts at once whatever another chat has queued.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
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


class ChatQueue:
    """One chat's updates: whether one runs, and those waiting, by update id (each with the event that wakes it)."""

    __slots__ = ("running", "waiting", "wakers")

    def __init__(self) -> None:
        self.running = False
        self.waiting: list[tuple[int, int]] = []  # (update id, arrival number): a heap
        self.wakers: dict[tuple[int, int], asyncio.Event] = {}

    def turn_of(self, place: tuple[int, int]) -> bool:
        return not self.running and self.waiting[0] == place

    def wake_next(self) -> None:
        if not self.running and self.waiting:
            self.wakers[self.waiting[0]].set()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently and each chat's updates one at a time, by update id.

    PTB starts one task per update; each task enters :meth:`do_process_update` and waits until no
    update of its chat runs and it is the lowest update id waiting in its chat. Updates arrive in
    id order from long polling; a webhook may receive a chat's updates out of order (several
    connections, a redelivery), and an update that arrives while later ones of its chat still
    wait goes ahead of them. No lock is held across chats and an idle chat costs nothing. At most
    `max_concurrent_updates` updates run at once; one waiting for its chat's turn does not count.
    """

    __slots__ = ("_arrivals", "_chats", "_limit", "_slots")

    def __init__(self, max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be a positive integer")
        super().__init__(UNLIMITED)
        self._limit = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._chats: dict[int, ChatQueue] = {}
        self._arrivals = itertools.count()

    @property
    def running_limit(self) -> int:
        """How many updates may run at once (those waiting for their chat's turn not counted)."""
        return self._limit

    @property
    def queued_chats(self) -> int:
        """How many chats have an update running or waiting."""
        return len(self._chats)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's turn (nothing of it running, no lower update id waiting), then a slot; then run."""
        key = chat_key(update)
        if key is None:
            try:
                async with self._slots:
                    await coroutine
            finally:
                _close_unstarted(coroutine)
            return
        queue = self._chats.setdefault(key, ChatQueue())
        place = (update.update_id if isinstance(update, Update) else 0, next(self._arrivals))
        heapq.heappush(queue.waiting, place)
        waker = queue.wakers[place] = asyncio.Event()
        started = False
        try:
            while not queue.turn_of(place):
                waker.clear()
                await waker.wait()  # set by the chat's update finishing, when this one is the lowest waiting
            heapq.heappop(queue.waiting)
            queue.running = started = True
            async with self._slots:
                await coroutine
        finally:
            _close_unstarted(coroutine)
            del queue.wakers[place]
            if started:
                queue.running = False
            else:  # cancelled while waiting
                queue.waiting.remove(place)
                heapq.heapify(queue.waiting)
            queue.wake_next()
            if not queue.running and not queue.waiting and self._chats.get(key) is queue:
                del self._chats[key]

    async def initialize(self) -> None:
        """Nothing to allocate: chains are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for in-flight updates before shutting processors down."""
        self._chats.clear()


def _close_unstarted(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine cancelled before it started, so it does not warn that it was never awaited."""
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
        coroutine.close()
