"""Noting arrivals in the inbox from a thread of its own (several processes on PostgreSQL).

An update counts as arrived at citybot the moment a process has received it, and from then on its
user's later updates must wait for it, in every process. Noted from the event loop's thread, the
note waited for the loop: under load every database round trip waits for all the other ready
tasks (each a flow taking milliseconds), and the note went out up to seconds after the update
had come in, while another process went ahead with a later update of the user. Here the note is
sent at once from a thread running its own event loop and connections (autocommit, one INSERT);
it waits for nothing but the interpreter's lock (switched every few milliseconds) and the server.
Arrivals that come while one is on its way are sent together in the next INSERT.

The same thread holds the process's liveness lock, on a connection of its own for the process's
lifetime: when the process dies the lock goes with its connection, and the others can take over
the updates it had received and not handed in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from conversations.storage import database, updates

log = logging.getLogger(__name__)

NOTE_ATTEMPTS = 2
"""A note is sent again once on a new connection should its connection have been lost meanwhile."""


class ArrivalNotes:
    """A thread with its own event loop and connections that notes arrivals and keeps the liveness lock."""

    def __init__(self, url: str, process: str) -> None:
        self.process = process
        self._url = url
        self._db: AsyncEngine | None = None
        self._liveness: AsyncConnection | None = None
        self._guard = threading.Lock()
        self._pending: list[tuple[dict[str, Any], concurrent.futures.Future[None]]] = []
        self._flushing = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="citybot-arrivals", daemon=True)
        self._thread.start()
        self._started = self._submit(self._start())

    def _submit(self, coroutine: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _start(self) -> None:
        db = database.create_engine(self._url, pool_size=database.ARRIVAL_POOL_SIZE, max_overflow=1)
        self._db = db.execution_options(isolation_level="AUTOCOMMIT")
        connection = await self._db.connect()
        try:
            await database.hold_process_lock(connection, self.process)
            await self._warm_up()
        except BaseException:
            await connection.close()
            raise
        self._liveness = connection

    async def _warm_up(self) -> None:
        """Note and remove an arrival of nobody, so that the first real one finds its statements compiled."""
        assert self._db is not None
        row = updates.arrival(update_id=f"warm-up {self.process}", user_id="", seq=0, receiver=self.process, raw={})
        async with self._db.connect() as connection:
            await updates.arrive(connection, [row])
            await updates.leave_placeholder(connection, update_id=row["update_id"])

    async def ready(self) -> None:
        """Wait until the thread's connections are open and the liveness lock is held."""
        await asyncio.wrap_future(self._started)

    def note(
        self, *, update_id: str, user_id: str, seq: int, raw: dict[str, Any] | None
    ) -> concurrent.futures.Future[None]:
        """Queue the arrival for the thread, which sends it at once; the future is done once it is committed.

        Arrivals that come while a note is on its way go together in the next INSERT: a burst of updates costs
        a few round trips, not one each (nor one connection each).
        """
        noted: concurrent.futures.Future[None] = concurrent.futures.Future()
        row = updates.arrival(update_id=update_id, user_id=user_id, seq=seq, receiver=self.process, raw=raw)
        with self._guard:
            self._pending.append((row, noted))
            wake, self._flushing = not self._flushing, True
        if wake:
            self._loop.call_soon_threadsafe(self._flush_soon)
        return noted

    def leave(self, update_id: str) -> concurrent.futures.Future[Any]:
        """Remove the update's placeholder, if it was never handed in (the transport is done with it)."""
        return self._submit(self._leave(update_id))

    def _flush_soon(self) -> None:
        task = self._loop.create_task(self._flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self) -> None:
        """Send the queued arrivals, one INSERT at a time, until none is left."""
        while True:
            with self._guard:
                batch, self._pending = self._pending, []
                if not batch:
                    self._flushing = False
                    return
            try:
                await self._insert([row for row, _ in batch])
            except Exception as error:
                for _, noted in batch:
                    noted.set_exception(error)
            else:
                for _, noted in batch:
                    noted.set_result(None)

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        await asyncio.wrap_future(self._started)
        assert self._db is not None
        for attempt in range(1, NOTE_ATTEMPTS + 1):
            try:
                async with self._db.connect() as connection:
                    await updates.arrive(connection, rows)
                return
            except Exception as error:
                if attempt >= NOTE_ATTEMPTS or database.storage_failure(error) is None:
                    raise

    async def _leave(self, update_id: str) -> None:
        await asyncio.wrap_future(self._started)
        assert self._db is not None
        async with self._db.connect() as connection:
            await updates.leave_placeholder(connection, update_id=update_id)

    async def close(self) -> None:
        """Let the liveness lock go, close the connections and end the thread."""
        if not self._loop.is_closed():
            try:
                await asyncio.wrap_future(self._submit(self._close()))
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                await asyncio.to_thread(self._thread.join, 5)
                if not self._thread.is_alive():
                    self._loop.close()

    async def _close(self) -> None:
        try:
            await asyncio.wrap_future(self._started)
        except Exception:  # never started (the database could not be reached): nothing to close but the engine
            log.debug("the arrivals thread never started", exc_info=True)
        if self._liveness is not None:
            try:
                await self._liveness.close()
            except Exception:
                log.debug("closing the liveness connection failed", exc_info=True)
            self._liveness = None
        if self._db is not None:
            await self._db.dispose()
