"""Turn the engine's Reply values into Telegram messages, edits, photos and documents.

All text goes out in HTML parse mode and is escaped here, once, so nothing a user typed or a
catalogue contains can break formatting or inject markup. Nothing here decides *what* to say.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    MaybeInaccessibleMessage,
    Message,
    ReplyParameters,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.helpers import create_deep_linked_url

from bot.chart_workers import chart_png
from bot.export import write_export
from bot.qr import qr_png
from bot.report import poster_pdf, report_pdf
from conversations import AnswerExport, Attachment, GroupReport, Invitation, Option, Poster, Reply

logger = logging.getLogger(__name__)

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted by Telegram in UTF-16 code units
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)  # 1024
EMPTY_TEXT = "…"
"""Telegram rejects empty messages; a reply that is only buttons still needs something to carry them."""
PHONE_ROW_CHARS = 36
"""Roughly what fits across one keyboard row on a phone; wider rows get fewer columns."""
CHART_FILENAME = "citybot-results.png"
QR_FILENAME = "citybot-join-{payload}.png"
ROOM_CHARTS_KEPT = 2000
"""Workshop rooms whose chart message the renderer remembers (a few bytes each); the oldest are forgotten first."""


@dataclass(frozen=True, slots=True)
class ShownChart:
    """A room's chart as shown: its photo's message id and a digest of its picture and caption."""

    message_id: int
    digest: str


class RoomCharts:
    """Which photo shows the chart of which room message: ``(chat id, room message id)`` → :class:`ShownChart`.

    A room view is a chart photo with the room's text (and buttons) under it; 🔄 Refresh edits the
    text in place and, found here, the photo too (not at all when the new chart is the same picture).
    Kept in memory, the most recently used rooms first: after a restart, or for a room forgotten
    here, Refresh sends the chart anew (under the room's text) and remembers that one, leaving the
    earlier chart, which carries its own time and counts in its subtitle, where it was.
    """

    def __init__(self, kept: int = ROOM_CHARTS_KEPT) -> None:
        self.kept = kept
        self._shown: OrderedDict[tuple[int, int], ShownChart] = OrderedDict()

    def chart_of(self, chat_id: int, room_id: int) -> ShownChart | None:
        """The chart shown with this room message, if known."""
        key = (chat_id, room_id)
        if key in self._shown:
            self._shown.move_to_end(key)
        return self._shown.get(key)

    def forget(self, chat_id: int, room_id: int) -> ShownChart | None:
        """No longer keep this room message's chart; the chart it had, if known."""
        return self._shown.pop((chat_id, room_id), None)

    def remember(self, chat_id: int, room_id: int, chart: ShownChart) -> None:
        self._shown[(chat_id, room_id)] = chart
        self._shown.move_to_end((chat_id, room_id))
        while len(self._shown) > self.kept:
            self._shown.popitem(last=False)


def escape(text: str) -> str:
    """Make text safe for HTML parse mode; quotes only matter inside attributes, which we never fill."""
    return html.escape(text, quote=False)


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units, so an emoji may count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Escape text and cut it into chunks that each fit one message, preferring line, then word breaks."""
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        candidate = current + piece
        if current and utf16_length(escape(candidate)) > limit:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return [escape(chunk.rstrip("\n")) or EMPTY_TEXT for chunk in chunks]


def _pieces(text: str, limit: int) -> list[str]:
    """Lines (with their newline), each further cut at spaces or, failing that, hard, to fit the limit."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        while utf16_length(escape(line)) > limit:
            cut = _longest_fitting_prefix(line, limit)
            space = line.rfind(" ", 0, cut)
            cut = space + 1 if space > 0 else cut
            pieces.append(line[:cut])
            line = line[cut:]
        pieces.append(line)
    return pieces


def _longest_fitting_prefix(line: str, limit: int) -> int:
    low, high = 1, len(line)
    while low < high:  # binary search: escaping changes lengths, so measure rather than count
        middle = (low + high + 1) // 2
        if utf16_length(escape(line[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def keyboard(options: Sequence[Option], columns: int = 1) -> InlineKeyboardMarkup | None:
    """Lay options out up to `columns` per row; a row closes early when its labels would not fit a phone.

    Telegram gives every button of a row the same width, so a row fits when its widest label
    times its number of buttons fits; one long label thus only narrows its own row.
    """
    if not options:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    row: list[Option] = []
    for option in options:
        widened = [*row, option]
        widest = max(len(o.label) for o in widened)
        if row and (len(widened) > columns or widest * len(widened) > PHONE_ROW_CHARS):
            rows.append([InlineKeyboardButton(o.label, callback_data=o.choice) for o in row])
            widened = [option]
        row = widened
    rows.append([InlineKeyboardButton(o.label, callback_data=o.choice) for o in row])
    return InlineKeyboardMarkup(rows)


async def render(
    bot: Bot,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    pressed: MaybeInaccessibleMessage | None = None,
    room_charts: RoomCharts | None = None,
) -> None:
    """Show replies in order; the first `replaces_previous` reply edits the message whose button was pressed.

    When that is the first reply and the next one is plain text (typically: what was picked, then
    the next question), both go into the pressed message in one edit, the next one's buttons under
    them: a press costs one edit instead of an edit and a new message, and the question stays under
    the official's thumb. If they would not fit one message, or Telegram refuses the edit, they go
    out one by one as before.

    A room's chart (``Reply.room_chart``) pressed in its room replaces the photo `room_charts` knows
    for the pressed message, and is remembered for the message that then shows the room. A room
    edited in place without one (too few answers to draw it now) loses its earlier chart.
    """
    replies = list(replies)
    room = pressed  # the pressed message: a room view, if `room_charts` knows a chart of it
    replaced = False  # whether the pressed message now shows something else
    if pressed is not None and len(replies) > 1 and (joined := _joined(replies[0], replies[1])) is not None:
        if replaced := await _edit(bot, pressed, *joined):
            replies = replies[2:]
        pressed = None  # replaced, or refused: then the replies are sent anew, none of them lost
    chart_photo: ShownChart | None = None  # a room's chart, waiting for the room message it belongs to
    charted = False
    for reply in replies:
        if reply.room_chart and reply.chart is not None and room_charts is not None:
            chart_photo = await _room_chart(bot, chat_id, reply, room=pressed, room_charts=room_charts)
            charted = True
            continue
        editable = pressed if reply.replaces_previous and _plain(reply) else None
        shown = await render_one(bot, chat_id, reply, edit=editable)
        if chart_photo is not None and shown is not None and room_charts is not None:
            if room is not None and shown.message_id != room.message_id:
                room_charts.forget(chat_id, room.message_id)  # the room moved to a new message: the chart with it
            room_charts.remember(chat_id, shown.message_id, chart_photo)
        chart_photo = None
        if editable is not None:
            replaced = replaced or shown is editable
            pressed = None  # one message can only be replaced once
    if room is not None and replaced and not charted and room_charts is not None:
        await _drop_room_chart(bot, chat_id, room.message_id, room_charts)


async def _drop_room_chart(bot: Bot, chat_id: int, room_id: int, room_charts: RoomCharts) -> None:
    """Delete the chart shown with a room message that no longer has one, so no figures stay that its room hides."""
    stale = room_charts.forget(chat_id, room_id)
    if stale is not None:
        await _delete_chart(bot, chat_id, stale)


async def _delete_chart(bot: Bot, chat_id: int, chart: ShownChart) -> None:
    """Delete a room's earlier chart; one already gone (or too old to delete) is left to the user."""
    try:
        await bot.delete_message(chat_id, chart.message_id)
    except TelegramError as error:
        logger.info("could not delete the room's old chart %s (%s)", chart.message_id, error.message)


async def _room_chart(
    bot: Bot, chat_id: int, reply: Reply, *, room: MaybeInaccessibleMessage | None, room_charts: RoomCharts
) -> ShownChart | None:
    """Show a room's chart: edited into the photo of the pressed room's chart when known, else sent.

    The same picture and caption as shown already cost no call. When Telegram refuses the edit
    (the photo was deleted, say) a new photo goes out and the old one, if still there, is deleted,
    so no chart with other figures than the room's stays beside it.
    """
    known = room_charts.chart_of(chat_id, room.message_id) if room is not None else None
    chart = await _chart(reply)
    if chart is None:
        return known  # not drawn: the room's text still goes out, the chart stays as it was
    caption = escape(reply.text) if utf16_length(escape(reply.text)) <= CAPTION_LIMIT else None
    digest = hashlib.sha256(chart.data + (caption or "").encode()).hexdigest()
    if known is not None:
        if known.digest == digest:
            return known
        # Bytes, not an InputFile: only then does PTB upload them as the attachment the media names.
        media = InputMediaPhoto(chart.data, filename=chart.filename, caption=caption, parse_mode=ParseMode.HTML)
        try:
            await bot.edit_message_media(media, chat_id=chat_id, message_id=known.message_id)
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return ShownChart(known.message_id, digest)  # the very same picture: nothing to change
            logger.info(
                "could not replace the room's chart %s (%s); sending a new one", known.message_id, error.message
            )
        else:
            return ShownChart(known.message_id, digest)
    sent = await bot.send_photo(
        chat_id, InputFile(chart.data, filename=chart.filename), caption=caption, parse_mode=ParseMode.HTML
    )
    if known is not None:
        await _delete_chart(bot, chat_id, known)
    return ShownChart(sent.message_id, digest)


def _plain(reply: Reply) -> bool:
    """Text and buttons only: no photo, file or join card, so it can be edited into a text message."""
    return (
        reply.attachment is None
        and reply.chart is None
        and reply.invitation is None
        and reply.export is None
        and reply.report is None
        and reply.poster is None
    )


def _joined(first: Reply, second: Reply) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The text (escaped) and keyboard of one message showing `first`, a blank line, then `second`.

    Only for a `first` that replaces the pressed message and has no buttons of its own (an echo of
    the choice), a plain `second`, and when both fit one message; else ``None``.
    """
    if not (first.replaces_previous and not first.options and _plain(first) and _plain(second)):
        return None
    if not first.text.strip() or not second.text.strip():
        return None
    chunks = split_text(f"{first.text.rstrip()}\n\n{second.text}")
    if len(chunks) > 1:
        return None
    return chunks[0], keyboard(second.options, second.columns)


async def render_one(
    bot: Bot, chat_id: int, reply: Reply, *, edit: MaybeInaccessibleMessage | None = None
) -> MaybeInaccessibleMessage | None:
    """Send (or edit into place) one reply: text chunks, keyboard on the last one, attachment or chart if any.

    Returns the message that shows the reply's end (its buttons), or ``None`` if nothing was shown.
    """
    markup = keyboard(reply.options, reply.columns)
    text = reply.text
    attachment: Attachment | None
    if reply.invitation is not None:
        attachment, text = _join_card(bot, reply.invitation, text)
    elif reply.chart is not None and utf16_length(escape(text)) > CAPTION_LIMIT:
        # Too long for the chart's caption: the text goes out at once and the chart, with the
        # buttons, when it is drawn, so nobody waits for a picture to read their results.
        sent = [await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML) for chunk in split_text(text)]
        chart = await _chart(reply)
        if chart is not None:
            return await bot.send_photo(chat_id, InputFile(chart.data, filename=chart.filename), reply_markup=markup)
        if markup is not None:  # no chart after all: the buttons go under the text
            await bot.edit_message_reply_markup(chat_id, sent[-1].message_id, reply_markup=markup)
        return sent[-1]
    else:
        attachment = (
            await _chart(reply)
            or await _export(reply.export)
            or await _document(bot, reply.report, reply.poster)
            or reply.attachment
        )
    if attachment is not None:
        return await _send_attachment(bot, chat_id, text, attachment, markup)
    chunks = split_text(reply.text)
    shown: MaybeInaccessibleMessage | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        if index == 0 and edit is not None and await _edit(bot, edit, chunk, markup if last else None):
            shown = edit
            continue
        shown = await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None)
    return shown


async def _edit(bot: Bot, message: MaybeInaccessibleMessage, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Edit the pressed message in place; False when Telegram refuses, so the caller sends a new message."""
    if not isinstance(message, Message):
        return False  # too old or deleted: Telegram only tells us its id, and editing it would fail
    if message.text is None:
        return False  # a photo (results with their chart) or a file: Telegram has no text there to edit
    try:
        await bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=message.message_id, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True  # the same press twice: the message already shows this
        logger.info("could not edit message %s (%s); sending a new one", message.message_id, error.message)
        return False
    return True


async def _chart(reply: Reply) -> Attachment | None:
    """The reply's chart as a PNG photo, drawn in a worker process; ``None`` without a chart or if drawing fails."""
    if reply.chart is None:
        return None
    try:
        data = await chart_png(reply.chart)
    except Exception:  # a chart is a bonus: the text and buttons still go out without it
        logger.exception("could not draw the chart")  # its title names a city or a person: not for the log
        return None
    return Attachment(CHART_FILENAME, data, is_image=True)


def join_link(bot: Bot, payload: str) -> str:
    """The ``https://t.me/<bot>?start=<payload>`` link that opens the bot and sends ``/start <payload>``."""
    return create_deep_linked_url(bot.username, payload)


def _join_card(bot: Bot, invite: Invitation, text: str) -> tuple[Attachment, str]:
    """A workshop's join link: a QR code of it as the photo, the link itself under the reply's text."""
    link = join_link(bot, invite.payload)
    return Attachment(QR_FILENAME.format(payload=invite.payload), qr_png(link), is_image=True), f"{text}\n\n{link}"


async def _export(export: AnswerExport | None) -> Attachment | None:
    """Answer rows written as a file, off the event loop (an Excel workbook of thousands of rows takes seconds)."""
    if export is None:
        return None
    data = await asyncio.to_thread(write_export, export)
    return Attachment(export.filename, data)


async def _document(bot: Bot, report: GroupReport | None, poster: Poster | None) -> Attachment | None:
    """A report or poster laid out as a PDF, off the event loop (a report with its chart takes a second)."""
    if report is not None:
        return Attachment(report.filename, await asyncio.to_thread(report_pdf, report))
    if poster is not None:
        link = join_link(bot, poster.payload)
        return Attachment(poster.filename, await asyncio.to_thread(poster_pdf, poster, link=link))
    return None


async def _send_attachment(
    bot: Bot, chat_id: int, text: str, attachment: Attachment, markup: InlineKeyboardMarkup | None
) -> Message:
    """Images go as photos (shown inline), anything else as a document; long text goes ahead as messages."""
    caption: str | None = escape(text) or None
    if caption is not None and utf16_length(caption) > CAPTION_LIMIT:
        for chunk in split_text(text):
            await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
        caption = None
    upload = InputFile(attachment.data, filename=attachment.filename)
    if attachment.is_image:
        return await bot.send_photo(chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup)
    return await bot.send_document(chat_id, upload, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup)


async def notice(bot: Bot, chat_id: int, text: str) -> None:
    """Send one plain sentence, e.g. the reassurance after an internal error."""
    for chunk in split_text(text):
        await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)


async def invitation(bot: Bot, chat_id: int, text: str, *, button: str, url: str, reply_to: int | None = None) -> None:
    """Send a sentence with one URL button, e.g. the group chat's pointer to the private chat."""
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton(button, url=url))
    await bot.send_message(
        chat_id,
        split_text(text)[0],
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None,
    )
