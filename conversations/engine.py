"""The engine: one transport-agnostic call, ``handle(Incoming) -> list[Reply]``, routing to the flows.

Each update runs in one database transaction: the update id is claimed, the flow reads and
writes, and everything commits together (or nothing does). On SQLite all updates pass one
lock, because SQLite has one writer; elsewhere each user's updates are kept in order, within
a process by a lock per user and across processes sharing a PostgreSQL database by an inbox:
an update is noted there on arrival (:meth:`Engine.arrived`), stored with its content when
handled, and whoever holds the user's lock in the database processes the user's stored updates
in update-id order; one process sends an update's replies. An update that collides with another
process's concurrent write (two officials naming the same new city at once) is rolled back and
run again.

A storage failure (disk full, I/O error, read-only or corrupt file, a lost connection, another
process holding SQLite's write lock) is not a bug in a flow: nothing of the update is stored,
:class:`StorageUnavailable` is raised for the transport to deliver it again, and the engine
enters an *outage*: one update at a time probes the database, with growing pauses, while the
others wait without touching it; the first success ends the outage and wakes them all. The
operator gets one log line when an outage starts and one when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import secrets
import socket
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from catalogue.language import primary_language
from conversations import hygiene, outbox, reminders
from conversations.choices import parse_choice
from conversations.coordination import Coordination
from conversations.flows import ask
from conversations.flows import help as help_flow
from conversations.group_results import MIN_GROUP_SIZE
from conversations.messages import ExportRow, Incoming, Kind, Reply
from conversations.report import Reports
from conversations.routes import BUTTONS, COMMANDS, FLOWS
from conversations.screen import Screens, ScreenSettings
from conversations.storage import database, participants, rounds, updates
from conversations.storage.arrivals import ArrivalNotes
from conversations.storage.database import StorageUnavailable
from conversations.storage.models import InboxUpdate, Participant
from conversations.texts import DEFAULT_LANGUAGE, Texts
from conversations.times import utcnow
from conversations.turn import Turn

log = logging.getLogger(__name__)

MAX_PAYLOAD_LENGTH = 10_000
"""Anything longer is cut before it reaches a flow (flows have tighter limits of their own)."""
UPDATE_ATTEMPTS = 3
"""How often an update is run when it collides with another process's concurrent write."""
PROBE_PAUSES = (0.05, 0.1, 0.2, 0.5, 1.0)
"""Seconds between tries of the database while it fails (the last one repeated): an outage ends at most
this long (plus one statement's ``busy_timeout``) after storage works again."""
NOTICE_AFTER = 3.0
"""Seconds an outage lasts before a user whose update waits is told (once per chat per outage): a moment's
contention with another process is not worth a message."""
SENDING_LEASE = timedelta(seconds=60)
"""How long the process that took an update's replies to send has to send them (several processes on
PostgreSQL); a redelivery to another process meanwhile waits, and takes them over after, should it have died."""
PLACEHOLDER_PATIENCE = timedelta(seconds=15)
"""How long an update received by a process, but not yet handed to its engine, holds the user's later updates
back when nobody can take it over (no copy of it was kept, or no transport here can take it)."""
NOTE_WAIT = 0.02
"""Seconds the transport's thread blocks for an arrival's note to be committed (about a millisecond on a local
server): blocking lets the arrivals thread run at once, where a busy event loop would keep it waiting for the
interpreter's lock; past this the update goes on and the note follows (never while storage fails)."""
LIVENESS_AFTER = timedelta(seconds=0.25)
"""How old another process's placeholder is before the waiting look whether that process still lives: one that
lives hands its update in within milliseconds, or says it is done with it."""
INBOX_POLL = 0.02
INBOX_POLL_MAX = 0.25
"""Seconds between looks at the inbox while an earlier update of the user is on its way (doubling up to the max)."""
WAIT = "wait"
Step = tuple[str, list[Reply] | None] | str | None
"""What processing the next stored update gave: its id and (this update's own) replies, :data:`WAIT`, or ``None``."""
KEPT_STATES = 2_000
"""Users whose state the engine keeps between updates (the most recent ones; a few kilobytes each)."""
CLEARING_DELAY = 0.25
"""Seconds the outboxes of updates reported sent wait for an update's transaction to empty them."""
UPDATE_RETENTION = timedelta(days=14)
"""How long processed update ids are kept; transports redeliver within hours, not weeks."""
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
"""The primary subtag of a user's language tag ("pt" of "pt-BR"), the name of a texts file."""
COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?$", re.DOTALL)


class Engine:
    """The conversation engine over one database; create it with :func:`open_engine`."""

    def __init__(
        self,
        db: AsyncEngine,
        catalogue: Catalogue,
        *,
        serialise: bool = True,
        min_group_size: int = MIN_GROUP_SIZE,
        reminder_times: reminders.ReminderTimes | None = None,
        arrivals_url: str | None = None,
    ) -> None:
        self.db = db
        self._arrivals_url = arrivals_url
        self._notes: ArrivalNotes | None = None
        """Arrivals are noted from a thread of their own (PostgreSQL), started with the first."""
        self.take_over: Callable[[dict[str, Any]], None] | None = None
        """Set by a transport that can process an update from its raw form (Telegram's JSON): given the update of
        a process that died after it arrived there, it processes it here as if received (in its turn)."""
        self.catalogue = catalogue
        self.min_group_size = min_group_size
        """The fewest people a group figure may come from (``CITYBOT_MIN_GROUP_SIZE``)."""
        self.reminder_times = reminder_times or reminders.ReminderTimes()
        """How long each kind of reminder waits (settings shorten them for trials)."""
        self.texts = Texts.load()
        self._texts: dict[str, Texts] = {self.texts.language: self.texts}
        self.languages: tuple[str, ...] = tuple(Texts.available())
        """The languages citybot speaks (a texts file each), English first; the catalogue falls back to English."""
        self._spoken: OrderedDict[str, str] = OrderedDict()
        """Before consent nothing is stored: the language someone picked with /language is kept here meanwhile."""
        self._sessions = async_sessionmaker(db, class_=AsyncSession, expire_on_commit=False)
        self.coordination = Coordination(self._sessions)
        """What the server's command line does for coordinators: grants and workshops."""
        self.screens = Screens(self._sessions, catalogue, self.texts, min_group_size=min_group_size)
        self.screens.speaking = self.speaking
        """The workshops' big screens: their links, hide and reveal, and what a link shows (``bot.web``)."""
        self.reports = Reports(self._sessions, catalogue, self.texts, min_group_size=min_group_size)
        """The PDF report of a workshop or a city, and a workshop's poster, as ``bot.report`` lays them out."""
        self.screen_settings = ScreenSettings()
        """Where big screens are served and how long after closing; the adapters set it from citybot's settings."""
        self._writer = asyncio.Lock() if serialise else None
        self._user_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._sent: set[str] = set()  # updates whose replies went out, their outboxes not yet emptied
        self._states: OrderedDict[str, participants.ParticipantState] = OrderedDict()
        """On SQLite only, where this engine is the one writer: each user's rows as their last update
        committed them, so that the next one need not read them. An update takes its user's state
        out and puts it back only after its commit: a failure, retry or redelivery reads the database."""
        self._clearing: asyncio.Task[None] | None = None
        self.process = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        """This engine's name among the processes sharing a PostgreSQL database (who sends which replies)."""
        self.outage: Outage | None = None
        """While storage fails: since when, and who was told; ``None`` while it works."""

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._clearing is not None:
            self._clearing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clearing
        await self._clear_sent()
        if self._notes is not None:
            notes, self._notes = self._notes, None
            await notes.close()
        await self.db.dispose()

    def texts_for(self, language: str | None) -> Texts:
        """The texts in the user's language when citybot has them, else English."""
        code = self.supported(language)
        if code is None:
            return self.texts
        if code not in self._texts:
            self._texts[code] = Texts.load(code)
        return self._texts[code]

    def supported(self, language: str | None) -> str | None:
        """The language citybot speaks for a client's language tag ("pt-BR" -> "pt"), else ``None``."""
        code = primary_language(language)
        if not LANGUAGE.match(code):  # clients send the tag: never let it name another file
            return None
        return code if code in self.languages else None

    def speaking(self, language: str) -> tuple[Texts, Catalogue]:
        """The texts and the catalogue of a language citybot speaks (English for another)."""
        texts = self.texts_for(language)
        return texts, self.catalogue.in_language(texts.language)

    def known_language(self, user_id: str, tag: str | None) -> str:
        """The user's language without reading the database: as this engine last saw it, else their client's."""
        state = self._states.get(user_id)
        chosen = state.participant.language if state is not None and state.participant is not None else None
        return self.supported(chosen or self._spoken.get(user_id)) or self.supported(tag) or DEFAULT_LANGUAGE

    def language_of(self, participant: Participant | None, incoming: Incoming) -> str:
        """The language to answer in: the person's (remembered), else their client's, else English."""
        chosen = participant.language if participant is not None else self._spoken.get(incoming.user_id)
        return self.supported(chosen) or self.supported(incoming.language) or DEFAULT_LANGUAGE

    def menu_commands(self, language: str | None = None) -> list[tuple[str, str]]:
        """The commands clients offer in their menu, each with its description in ``language`` (default English)."""
        texts = self.texts_for(language)
        return [(name, texts.get(f"commands.{name}")) for name, command in COMMANDS.items() if command.menu]

    def _lock_for(self, user_id: str) -> asyncio.Lock:
        if self._writer is not None:
            return self._writer
        lock = self._user_locks.get(user_id)
        if lock is None:
            lock = self._user_locks[user_id] = asyncio.Lock()
        return lock

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one update; a failure of a flow gets a plain apology.

        A redelivered update gives ``[]``; with ``incoming.outbox`` the replies are kept until
        :meth:`replies_sent`, and a redelivery gets them again if they were never reported sent. Raises only
        :class:`StorageUnavailable`, when the database could not store the update (full, busy, unreachable...):
        then nothing of it is stored and the transport should deliver it again, after ``retry_after`` seconds
        or once ``recovered`` is set, whichever comes first.
        """
        incoming = hygiene.cleaned(incoming)
        outage = self.outage
        if outage is not None and not outage.may_probe():
            raise outage.unavailable(incoming, self.texts_for(incoming.language))
        try:
            try:
                async with self._lock_for(incoming.user_id):
                    replies = await self._handle(incoming)
            except Exception as error:
                if isinstance(error, RepliesInFlight | NotYourTurn) or database.storage_failure(error) is not None:
                    raise
                log.exception("update %s from %s failed", incoming.update_id, incoming.user_id)
                if await self._claim_after_failure(incoming):
                    replies = [Reply(self.texts_for(incoming.language).get("errors.internal"))]
                else:
                    async with self._sessions() as session:  # a redelivery that failed this time: what the first left
                        replies = await self._redelivered(session, incoming)
        except Exception as error:
            kind = database.storage_failure(error)
            if kind is None:
                raise
            outage = self._storage_failed(kind, error)
            raise outage.unavailable(incoming, self.texts_for(incoming.language)) from error
        finally:
            if outage is not None and outage.probing:  # e.g. cancelled while probing: let the next update probe
                outage.probing = False
        if self.outage is not None:
            self._storage_works()
        return replies

    def _storage_failed(self, kind: str, error: BaseException) -> Outage:
        """Start an outage (one log line), or schedule its next probe."""
        if self.outage is None:
            self.outage = Outage(kind)
            log.warning(
                "storage unavailable (%s: %s): updates are not confirmed and wait; trying again with pauses up to %s s",
                kind,
                first_line(error),
                PROBE_PAUSES[-1],
            )
        self.outage.failed(kind)
        return self.outage

    def _storage_works(self) -> None:
        """End the outage (one log line) and wake every update waiting for it."""
        outage, self.outage = self.outage, None
        if outage is None:
            return
        log.warning(
            "storage works again after %.1f s (%s); updates of %d chat(s) waited, %d told so",
            time.monotonic() - outage.since,
            outage.kind,
            len(outage.waiting),
            len(outage.told),
        )
        outage.recovered.set()

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        """Run the update; again after a concurrent write with another process (a few times)."""
        if self._in_order(incoming):
            return await self._handle_in_order(incoming)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._handle_once(incoming)
            except DBAPIError as error:
                if attempt >= UPDATE_ATTEMPTS or not database.is_retryable(error):
                    raise
                log.info("update %s met a concurrent write, running it again: %s", incoming.update_id, error.orig)

    async def _handle_once(self, incoming: Incoming) -> list[Reply]:
        """Run the flow, then claim the update id together with its outbox, and commit.

        The claim comes last so that it and the outbox are one statement; a redelivery (the id
        was claimed before) is found there, its work rolled back, and its unsent replies given again.
        """
        async with self._sessions() as session:
            await database.lock_user(session, incoming.user_id)
            turn, replies = await self._run_turn(session, incoming)
            if incoming.update_id is not None:
                to_keep = outbox.encode(replies) if incoming.outbox and replies else None
                whose = None if turn.forgotten else incoming.user_id
                claimed = await updates.claim_update(
                    session, update_id=incoming.update_id, replies=to_keep, user_id=whose
                )
                if not claimed:
                    await session.rollback()
                    return await self._redelivered(session, incoming)
            clearing = set(self._sent)
            if clearing:  # outboxes of updates answered meanwhile: emptied with this commit
                await updates.clear_replies(session, update_ids=clearing)
            await session.commit()
            self._sent -= clearing
            self._keep_state(incoming.user_id, turn)
            if turn.forgotten:  # /forget: nothing of theirs may stay readable in the file or its WAL
                await database.wipe_deleted(self.db)
            return replies

    async def _run_turn(self, session: AsyncSession, incoming: Incoming) -> tuple[Turn, list[Reply]]:
        """The user's state (kept, or read), then the flows: the update's writes, not yet committed, and its replies."""
        kept_state = self._states.pop(incoming.user_id, None)
        if kept_state is not None:
            state = participants.attach_state(session, kept_state)
        else:
            state = await participants.participant_state(session, user_id=incoming.user_id)
        if state.participant is not None and state.participant.unreachable_at is not None:
            state.participant.unreachable_at = None  # they write again: reminders may reach them again
            session.add(state.participant)
        texts, catalogue = self.speaking(self.language_of(state.participant, incoming))
        turn = Turn(
            session,
            catalogue,
            texts,
            incoming,
            participant=state.participant,
            conversation=state.conversation,
            assessment=state.assessment,
            answers=state.answers,
            screens=self.screen_settings,
            reminder_times=self.reminder_times,
            min_group_size=self.min_group_size,
            languages=self.languages,
            speaking=self.speaking,
            remembered=self.supported(self._spoken.get(incoming.user_id) or incoming.language),
        )
        replies = await route(turn)
        if turn.participant is None and turn.chosen_language is not None:
            self._spoken[incoming.user_id] = turn.chosen_language
            self._spoken.move_to_end(incoming.user_id)
            while len(self._spoken) > KEPT_STATES:
                self._spoken.popitem(last=False)
        return turn, replies

    # --- several processes on one PostgreSQL database: the inbox ---------------------------------

    def _in_order(self, incoming: Incoming) -> bool:
        """Whether the update goes through the inbox: on PostgreSQL, for transports with numbered updates."""
        return self._writer is None and incoming.update_id is not None and incoming.update_id.isdigit()

    def arrived(self, update_id: str, user_id: str, raw: dict[str, Any] | None = None) -> Awaitable[None]:
        """The transport has just received this update: the user's later updates wait for it (PostgreSQL).

        Whichever process receives those. The note is sent before this returns, from a thread of its own
        (:mod:`conversations.storage.arrivals`), so the transport calls it first, before any other work for the
        update, and need not wait: await the result to know it is committed (a storage failure is only logged).
        ``raw``, the update as received, lets another process take it over should this one die before handing
        it in. Call :meth:`left` when done with it, whatever happened.
        """
        if self._writer is not None or not update_id.isdigit() or self._arrivals_url is None:
            return _done()  # SQLite: one process, whose transport keeps each chat in order
        if self._notes is None:
            self._notes = ArrivalNotes(self._arrivals_url, self.process)
        noted = self._notes.note(update_id=update_id, user_id=user_id, seq=int(update_id), raw=raw)
        if self.outage is None:  # wait here, briefly: the thread gets the interpreter's lock at once, and the
            with contextlib.suppress(Exception):  # update is in the inbox before this process does anything else
                noted.result(timeout=NOTE_WAIT)
        return self._unless_storage_fails(asyncio.wrap_future(noted), f"note the arrival of update {update_id}")

    async def ready_for_arrivals(self) -> None:
        """Start the arrivals thread now (PostgreSQL), rather than with the first arrival, which would wait for it.

        Raises what keeps it from starting (the database cannot be reached).
        """
        if self._writer is not None or self._arrivals_url is None:
            return
        if self._notes is None:
            self._notes = ArrivalNotes(self._arrivals_url, self.process)
        await self._notes.ready()

    async def left(self, update_id: str) -> None:
        """The transport is done with the update: if it never reached :meth:`handle`, nobody waits for it any more."""
        if self._notes is None or not update_id.isdigit():
            return
        await self._unless_storage_fails(asyncio.wrap_future(self._notes.leave(update_id)), f"leave {update_id}")

    @staticmethod
    async def _unless_storage_fails(step: Awaitable[None], what: str) -> None:
        try:
            await step
        except Exception as error:
            if database.storage_failure(error) is None:
                raise
            log.debug("could not %s: %s", what, first_line(error))

    async def _handle_in_order(self, incoming: Incoming) -> list[Reply]:
        """Store the update in the inbox, then process the user's stored updates in id order up to it.

        Whoever holds the user's lock processes the lowest stored one, whichever process received
        it; a placeholder (an update received but not yet handed in) holds the later ones back. The
        replies of this update are returned here only if this process is the one to send them.
        """
        assert incoming.update_id is not None
        seq = int(incoming.update_id)
        async with self._sessions() as session:
            await updates.hand_in(
                session, update_id=incoming.update_id, user_id=incoming.user_id, seq=seq, incoming=inbox_entry(incoming)
            )
            await session.commit()
        mine: list[Reply] | None = None
        pause = INBOX_POLL
        while True:
            step = await self._process_next(incoming.user_id, up_to=seq, mine=incoming.update_id)
            if step is None:
                break
            if isinstance(step, str):  # WAIT
                await asyncio.sleep(pause)
                pause = min(pause * 2, INBOX_POLL_MAX)  # a busy process should not be made busier by the waiting
                continue
            pause = INBOX_POLL
            update_id, replies = step
            if update_id == incoming.update_id and replies is not None:
                mine = replies
        if mine is not None:
            return mine
        return await self._replies_to_send(incoming)

    async def _process_next(self, user_id: str, *, up_to: int, mine: str) -> Step:
        """Process the user's lowest stored update, if it is not later than ``up_to``: its id and replies.

        ``None``: nothing left up to ``up_to``; :data:`WAIT`: an earlier update has arrived but is not yet
        handed in. A collision with another process's write is run again; a failing flow is answered with
        an apology (kept in the outbox for whichever process received the update).
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._process_next_once(user_id, up_to=up_to, mine=mine)
            except Exception as error:
                if isinstance(error, NotYourTurn) or database.storage_failure(error) is not None:
                    raise
                if database.is_retryable(error) and attempt < UPDATE_ATTEMPTS:
                    log.info("an update of %s met a concurrent write, running it again: %s", user_id, first_line(error))
                    continue
                return await self._failed_in_order(user_id, mine=mine)

    async def _process_next_once(self, user_id: str, *, up_to: int, mine: str) -> Step:
        async with self._sessions() as session:  # a look first, without the user's lock: waiting takes no lock
            entries = await updates.inbox_of(session, user_id=user_id, up_to=up_to)
            if any(entry.update_id == mine for entry in entries):
                ahead = await self._next_handed_in(session, entries, stale_ok=False)
                if ahead == WAIT:
                    return WAIT
        async with self._sessions() as session:
            decided = await database.lock_user(session, user_id)  # every arrival committed by then is seen below
            entries = await updates.inbox_of(session, user_id=user_id, up_to=up_to)
            if not any(entry.update_id == mine for entry in entries):
                return None  # this update is in (processed by another process, or by this one for another)
            entry = await self._next_handed_in(session, entries)
            if entry is None or isinstance(entry, str):
                return entry
            if decided is not None and log.isEnabledFor(logging.DEBUG):  # what benchmarks/two_processes.py checks
                log.debug(
                    "update %s processed, its turn decided at %.6f (%s)",
                    entry.update_id,
                    decided.timestamp(),
                    self.process,
                )
            assert entry.incoming is not None
            incoming = from_inbox_entry(entry.incoming)
            if await updates.is_processed(session, update_id=entry.update_id):  # a redelivery, stored again
                await updates.leave_inbox(session, update_id=entry.update_id)
                await session.commit()
                return entry.update_id, None
            turn, replies = await self._run_turn(session, incoming)
            to_keep = outbox.encode(replies) if incoming.outbox and replies else None
            ours = entry.update_id == mine and to_keep is not None
            await updates.claim_update(
                session,
                update_id=entry.update_id,
                replies=to_keep,
                user_id=None if turn.forgotten else incoming.user_id,
                sender=self.process if ours else None,
                sending_until=utcnow() + SENDING_LEASE if ours else None,
            )
            await updates.leave_inbox(session, update_id=entry.update_id)
            clearing = set(self._sent)
            if clearing:
                await updates.clear_replies(session, update_ids=clearing)
            await session.commit()
            self._sent -= clearing
            return entry.update_id, replies if entry.update_id == mine else None

    async def _next_handed_in(
        self, session: AsyncSession, entries: list[InboxUpdate], *, stale_ok: bool = True
    ) -> InboxUpdate | str | None:
        """The first update handed in, unless an earlier one is still on its way in another process (:data:`WAIT`).

        Passed over: placeholders of updates already processed (a copy that arrived late). One of this process's
        own raises :class:`NotYourTurn`: it arrived after the update being handled had begun and waits behind it
        in this process's queue; it is looked for past another process's placeholders too, since that process
        may be waiting for it (two processes each holding back the other's chat queue would wait until one gave
        up). One of a process that died is taken over (:meth:`_take_over`). A placeholder older than
        :data:`PLACEHOLDER_PATIENCE` (of a live process, four times that) is given up on.
        """
        waiting = False
        for entry in entries:
            if entry.incoming is not None:
                return WAIT if waiting else entry
            if await updates.is_processed(session, update_id=entry.update_id):
                continue
            age = utcnow() - entry.arrived_at
            if entry.receiver == self.process and age <= PLACEHOLDER_PATIENCE:  # queued behind this very update here
                raise NotYourTurn(f"update {entry.update_id} arrived here before it was processed")
            if waiting:
                continue  # only this process's own placeholders matter past the first one still on its way
            if entry.receiver != self.process and age > LIVENESS_AFTER and entry.receiver is not None:
                if await database.process_gone(session, entry.receiver):
                    if not stale_ok:
                        return None  # taken over (or given up on) under the user's lock
                    if await self._take_over(session, entry):
                        return WAIT
                elif age <= PLACEHOLDER_PATIENCE * 4:  # it lives: it hands the update in, or says it is done
                    waiting = True
                    continue
            if age <= PLACEHOLDER_PATIENCE:
                waiting = True  # on its way in another process
                continue
            if not stale_ok:
                return None  # given up on under the user's lock
            log.warning("update %s arrived but was never handed in; %s goes on", entry.update_id, entry.user_id)
            await updates.leave_inbox(session, update_id=entry.update_id, placeholder_only=True)
            await session.commit()  # ends the transaction, and the user's lock with it: look again
            return WAIT
        return WAIT if waiting else None

    async def _take_over(self, session: AsyncSession, entry: InboxUpdate) -> bool:
        """Process here an update whose receiver died before handing it in, from the copy kept on its arrival."""
        if entry.raw is None or self.take_over is None or entry.receiver is None:
            return False
        if not await updates.take_over(session, update_id=entry.update_id, receiver=entry.receiver, by=self.process):
            return False
        await session.commit()  # ends the transaction and the user's lock: the update queues here in its turn
        log.warning("update %s arrived at %s, which has stopped; processing it here", entry.update_id, entry.receiver)
        self.take_over(entry.raw)
        return True

    async def _failed_in_order(self, user_id: str, *, mine: str) -> tuple[str, list[Reply] | None] | None:
        """The user's lowest stored update made a flow fail: claim it with an apology as its outbox, and go on."""
        async with self._sessions() as session:
            await database.lock_user(session, user_id)
            entry = await updates.next_in_inbox(session, user_id=user_id)
            if entry is None or entry.incoming is None:
                return None
            log.exception("update %s from %s failed", entry.update_id, user_id)
            incoming = from_inbox_entry(entry.incoming)
            apology = [Reply(self.texts_for(incoming.language).get("errors.internal"))]
            ours = entry.update_id == mine
            await updates.claim_update(
                session,
                update_id=entry.update_id,
                replies=outbox.encode(apology) if incoming.outbox else None,
                user_id=incoming.user_id,
                sender=self.process if ours else None,
                sending_until=utcnow() + SENDING_LEASE if ours else None,
            )
            await updates.leave_inbox(session, update_id=entry.update_id)
            await session.commit()
            return entry.update_id, apology if ours else None

    async def _replies_to_send(self, incoming: Incoming) -> list[Reply]:
        """The replies of an update processed before, or by another process: to send, if no one else is sending them.

        Raises :class:`RepliesInFlight` while another process is sending them: this delivery comes back
        and finds them sent (``[]``), or, should that process have died, takes them over at once (it no longer
        holds its liveness lock), or once its time is up.
        """
        assert incoming.update_id is not None
        if not incoming.outbox or incoming.update_id in self._sent:
            return []
        async with self._sessions() as session:
            taken = await updates.take_sending(
                session, update_id=incoming.update_id, sender=self.process, until=utcnow() + SENDING_LEASE
            )
            await session.commit()
            if taken:
                return outbox.decode(taken)
            sender = await updates.sender_of(session, update_id=incoming.update_id)
            if sender is not None and await database.process_gone(session, sender):  # it died before sending them
                taken = await updates.take_sending(
                    session,
                    update_id=incoming.update_id,
                    sender=self.process,
                    until=utcnow() + SENDING_LEASE,
                    from_gone=sender,
                )
                await session.commit()
                if taken:
                    return outbox.decode(taken)
            if await updates.unsent_replies(session, update_id=incoming.update_id):
                raise RepliesInFlight(f"another process is sending the replies of update {incoming.update_id}")
        return []

    def _keep_state(self, user_id: str, turn: Turn) -> None:
        """Remember the user's committed state for their next update (SQLite only, the most recent users)."""
        if self._writer is None:
            return  # other processes may change the rows: always read them
        state = turn.state()
        if state is None:
            return
        self._states[user_id] = state
        if len(self._states) > KEPT_STATES:
            self._states.popitem(last=False)

    async def _redelivered(self, session: AsyncSession, incoming: Incoming) -> list[Reply]:
        """An update processed before: its replies again if they never went out, else nothing."""
        if not incoming.outbox or incoming.update_id is None or incoming.update_id in self._sent:
            return []
        unsent = await updates.unsent_replies(session, update_id=incoming.update_id)
        return outbox.decode(unsent)

    async def replies_sent(self, update_id: str | None) -> None:
        """The adapter has shown the update's replies: from now on a redelivery gets ``[]``.

        The outbox itself is emptied by the next update's transaction, or after
        :data:`CLEARING_DELAY` when none comes: a transaction of its own per update would cost as
        much as the update's own. Until then the id is remembered here, and a crash meanwhile
        only means that a redelivery, if one comes, shows the replies again.
        """
        if update_id is None:
            return
        self._sent.add(update_id)
        if self._clearing is None or self._clearing.done():
            self._clearing = asyncio.create_task(self._clear_sent(delay=CLEARING_DELAY))

    async def _clear_sent(self, *, delay: float = 0.0) -> None:
        """Empty the outboxes of updates reported sent (after ``delay``, unless an update's commit did it meanwhile)."""
        if delay:
            await asyncio.sleep(delay)
        if not self._sent:
            return
        async with self._writer or contextlib.nullcontext():  # SQLite's one writer; elsewhere no lock is needed
            clearing = set(self._sent)
            if not clearing:
                return
            try:
                async with self._sessions() as session:
                    await updates.clear_replies(session, update_ids=clearing)
                    await session.commit()
            except Exception as error:
                if database.storage_failure(error) is None:
                    raise
                return  # kept: the next update's commit (or the next clearing) empties them
            self._sent -= clearing

    async def _claim_after_failure(self, incoming: Incoming) -> bool:
        """Remember a failed update, so a redelivery does not apologise again; ``False``: it was claimed before."""
        if incoming.update_id is None:
            return True
        try:
            async with self._sessions() as session:
                if not await updates.claim_update(session, update_id=incoming.update_id):
                    return False
                await session.commit()
        except Exception as error:
            if database.storage_failure(error) is not None:
                raise  # not recorded: the update comes back, rather than an apology saying what is not so
            log.exception("could not record failed update %s", incoming.update_id)
        return True

    async def due_reminders(
        self, *, user_prefix: str | None = None, user_id: str | None = None
    ) -> list[reminders.DueReminder]:
        """Claim the reminders due now (of one transport's people, ``"telegram:"``, or of one person) and commit.

        Each one is claimed by this process only, its replies stored with the claim; send them, then
        report :meth:`reminder_delivered` (or :meth:`reminder_undeliverable`). One not reported within
        ``reminder_times.retry_after`` is claimed and given again by a later call (its sender stopped).
        """
        async with self._writer or contextlib.nullcontext(), self._sessions() as session:  # SQLite: its one writer
            due = await reminders.claim_due(
                session,
                self.catalogue,
                self.texts_for,
                self.reminder_times,
                user_prefix=user_prefix,
                user_id=user_id,
            )
            await session.commit()
        return due

    async def reminder_delivered(self, reminder_id: int) -> None:
        """The reminder's replies went out: never again, and its outbox emptied."""
        async with self._writer or contextlib.nullcontext(), self._sessions() as session:
            await rounds.mark_reminder(session, reminder_id=reminder_id, delivered=True)
            await session.commit()

    async def reminder_undeliverable(self, reminder_id: int, user_id: str, *, unreachable: bool = True) -> None:
        """The transport refused the reminder for good, and with ``unreachable`` the person too (they blocked the bot).

        No reminder of an unreachable person is tried any more, until they write to the bot again.
        """
        async with self._writer or contextlib.nullcontext(), self._sessions() as session:
            reminder = await rounds.reminder_by_id(session, reminder_id=reminder_id)
            await rounds.mark_reminder(session, reminder_id=reminder_id, delivered=False)
            if reminder is not None and unreachable:
                await participants.set_unreachable(session, participant_id=reminder.participant_id, unreachable=True)
            await session.commit()
        self._states.pop(user_id, None)  # the kept participant row would not know

    async def reminder_overview(self) -> list[reminders.ReminderRow]:
        """Every reminder, stored or upcoming, for operators (ids and times only)."""
        async with self._sessions() as session:
            return await reminders.overview(session, self.reminder_times)

    async def export_answers(
        self, *, city: str | None = None, workshop: str | None = None, since: datetime | None = None
    ) -> list[ExportRow]:
        """Every stored answer, one row each (of a city, a workshop, from a moment on), as exports write them.

        Raises :class:`~conversations.coordination.NotFound` for an unknown city or workshop.
        """
        return await self.reports.export_rows(city=city, workshop=workshop, since=since)


class NotYourTurn(Exception):
    """An earlier update of the user arrived at this process after this one had begun.

    The transport should put this one back in its chat's queue, behind the earlier one (nothing of it was stored).
    """


class RepliesInFlight(Exception):
    """Another process is sending this update's replies; the transport should deliver it again in a moment."""

    retry_after = 0.2


def _done() -> asyncio.Future[None]:
    """An awaitable that is done already."""
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done


def inbox_entry(incoming: Incoming) -> dict[str, Any]:
    """An update as the inbox keeps it (JSON)."""
    return {field.name: getattr(incoming, field.name) for field in dataclasses.fields(incoming)}


def from_inbox_entry(entry: dict[str, Any]) -> Incoming:
    """An update back from the inbox."""
    return Incoming(**{**entry, "kind": Kind(entry["kind"])})


class Outage:
    """Storage failing: since when, what kind, when to try again, who was told, and an event for the end."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.since = time.monotonic()
        self.failures = 0
        self.next_probe = self.since
        self.probing = False
        self.told: set[str] = set()  # chats
        self.waiting: set[str] = set()  # chats
        self.recovered = asyncio.Event()

    def may_probe(self) -> bool:
        """Whether this update may try the database now (one at a time, when the pause is over)."""
        if self.probing or time.monotonic() < self.next_probe:
            return False
        self.probing = True
        return True

    def failed(self, kind: str) -> None:
        """The probe failed too: the next one after a longer pause."""
        self.kind = kind
        self.failures += 1
        self.probing = False
        self.next_probe = time.monotonic() + PROBE_PAUSES[min(self.failures, len(PROBE_PAUSES)) - 1]

    def unavailable(self, incoming: Incoming, texts: Texts) -> StorageUnavailable:
        """The error for an update that must wait; with the notice for its chat when it is time to tell them."""
        now = time.monotonic()
        self.waiting.add(incoming.chat_id)
        notice = None
        if now - self.since >= NOTICE_AFTER and incoming.chat_id not in self.told:
            self.told.add(incoming.chat_id)
            notice = Reply(texts.get("storage.not_saved"))
        pause = PROBE_PAUSES[min(max(self.failures, 1), len(PROBE_PAUSES)) - 1]
        return StorageUnavailable(
            f"storage {self.kind} for {now - self.since:.1f} s; update {incoming.update_id} not stored",
            kind=self.kind,
            retry_after=max(self.next_probe - now, 0.0) or pause,
            recovered=self.recovered,
            notice=notice,
        )


def first_line(error: BaseException) -> str:
    """The driver's message of an error, first line only (SQLAlchemy appends the statement and a link)."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]


async def open_engine(
    database_url: str | None = None,
    catalogue: Catalogue | None = None,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    reminder_times: reminders.ReminderTimes | None = None,
) -> Engine:
    """A ready engine: the database created or migrated to the newest schema, the catalogue loaded.

    ``database_url`` (citybot's settings pass ``DATABASE_URL``) defaults to an SQLite file in the user's data directory;
    ``min_group_size`` (``CITYBOT_MIN_GROUP_SIZE``) is the fewest people a group figure may come from.
    Raises :class:`DatabaseError` (one line, password hidden) when the URL is malformed or names an
    unsupported database, or the database cannot be reached or used.
    """
    url = database_url or database.default_database_url()
    db = database.create_engine(url)
    try:
        with database.connection_problems(url):
            await database.migrate(db)
            async with AsyncSession(db) as session:
                await updates.prune_processed_updates(session, older_than=UPDATE_RETENTION)
                await session.commit()
    except BaseException:
        await db.dispose()
        raise
    sqlite = database.is_sqlite(url)
    return Engine(
        db,
        catalogue or Catalogue.load(),
        serialise=sqlite,
        min_group_size=min_group_size,
        reminder_times=reminder_times,
        arrivals_url=None if sqlite else url,
    )


async def route(turn: Turn) -> list[Reply]:
    """Send an update to the flow it belongs to, then to any flow that one hands the conversation on to."""
    replies = await dispatch(turn)
    while (name := turn.handed_to) is not None:
        argument, turn.handed_to, turn.handed_argument = turn.handed_argument, None, ""
        replies += await COMMANDS[name](turn, argument)
    return replies


async def dispatch(turn: Turn) -> list[Reply]:
    incoming = turn.incoming
    payload = (incoming.payload or "")[:MAX_PAYLOAD_LENGTH]
    if incoming.kind == Kind.COMMAND or (incoming.kind == Kind.TEXT and payload.lstrip().startswith("/")):
        return await command(turn, payload.strip())
    if incoming.kind == Kind.CHOICE:
        return await choice(turn, payload)
    if incoming.kind == Kind.TEXT:
        return await text(turn, payload)
    return await help_flow.other(turn, payload)


async def command(turn: Turn, payload: str) -> list[Reply]:
    match = COMMAND.match(payload)
    if match is None:
        return await help_flow.unknown(turn, payload.split()[0] if payload.split() else payload)
    name, argument = match.group(1).lower(), (match.group(2) or "").strip()
    handler = COMMANDS.get(name)
    if handler is None:
        return await help_flow.unknown(turn, f"/{name}")
    return await handler(turn, argument)


async def text(turn: Turn, payload: str) -> list[Reply]:
    if not payload.strip():
        return await help_flow.empty(turn)
    flow = FLOWS.get(turn.flow or "")
    if flow is not None:
        replies = await flow.on_text(turn, payload)
        if replies is not None:
            return replies
    return await ask.answer(turn, payload, pending=flow is not None)


async def choice(turn: Turn, payload: str) -> list[Reply]:
    """A pressed button: navigation works any time; an answer only for the question it was shown with."""
    parsed = parse_choice(payload)
    if parsed is None:
        return [turn.say("errors.malformed_choice"), *await pending(turn)]
    if parsed.prefix is not None:
        replies = await BUTTONS[parsed.prefix](turn, parsed.value)
        return replies if replies is not None else [turn.say("errors.malformed_choice"), *await pending(turn)]
    conversation = turn.conversation
    flow = FLOWS.get(turn.flow or "")
    if conversation is None or flow is None or parsed.seq != conversation.seq:
        return [turn.say("errors.stale_choice"), *await pending(turn)]
    replies = await flow.on_choice(turn, parsed.value)
    if replies is None:
        return [turn.say("errors.invalid_choice"), *await pending(turn)]
    return replies


async def pending(turn: Turn) -> list[Reply]:
    """The question still waiting for an answer, shown again under its current number."""
    flow = FLOWS.get(turn.flow or "")
    return [] if flow is None else await flow.render(turn)
