"""The webhook server: answers Telegram's request for an update only once the update is processed.

PTB's webhook handler puts the update in a queue and answers 200 at once, so a crash loses
whatever was queued. Here the request waits: 200 once the update's answers are committed, 503
when they could not be stored within :data:`PATIENCE` (Telegram sends it again later; its chat's
later updates get 503 too until it is in, see :class:`~bot.telegram.updater.Delivery`), 400 for
any body that is not an update (not JSON, nested too deep, the wrong shape), 403 without the
secret. Stopping closes the port first, then lets the requests in flight finish and get their
answer, so nothing is cut half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.error import TelegramError
from tornado.httpserver import HTTPServer

from bot.telegram.config import TRANSPORT
from bot.telegram.handlers import ENGINE_KEY
from bot.telegram.types import CitybotApplication
from bot.telegram.updater import DELIVERY_KEY, Delivery, FatalTelegramError, fatal_error

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 40
"""Telegram's default: at most this many updates are sent to us at once."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
PATIENCE = 10.0
"""Seconds a request keeps trying an update that cannot be stored before answering 503 (Telegram gives a
webhook request about a minute; an outage that ends sooner costs no round trip)."""


class WebhookServer:
    """An HTTP server for Telegram's webhook calls, registered with setWebhook on start."""

    def __init__(
        self,
        application: CitybotApplication,
        *,
        listen: str,
        port: int,
        url_path: str,
        webhook_url: str,
        secret_token: str | None,
        allowed_updates: Sequence[str] | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.application = application
        self.listen = listen
        self.port = port
        self.url_path = "/" + url_path.strip("/")
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.max_connections = max_connections
        self.delivery: Delivery = application.bot_data.setdefault(DELIVERY_KEY, Delivery())
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self._taken_over: set[asyncio.Future[HTTPStatus]] = set()
        engine = application.bot_data.get(ENGINE_KEY)
        if engine is not None:
            engine.take_over = self.take_over
        routes = [(rf"{self.url_path.rstrip('/')}/?", WebhookHandler, {"server": self})]
        self._http = HTTPServer(QuietApplication(routes))

    async def start(self) -> None:
        """Listen first (Telegram may call at once), then register the URL and the secret with Telegram.

        Arrivals are ready to be noted before the first call (PostgreSQL: the arrivals thread, its connections and
        this process's liveness lock), so that the first update counts from when it arrives too.
        """
        engine = self.application.bot_data.get(ENGINE_KEY)
        if engine is not None:
            await engine.ready_for_arrivals()
        self._http.listen(self.port, address=self.listen)
        try:
            await self.application.bot.set_webhook(
                url=self.webhook_url,
                allowed_updates=self.allowed_updates,
                secret_token=self.secret_token,
                max_connections=self.max_connections,
            )
        except TelegramError as error:
            self._http.stop()
            raise fatal_error(error) or FatalTelegramError(f"Telegram refused setWebhook: {error.message}") from None

    async def stop(self) -> None:
        """Stop accepting calls, let the ones in flight finish and be answered, then close the connections."""
        self._http.stop()
        self.delivery.stopping.set()  # a request waiting for storage is answered 503 now
        await self.idle.wait()
        await self._http.close_all_connections()

    def accepts(self, secret: str | None) -> bool:
        """Whether a call carries our secret (compared in constant time), when we have one."""
        if self.secret_token is None:
            return True
        return secret is not None and hmac.compare_digest(secret.encode(), self.secret_token.encode())

    async def process(self, data: Any) -> HTTPStatus:
        """Process one update's JSON; the status to answer Telegram with.

        The first thing done is noting its arrival (PostgreSQL, sent from the engine's arrivals thread before
        ``arrived`` returns): from then on its chat's later updates wait for it, in whichever process they arrive.
        In this process it then takes its place in its chat's queue before anything is awaited.
        """
        engine = self.application.bot_data.get(ENGINE_KEY)
        arrival = arrival_of(data) if engine is not None else None
        noted = engine.arrived(*arrival, raw=data) if arrival is not None else None
        self.in_flight += 1
        self.idle.clear()
        try:
            try:
                return await self._process(data)
            finally:
                if noted is not None and arrival is not None:
                    with contextlib.suppress(Exception):
                        await noted  # before leaving: the placeholder must not be noted after it was removed
                    with contextlib.suppress(Exception):
                        await engine.left(arrival[0])
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.idle.set()

    def take_over(self, data: dict[str, Any]) -> None:
        """Process here an update another process received and died with (the engine found it waiting)."""
        task = asyncio.ensure_future(self.process(data))
        self._taken_over.add(task)
        task.add_done_callback(self._taken_over.discard)

    async def _process(self, data: Any) -> HTTPStatus:
        try:
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
            if update is None or not isinstance(update.update_id, int):
                raise TypeError("not an update")
        except Exception:  # not an update (RecursionError included): Telegram never sends that, so do not ask again
            logger.warning("webhook call with a body that is not an update")
            return HTTPStatus.BAD_REQUEST
        stored = await self.delivery.process(self.application, update, patience=PATIENCE)
        if not stored:
            logger.info("update %s not done; answered 503, Telegram will send it again", update.update_id)
            return HTTPStatus.SERVICE_UNAVAILABLE
        return HTTPStatus.OK


def arrival_of(data: Any) -> tuple[str, str] | None:
    """The update id and the engine's id of its sender, read straight from the JSON (as :func:`sender_key` names it).

    Cheap on purpose: it runs before the update is parsed. Every kind of update with a sender carries it
    in its one field as ``from`` (``user`` for reactions and poll answers).
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    for field, value in data.items():
        if field != "update_id" and isinstance(value, dict):
            sender = value.get("from") or value.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return str(data["update_id"]), f"{TRANSPORT}:{sender['id']}"
    return None


class QuietApplication(tornado.web.Application):
    """A tornado application that does not log each request (citybot logs what matters itself)."""

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Log nothing per request."""


class WebhookHandler(tornado.web.RequestHandler):
    """POST <path>: one update from Telegram."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def post(self) -> None:
        """Check the call, process the update, then answer."""
        received = time.time()  # tornado calls this once the whole body has been read: the update has reached us
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        if not self.server.accepts(self.request.headers.get(SECRET_HEADER)):
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        try:
            data = json.loads(self.request.body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than Python parses
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        if logger.isEnabledFor(logging.DEBUG) and isinstance(data, dict):
            logger.debug("update %s reached citybot at %.6f (pid %d)", data.get("update_id"), received, os.getpid())
        status = await self.server.process(data)
        self.set_status(status)
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Errors are reported as statuses; no traceback for a bad call."""
