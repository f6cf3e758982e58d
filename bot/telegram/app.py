"""The one place where the Telegram Application is put together and started."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram import handlers
from bot.telegram.config import ConfigError, TelegramSettings
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.types import CitybotApplication
from bot.telegram.updater import Poller, UpdateSource, serve
from catalogue import Catalogue
from conversations import Engine, open_engine
from conversations.reminders import ReminderTimes
from conversations.screen import ScreenSettings
from conversations.texts import DEFAULT_LANGUAGE

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
"""Only what the handlers use, so Telegram does not send (and we do not parse) anything else."""

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
PREPARE_SEARCH_AFTER_S = 0.1
"""How long after polling starts the search index is built (in a thread: it competes with the loop for the GIL)."""
HTTP_CLIENT: dict[str, Any] = {"connection_pool_size": 256}
HTTP_POLL_CLIENT: dict[str, Any] = {"connection_pool_size": 1}
"""PTB's own defaults for its two HTTP clients (`ApplicationBuilder._build_request`): calls, and getUpdates."""


def tls_kwargs() -> dict[str, object]:
    """One TLS context for both HTTP clients: httpx would load the CA bundle for each (about 30 ms per start)."""
    return {"verify": httpx.create_ssl_context(trust_env=True)}


def build_application(
    engine: Engine,
    token: str,
    *,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limited: bool = True,
    update_processor: BaseUpdateProcessor | None = None,
    reminders_every: float | None = None,
) -> CitybotApplication:
    """Wire the engine into a PTB Application: handlers, defaults, rate limits, per-chat ordering.

    `base_url` is the root of another Bot API server (calls go to `<base>/bot<token>/<method>`,
    files to `<base>/file/bot<token>`); `request` replaces the HTTP layer, e.g. with a fake in tests.
    `update_processor` defaults to per-chat ordering; benchmarks pass others to compare.
    `reminders_every` (seconds) schedules the reminders' pass on PTB's JobQueue; ``None`` sends none.
    """
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(ContextTypes(context=handlers.CitybotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(update_processor or PerChatUpdateProcessor())
        .post_init(announce_commands)
        .updater(None)  # PTB's Updater confirms updates before they are processed; see bot/telegram/updater.py
    )
    if base_url:
        builder = builder.base_url(f"{base_url.rstrip('/')}/bot").base_file_url(f"{base_url.rstrip('/')}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    elif get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    else:
        builder = builder.request(HTTPXRequest(**HTTP_CLIENT, httpx_kwargs=(shared := tls_kwargs())))
        builder = builder.get_updates_request(HTTPXRequest(**HTTP_POLL_CLIENT, httpx_kwargs=shared))
    if rate_limited:
        # PTB types the builder's limiter as BaseRateLimiter[None]; AIORateLimiter takes its own retry count
        builder = builder.rate_limiter(AIORateLimiter())  # type: ignore[arg-type]
    application = builder.build()
    application.bot_data[handlers.ENGINE_KEY] = engine

    # Order matters: the first matching handler wins, and filters.TEXT also matches commands.
    application.add_handlers(
        [
            # Button presses, in any chat (group ones only get a pointer to the private chat).
            CallbackQueryHandler(handlers.choice),
            # An edited message is not a new answer; the engine explains what to do instead.
            MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, handlers.other),
            # Groups: commands get a button to the private chat; everything else is ignored.
            MessageHandler(filters.ChatType.GROUPS & NEW_MESSAGE & filters.COMMAND, handlers.group_command),
            # Private chat: commands (with arguments and /start deep-link payloads), then free text...
            MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, handlers.command),
            MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, handlers.text),
            # ...then stickers, photos, voice notes, locations and the like (but not service messages).
            MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.StatusUpdate.ALL, handlers.other),
        ]
    )
    application.add_error_handler(handlers.error)
    if reminders_every is not None:
        if application.job_queue is None:
            raise ConfigError(
                "reminders need python-telegram-bot's JobQueue: pip install 'python-telegram-bot[job-queue]'"
            )
        application.job_queue.run_repeating(
            handlers.send_reminders, interval=reminders_every, first=reminders_every, name="citybot:reminders"
        )
    return application


async def announce_commands(application: CitybotApplication) -> None:
    """Fill the clients' command menu from the engine's routing table, so it matches /help and the language.

    Once per language citybot speaks (Telegram shows users whose app is in that language its menu), and once
    without a language: the menu of everyone else, in English.
    """
    engine = application.bot_data[handlers.ENGINE_KEY]
    for language in (None, *(code for code in engine.languages if code != DEFAULT_LANGUAGE)):
        commands = engine.menu_commands(language)
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands], language_code=language
        )


def run_bot(settings: TelegramSettings) -> None:
    """Open the engine, then serve Telegram until SIGINT/SIGTERM: long polling, or a webhook if configured.

    On a stop signal it stops fetching, lets in-flight updates finish, then shuts down; the engine
    is closed last. Updates are confirmed to Telegram only once processed, so a crash loses none.
    Raises ConfigError when Telegram rejects the token or cannot be reached (also later: a revoked token,
    another instance polling with it), DatabaseError or CatalogueError
    when the database or the catalogue file cannot be used, so the CLI can say so in one line.
    """
    catalogue = Catalogue.load(settings.catalogue_path)  # a broken file stops here, with file and line
    for language in catalogue.translations:  # and so does a broken translation beside it
        catalogue.in_language(language)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # PTB objects created below find this loop
    try:
        times = ReminderTimes(
            paused_after=settings.remind_paused_after,
            month=settings.remind_month,
            retry_after=settings.remind_retry_after,
        )
        engine = loop.run_until_complete(
            open_engine(
                database_url=settings.database_url,
                catalogue=catalogue,
                min_group_size=settings.min_group_size,
                reminder_times=times,
            )
        )
    except BaseException:
        loop.close()  # e.g. DatabaseError: the CLI reports it in one line; leave no loop behind
        raise
    application = build_application(
        engine,
        settings.token,
        base_url=settings.api_base_url,
        reminders_every=settings.reminders_every.total_seconds(),
    )

    async def close_engine(_: CitybotApplication) -> None:
        await engine.close()

    application.post_shutdown = close_engine
    try:
        loop.run_until_complete(check_connection(application, settings))
    except ConfigError:
        loop.run_until_complete(application.bot.shutdown())
        loop.run_until_complete(engine.close())
        loop.close()
        raise
    source: UpdateSource
    if settings.webhook_url:
        from bot.telegram.webhook import WebhookServer  # its module only for a webhook; long polling is the usual case

        logger.info("webhook on %s:%s for %s", settings.webhook_listen, settings.webhook_port, settings.webhook_url)
        source = WebhookServer(
            application,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        logger.info("long polling for updates as @%s", application.bot.username)
        source = Poller(application, allowed_updates=ALLOWED_UPDATES)
    source = SearchReadyAfterStart(source, catalogue)
    if settings.serves_screens:
        from bot.web.server import ScreensAlongside  # the web server's modules only when big screens are served

        engine.screen_settings = ScreenSettings(
            public_url=settings.public_url, keep_after_close=timedelta(hours=settings.screen_hours)
        )
        source = ScreensAlongside(
            source, engine, listen=settings.web_listen, port=settings.web_port or 0, bot=application.bot.username
        )
    try:  # updates are confirmed to Telegram only once processed (see bot/telegram/updater.py)
        loop.run_until_complete(serve(application, source))
    finally:
        loop.close()


class SearchReadyAfterStart:
    """An update source that, once it serves, builds the catalogue's search index in a thread.

    The index takes about 0.2 s to build: after the first getUpdates rather than before it (the
    thread starts :data:`PREPARE_SEARCH_AFTER_S` after polling does, so that the request has left
    first), and usually before the first free-text question rather than during it.
    """

    def __init__(self, source: UpdateSource, catalogue: Catalogue) -> None:
        self.source = source
        self.catalogue = catalogue
        self._timer: asyncio.TimerHandle | None = None
        self._building: asyncio.Future[None] | None = None

    async def start(self) -> None:
        await self.source.start()
        self._timer = asyncio.get_running_loop().call_later(PREPARE_SEARCH_AFTER_S, self._build)

    def _build(self) -> None:
        self._building = asyncio.get_running_loop().run_in_executor(None, prepare_search, self.catalogue)

    async def stop(self) -> None:
        await self.source.stop()
        if self._timer is not None:
            self._timer.cancel()  # stopped before it began: the first search (if any) builds it
        if self._building is not None:
            await self._building  # no thread left behind by the time the loop closes


def prepare_search(catalogue: Catalogue) -> None:
    """Build the search index of each language now; a failure is logged, and the first search tries again."""
    for language in catalogue.languages:
        try:
            catalogue.in_language(language).prepare_search()
        except Exception:
            logger.exception("could not build the %s catalogue's search index ahead of the first question", language)


async def check_connection(application: CitybotApplication, settings: TelegramSettings) -> None:
    """Say the bot's name to Telegram (getMe) before serving, turning the usual set-up mistakes into one line."""
    try:
        await application.bot.initialize()  # PTB's own initialize() later finds the bot ready and skips it
    except InvalidToken:
        raise ConfigError(
            "Telegram rejected TELEGRAM_BOT_TOKEN: copy it again from @BotFather (/mybots, then API Token)"
        ) from None
    except NetworkError as error:
        server = settings.api_base_url or "api.telegram.org"
        raise ConfigError(
            f"could not reach the Telegram Bot API at {server} ({error.message}): check the network"
            + (" and TELEGRAM_API_BASE_URL" if settings.api_base_url else "")
        ) from None


def configure_logging(level: int = logging.INFO) -> None:
    """Log what the bot does to stderr, but not httpx's per-request lines, which contain the token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step at every start
