"""Fetching updates from Telegram and confirming each one only once it is processed.

Telegram delivers an update until the bot confirms it: with long polling, by asking for the
next updates with an `offset` above it; with a webhook, by answering its request with 200.
PTB's `Updater` confirms too early for us: it moves the offset past a whole batch as soon as it
is fetched (`telegram/ext/_updater.py`), and its webhook answers 200 before the update is
processed (`telegram/ext/_utils/webhookhandler.py`). A `kill -9` then loses the backlog.

Here an update is confirmed only when it and every earlier one have been processed (their
answers committed by the engine), so a crash at any moment loses nothing: Telegram redelivers
the rest, and the engine ignores an update id it has already stored. PTB's `Application`,
handlers and update processor stay as they are: the sources below hand each update to
`application.update_processor.process_update(update, application.process_update(update))`,
which is what the Application does with its `update_queue`, and wait for it to finish.

An update the engine could not store (disk full, I/O error, another process holding the write
lock, a lost connection), or whose replies could not be sent (the network), is not confirmed: the
error handler marks it with :meth:`Delivery.come_back`, and :meth:`Delivery.process` runs it again
in its place in its chat's queue, after a pause or as soon as storage works again, so the chat's
later updates wait behind it and nothing overtakes it. Long polling keeps trying for as long as it
takes (the offset stays below it meanwhile); a webhook request gives up after a while and is
answered 503, and its chat is then *held*: its later updates are answered 503 too, unprocessed,
until Telegram has brought the held one back and it is in. The engine's outbox gives a redelivered
update its replies again. A 401 (token revoked) or a 409 (another instance polls with the same
token) stops the bot with one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from typing import Protocol

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.telegram.config import ConfigError
from bot.telegram.ordering import chat_key
from bot.telegram.types import CitybotApplication

logger = logging.getLogger(__name__)

DELIVERY_KEY = "citybot.delivery"
POLL_TIMEOUT = 10
"""Seconds a getUpdates call waits at Telegram for new updates (long polling)."""
BUSY_POLL_INTERVAL = 0.05
"""While updates are being processed, getUpdates answers at once with the unconfirmed ones, so
the next call waits until one of them is confirmed, or this long at most (new updates from other
chats are then fetched within about this time)."""
MIN_POLL_SPACING = 0.02
"""Never more than about 50 getUpdates calls a second, however fast updates are confirmed."""
RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, 30)
"""Seconds to wait after consecutive failures (network errors; an update that could not be stored)."""
REQUEUE_PAUSE = 0.01
"""Seconds before an update put back in its chat's queue takes its place there again."""
HOLD_LIMIT = 600.0
"""Seconds a chat stays held behind an update answered 503 that Telegram has not brought back (webhook):
Telegram gives up on an update after some tries, and a chat must not wait for it for ever."""
SIGNALS = (signal.SIGINT, signal.SIGTERM)

TOKEN_REVOKED = (
    "Telegram no longer accepts TELEGRAM_BOT_TOKEN (401 Unauthorized: revoked or replaced in @BotFather?): "  # noqa: S105
    "set the current token and start citybot again"
)
POLLING_CONFLICT = (
    "another program is fetching this bot's updates (409 Conflict: {description}): "
    "stop the other citybot, or give each instance its own token"
)


class FatalTelegramError(ConfigError):
    """Telegram refuses to serve this bot any more; the message is one line saying what to do."""


class DeliverAgain(Exception):
    """Raised by a handler when the update must come back: its answers were not stored, or its replies not sent.

    ``retry_after`` is when to try again (else a growing pause) and ``recovered`` an event that says
    storage works again, for an update that waits for the database.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        recovered: asyncio.Event | None = None,
        requeue: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.recovered = recovered
        self.requeue = requeue
        """Put the update back in its chat's queue (an earlier update of the chat has arrived), rather than wait."""


def retry_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures (1, 2, ...)."""
    return RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1] if failures > 0 else 0.0


class Delivery:
    """Between processing and confirming: runs an update until it is in, says whether it may be confirmed.

    The application's error handler reports an update that must come back, its answers not stored
    or its replies not sent (:meth:`come_back`), and a Telegram error that makes serving pointless
    (:meth:`fatal`). An update that must come back is run again in its chat's place; one given up
    on (a webhook's patience, or stopping) holds its chat's later updates back until it is in.
    """

    def __init__(self) -> None:
        self._coming_back: dict[int, DeliverAgain | None] = {}
        self._held: dict[int, tuple[int, float]] = {}  # chat -> (the update it waits for, since)
        self.failure: FatalTelegramError | None = None
        self.failed = asyncio.Event()
        self.stopping = asyncio.Event()

    async def process(self, application: CitybotApplication, update: Update, *, patience: float | None = None) -> bool:
        """Run the update through the Application's processor and handlers; True if it may be confirmed.

        While it must come back it is run again, in its chat's turn, until it is in; after ``patience``
        seconds (``None``: until stopping) it is given up on, to be delivered again by Telegram.
        """
        done: bool | None = None

        async def until_in() -> None:
            nonlocal done
            done = await self._run_until_in(application, update, patience)

        try:
            while True:
                await application.update_processor.process_update(update, until_in())
                if done is not None:
                    break
                await asyncio.sleep(REQUEUE_PAUSE)  # back into its chat's queue, behind an earlier update
        except Exception:  # not a handler's error (those go to the error handler): log, never stall
            logger.exception("update %s could not be processed", update.update_id)
        return bool(done)

    async def _run_until_in(
        self, application: CitybotApplication, update: Update, patience: float | None
    ) -> bool | None:
        chat = chat_key(update)
        started = time.monotonic()
        failures = 0
        while True:
            if self._held_back(chat, update.update_id):
                return False  # an earlier update of its chat has to come back first
            await application.process_update(update)
            if update.update_id not in self._coming_back:
                if chat is not None and self._held.get(chat, (None,))[0] == update.update_id:
                    del self._held[chat]
                return True
            reason = self._coming_back.pop(update.update_id)
            if reason is not None and reason.requeue and not self.stopping.is_set():
                return None
            failures += 1
            delay = reason.retry_after if reason is not None and reason.retry_after is not None else None
            delay = retry_delay(failures) if delay is None else delay
            waited = time.monotonic() - started
            if self.stopping.is_set() or (patience is not None and waited + delay > patience):
                if chat is not None and chat not in self._held:
                    self._held[chat] = (update.update_id, time.monotonic())
                return False
            await self._pause(delay, reason.recovered if reason is not None else None)

    def _held_back(self, chat: int | None, update_id: int) -> bool:
        """Whether the chat waits for an earlier update to come back (held no longer than :data:`HOLD_LIMIT`)."""
        if chat is None or chat not in self._held:
            return False
        holder, since = self._held[chat]
        if time.monotonic() - since > HOLD_LIMIT:
            logger.warning("chat %s no longer waits for update %s, which did not come back", chat, holder)
            del self._held[chat]
            return False
        return update_id > holder

    async def _pause(self, seconds: float, recovered: asyncio.Event | None) -> None:
        """Wait ``seconds``, or less: until storage works again, or until stopping."""
        events = [self.stopping] + ([recovered] if recovered is not None else [])
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def come_back(self, update: object, reason: DeliverAgain | None = None) -> None:
        """Do not confirm the update, so that it comes back: its answers were not stored, or its replies not sent."""
        if isinstance(update, Update):
            self._coming_back[update.update_id] = reason

    def fatal(self, error: FatalTelegramError) -> None:
        """Stop serving: the first fatal error is the one reported."""
        if self.failure is None:
            self.failure = error
        self.failed.set()


def delivery_of(application: CitybotApplication) -> Delivery | None:
    """The Delivery of a served application (None when a test calls `process_update` itself)."""
    delivery: Delivery | None = application.bot_data.get(DELIVERY_KEY)
    return delivery


def fatal_error(error: BaseException) -> FatalTelegramError | None:
    """The one-line stop for a Telegram error that makes serving pointless, or None."""
    if isinstance(error, InvalidToken):
        return FatalTelegramError(TOKEN_REVOKED)
    if isinstance(error, Conflict):
        return FatalTelegramError(POLLING_CONFLICT.format(description=error.message))
    return None


class UpdateSource(Protocol):
    """Where updates come from: long polling or a webhook."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Confirmations:
    """The polling offset: the lowest update id not yet processed, or one above the highest fetched.

    Update ids increase, and getUpdates returns the oldest unconfirmed ones first, so every id
    below the offset has been fetched and processed.
    """

    def __init__(self) -> None:
        self._running: set[int] = set()
        self._finished: set[int] = set()
        self._again: dict[int, float] = {}  # not stored: fetch again from this monotonic time on
        self._failures = 0
        self._highest = -1
        self.changed = asyncio.Event()

    @property
    def offset(self) -> int | None:
        """What to pass to getUpdates (None before the first update: Telegram's oldest unconfirmed)."""
        holding = self._running | self._again.keys()
        if holding:
            return min(holding)
        return self._highest + 1 if self._highest >= 0 else None

    @property
    def busy(self) -> bool:
        """Whether updates are being processed or waiting to be fetched again."""
        return bool(self._running or self._again)

    def take(self, update_id: int) -> bool:
        """Claim a fetched update for processing; False if it is already running or done, or not due again."""
        if update_id in self._running or update_id in self._finished:
            return False
        due = self._again.get(update_id)
        if due is not None:
            if time.monotonic() < due:
                return False
            del self._again[update_id]
        elif update_id < (self.offset or 0):
            return False  # confirmed already: Telegram should not have sent it
        self._running.add(update_id)
        self._highest = max(self._highest, update_id)
        return True

    def finish(self, update_id: int, *, confirmed: bool) -> None:
        """The update is processed; unless it may not be confirmed, then it is fetched again after a pause."""
        self._running.discard(update_id)
        if confirmed:
            self._finished.add(update_id)
            self._failures = 0
        else:
            self._failures += 1
            self._again[update_id] = time.monotonic() + retry_delay(self._failures)
        offset = self.offset
        if offset is not None:
            self._finished = {done for done in self._finished if done >= offset}
        self.changed.set()


class Poller:
    """Long polling that moves the getUpdates offset only past processed updates."""

    def __init__(
        self,
        application: CitybotApplication,
        *,
        allowed_updates: Sequence[str] | None = None,
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.application = application
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.timeout = timeout
        self.delivery = application.bot_data.setdefault(DELIVERY_KEY, Delivery())
        self.confirmations = Confirmations()
        self._task: asyncio.Task[None] | None = None
        self._processing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Make sure no webhook is set (Telegram refuses getUpdates then), and start polling."""
        try:
            await self.application.bot.delete_webhook()
        except TelegramError as error:
            raise fatal_error(error) or FatalTelegramError(f"Telegram refused deleteWebhook: {error.message}") from None
        self._task = asyncio.create_task(self._poll(), name="citybot:poll")

    async def stop(self) -> None:
        """Stop fetching (an open long poll is dropped: nothing in it was confirmed), finish what runs, confirm it."""
        self.delivery.stopping.set()  # an update waiting for storage gives up: it is fetched again after a restart
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._processing:
            await asyncio.gather(*self._processing, return_exceptions=True)
        if self.delivery.failure is not None:
            return
        try:  # tell Telegram what is done, so a restart does not fetch it again (harmless if it did)
            await self.application.bot.get_updates(
                offset=self.confirmations.offset, limit=1, timeout=0, allowed_updates=self.allowed_updates
            )
        except TelegramError as error:
            logger.warning("could not confirm the last updates (%s); they will be fetched again and skipped", error)

    async def _poll(self) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                updates = await self.application.bot.get_updates(
                    offset=self.confirmations.offset, timeout=self.timeout, allowed_updates=self.allowed_updates
                )
            except (InvalidToken, Conflict) as error:
                self.delivery.fatal(fatal_error(error))
                return
            except RetryAfter as error:
                delay = error.retry_after
                await asyncio.sleep(delay if isinstance(delay, int | float) else delay.total_seconds())
                continue
            except (TimedOut, NetworkError, TelegramError) as error:
                failures += 1
                pause = retry_delay(failures)
                if failures == 1 or pause == RETRY_DELAYS[-1]:
                    logger.warning("fetching updates failed (%s); trying again in %ss", error, pause)
                await asyncio.sleep(pause)
                continue
            except Exception:  # e.g. an update PTB cannot parse: say so, do not spin
                failures += 1
                logger.exception("fetching updates failed; trying again in %ss", retry_delay(failures))
                await asyncio.sleep(retry_delay(failures))
                continue
            if failures:
                logger.info("fetching updates works again")
                failures = 0
            fresh = [update for update in updates if self.confirmations.take(update.update_id)]
            for update in fresh:
                task = asyncio.create_task(self._process(update), name=f"citybot:update:{update.update_id}")
                self._processing.add(task)
                task.add_done_callback(self._processing.discard)
            if not fresh and self.confirmations.busy:
                # Telegram answered at once with updates still being processed: wait for progress.
                self.confirmations.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.confirmations.changed.wait(), BUSY_POLL_INTERVAL)
            await asyncio.sleep(max(0.0, MIN_POLL_SPACING - (time.monotonic() - started)))

    async def _process(self, update: Update) -> None:
        confirmed = await self.delivery.process(self.application, update)
        self.confirmations.finish(update.update_id, confirmed=confirmed)
        if not confirmed:
            logger.info("update %s not done; it will be fetched and processed again", update.update_id)


async def serve(application: CitybotApplication, source: UpdateSource) -> None:
    """Serve Telegram until SIGINT/SIGTERM or a fatal Telegram error; the latter is raised once all is shut down.

    The order of PTB's `run_polling`: initialise, `post_init`, start the Application, start
    fetching; on a stop signal stop fetching and let in-flight updates finish, stop and shut down
    the Application, then `post_shutdown`. No update is confirmed before it is processed.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in SIGNALS:
        loop.add_signal_handler(number, stop.set)
    delivery: Delivery = application.bot_data.setdefault(DELIVERY_KEY, Delivery())
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            try:
                await source.start()
                stopping = asyncio.create_task(stop.wait())
                failing = asyncio.create_task(delivery.failed.wait())
                await asyncio.wait((stopping, failing), return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                failing.cancel()
                logger.info("stopping: %s", "fatal Telegram error" if delivery.failure else "stop signal")
            finally:
                await source.stop()
                await application.stop()
    finally:
        for number in SIGNALS:
            loop.remove_signal_handler(number)
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
    if delivery.failure is not None:
        raise delivery.failure
