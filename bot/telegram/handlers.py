"""Telegram callbacks: read the update, build an Incoming, ask the engine, render its replies.

No business rules live here; the engine decides what to say, `render` decides how it looks.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot.telegram import render, updater
from bot.telegram.config import TRANSPORT
from conversations import Engine, Incoming, Kind, NotYourTurn, RepliesInFlight, StorageUnavailable, Texts

logger = logging.getLogger(__name__)

ENGINE_KEY = "engine"
ROOM_CHARTS_KEY = "room_charts"
DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
COMMAND_HEAD = re.compile(r"^(\S*)(\s*)(.*)$", re.DOTALL)
ADDRESSED_COMMAND = re.compile(r"^(/[A-Za-z0-9_]{1,32})@([A-Za-z0-9_]{1,64})$")
"""A command addressed to one bot, as Telegram writes it in groups: /name@botusername."""
NON_TEXT_KINDS = (
    "sticker", "animation", "photo", "video", "video_note", "voice", "audio", "document",
    "venue", "location", "contact", "poll", "dice", "game", "story", "invoice",
)  # fmt: skip
"""Message contents named to the engine as Kind.OTHER; venue before location and animation before
document, because Telegram fills both fields for those."""


class CitybotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the engine the application was built around."""

    @property
    def engine(self) -> Engine:
        """The conversation engine injected by `build_application`."""
        engine: Engine = self.bot_data[ENGINE_KEY]
        return engine

    @property
    def room_charts(self) -> render.RoomCharts:
        """Which photo shows which workshop room's chart, so 🔄 Refresh can replace it (see `render.RoomCharts`)."""
        charts: render.RoomCharts = self.bot_data.setdefault(ROOM_CHARTS_KEY, render.RoomCharts())
        return charts


async def converse(
    update: Update, context: CitybotContext, kind: Kind, payload: str, *, pressed: Message | None = None
) -> None:
    """Hand one user event to the engine and show its replies in the chat it came from."""
    user = update.effective_user
    if user is None:  # Telegram always names the sender in a private chat; a forged update may not
        logger.info("update %s without a sender ignored", update.update_id)
        return
    chat_id = update.effective_chat.id if update.effective_chat is not None else user.id  # private chat id == user id
    incoming = Incoming(
        user_id=f"{TRANSPORT}:{user.id}",
        chat_id=f"{TRANSPORT}:{chat_id}",
        kind=kind,
        payload=payload,
        user_name=user.full_name,
        language=user.language_code,
        update_id=str(update.update_id),
        username=user.username,
        outbox=True,  # Telegram delivers the update again until it is confirmed: see bot/telegram/updater.py
    )
    try:
        replies = await context.engine.handle(incoming)
    except StorageUnavailable as failure:
        if failure.notice is not None:  # the truth, once per chat while it lasts: not stored yet, answered later
            try:
                await render.render(context.bot, chat_id, [failure.notice])
            except TelegramError as refusal:
                logger.info("could not tell chat %s that its update waits: %s", chat_id, refusal)
        raise updater.DeliverAgain(
            f"answers not stored: {failure}", retry_after=failure.retry_after, recovered=failure.recovered
        ) from failure
    except NotYourTurn as behind:  # an earlier update of the user arrived meanwhile: it goes first
        raise updater.DeliverAgain(str(behind), retry_after=0, requeue=True) from behind
    except RepliesInFlight as sending:  # stored; another process is sending its replies: answered once it has
        raise updater.DeliverAgain(str(sending), retry_after=sending.retry_after) from sending
    try:
        await render.render(context.bot, chat_id, replies, pressed=pressed, room_charts=context.room_charts)
    except (NetworkError, RetryAfter) as failure:
        if isinstance(failure, BadRequest):
            raise  # Telegram refused the message itself: sending it again would not help
        raise updater.DeliverAgain(f"replies not sent: {failure}") from failure  # the outbox keeps them
    if replies:
        await context.engine.replies_sent(incoming.update_id)


async def send_reminders(context: CitybotContext) -> None:
    """The JobQueue's pass: claim the reminders due for Telegram users, send each (rate-limited as replies are).

    A reminder Telegram refuses for good (the person blocked the bot, or the chat is gone) marks
    the person unreachable; one that fails on the network is claimed and sent by a later pass.
    """
    engine = context.engine
    try:
        due = await engine.due_reminders(user_prefix=f"{TRANSPORT}:")
    except Exception:  # the database is busy or gone: the next pass tries again
        logger.exception("could not look for reminders due")
        return
    for reminder in due:
        chat_id = int(reminder.user_id.removeprefix(f"{TRANSPORT}:"))  # a private chat's id is its user's
        try:
            await render.render(context.bot, chat_id, list(reminder.replies))
        except (Forbidden, BadRequest) as refusal:
            gone = isinstance(refusal, Forbidden) or "chat not found" in refusal.message.lower()
            logger.info("reminder %s refused by Telegram (%s)", reminder.id, refusal.message)
            await engine.reminder_undeliverable(reminder.id, reminder.user_id, unreachable=gone)
            continue
        except TelegramError as failure:
            logger.warning("reminder %s not sent (%s); a later pass sends it", reminder.id, failure)
            continue
        await engine.reminder_delivered(reminder.id)


async def command(update: Update, context: CitybotContext) -> None:
    """Pass a command with its arguments, such as the `/start ws_<code>` deep-link payload, to the engine."""
    typed = command_text(update.effective_message, context.bot.username)
    if typed is not None:
        await converse(update, context, Kind.COMMAND, typed)


async def text(update: Update, context: CitybotContext) -> None:
    """Pass free text (an answer, a city name, a question) to the engine."""
    assert update.effective_message is not None
    await converse(update, context, Kind.TEXT, update.effective_message.text or "")


async def choice(update: Update, context: CitybotContext) -> None:
    """Stop the button's spinning clock at once, then let the engine act on the pressed choice."""
    query = update.callback_query
    assert query is not None
    in_group = query.message is not None and query.message.chat.type != ChatType.PRIVATE
    hint = texts_of(update, context).get("group.open_private") if in_group else None
    try:
        await query.answer(hint)
    except BadRequest as refusal:  # pressed long ago (e.g. while the bot was down): too old to answer
        logger.info("could not answer callback query %s: %s", query.id, refusal.message)
    if in_group:
        return  # questions are only asked in private chats; never answer them in front of the group
    pressed = query.message if isinstance(query.message, Message) else None
    await converse(update, context, Kind.CHOICE, query.data or "", pressed=pressed)


async def other(update: Update, context: CitybotContext) -> None:
    """Name a sticker, photo, voice note, location... to the engine, which answers it helpfully."""
    await converse(update, context, Kind.OTHER, content_kind(update))


async def group_command(update: Update, context: CitybotContext) -> None:
    """In a group, answer with a button to the private chat, so nobody's answers are shown to the group."""
    message = update.effective_message
    assert message is not None
    typed = command_text(message, context.bot.username, private=False)
    if typed is None:
        return
    name, _, argument = typed.partition(" ")
    link = f"https://t.me/{context.bot.username}"
    if name == "/start" and DEEP_LINK_PAYLOAD.match(argument.strip()):
        link += f"?start={argument.strip()}"
    texts = texts_of(update, context)
    await render.invitation(
        context.bot,
        message.chat.id,
        texts.get("group.open_private"),
        button=texts.get("group.open_private_button"),
        url=link,
        reply_to=message.message_id,
    )


async def error(update: object, context: CitybotContext) -> None:
    """Log the failure by ids (never names or texts), and tell the user plainly that their answers are safe.

    An update whose answers could not be stored (storage failing) or whose replies could not be sent
    is not confirmed, so it comes back and is answered then, never apologised for; a revoked token
    stops the bot (see bot/telegram/updater.py).
    """
    delivery = updater.delivery_of(context.application)
    if isinstance(context.error, updater.DeliverAgain):
        expected = context.error.retry_after is not None  # the engine said when: an outage (logged once), its turn
        level = logging.DEBUG if expected else logging.WARNING
        logger.log(level, "update %s must come back (%s)", update_id(update), context.error)
        if delivery is not None:
            delivery.come_back(update, context.error)
        raise ApplicationHandlerStop  # no other handler for it either: it comes back whole
    fatal = updater.fatal_error(context.error) if context.error is not None else None
    if fatal is not None and delivery is not None:
        delivery.fatal(fatal)
        return
    chat = update.effective_chat if isinstance(update, Update) else None
    logger.error(
        "error while handling update %s (chat %s)", update_id(update), chat.id if chat else None, exc_info=context.error
    )
    if not isinstance(update, Update) or chat is None:
        return
    try:
        await render.notice(context.bot, chat.id, texts_of(update, context).get("errors.internal"))
    except TelegramError as failure:  # e.g. the user blocked the bot; nothing more we can do
        logger.warning("could not tell chat %s about the error: %s", chat.id, failure)


def sender_key(update: Update) -> str | None:
    """The engine's user id of an update's sender (as :func:`converse` names it), or None."""
    user = update.effective_user
    return f"{TRANSPORT}:{user.id}" if user is not None else None


def update_id(update: object) -> str:
    """What identifies an update in the log: its id, never its contents."""
    return str(update.update_id) if isinstance(update, Update) else type(update).__name__


def texts_of(update: Update, context: CitybotContext) -> Texts:
    """The sentences in the user's language, for the few replies the adapter words itself."""
    user = update.effective_user
    if user is None:
        return context.engine.texts
    return context.engine.texts_for(context.engine.known_language(f"{TRANSPORT}:{user.id}", user.language_code))


def command_text(message: Message | None, bot_username: str | None, *, private: bool = True) -> str | None:
    """The command as the user meant it ("/start ws_ab12"), without "@ourbot".

    None only for a group command addressed to another bot ("/help@otherbot"); in our private chat
    every form is ours and answered, even one Telegram clients would not send ("/help.me@home").
    """
    if message is None or not message.text:
        return None
    head, separator, rest = COMMAND_HEAD.match(message.text).groups()  # type: ignore[union-attr]  # COMMAND_HEAD matches any text
    if addressed := ADDRESSED_COMMAND.match(head):
        name, addressee = addressed.groups()
        if not private and bot_username and addressee.lower() != bot_username.lower():
            return None
        head = name
    return f"{head}{separator}{rest}".strip()


def content_kind(update: Update) -> str:
    """Name what a non-text message carries ("sticker", "location"...), or "edited" for an edited message."""
    if update.edited_message is not None:
        return "edited"
    message = update.effective_message
    for kind in NON_TEXT_KINDS:
        if message is not None and getattr(message, kind, None):
            return kind
    return "message"
