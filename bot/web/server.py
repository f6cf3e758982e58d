"""The big screen's web server: one page per workshop behind a secret link, kept live by server-sent events.

Tornado (which python-telegram-bot's webhook support already brings) serves it in the same asyncio
loop as the bot. Three routes, and a 404 for everything else:

* ``/screen/<token>``: the page (or 404 for a malformed, unknown or expired token);
* ``/screen/<token>/events``: its live parts, sent again whenever they change;
* ``/static/screen.css`` and ``/static/screen.js``: the page's own files (no CDN: it works on a LAN).

A :class:`Feed` per link asks every :data:`POLL_S` for the screen's version (a few cheap queries)
for all the pages that show it, and reads the workshop's answers only when it changed, so an answer
given anywhere (this process, ``citybot chat`` elsewhere, another bot process on PostgreSQL)
appears within about a second. Nothing personal is served, the responses are never
cached, and no token reaches a log: the access log names the route, not the path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from importlib import resources
from types import TracebackType
from typing import TYPE_CHECKING, Any

from telegram.helpers import create_deep_linked_url
from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError
from tornado.web import Application, HTTPError, RequestHandler

from bot.qr import qr_svg
from bot.settings import ConfigError
from bot.web import page
from conversations import Engine
from conversations.screen import Screen, ScreenSettings
from conversations.workshop_codes import join_payload

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.telegram.updater import UpdateSource

logger = logging.getLogger(__name__)

POLL_S = 0.25
"""How often a shown screen's version is asked (a few cheap queries): an answer appears within about this,
plus one reading of the workshop's answers (benchmarks/big_screen.py measures both; the issue asks for 2 s)."""
KEEPALIVE_S = 15.0
"""A comment line this often keeps proxies from closing a quiet stream, and finds screens that went away."""
STATIC = {"screen.css": "text/css; charset=utf-8", "screen.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
"""On every response: no copy in any cache, no link in a Referer, nothing from elsewhere."""

ScreenSource = Callable[[str], Awaitable[Screen | None]]
"""The screen a token opens now, or ``None`` (``Screens.for_token`` with the settings bound)."""
VersionSource = Callable[[str], Awaitable[tuple[object, ...] | None]]
"""A value that changes when the token's screen may have, or ``None`` (``Screens.version``): a few cheap queries."""


class Feed:
    """One link's live parts while at least one page shows them.

    Every :data:`POLL_S` it asks for the screen's version (a few cheap queries), and reads and draws
    the screen only when that changed: reading a big workshop's answers takes far longer.
    """

    def __init__(self, token: str, source: ScreenSource, version: VersionSource, feeds: Feeds) -> None:
        self.token = token
        self._source = source
        self._version = version
        self._seen: tuple[object, ...] | None = None
        self._feeds = feeds
        self.subscribers: set[asyncio.Queue[dict[str, str] | None]] = set()
        self.latest: dict[str, str] | None = None
        self._task: asyncio.Task[None] | None = None

    def subscribe(self) -> asyncio.Queue[dict[str, str] | None]:
        queue: asyncio.Queue[dict[str, str] | None] = asyncio.Queue()
        if self.latest is not None:
            queue.put_nowait(self.latest)
        self.subscribers.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, str] | None]) -> None:
        self.subscribers.discard(queue)

    def end(self) -> None:
        """Tell every page the link no longer works (or the server stops): their streams end."""
        for queue in self.subscribers:
            queue.put_nowait(None)
        self.subscribers.clear()

    def _publish(self, parts: dict[str, str]) -> None:
        if parts != self.latest:
            self.latest = parts
            for queue in self.subscribers:
                queue.put_nowait(parts)

    async def _run(self) -> None:
        try:
            while self.subscribers:
                try:
                    version = await self._version(self.token)
                    screen = await self._source(self.token) if version is not None and version != self._seen else None
                except Exception:
                    logger.exception("could not read a big screen's workshop; trying again")  # no token in the log
                else:
                    if version is None:
                        self.end()
                        break
                    if screen is not None:
                        self._seen = version
                        self._publish(page.parts(screen))
                await asyncio.sleep(POLL_S)
        finally:
            self._feeds.forget(self)


class Feeds:
    """The feeds of the links being shown, by token (kept in memory only, never logged)."""

    def __init__(self, source: ScreenSource, version: VersionSource) -> None:
        self.source = source
        self.version = version
        self._feeds: dict[str, Feed] = {}

    def subscribe(self, token: str) -> tuple[Feed, asyncio.Queue[dict[str, str] | None]]:
        feed = self._feeds.get(token)
        if feed is None:
            feed = self._feeds[token] = Feed(token, self.source, self.version, self)
        return feed, feed.subscribe()

    def forget(self, feed: Feed) -> None:
        if self._feeds.get(feed.token) is feed and not feed.subscribers:
            del self._feeds[feed.token]

    def end_all(self) -> None:
        for feed in list(self._feeds.values()):
            feed.end()


class Handler(RequestHandler):
    """Every response carries the security headers; anything unknown is a bare 404."""

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.clear_header("Server")

    def compute_etag(self) -> None:
        """No ETag: nothing here may be cached, not even for revalidation."""
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}\n")

    def log_exception(
        self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Tornado's own line names the request's path, which holds the token: this one names the route."""
        if isinstance(value, HTTPError):
            return  # a 404 or the like: nothing to tell
        route = type(self).__name__.removesuffix("Handler").lower()
        logger.error("big screen: %s failed", route, exc_info=(typ, value, tb) if typ and value else None)

    def prepare(self) -> None:
        if self.request.method != "GET":
            self.send_error(404)

    @property
    def web(self) -> ScreenApp:
        web: ScreenApp = self.application.settings["screen_app"]
        return web


class NotFoundHandler(Handler):
    def get(self, *_: str) -> None:
        self.send_error(404)


class PageHandler(Handler):
    async def get(self, token: str) -> None:
        screen = await self.web.source(token)
        if screen is None:
            self.send_error(404)
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(self.web.render_page(screen))


class EventsHandler(Handler):
    """The live parts as server-sent events: each change one ``data:`` line of JSON; a comment keeps it open."""

    async def get(self, token: str) -> None:
        if await self.web.version(token) is None:
            self.send_error(404)
            return
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("X-Accel-Buffering", "no")  # nginx: pass each event on at once
        feed, queue = self.web.feeds.subscribe(token)
        try:
            self.write("retry: 2000\n\n")
            await self.flush()
            while True:
                try:
                    parts = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    self.write(": keep-alive\n\n")
                else:
                    if parts is None:
                        break
                    self.write(f"data: {json.dumps(parts, ensure_ascii=False)}\n\n")
                await self.flush()
        except StreamClosedError:
            pass  # the page went away
        finally:
            feed.unsubscribe(queue)
        with contextlib.suppress(StreamClosedError):
            self.finish()


class StaticHandler(Handler):
    def get(self, name: str) -> None:
        kind = STATIC.get(name)
        if kind is None:
            self.send_error(404)
            return
        self.set_header("Content-Type", kind)
        self.finish(self.web.static(name))


def log_request(handler: RequestHandler) -> None:
    """The access log: method, route and status only; a path would hold the secret token."""
    route = type(handler).__name__.removesuffix("Handler").lower()
    took = 1000.0 * handler.request.request_time()
    logger.debug("%s %s %d %.0f ms", handler.request.method, route, handler.get_status(), took)


class ScreenApp:
    """The big-screen web application and its server; :meth:`start` in a running loop, :meth:`stop` to end."""

    def __init__(
        self,
        source: ScreenSource,
        version: VersionSource,
        *,
        join_link: Callable[[str], str | None],
        qr_svg: Callable[[str], str],
    ) -> None:
        """``join_link(code)`` is the link people join with (``None`` without one), ``qr_svg`` draws its code."""
        self.source = source
        self.version = version
        self.feeds = Feeds(source, version)
        self._join_link = join_link
        self._qr_svg = qr_svg
        self._static: dict[str, bytes] = {}
        self._server: HTTPServer | None = None
        self.port: int | None = None
        self.application = Application(
            [
                (r"/screen/([^/]+)", PageHandler),
                (r"/screen/([^/]+)/events", EventsHandler),
                (r"/static/([^/]+)", StaticHandler),
            ],
            default_handler_class=NotFoundHandler,
            log_function=log_request,
            screen_app=self,
            compress_response=False,
        )

    def render_page(self, screen: Screen) -> str:
        link = self._join_link(screen.code)
        return page.page(
            screen,
            qr_svg=self._qr_svg(link) if link else "",
            link=link,
            command=f"/join {screen.code}",
        )

    def static(self, name: str) -> bytes:
        if name not in self._static:
            self._static[name] = (resources.files(__package__) / "static" / name).read_bytes()
        return self._static[name]

    async def start(self, *, listen: str, port: int) -> None:
        """Listen on ``listen:port`` (port 0: any free one, then :attr:`port` says which); else :class:`ConfigError`.

        One socket, of the address's family (``::`` for IPv6); ``socket.create_server`` closes it again if
        binding fails (tornado's ``bind_sockets`` would leave it open).
        """
        server = HTTPServer(self.application, idle_connection_timeout=3600)
        family = socket.AF_INET6 if ":" in listen else socket.AF_INET
        try:
            listening = socket.create_server((listen, port), family=family, backlog=128)
        except OSError as error:
            raise ConfigError(
                f"cannot serve the big screen on {listen}:{port} ({error.strerror or error}): "
                "set CITYBOT_WEB_PORT to a free port, or CITYBOT_WEB_LISTEN to an address of this machine"
            ) from None
        listening.setblocking(False)
        server.add_sockets([listening])
        self._server = server
        self.port = listening.getsockname()[1]
        logger.info("big screen served on %s:%s", listen, self.port)

    async def stop(self) -> None:
        """End the live streams, then close the server and its connections."""
        self.feeds.end_all()
        if self._server is not None:
            self._server.stop()
            await asyncio.sleep(0)  # let the streams finish their last write
            started = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.close_all_connections(), timeout=5.0)
            logger.debug("big screen closed in %.2f s", time.monotonic() - started)
            self._server = None


def screen_app(engine: Engine, *, bot_username: str | None) -> ScreenApp:
    """The big screen over this engine's database, with the join link of the bot ``bot_username`` (if known)."""
    keep = engine.screen_settings.keep_after_close

    async def source(token: str) -> Screen | None:
        return await engine.screens.for_token(token, keep_after_close=keep)

    async def version(token: str) -> tuple[object, ...] | None:
        return await engine.screens.version(token, keep_after_close=keep)

    def join_link(code: str) -> str | None:
        return create_deep_linked_url(bot_username, join_payload(code)) if bot_username else None

    return ScreenApp(source, version, join_link=join_link, qr_svg=qr_svg)


def screen_settings(settings: Settings) -> ScreenSettings:
    """The engine's view of citybot's big-screen settings."""
    return ScreenSettings(
        public_url=settings.citybot_public_url, keep_after_close=timedelta(hours=settings.citybot_screen_hours)
    )


async def serve_screens(engine: Engine, *, listen: str, port: int, bot_username: str | None) -> None:
    """``citybot serve``: the big screens alone (no Telegram), until SIGINT or SIGTERM."""
    app = screen_app(engine, bot_username=bot_username)
    await app.start(listen=listen, port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        await stop.wait()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        await app.stop()


class ScreensAlongside:
    """An update source that also serves the big screens while it runs (``citybot run`` with a public URL and port).

    The web server starts before the updates do, so a bad port stops the bot at once, in one line.
    """

    def __init__(self, source: UpdateSource, engine: Engine, *, listen: str, port: int, bot: str | None) -> None:
        self.source = source
        self.app = screen_app(engine, bot_username=bot)
        self._listen = listen
        self._port = port
        self._started = False

    async def start(self) -> None:
        await self.app.start(listen=self._listen, port=self._port)
        await self.source.start()
        self._started = True

    async def stop(self) -> None:
        try:
            if self._started:  # a source never started has nothing to stop (nor updates to confirm)
                await self.source.stop()
        finally:
            await self.app.stop()
